"""Every quarantine reason of the contract's "Bad values", and row conservation per register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from contract.registers import REGISTERS
from pipelines.catalogue import QUARANTINED, STANDARDISED
from pipelines.context import RunContext
from pipelines.run import run_stage
from tests.support.world import TAX_CODE, World, person_id

AS_OF = dt.date(2026, 7, 1)


def validate(world: World, tmp_path: Path) -> RunContext:
    ctx = RunContext(world.write(tmp_path / "in"), tmp_path / "out", AS_OF)
    run_stage(ctx, "ingest")
    run_stage(ctx, "validate")
    return ctx


def quarantine(ctx: RunContext, register: str) -> dict[int, str]:
    rows = pd.read_parquet(QUARANTINED.path(ctx, register))
    return dict(zip(rows["row_number"], rows["reason"], strict=True))


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"person_id": "00108501234"}, "person_id: not a 12-digit personal ID"),
    ({"person_id": "001085O12345"}, "person_id: not a 12-digit personal ID"),
    ({"full_name": ""}, "full_name: required value is missing"),
    ({"date_of_birth": "1985-02-30"}, "date_of_birth: not a real date"),
    ({"date_of_birth": "2027-01-01"}, "date_of_birth: in the future"),
    ({"date_of_birth": ""}, "date_of_birth: required value is missing"),
    ({"sex": "X"}, "sex: not M or F"),
    ({"household_id": ""}, "household_id: required value is missing"),
    ({"ward_code": "99999"}, "ward_code: neither a current nor a pre-July-2025 commune code"),
    ({"ward_code": "00013"}, "ward_code: not a current commune code"),
])
def test_population_reasons(tmp_path: Path, overrides: dict[str, str], reason: str) -> None:
    world = World()
    world.person(1)
    row = world.rows["population"][0] | overrides
    world.rows["population"][0] = row
    assert quarantine(validate(world, tmp_path), "population")[1].startswith(reason)


def test_later_copy_of_a_unique_key_is_quarantined_first_usable_kept(tmp_path: Path) -> None:
    world = World()
    pid = world.person(1)
    world.rows["population"].insert(0, world.rows["population"][0] | {"sex": "X"})  # unusable first copy
    world.person(2, person_id=pid)  # later usable copy
    ctx = validate(world, tmp_path)
    assert quarantine(ctx, "population") == {1: "sex: not M or F",
                                             3: "person_id: later copy of a unique key (first kept at row 2)"}


@pytest.mark.parametrize(("register", "row", "reason"), [
    ("enterprises", {"tax_code": "01001091", "name": "A", "status": "active", "ward_code": "00004"},
     "tax_code: not a 10-digit tax code"),
    ("enterprises", {"tax_code": TAX_CODE, "name": "A", "status": "closed", "ward_code": "00004"},
     "status: not one of active, suspended, dissolving, dissolved"),
    ("cooperatives", {"tax_code": TAX_CODE, "name": "", "status": "active", "ward_code": "00004"},
     "name: required value is missing"),
    ("managers", {"org_tax_code": "", "full_name": "Trần Văn An"}, "org_tax_code: required value is missing"),
    ("household_businesses", {"business_id": "H1", "owner_full_name": "A", "tax_method": "khoán",
                              "status": "active", "ward_code": "00004"}, "tax_method: not one of"),
    ("household_businesses", {"business_id": "H1", "owner_full_name": "A", "tax_method": "declaration",
                              "status": "dissolved", "ward_code": "00004"}, "status: not one of"),
    ("insured", {"si_code": "01234", "full_name": "A", "date_of_birth": "1985"},
     "si_code: not a 10-digit social insurance number"),
    ("insured", {"si_code": "0123456789", "full_name": "A", "date_of_birth": "2030-01-01"},
     "date_of_birth: in the future"),
    ("insured", {"si_code": "0123456789", "full_name": "A", "date_of_birth": "1985-13-13"},
     "date_of_birth: not a real date"),
    ("employers", {"unit_code": "", "name": "A"}, "unit_code: required value is missing"),
])
def test_other_register_reasons(tmp_path: Path, register: str, row: dict[str, str], reason: str) -> None:
    world = World()
    world.add(register, **row)
    assert quarantine(validate(world, tmp_path), register)[1].startswith(reason)


def test_swapped_day_month_in_insured_is_recovered_not_quarantined(tmp_path: Path) -> None:
    world = World()
    world.add("insured", si_code="0123456789", full_name="A", date_of_birth="1985-25-03")
    ctx = validate(world, tmp_path)
    assert quarantine(ctx, "insured") == {}
    run_stage(ctx, "standardise")
    insured = pd.read_parquet(STANDARDISED["insured"].path(ctx))
    assert insured.loc[0, ["dob", "dob_swapped"]].tolist() == ["1985-03-25", True]


def test_bad_optional_values_are_kept_and_counted(tmp_path: Path) -> None:
    world = World()
    world.person(1, death_date="2026-02-30")
    world.add("insured", si_code="0123456789", full_name="A", date_of_birth="1985", person_id="12345",
              si_status="actve", si_type="compulsory", hi_valid_to="soon", ward_code="99999")
    ctx = validate(world, tmp_path)
    summary = run_stage(ctx, "validate")
    assert summary["population"]["rows_quarantined"] == 0
    assert summary["population"]["optional_values_unusable"] == {"death_date": 1}
    assert summary["insured"]["optional_values_unusable"] == {"hi_valid_to": 1, "person_id": 1, "si_status": 1,
                                                              "ward_code": 1}


def test_every_row_is_used_or_quarantined(tmp_path: Path) -> None:
    world = World()
    for n in range(1, 6):
        world.person(n)
    world.person(6, person_id=person_id(1))          # duplicate key
    world.rows["population"][1]["sex"] = "?"         # bad required value
    (tmp_path / "in").mkdir()
    folder = world.write(tmp_path / "in")
    with open(folder / "employers.csv", "a", encoding="utf-8") as handle:
        handle.write("U1,,A\nU2,,B,,\n")             # first row has too few fields: malformed
    ctx = RunContext(folder, tmp_path / "out", AS_OF)
    read = run_stage(ctx, "ingest")
    checked = run_stage(ctx, "validate")
    for name in REGISTERS:
        assert read[name]["rows_read"] == checked[name]["rows_used"] + checked[name]["rows_quarantined"], name
    assert checked["population"]["rows_quarantined"] == 2
    assert quarantine(ctx, "employers")[1].startswith("malformed row")
