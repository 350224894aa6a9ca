"""What remembering the nights costs: two nights on a generated world, the second a week later with changes planted.

    python -m benchmarks.night_overhead [--persons 50000] [--seed 3] [--state URL] [--keep DIR]

Night 2 is night 1's registers (records as typed, the same) in which 1% of the living residents died,
1% of the health-insurance prospects got a card (a new insured record, exactly typed), and one in
twenty active enterprises was dissolved. Prints, per night, the time of the whole run, of the
``changes`` stage and of recording the night in the state store (SQLite by default, or ``--state``)
and their share of the run; then how many prospects listed both nights kept their ``prospect_id``,
and whether ``changes.csv`` names every planted change among the listed (deaths: gone, cards:
resolved by that record, dissolved: gone). Not the full benchmark of issue 14: that is ``benchmarks/nights.py``
(five nights of an evolving world, re-typed records, truth of every change from the generator, officers' outcomes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from pipelines.changes import record_night
from pipelines.context import RunContext
from pipelines.flow import FLOW
from pipelines.run import run_stage
from sample_data.generator import generate

NIGHTS = (dt.date(2026, 7, 1), dt.date(2026, 7, 8))


def _night(world: Path, out: Path, as_of: dt.date, state: str) -> dict[str, float]:
    ctx = RunContext.create(world, out, as_of, state=state)
    times: dict[str, float] = {}
    results: dict[str, object] = {}
    started = time.perf_counter()
    for stage in FLOW:
        begun = time.perf_counter()
        items = results[stage.over] if stage.over is not None else None
        results[stage.name] = run_stage(ctx, stage.name, items=items, workers=1)  # type: ignore[arg-type]
        times[stage.name] = time.perf_counter() - begun
    begun = time.perf_counter()
    record_night(ctx)
    times["record"] = time.perf_counter() - begun
    times["total"] = time.perf_counter() - started
    return times


def _plant(world: Path, into: Path, listed: pd.DataFrame, seed: int) -> dict[str, set[str]]:
    """Night 2's registers: ``world``'s with the changes planted; returns who changed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shutil.copytree(world, into)
    population = pd.read_csv(into / "population.csv", dtype=str, keep_default_na=False)
    alive = population.index[population["death_date"] == ""]
    died = rng.choice(alive, size=max(1, len(alive) // 100), replace=False)
    population.loc[died, "death_date"] = "2026-07-05"
    population.to_csv(into / "population.csv", index=False)
    hi = sorted(set(listed.loc[listed["group"] == "hi_prospect", "person_id"]) - set(population.loc[died, "person_id"]))
    carded = set(rng.choice(hi, size=max(1, len(hi) // 100), replace=False).tolist()) if hi else set()
    insured = pd.read_csv(into / "insured.csv", dtype=str, keep_default_na=False)
    people = population.set_index("person_id")
    cards = [{**dict.fromkeys(insured.columns, ""), "si_code": f"79{i:08d}", "person_id": p,
              "full_name": people.at[p, "full_name"], "date_of_birth": people.at[p, "date_of_birth"],
              "sex": people.at[p, "sex"], "ward_code": people.at[p, "ward_code"], "hi_valid_to": "2027-06-30"}
             for i, p in enumerate(sorted(carded))]
    pd.concat([insured, pd.DataFrame(cards)], ignore_index=True).to_csv(into / "insured.csv", index=False)
    enterprises = pd.read_csv(into / "enterprises.csv", dtype=str, keep_default_na=False)
    active = enterprises.index[enterprises["status"] == "active"]
    dissolved = rng.choice(active, size=max(1, len(active) // 20), replace=False)
    enterprises.loc[dissolved, "status"] = "dissolved"
    enterprises.to_csv(into / "enterprises.csv", index=False)
    return {"died": set(population.loc[died, "person_id"]), "carded": carded,
            "dissolved": set(enterprises.loc[dissolved, "tax_code"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--state", help="state store URL (default: an SQLite file in the work folder)")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary one, removed)")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="covgap-nights-"))
    state = args.state or str(root / "state.sqlite")
    generate(root / "world-1", persons=args.persons, seed=args.seed, noise="normal", as_of=NIGHTS[0])
    listed: list[pd.DataFrame] = []
    planted: dict[str, set[str]] = {}
    for night, as_of in enumerate(NIGHTS, start=1):
        world, out = root / f"world-{night}", root / f"night-{night}"
        if night == 2:
            planted = _plant(root / "world-1", world, listed[0], args.seed)
        times = _night(world, out, as_of, state)
        share = (times["changes"] + times["record"]) / times["total"]
        changes = pd.read_csv(out / "changes.csv", dtype=str, keep_default_na=False)
        counts = changes["change"].value_counts()
        print(f"night {night} ({as_of}): run {times['total']:.1f} s, changes stage {times['changes']:.2f} s, "
              f"recording {times['record']:.2f} s: {share:.1%} of the run; "
              + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in ("new", "resolved", "gone")))
        listed.append(pd.read_csv(out / "prospects.csv", dtype=str, keep_default_na=False))
    key = ["group", "person_id", "tax_code", "business_id"]
    both = listed[0].merge(listed[1], on=key, suffixes=("_1", "_2"))
    same = (both["prospect_id_1"] == both["prospect_id_2"]).mean() if len(both) else 1.0
    print(f"{args.persons:,} persons: {len(both):,} prospects listed both nights, {same:.4%} kept their prospect_id")
    first = listed[0]
    checks = {
        "died": (first[first["person_id"].isin(planted["died"])], "gone", "Đã mất"),
        "carded": (first[first["person_id"].isin(planted["carded"]) & (first["group"] == "hi_prospect")],
                   "resolved", "Đã có thẻ BHYT"),
        "dissolved": (first[first["tax_code"].isin(planted["dissolved"])
                            & first["group"].isin(["unregistered_employer", "underdeclared_employer",
                                                   "uninsured_manager"])], "gone", "Doanh nghiệp/HTX"),
    }
    for name, (rows, change, reason) in checks.items():
        found = changes.merge(rows[["prospect_id", "ward_code"]], on=["prospect_id", "ward_code"])
        right = ((found["change"] == change) & found["reason"].str.startswith(reason)).sum()
        print(f"planted {name}: {len(rows)} listed on night 1, {right} of them in changes.csv as {change} "
              f"({reason}...)")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
