"""Run the whole pipeline on a generated world and print, per stage, wall time, CPU time
(user + system, the stage's worker processes included), peak memory and its share of the run.

    python benchmarks/pipeline_scale.py --persons 1000000 [--noise hard] [--world DIR] [--keep DIR]

Each stage runs in its own process (as an Airflow task would), so its peak resident memory is
its own (the largest of its process and its workers'). The world is generated once per (persons,
seed, noise) and cached under ``benchmarks/data/`` (or read from ``--world``). CPU time is the
steadier figure on a shared machine: wall time waits for whatever else runs.
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


def run_measured(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, its waited-for children included) and peak RSS
    (GiB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", default="normal", choices=["none", "normal", "hard"])
    parser.add_argument("--world", type=Path, help="a generated world to read (default: generated, cached under "
                                                   "benchmarks/data/)")
    parser.add_argument("--keep", type=Path, help="output folder (default: benchmarks/data/out-...)")
    parser.add_argument("--stages", nargs="+", choices=STAGE_NAMES, default=list(STAGE_NAMES),
                        help="run only these (the earlier stages' files must exist)")
    args = parser.parse_args()
    world = args.world or ROOT / "benchmarks" / "data" / f"world-{args.persons}-{args.seed}-{args.noise}"
    if not (world / "population.csv").exists():
        seconds, _, peak = run_measured([sys.executable, "-m", "sample_data.generator", "--persons", str(args.persons),
                                      "--seed", str(args.seed), "--noise", args.noise, "--as-of", AS_OF,
                                      "--out", str(world)])
        print(f"{'generate':12s} {seconds:8.1f} s {peak:6.2f} GiB")
    output = args.keep or ROOT / "benchmarks" / "data" / f"out-{args.persons}-{args.seed}-{args.noise}"
    figures: dict[str, tuple[float, float, float]] = {}
    for stage in args.stages:
        code = ("import datetime as dt, pathlib; from pipelines.context import RunContext; "
                "from pipelines.run import run_stage; "
                f"run_stage(RunContext(pathlib.Path({str(world)!r}), pathlib.Path({str(output)!r}), "
                f"dt.date.fromisoformat({AS_OF!r})), {stage!r})")
        figures[stage] = run_measured([sys.executable, "-c", code])
        print(f"{stage:14s} done: {figures[stage][0]:.1f} s", file=sys.stderr, flush=True)
    print(table(figures))


def table(figures: dict[str, tuple[float, float, float]]) -> str:
    """Per stage: wall, CPU, peak RSS and share of the run's wall time; then the whole run.

    >>> print(table({"ingest": (2.0, 1.5, 0.25), "link": (6.0, 7.0, 1.0)}))
    stage              wall s    CPU s  peak GiB  share
    ingest                2.0      1.5      0.25    25%
    link                  6.0      7.0      1.00    75%
    total                 8.0      8.5      1.00 (max)
    """
    wall = sum(f[0] for f in figures.values())
    cpu = sum(f[1] for f in figures.values())
    peak = max((f[2] for f in figures.values()), default=0.0)
    lines = [f"{'stage':14s} {'wall s':>10s} {'CPU s':>8s} {'peak GiB':>9s} {'share':>6s}"]
    lines += [f"{stage:14s} {w:10.1f} {c:8.1f} {p:9.2f} {w / (wall or 1.0):6.0%}"
              for stage, (w, c, p) in figures.items()]
    lines.append(f"{'total':14s} {wall:10.1f} {cpu:8.1f} {peak:9.2f} (max)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
