"""Seeded synthetic world for covgap: seven registers in the contract's shape, plus the truth.

    python -m sample_data.generator --persons 3000 --seed 7 --noise normal \\
        --as-of 2026-07-01 --out sample_data/small [--noise-seed N]

Writes ``population.csv ... employers.csv`` (UTF-8, header, every value text, exactly the
contract's columns) and ``truth/`` beside them:

- ``insured_links.csv``        si_code, person_id, row_number  (true owner; empty: not a resident)
- ``manager_links.csv``        row_number, org_tax_code, person_id (empty: not a resident)
- ``household_owner_links.csv`` business_id, person_id, ward_code (true current commune), row_number
- ``employer_links.csv``       unit_code, tax_code (true organisation, empty for public bodies), row_number
- ``quarantine.csv``           register, row_number, reason   (rows made unusable on purpose)
- ``prospects.csv``            group, ward_code, person_id, tax_code, business_id (expected output)
- ``noise.json``               profile, noise seed and every concrete rate the world was drawn with
- ``summary.json``             arguments, row counts, group sizes and the main drawn and realised rates

``--noise`` names a profile (``sample_data.profiles``): ranges from which the world's rates are
drawn with ``--noise-seed`` (default: ``--seed``). The generator is an independent
implementation (it imports nothing from ``pipelines`` or ``matching``), so its truth can check
the pipeline. Same arguments, same bytes.

Old commune codes: codes of pre-July-2025 communes are written in ``insured``,
``household_businesses`` and ``employers``, including codes of old communes that were split
between several current ones; the truth keeps the true current commune.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from sample_data.badrows import add_bad_rows
from sample_data.businesses import make_household_businesses
from sample_data.insurance import make_insured
from sample_data.labour import LABOUR_COLUMNS, add_labour_bad_rows, make_labour
from sample_data.orgs import make_managers, make_orgs
from sample_data.people import make_people
from sample_data.profiles import NOISE_PROFILES, Draw, Profile, draw, profile_named
from sample_data.reference import Geography, load_geography
from sample_data.summary import realised
from sample_data.tables import COLUMNS, build_tables
from sample_data.truth import GROUPS, truth_tables

__all__ = ["generate", "build_world", "main", "NOISE_LEVELS", "WorldState", "world_state", "render", "write_world"]

#: Profile names the CLI accepts (kept under the first version's name for callers).
NOISE_LEVELS = NOISE_PROFILES


def noise_draw(noise: str | Profile, seed: int, noise_seed: int | None = None) -> Draw:
    """The concrete rates of a world: ``noise`` a profile name (or a Profile), drawn with
    ``noise_seed`` (default: the world's ``seed``)."""
    profile = profile_named(noise) if isinstance(noise, str) else noise
    return draw(profile, seed if noise_seed is None else noise_seed)


@dataclass(frozen=True)
class WorldState:
    """The world behind the registers (before they are written down): what persists between nights
    (``sample_data.nights`` evolves it), with the rates its registers are rendered at."""

    geo: Geography
    rates: Draw
    people: pd.DataFrame
    orgs: pd.DataFrame
    units: pd.DataFrame
    managers: pd.DataFrame
    hkd: pd.DataFrame
    rec: pd.DataFrame


def world_state(persons: int, seed: int, rates: Draw, as_of: date) -> WorldState:
    """People, organisations, managers, household businesses and the insured roll of a seeded world."""
    if persons < 20:
        raise ValueError("persons must be at least 20 (a world needs a few households)")
    geo = load_geography()
    reg = rates.registers
    people = make_people(seed, geo, persons, rates, as_of)
    org = make_orgs(seed, geo, people, as_of)
    managers = make_managers(seed, people, org.orgs, as_of, reg["managers"].non_resident)
    hkd = make_household_businesses(seed, geo, people, as_of, reg["household_businesses"].non_resident,
                                    reg["household_businesses"].hkd_shophouse)
    rec = make_insured(seed, people, org.units, org.orgs, managers, hkd, as_of)
    return WorldState(geo, rates, people, org.orgs, org.units, managers, hkd, rec)


def render(state: WorldState, seed: int, as_of: date) -> dict[str, pd.DataFrame]:
    """The seven registers of ``state`` as the agencies write them down, noise and bad rows drawn
    from ``seed``'s streams (a later night re-renders the same world with another seed)."""
    tables = build_tables(seed, state.geo, state.people, state.orgs, state.units, state.managers, state.hkd,
                          state.rec, state.rates, as_of)
    return add_bad_rows(seed, state.geo, tables, state.rates.world["bad_rows"], as_of)


def build_world(persons: int, seed: int, noise: str | Profile | Draw, as_of: date,
                noise_seed: int | None = None, labour: bool = False) -> dict[str, pd.DataFrame]:
    """The seven registers (and ``labour`` when asked for) with hidden truth columns (``_``-prefixed),
    in file row order. The seven are the same with or without ``labour``."""
    rates = noise if isinstance(noise, Draw) else noise_draw(noise, seed, noise_seed)
    state = world_state(persons, seed, rates, as_of)
    tables = render(state, seed, as_of)
    if labour:  # its own random streams: the seven registers stay as they are without it
        s = state
        contracts = make_labour(seed, s.geo, s.people, s.orgs, s.units, s.rec, s.managers, s.hkd,
                                rates.registers["insured"], rates.registers["employers"], as_of)
        tables["labour"] = add_labour_bad_rows(seed, contracts, rates.world["bad_rows"])
    return tables


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


def generate(out_dir: Path, persons: int, seed: int, noise: str | Profile, as_of: date,
             noise_seed: int | None = None, labour: bool = False) -> None:
    """Write the registers and ``truth/`` for one seeded world into ``out_dir`` (``labour``: also
    ``labour.csv`` and its truth; the other files are the same bytes either way)."""
    rates = noise_draw(noise, seed, noise_seed)
    tables = build_world(persons, seed, rates, as_of, labour=labour)
    arguments: dict[str, object] = {"persons": persons, "seed": seed, "noise": rates.profile,
                                    "noise_seed": rates.noise_seed, "as_of": as_of.isoformat()}
    if labour:
        arguments["labour"] = True
    write_world(Path(out_dir), tables, rates, as_of, arguments)


def write_world(out_dir: Path, tables: dict[str, pd.DataFrame], rates: Draw, as_of: date,
                arguments: dict[str, object], extra_truth: dict[str, pd.DataFrame] | None = None) -> None:
    """The registers (``labour`` when ``tables`` holds it), ``truth/`` (with ``extra_truth``'s files)
    and the summary of ``arguments``."""
    labour = "labour" in tables
    for register, cols in (COLUMNS | ({"labour": LABOUR_COLUMNS} if labour else {})).items():
        _write_csv(tables[register][cols], out_dir / f"{register}.csv")
    truth = truth_tables(tables, as_of) | (extra_truth or {})
    for name, frame in truth.items():
        _write_csv(frame, out_dir / "truth" / f"{name}.csv")
    pro = truth["prospects"]
    summary = {
        "arguments": arguments,
        "rows": {r: int(len(t)) for r, t in tables.items()},
        "quarantined": {r: int((t["_reason"] != "").sum()) for r, t in tables.items()},
        "prospects": {g: int((pro["group"] == g).sum()) for g in GROUPS if labour or g != "uninsured_employee"},
        "noise": realised(rates, tables),
    }
    _write_json(rates.as_json(), out_dir / "truth" / "noise.json")
    _write_json(summary, out_dir / "truth" / "summary.json")


def _write_json(data: dict, target: Path) -> None:
    target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(prog="python -m sample_data.generator", description=__doc__.split("\n")[0])
    p.add_argument("--persons", type=int, required=True, help="number of residents")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--noise", choices=NOISE_LEVELS, default="normal", help="noise profile")
    p.add_argument("--noise-seed", type=int, default=None,
                   help="seed of the draw of the profile's rates (default: --seed)")
    p.add_argument("--as-of", type=date.fromisoformat, required=True, help="reference date YYYY-MM-DD")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--labour", action="store_true",
                   help="also write the optional labour register (labour.csv) and its truth")
    a = p.parse_args(argv)
    generate(a.out, a.persons, a.seed, a.noise, a.as_of, a.noise_seed, labour=a.labour)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
