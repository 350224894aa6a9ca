"""A generated world with faults injected on purpose, run once through the whole pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli import main
from sample_data.generator import generate
from tests.support.legacy_encodings import encode_cp1258

AS_OF = dt.date(2026, 7, 1)
# (register, column, value, expected quarantine rule or None for an optional value that is kept)
FAULTS = [
    ("population", "person_id", "12345", "person_id: not a 12-digit personal ID"),
    ("population", "date_of_birth", "1990-02-30", "date_of_birth: not a real date (YYYY, YYYY-MM or YYYY-MM-DD)"),
    ("population", "date_of_birth", "2031-05-05", "date_of_birth: in the future (after the as-of date)"),
    ("population", "ward_code", "99999", "ward_code: neither a current nor a pre-July-2025 commune code"),
    ("enterprises", "status", "bankrupt", "status: not one of active, suspended, dissolving, dissolved"),
    ("household_businesses", "tax_method", "lump", "tax_method: not one of declaration, presumptive"),
    ("insured", "si_code", "12AB", "si_code: not a 10-digit social insurance number"),
    ("insured", "si_type", "sometimes", None),
    ("insured", "hi_valid_to", "2026-13-45", None),
    ("managers", "person_id", "ABCDEFG", None),
]


def _read(folder: Path, register: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{register}.csv", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, folder: Path, register: str) -> None:
    frame.to_csv(folder / f"{register}.csv", index=False)


@pytest.fixture(scope="session")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Generate, inject faults (one per row, rows 101, 102, ... so generator noise never overlaps), run."""
    world = tmp_path_factory.mktemp("faulty_world")
    generate(world, persons=1500, seed=5, noise="normal", as_of=AS_OF)
    truth = pd.read_csv(world / "truth" / "quarantine.csv", dtype=str)
    injected: list[dict] = []
    tables = {name: _read(world, name) for name in {f[0] for f in FAULTS} | {"population"}}
    noisy = {(r, int(n)) for r, n in zip(truth["register"], truth["row_number"], strict=True)}
    next_row = {name: min(100, len(frame) // 3) for name, frame in tables.items()}
    for register, column, value, rule in FAULTS:
        frame = tables[register]
        while True:  # a row the generator left clean, so the injected fault is the row's only one
            next_row[register] += 1
            if (register, next_row[register]) not in noisy:
                break
        row = next_row[register]
        frame.loc[row - 1, column] = value
        injected.append({"register": register, "column": column, "row_number": row, "rule": rule})
    # A later copy of a unique key: a clean row's person_id copied onto a later clean row.
    first, later = [n for n in range(200, 400) if ("population", n) not in noisy][:2]
    population = tables["population"]
    population.loc[later - 1, "person_id"] = population.loc[first - 1, "person_id"]
    injected.append({"register": "population", "column": "person_id", "row_number": later,
                     "rule": "person_id: later copy of a unique key"})
    for name, frame in tables.items():
        _write(frame, world, name)
    # employers arrives in Windows-1258: converted and recorded, not refused.
    text = (world / "employers.csv").read_text(encoding="utf-8")
    (world / "employers.csv").write_bytes(encode_cp1258(text))
    output = tmp_path_factory.mktemp("faulty_out")
    status = main(["run", "--input", str(world), "--output", str(output), "--as-of", AS_OF.isoformat()])
    return {"world": world, "output": output, "status": status, "injected": injected}
