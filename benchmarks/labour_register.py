"""The optional labour register on a generated world: ``uninsured_employee`` against its truth and
its identifiability ceiling, the other groups with and without the register, and the run's time.

    python benchmarks/labour_register.py --persons 200000 --noise hard --seed 1 [--noise-seed N] [--work DIR]

Generates the world with ``--labour`` (kept in ``DIR/world``; reused when there), runs ``covgap
run`` on it and on a copy without ``labour.csv`` (the same seven registers), and prints per group
the precision and recall of each run (the run with labour against the world's truth; the run
without, against the truth of the same world computed without the register), the ceiling
(``benchmarks/identifiability.py``), and the time of each run: wall time, and CPU time (user and
system, the run's worker processes included), which a machine shared with other work disturbs less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.compare_truth import scores  # noqa: E402
from benchmarks.identifiability import ceiling, load  # noqa: E402
from pipelines.cli import main as covgap  # noqa: E402
from sample_data.generator import generate  # noqa: E402
from sample_data.truth import expected_prospects  # noqa: E402

AS_OF = dt.date(2026, 7, 1)


def _cpu() -> float:
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def _run(world: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``covgap run``."""
    started, cpu = time.perf_counter(), _cpu()
    if covgap(["run", "--input", str(world), "--output", str(out), "--as-of", AS_OF.isoformat()]) != 0:
        raise SystemExit(f"covgap run failed on {world}")
    return time.perf_counter() - started, _cpu() - cpu


def _without_labour(world: Path, target: Path) -> Path:
    """The same world without the register (the seven files are the same bytes either way), with
    its truth: the links as they are, the prospects recomputed as if the register did not exist."""
    target.mkdir(parents=True, exist_ok=True)
    for path in world.glob("*.csv"):
        if path.name != "labour.csv":
            shutil.copyfile(path, target / path.name)
    shutil.copytree(world / "truth", target / "truth", dirs_exist_ok=True)
    prospects = expected_prospects(load(target), AS_OF)
    prospects.to_csv(target / "truth" / "prospects.csv", index=False)
    return target


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--persons", type=int, default=200_000)
    p.add_argument("--noise", default="hard")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--noise-seed", type=int, default=None,
                   help="seed of the draw of the profile's rates (default: --seed)")
    p.add_argument("--work", type=Path, default=None, help="where the world and the runs go (default: a temp dir)")
    p.add_argument("--only-with", action="store_true",
                   help="only the run with the register (its groups and ceiling; no run without, no time ratio)")
    a = p.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="covgap-labour-"))
    world = work / "world"
    if not (world / "labour.csv").is_file():
        generate(world, a.persons, a.seed, a.noise, AS_OF, noise_seed=a.noise_seed, labour=True)
    seconds = {"with": _run(world, work / "out_with")}
    if not a.only_with:
        plain = _without_labour(world, work / "world_without")
        seconds["without"] = _run(plain, work / "out_without")
    link = {k: json.loads((work / f"out_{k}" / "manifest.json").read_text())["stages"]["link"]["records"]
            for k in seconds}
    with_labour = scores(world, work / "out_with").set_index("group")[["found", "expected", "precision", "recall"]]
    bound = ceiling(world, AS_OF)[0].set_index("group")[["precision", "recall"]]
    table = with_labour.join(bound, rsuffix="_ceiling")
    if not a.only_with:
        without = scores(plain, work / "out_without").set_index("group")[["precision", "recall"]]
        table = table.join(without, rsuffix="_without_labour")
    pd.set_option("display.width", 200)
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    if a.only_with:
        print(f"run time with labour {seconds['with'][0]:.0f} s, CPU {seconds['with'][1]:.0f} s; person records {link}")
        return
    (wall, cpu), (wall_0, cpu_0) = seconds["with"], seconds["without"]
    print(f"run time with labour {wall:.0f} s, without {wall_0:.0f} s ({100 * (wall / wall_0 - 1):+.1f} %); "
          f"CPU time with {cpu:.0f} s, without {cpu_0:.0f} s ({100 * (cpu / cpu_0 - 1):+.1f} %); "
          f"person records {link}")


if __name__ == "__main__":
    main()
