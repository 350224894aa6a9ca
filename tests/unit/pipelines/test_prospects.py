"""Every group rule with its boundaries, on hand-written worlds run through the real stages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipelines.catalogue import ESTIMATES, PROSPECTS, PROSPECTS_TO_VERIFY
from pipelines.context import RunContext
from pipelines.run import run_stage
from tests.support.world import OTHER_WARD, TAX_CODE, TAX_CODE_2, World

AS_OF = dt.date(2026, 7, 1)


def prospects_of(world: World, tmp_path: Path, as_of: dt.date = AS_OF) -> pd.DataFrame:
    ctx = RunContext(world.write(tmp_path / "in"), tmp_path / "out", as_of)
    for stage in ("feedback", "ingest", "validate", "standardise", "link", "prospects"):
        run_stage(ctx, stage)
    return pd.read_parquet(PROSPECTS.path(ctx))


def keys(prospects: pd.DataFrame, group: str) -> set[str]:
    rows = prospects[prospects["group"] == group]
    return {"|".join(str(v) for v in row if v is not None) for row in
            rows[["tax_code", "business_id", "person_id"]].itertuples(index=False)}


@pytest.mark.parametrize(("dob", "sex", "working"), [
    ("2011-07-01", "F", True),    # 15th birthday on the as-of date
    ("2011-07-02", "F", False),   # one day short of 15
    ("2011", "M", True),          # year only: counts from 2011-01-01
    ("2011-08", "M", False),      # 2011-08-01: not yet 15
    ("1965-01-01", "M", False),   # men 2026: 61y6m reached on as-of
    ("1965-01-02", "M", True),
    ("1969-07-01", "F", False),   # women 2026: 57y reached on as-of
    ("1969-07-02", "F", True),
    ("1965", "M", False),         # partial: 1965-01-01
    ("1965-02", "M", True),
])
def test_working_age_boundaries(tmp_path: Path, dob: str, sex: str, working: bool) -> None:
    world = World()
    pid = world.person(1, dob=dob, sex=sex)
    assert (pid in keys(prospects_of(world, tmp_path), "voluntary_si_prospect")) is working


@pytest.mark.parametrize(("hi_valid_to", "covered"), [("2026-07-01", True), ("2026-06-30", False), ("", False)])
def test_hi_cover_on_the_as_of_date(tmp_path: Path, hi_valid_to: str, covered: bool) -> None:
    world = World()
    pid = world.person(1)
    world.insured("0100000001", pid, hi_valid_to=hi_valid_to)
    assert (pid in keys(prospects_of(world, tmp_path), "hi_prospect")) is not covered


@pytest.mark.parametrize(("death_date", "alive"), [("2026-07-01", False), ("2026-07-02", True),
                                                   ("2020-01-01", False)])
def test_death_on_or_before_as_of_removes_from_every_group(tmp_path: Path, death_date: str, alive: bool) -> None:
    world = World()
    pid = world.person(1, death_date=death_date)
    prospects = prospects_of(world, tmp_path)
    assert (pid in set(prospects["person_id"])) is alive


def test_active_si_and_pensioners(tmp_path: Path) -> None:
    world = World()
    voluntary, paused, pensioner, hi_only = (world.person(n) for n in range(1, 5))
    world.insured("0100000001", voluntary, si_type="voluntary", si_status="active")
    world.insured("0100000002", paused, si_type="compulsory", si_status="paused")
    world.insured("0100000003", pensioner, pensioner="yes", hi_valid_to="2027-01-01")
    world.insured("0100000004", hi_only, hi_valid_to="2027-01-01")
    prospects = prospects_of(world, tmp_path)
    assert keys(prospects, "voluntary_si_prospect") == {paused, hi_only}
    assert keys(prospects, "hi_prospect") == {voluntary, paused}


def test_employer_groups(tmp_path: Path) -> None:
    world = World()
    workers = [world.person(n) for n in range(1, 4)]
    world.enterprise(TAX_CODE, employees="3")                      # unit, 2 insured → underdeclared
    world.enterprise(TAX_CODE_2, employees="")                     # no unit, employees unknown → unregistered
    world.enterprise("0100100079", employees="0")                  # no unit, no employees → not listed
    world.enterprise("0100101065", status="suspended")             # not active → not listed
    world.add("cooperatives", tax_code="0100102580", name="HỢP TÁC XÃ NÔNG NGHIỆP", status="active",
              ward_code=OTHER_WARD, employees="2", legal_form="HTX")  # no unit → unregistered
    world.add("employers", unit_code="U1", tax_code=TAX_CODE, name="CTY TNHH AN PHAT")
    for n, pid in enumerate(workers[:2]):
        world.insured(f"010000000{n}", pid, si_type="compulsory", si_status="active", employer_unit_code="U1")
    world.insured("0100000009", workers[2], si_type="compulsory", si_status="closed", employer_unit_code="U1")
    prospects = prospects_of(world, tmp_path)
    assert keys(prospects, "unregistered_employer") == {TAX_CODE_2, "0100102580"}
    assert keys(prospects, "underdeclared_employer") == {TAX_CODE}
    row = prospects[prospects["group"] == "underdeclared_employer"].iloc[0]
    assert (row["employees_declared"], row["employees_insured"]) == ("3", "2")
    coop = prospects[prospects["tax_code"] == "0100102580"].iloc[0]
    assert coop["ward_code"] == OTHER_WARD and coop["source_rows"] == "cooperatives:1"


def test_managers_and_household_owners_take_precedence_over_voluntary(tmp_path: Path) -> None:
    world = World()
    manager, covered_manager, owner, presumptive_owner, old_owner = (world.person(n) for n in range(1, 6))
    world.enterprise(TAX_CODE, ward=OTHER_WARD)
    world.add("employers", unit_code="U1", tax_code=TAX_CODE, name="CTY AN PHAT")
    world.insured("0100000002", covered_manager, si_type="compulsory", si_status="active", employer_unit_code="U1")
    for pid, role in ((manager, "Giám đốc"), (manager, "Chủ tịch HĐQT"), (covered_manager, "Giám đốc")):
        world.manager(pid, role=role)
    for n, (pid, method, status) in enumerate([(owner, "declaration", "active"),
                                               (presumptive_owner, "presumptive", "active"),
                                               (old_owner, "declaration", "closed")]):
        world.household_business(f"HKD{n}", pid, tax_method=method, status=status)
    prospects = prospects_of(world, tmp_path)
    assert keys(prospects, "uninsured_manager") == {f"{TAX_CODE}|{manager}"}  # one row per key
    assert prospects.loc[prospects["group"] == "uninsured_manager", "ward_code"].tolist() == [OTHER_WARD]
    assert keys(prospects, "uninsured_household_owner") == {f"HKD0|{owner}"}
    assert keys(prospects, "voluntary_si_prospect") == {presumptive_owner, old_owner}


def test_every_row_has_a_vietnamese_reason_and_commune(tmp_path: Path) -> None:
    world = World()
    world.person(1)
    world.enterprise(TAX_CODE_2, employees="4")
    prospects = prospects_of(world, tmp_path)
    # The resident is a voluntary-SI and an HI prospect; the enterprise has no unit.
    assert sorted(prospects["group"]) == ["hi_prospect", "unregistered_employer", "voluntary_si_prospect"]
    assert prospects["reason"].str.len().gt(10).all()
    assert prospects["reason"].str.contains("[àáảãạăâđêôơư]", regex=True).all()  # Vietnamese, diacritics kept
    assert prospects["ward_name"].eq("Phường Ba Đình").all() and prospects["province_code"].eq("01").all()


def _with_background(world: World, n: int = 40) -> None:
    """Residents each with their own valid card, so that the model has matches to learn from."""
    for i in range(100, 100 + n):
        pid = world.person(i, full_name=f"Trần Thị Nền{i}", dob=f"19{60 + i % 30}-0{1 + i % 9}-1{i % 10}", sex="F")
        world.insured(f"02{i:08d}", pid, hi_valid_to="2027-01-01")


def test_a_card_that_fits_two_namesakes_goes_to_the_one_no_other_card_covers(tmp_path: Path) -> None:
    """Two namesakes, two cards: one card carries A's ID, the other no ID and fits both. A person
    holds one valid card at a time, so the second is B's: neither is an HI prospect."""
    world = World()
    _with_background(world)
    a = world.person(1, full_name="Lê Văn Bình", dob="1980-05-05")
    b = world.person(2, full_name="Lê Văn Bình", dob="1980-05-05")
    world.insured("0100000001", a, hi_valid_to="2027-01-01")
    world.insured("0100000002", b, hi_valid_to="2027-01-01", person_id="")
    prospects = prospects_of(world, tmp_path)
    assert not keys(prospects, "hi_prospect") & {a, b}


def test_confidence_is_the_chance_of_a_true_prospect_and_doubt_goes_to_verify(tmp_path: Path) -> None:
    """A card with no ID that fits two namesakes equally: each is uncovered with probability about
    a half, too unsure to hand out, so both go to the rows to verify; a resident with no record at
    all is an HI prospect with confidence 1."""
    world = World()
    _with_background(world)
    a = world.person(1, full_name="Lê Văn Bình", dob="1980-05-05")
    b = world.person(2, full_name="Lê Văn Bình", dob="1980-05-05")
    alone = world.person(3, full_name="Phạm Thị Dung", dob="1990-02-02", sex="F")
    world.insured("0100000002", b, hi_valid_to="2027-01-01", person_id="")
    ctx = RunContext(world.write(tmp_path / "in"), tmp_path / "out", AS_OF)
    for stage in ("settings", "feedback", "ingest", "validate", "standardise", "link", "prospects"):
        run_stage(ctx, stage)
    listed = pd.read_parquet(PROSPECTS.path(ctx))
    verify = pd.read_parquet(PROSPECTS_TO_VERIFY.path(ctx))
    hi = listed[listed["group"] == "hi_prospect"].set_index("person_id")
    assert hi.loc[alone, "confidence"] == 1.0
    doubtful = verify[verify["group"] == "hi_prospect"].set_index("person_id")
    assert set(doubtful.index) | set(hi.index) >= {a, b}
    for pid in (a, b):
        confidence = doubtful.loc[pid, "confidence"] if pid in doubtful.index else hi.loc[pid, "confidence"]
        assert 0.3 < confidence < 0.7
    estimates = pd.read_parquet(ESTIMATES.path(ctx)).set_index("group")
    hi_estimate = estimates.loc["hi_prospect"]
    assert hi_estimate["listed"] == len(hi)
    assert hi_estimate["expected_true"] == pytest.approx(hi["confidence"].sum(), abs=0.01)
