"""The quality matrix: noise profiles x world sizes, each run end to end and scored against its truth.

    python benchmarks/linkage_quality.py matrix --sizes 20000 200000 --profiles normal hard cities random \\
        --holdouts holdout_movers holdout_sparse_ids [--noise-seeds 1 2] [--cache DIR] [--json FILE]

For every world (generated once, cached): ``covgap run`` in a child process (wall time, peak
memory), then per group precision, recall and F1 beside the identifiability ceiling and beside the
run's own estimates (``estimates.parquet``: what the run expects without truth); link-level
precision and recall per source beside the link stage's estimates; blocking recall (true pairs
no rule proposes); a reliability table (predicted against observed share of true links per
probability band, over every candidate pair, and of true prospects over the listed rows); split
old communes of household businesses resolved, flagged and wrong. Holdout profiles run last and
are reported on their own: they are for the final check, never for tuning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-07-01"
READ: dict[str, Any] = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
KEY = ["group", "ward_code", "person_id", "tax_code", "business_id"]
BANDS = [0.0, 0.001, 0.01, 0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.99, 0.999, 1.0001]
LINK_TRUTH = {"insured": "insured_links.csv", "managers": "manager_links.csv",
              "household_businesses": "household_owner_links.csv"}


@dataclass(frozen=True)
class WorldSpec:
    profile: str
    persons: int
    seed: int
    noise_seed: int

    @property
    def name(self) -> str:
        return f"{self.profile}-{self.persons}-s{self.seed}-n{self.noise_seed}"


def _measured(command: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of a child process; exits on failure."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{process.stderr.read() if process.stderr else ''}")
    return time.perf_counter() - started, usage.ru_maxrss / 2**20


def world_folder(spec: WorldSpec, cache: Path) -> Path:
    folder = cache / f"world-{spec.name}"
    if not (folder / "truth" / "prospects.csv").exists():
        _measured([sys.executable, "-m", "sample_data.generator", "--persons", str(spec.persons), "--seed",
                   str(spec.seed), "--noise", spec.profile, "--noise-seed", str(spec.noise_seed), "--as-of", AS_OF,
                   "--out", str(folder)])
    return folder


def _groups(world: Path, out: Path) -> pd.DataFrame:
    """Per group: measured P, R, F1; the run's estimated P, R."""
    found = pd.read_parquet(out / "_stages" / "prospects" / "prospects.parquet")[KEY].fillna("")
    truth = pd.read_csv(world / "truth" / "prospects.csv", **READ)[KEY]
    estimates = pd.read_parquet(out / "_stages" / "prospects" / "estimates.parquet")
    rows = []
    for group in truth["group"].unique():
        got = set(map(tuple, found[found["group"] == group].to_numpy()))
        want = set(map(tuple, truth[truth["group"] == group].to_numpy()))
        hit = len(got & want)
        p, r = hit / len(got) if got else 1.0, hit / len(want) if want else 1.0
        est = estimates[estimates["group"] == group]
        listed, true, missed = est["listed"].sum(), est["expected_true"].sum(), est["expected_missed"].sum()
        rows.append({"group": group, "expected": len(want), "found": len(got), "P": p, "R": r,
                     "F1": 2 * p * r / (p + r) if p + r else 0.0, "estP": true / listed if listed else 1.0,
                     "estR": true / (true + missed) if true + missed else 1.0})
    return pd.DataFrame(rows)


def _truth_links(world: Path) -> pd.DataFrame:
    parts = []
    for source, file in LINK_TRUTH.items():
        links = pd.read_csv(world / "truth" / file, **READ)
        parts.append(pd.DataFrame({"record_key": source + ":" + links["row_number"], "person_id": links["person_id"]}))
    return pd.concat(parts, ignore_index=True)


def _links(world: Path, out: Path) -> dict[str, Any]:
    """Link precision and recall per source (records of usable rows only) and the link estimates."""
    truth = _truth_links(world)
    quarantined = pd.read_csv(world / "truth" / "quarantine.csv", **READ)
    bad = set(quarantined["register"] + ":" + quarantined["row_number"])
    truth = truth[~truth["record_key"].isin(bad)]
    links = pd.read_parquet(out / "_stages" / "link" / "person_links.parquet")
    links["record_key"] = links["source"] + ":" + links["row_number"].astype(str)
    got = set(zip(links["record_key"], links["person_id"], strict=True))
    want = {(k, p) for k, p in zip(truth["record_key"], truth["person_id"], strict=True) if p}
    out_rows: dict[str, Any] = {}
    for source in (*LINK_TRUTH, "all"):
        mine_got = {x for x in got if source == "all" or x[0].startswith(source + ":")}
        mine_want = {x for x in want if source == "all" or x[0].startswith(source + ":")}
        hit = len(mine_got & mine_want)
        out_rows[source] = {"P": hit / max(len(mine_got), 1), "R": hit / max(len(mine_want), 1)}
    thresholds = json.loads((out / "_stages" / "link" / "summary.json").read_text())["thresholds"]
    out_rows["estimated"] = {"P": thresholds.get("expected_precision"), "R": thresholds.get("expected_recall")}
    out_rows["outsiders"] = {s: thresholds.get(f"outsider_share:{s}") for s in LINK_TRUTH}
    return out_rows


def _reliability(world: Path, out: Path) -> dict[str, pd.DataFrame]:
    """Predicted against observed: candidate pairs (are they true links?) and listed rows (are
    they true prospects?), per probability band."""
    truth = _truth_links(world)
    owner = dict(zip(truth["record_key"], truth["person_id"], strict=True))
    cand = pd.read_parquet(out / "_stages" / "link" / "candidates.parquet")
    cand["true"] = cand["person_id"].to_numpy() == cand["record_key"].map(owner).to_numpy()
    tables = {"links": _banded(cand["match_probability"], cand["true"])}
    prospects = pd.read_parquet(out / "_stages" / "prospects" / "prospects.parquet")
    verify = pd.read_parquet(out / "_stages" / "prospects" / "prospects_to_verify.parquet")
    rows = pd.concat([prospects, verify], ignore_index=True)
    want = set(map(tuple, pd.read_csv(world / "truth" / "prospects.csv", **READ)[KEY].to_numpy()))
    true = pd.Series([tuple(x) in want for x in rows[KEY].fillna("").to_numpy()])
    tables["prospects"] = _banded(rows["confidence"], true)
    return tables


def _banded(predicted: pd.Series, observed: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"p": predicted.to_numpy(dtype=float), "true": observed.to_numpy(dtype=bool)})
    frame["band"] = pd.cut(frame["p"], BANDS, right=False)
    table = frame.groupby("band", observed=True).agg(n=("true", "size"), predicted=("p", "mean"),
                                                     observed=("true", "mean"))
    return table.reset_index().assign(band=lambda t: t["band"].astype(str))


def _blocking_recall(world: Path, out: Path) -> dict[str, float]:
    """Share of true (record, resident) pairs that some blocking rule proposes, per source."""
    sys.path.insert(0, str(ROOT))
    from matching.linkage.blocking import candidate_pairs
    from matching.linkage.features import build_features
    from pipelines.link import RECORD_SOURCES, person_records

    stage = out / "_stages" / "standardise"
    tables = {name: pd.read_parquet(stage / f"{name}.parquet")
              for name in ("population", "organisations", *RECORD_SOURCES)}
    records = person_records(tables).sort_values("record_key", kind="stable").reset_index(drop=True)
    population = tables["population"].sort_values("person_id", kind="stable").reset_index(drop=True)
    rec, pop = build_features(records, population)
    pairs, _ = candidate_pairs(rec, pop)
    n = len(population)
    proposed = set((pairs["r"].to_numpy().astype(np.int64) * n + pairs["p"].to_numpy()).tolist())
    record_row = pd.Series(np.arange(len(records)), index=records["record_key"])
    person_row = pd.Series(np.arange(n), index=population["person_id"])
    truth = _truth_links(world)
    truth = truth[truth["record_key"].isin(record_row.index) & truth["person_id"].isin(person_row.index)]
    code = record_row[truth["record_key"]].to_numpy().astype(np.int64) * n + person_row[truth["person_id"]].to_numpy()
    hit = np.array([c in proposed for c in code.tolist()])
    out_rows = {source: float(hit[truth["record_key"].str.startswith(source + ":").to_numpy()].mean())
                for source in RECORD_SOURCES}
    out_rows["all"] = float(hit.mean()) if len(hit) else 1.0
    return out_rows


def _splits(world: Path, out: Path) -> dict[str, int]:
    """Household businesses written with a split old commune: resolved right / wrong, flagged right / wrong."""
    rows = pd.read_parquet(out / "_stages" / "standardise" / "household_businesses.parquet",
                           columns=["row_number", "ward_code", "ward_status"])
    truth = pd.read_csv(world / "truth" / "household_owner_links.csv", **READ)
    truth["row_number"] = truth["row_number"].astype(int)
    both = rows.merge(truth[["row_number", "ward_code"]], on="row_number", suffixes=("", "_true"))
    out_rows = {}
    for status in ("old_split_resolved", "old_split_flagged"):
        mine = both[both["ward_status"] == status]
        out_rows[status.removeprefix("old_split_")] = int(len(mine))
        wrong = int((mine["ward_code"] != mine["ward_code_true"]).sum())
        out_rows[f"{status.removeprefix('old_split_')}_wrong"] = wrong
    return out_rows


def evaluate(spec: WorldSpec, cache: Path) -> dict[str, Any]:
    """Generate, run, score one world."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.identifiability import ceiling

    world = world_folder(spec, cache)
    out = cache / f"out-{spec.name}"
    seconds, peak = _measured([str(Path(sys.executable).with_name("covgap")), "run", "--input", str(world),
                               "--output", str(out), "--as-of", AS_OF])
    groups = _groups(world, out)
    ceilings, _ = ceiling(world)
    groups = groups.merge(ceilings[["group", "precision", "recall", "f1"]].rename(
        columns={"precision": "ceilP", "recall": "ceilR", "f1": "ceilF1"}), on="group")
    return {"world": spec.name, "profile": spec.profile, "persons": spec.persons, "seconds": round(seconds, 1),
            "peak_gib": round(peak, 2), "groups": groups, "links": _links(world, out),
            "blocking_recall": _blocking_recall(world, out), "reliability": _reliability(world, out),
            "splits": _splits(world, out)}


def _print(report: dict[str, Any]) -> None:
    groups: pd.DataFrame = report["groups"]
    macro, ceiling = groups["F1"].mean(), groups["ceilF1"].mean()
    print(f"\n=== {report['world']}: covgap run {report['seconds']} s, peak {report['peak_gib']} GiB; "
          f"macro F1 {macro:.4f} (ceiling {ceiling:.4f}, gap {ceiling - macro:+.4f})")
    print(groups[["group", "expected", "found", "P", "ceilP", "estP", "R", "ceilR", "estR", "F1"]].to_string(
        index=False, float_format=lambda v: f"{v:.4f}"))
    links = report["links"]
    print("links  " + "  ".join(f"{s}: P {v['P']:.4f} R {v['R']:.4f}" for s, v in links.items()
                                if s not in ("estimated", "outsiders")))
    est = links["estimated"]
    print(f"links estimated: P {est['P']:.4f} R {est['R']:.4f}; outsider share estimated {links['outsiders']}")
    print("blocking recall " + "  ".join(f"{s}: {v:.5f}" for s, v in report["blocking_recall"].items()))
    print("split communes (household businesses): " + ", ".join(f"{k} {v}" for k, v in report["splits"].items()))
    for name, table in report["reliability"].items():
        print(f"reliability, {name}:")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def _summary(reports: list[dict[str, Any]], title: str) -> None:
    rows = []
    for report in reports:
        g = report["groups"].set_index("group")
        rows.append({"world": report["world"], "macroF1": g["F1"].mean(), "ceiling": g["ceilF1"].mean(),
                     "worst P-ceil": (g["P"] - g["ceilP"]).min(), "worst R-ceil": (g["R"] - g["ceilR"]).min(),
                     "HI P": g.loc["hi_prospect", "P"], "unreg P": g.loc["unregistered_employer", "P"],
                     "max |estP-P|": (g["estP"] - g["P"]).abs().max(), "max |estR-R|": (g["estR"] - g["R"]).abs().max(),
                     "blocking": report["blocking_recall"]["all"], "s": report["seconds"], "GiB": report["peak_gib"]})
    print(f"\n##### {title}")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def run_matrix(sizes: list[int], profiles: list[str], holdouts: list[str], seeds: list[int], noise_seeds: list[int],
               cache: Path, json_path: Path | None) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    done: dict[str, list[dict[str, Any]]] = {"development": [], "holdout": []}
    for kind, names in (("development", profiles), ("holdout", holdouts)):
        for profile in names:
            for persons in sizes:
                for seed in seeds:
                    for noise_seed in noise_seeds:
                        report = evaluate(WorldSpec(profile, persons, seed, noise_seed), cache)
                        _print(report)
                        done[kind].append(report)
    if done["development"]:
        _summary(done["development"], "development profiles")
    if done["holdout"]:
        _summary(done["holdout"], "HOLDOUT profiles (never tuned on)")
    if json_path is not None:
        def plain(value: Any) -> Any:
            return value.to_dict("records") if isinstance(value, pd.DataFrame) else value
        payload = {kind: [{k: ({n: plain(t) for n, t in v.items()} if k == "reliability" else plain(v))
                           for k, v in r.items()} for r in reports] for kind, reports in done.items()}
        json_path.write_text(json.dumps(payload, indent=1, default=float), encoding="utf-8")
