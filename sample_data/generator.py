"""Seeded synthetic world for covgap: seven registers in the contract's shape, plus the truth.

    python -m sample_data.generator --persons 3000 --seed 7 --noise normal \\
        --as-of 2026-07-01 --out sample_data/small

Writes ``population.csv ... employers.csv`` (UTF-8, header, every value text, exactly the
contract's columns) and ``truth/`` beside them:

- ``insured_links.csv``        si_code, person_id, row_number  (true owner of every insured row)
- ``manager_links.csv``        row_number, org_tax_code, person_id
- ``household_owner_links.csv`` business_id, person_id, ward_code (current commune), row_number
- ``employer_links.csv``       unit_code, tax_code (true organisation, empty for public bodies), row_number
- ``quarantine.csv``           register, row_number, reason   (rows made unusable on purpose)
- ``prospects.csv``            group, ward_code, person_id, tax_code, business_id (expected output)
- ``summary.json``             arguments, row counts and group sizes

The generator is an independent implementation (it imports nothing from ``pipelines`` or
``matching``), so its truth can check the pipeline. Same arguments, same bytes.

Old commune codes: only codes of pre-July-2025 communes that map *whole* to exactly one current
commune (and are not themselves current codes) are ever written, so the truth needs no address
to place them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd

from sample_data.badrows import add_bad_rows
from sample_data.insurance import make_insured
from sample_data.orgs import make_household_businesses, make_managers, make_orgs
from sample_data.people import make_people
from sample_data.reference import load_geography
from sample_data.tables import COLUMNS, build_tables
from sample_data.truth import GROUPS, truth_tables

__all__ = ["generate", "build_world", "main", "NOISE_LEVELS"]

NOISE_LEVELS = ("none", "normal", "hard")


def build_world(persons: int, seed: int, noise: str, as_of: date) -> dict[str, pd.DataFrame]:
    """The seven registers with hidden truth columns (``_``-prefixed), in file row order."""
    if noise not in NOISE_LEVELS:
        raise ValueError(f"noise must be one of {NOISE_LEVELS}, not {noise!r}")
    if persons < 20:
        raise ValueError("persons must be at least 20 (a world needs a few households)")
    geo = load_geography()
    people = make_people(seed, geo, persons, noise, as_of)
    org = make_orgs(seed, geo, people, as_of)
    managers = make_managers(seed, people, org.orgs, as_of)
    hkd = make_household_businesses(seed, geo, people, as_of)
    rec = make_insured(seed, people, org.units, org.orgs, managers, hkd, as_of)
    tables = build_tables(seed, geo, people, org.orgs, org.units, managers, hkd, rec, noise, as_of)
    return add_bad_rows(seed, geo, tables, noise, as_of)


def _write_csv(frame: pd.DataFrame, target: Path) -> None:
    """UTF-8 CSV, "\\n" line ends, every value as text, written to a temp name then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            # the csv module is several times faster than DataFrame.to_csv for all-text tables
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(list(frame.columns))
            columns = [frame[c].astype(str).tolist() for c in frame.columns]
            writer.writerows(zip(*columns, strict=True))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def generate(out_dir: Path, persons: int, seed: int, noise: str, as_of: date) -> None:
    """Write the registers and ``truth/`` for one seeded world into ``out_dir``."""
    out_dir = Path(out_dir)
    tables = build_world(persons, seed, noise, as_of)
    for register, cols in COLUMNS.items():
        _write_csv(tables[register][cols], out_dir / f"{register}.csv")
    truth = truth_tables(tables, as_of)
    for name, frame in truth.items():
        _write_csv(frame, out_dir / "truth" / f"{name}.csv")
    pro = truth["prospects"]
    summary = {
        "arguments": {"persons": persons, "seed": seed, "noise": noise, "as_of": as_of.isoformat()},
        "rows": {r: int(len(t)) for r, t in tables.items()},
        "quarantined": {r: int((t["_reason"] != "").sum()) for r, t in tables.items()},
        "prospects": {g: int((pro["group"] == g).sum()) for g in GROUPS},
    }
    target = out_dir / "truth" / "summary.json"
    target.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m sample_data.generator", description=__doc__.split("\n")[0])
    p.add_argument("--persons", type=int, required=True, help="number of residents")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--noise", choices=NOISE_LEVELS, default="normal")
    p.add_argument("--as-of", type=date.fromisoformat, required=True, help="reference date YYYY-MM-DD")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    a = p.parse_args(argv)
    generate(a.out, a.persons, a.seed, a.noise, a.as_of)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
