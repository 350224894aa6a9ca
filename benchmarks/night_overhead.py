"""What remembering the nights costs: two nights on a generated world, the second re-typed with fresh noise.

    python -m benchmarks.night_overhead [--persons 50000] [--seed 3] [--state URL] [--keep DIR]

Prints, per night, the time of the whole run, of the ``changes`` stage and of recording the night in the
state store (SQLite by default, or ``--state``), their share of the run; then how many prospects listed
both nights kept their ``prospect_id`` (by construction all of them: the figure guards against a change
that would hash noisy values) and the night's new / resolved / gone counts. Not the full benchmark of
issue 14 (``benchmarks/nights.py``: five nights against the generator's truth of what changed), which
needs a generator of changing worlds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--state", help="state store URL (default: an SQLite file in the work folder)")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="covgap-nights-"))
    state = args.state or str(root / "state.sqlite")
    listed = []
    for night, as_of in enumerate(NIGHTS, start=1):
        world, out = root / f"world-{night}", root / f"night-{night}"
        generate(world, persons=args.persons, seed=args.seed, noise="normal", as_of=NIGHTS[0],
                 noise_seed=None if night == 1 else 1000 + night)
        times = _night(world, out, as_of, state)
        share = (times["changes"] + times["record"]) / times["total"]
        changes = pd.read_csv(out / "changes.csv", dtype=str, keep_default_na=False)["change"].value_counts()
        print(f"night {night} ({as_of}): run {times['total']:.1f} s, changes stage {times['changes']:.2f} s, "
              f"recording {times['record']:.2f} s: {share:.1%} of the run; "
              + ", ".join(f"{k} {int(changes.get(k, 0))}" for k in ("new", "resolved", "gone")))
        listed.append(pd.read_csv(out / "prospects.csv", dtype=str, keep_default_na=False))
    key = ["group", "person_id", "tax_code", "business_id"]
    both = listed[0].merge(listed[1], on=key, suffixes=("_1", "_2"))
    same = (both["prospect_id_1"] == both["prospect_id_2"]).mean() if len(both) else 1.0
    print(f"{args.persons:,} persons: {len(both):,} prospects listed both nights, {same:.4%} kept their prospect_id")
    print(f"work folder: {root}" if args.keep else "")


if __name__ == "__main__":
    main()
