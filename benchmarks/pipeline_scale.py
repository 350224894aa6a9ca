"""Run the whole pipeline on a generated world and print wall time and peak memory per stage.

    python benchmarks/pipeline_scale.py --persons 1000000 [--noise hard] [--keep DIR]

Each stage runs in its own process (as an Airflow task would), so its peak resident memory is
its own. The world is generated once per (persons, seed, noise) and cached under
``benchmarks/data/``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from pipelines.flow import STAGE_NAMES  # noqa: E402  (the flow is written once)

AS_OF = "2026-07-01"


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return time.perf_counter() - started, usage.ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", default="normal", choices=["none", "normal", "hard"])
    parser.add_argument("--keep", type=Path, help="output folder (default: benchmarks/data/out-...)")
    parser.add_argument("--stages", nargs="+", choices=STAGE_NAMES, default=list(STAGE_NAMES),
                        help="run only these (the earlier stages' files must exist)")
    args = parser.parse_args()
    world = ROOT / "benchmarks" / "data" / f"world-{args.persons}-{args.seed}-{args.noise}"
    if not (world / "population.csv").exists():
        seconds, peak = run_measured([sys.executable, "-m", "sample_data.generator", "--persons", str(args.persons),
                                      "--seed", str(args.seed), "--noise", args.noise, "--as-of", AS_OF,
                                      "--out", str(world)])
        print(f"{'generate':12s} {seconds:8.1f} s {peak:6.2f} GiB")
    output = args.keep or ROOT / "benchmarks" / "data" / f"out-{args.persons}-{args.seed}-{args.noise}"
    total = 0.0
    peak_all = 0.0
    print(f"{'stage':12s} {'wall':>10s} {'peak RSS':>10s}")
    for stage in args.stages:
        code = ("import datetime as dt, pathlib; from pipelines.context import RunContext; "
                "from pipelines.run import run_stage; "
                f"run_stage(RunContext(pathlib.Path({str(world)!r}), pathlib.Path({str(output)!r}), "
                f"dt.date.fromisoformat({AS_OF!r})), {stage!r})")
        seconds, peak = run_measured([sys.executable, "-c", code])
        total += seconds
        peak_all = max(peak_all, peak)
        print(f"{stage:12s} {seconds:8.1f} s {peak:6.2f} GiB", flush=True)
    print(f"{'total':12s} {total:8.1f} s {peak_all:6.2f} GiB (max)")


if __name__ == "__main__":
    main()
