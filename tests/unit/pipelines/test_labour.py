"""The optional labour register: "contract in force" at every boundary, the group
``uninsured_employee`` on hand-written worlds run through the real stages, and its quarantine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from contract.groups import groups_of
from pipelines.catalogue import LABOUR_EMPLOYERS, PROSPECTS, QUARANTINED
from pipelines.context import RunContext
from pipelines.rules import contract_in_force
from pipelines.run import run_stage
from pipelines.summaries import read_validate
from tests.support.world import OTHER_WARD, TAX_CODE, TAX_CODE_2, World

AS_OF = dt.date(2026, 7, 1)

# (contract_type, start_date, end_date, in force on 2026-07-01): the golden boundaries.
BOUNDARIES = [
    ("fixed_term", "2026-07-01", "2027-06-30", True),    # starts on the as-of date
    ("fixed_term", "2026-07-02", "2027-06-30", False),   # starts the day after
    ("fixed_term", "2025-07-01", "2026-07-01", True),    # ends on the as-of date
    ("fixed_term", "2025-07-01", "2026-06-30", False),   # ended the day before
    ("seasonal", "2026-06-21", "2026-07-21", True),      # exactly 30 days: one month or more
    ("seasonal", "2026-06-21", "2026-07-20", False),     # 29 days: too short for compulsory SI
    ("probation", "2026-06-01", "2026-08-30", False),    # probation is never a contract in force
    ("probation", "2026-06-01", "", False),
    ("indefinite", "2020-01-15", "", True),              # no end date
    ("fixed_term", "2026-06-01", "", True),              # no end date, whatever the type says
    ("fixed_term", "2026-06-01", "2025-06-01", False),   # ends before it starts
    ("fixed_term", "2026-07-10", "2026-06-01", False),   # ... whichever side of as-of
]


@pytest.mark.parametrize(("kind", "start", "end", "in_force"), BOUNDARIES)
def test_contract_in_force_at_every_boundary(kind: str, start: str, end: str, in_force: bool) -> None:
    rows = pd.DataFrame({"contract_type": [kind], "start_date": pd.to_datetime([start]),
                         "end_date": pd.to_datetime([end or None])})
    assert contract_in_force(rows, AS_OF).tolist() == [in_force]


def run_world(world: World, tmp_path: Path) -> tuple[RunContext, pd.DataFrame]:
    ctx = RunContext(world.write(tmp_path / "in"), tmp_path / "out", AS_OF)
    for stage in ("feedback", "ingest", "validate", "standardise", "link", "prospects"):
        run_stage(ctx, stage)
    return ctx, pd.read_parquet(PROSPECTS.path(ctx))


def keys(prospects: pd.DataFrame, group: str) -> set[str]:
    rows = prospects[prospects["group"] == group]
    return {"|".join(str(v) for v in row if v is not None) for row in
            rows[["tax_code", "business_id", "person_id"]].itertuples(index=False)}


def test_every_boundary_through_the_stages(tmp_path: Path) -> None:
    """One worker per boundary, each with one contract at one enterprise: the employees listed are
    exactly the workers whose contract is in force; the others are voluntary-SI prospects."""
    world = World()
    world.enterprise(TAX_CODE, ward=OTHER_WARD, employees="20", name="CÔNG TY TNHH MAY MẶC NGỌC BẢO")
    world.add("employers", unit_code="U1", tax_code=TAX_CODE, name="CTY TNHH MAY MAC NGOC BAO")
    workers = [world.person(n, dob=f"19{70 + n}-0{1 + n % 9}-1{n % 10}") for n in range(1, len(BOUNDARIES) + 1)]
    for n, ((kind, start, end, _), pid) in enumerate(zip(BOUNDARIES, workers, strict=True)):
        world.contract(f"HĐ{n:03d}", pid, start=start, end=end, kind=kind, employer="CTY TNHH MAY MẶC NGỌC BẢO",
                       ward_code=OTHER_WARD)
    ctx, prospects = run_world(world, tmp_path)
    expected = {f"{TAX_CODE}|{pid}" for (*_, in_force), pid in zip(BOUNDARIES, workers, strict=True) if in_force}
    assert keys(prospects, "uninsured_employee") == expected
    employees = prospects[prospects["group"] == "uninsured_employee"]
    assert set(employees["ward_code"]) == {OTHER_WARD}  # the organisation's commune, not the residents'
    first = employees[employees["person_id"] == workers[0]].iloc[0]
    assert first["reason"].startswith("Có hợp đồng lao động xác định thời hạn số HĐ000 với CÔNG TY TNHH MAY MẶC "
                                      "NGỌC BẢO từ ngày 01/07/2026 đến ngày 30/06/2027")
    assert first["source_rows"] == "enterprises:1;labour:1" and first["confidence"] > 0.99
    # a worker listed as an employee is not also told to buy voluntary SI
    not_listed = {pid for (*_, in_force), pid in zip(BOUNDARIES, workers, strict=True) if not in_force}
    assert keys(prospects, "voluntary_si_prospect") == not_listed
    # the underdeclaring employer's reason counts its contracted workers without insurance
    under = prospects[prospects["group"] == "underdeclared_employer"].iloc[0]
    assert under["reason"].endswith(f"; {len(expected)} người có hợp đồng lao động còn hiệu lực chưa tham gia "
                                    "BHXH bắt buộc")
    assert pd.read_parquet(LABOUR_EMPLOYERS.path(ctx))["tax_code"].dropna().unique().tolist() == [TAX_CODE]


def test_who_is_not_an_uninsured_employee(tmp_path: Path) -> None:
    world = World()
    world.enterprise(TAX_CODE, name="CÔNG TY CỔ PHẦN XÂY DỰNG AN PHÁT")
    world.enterprise(TAX_CODE_2, name="CÔNG TY TNHH THƯƠNG MẠI HÀ VIỆT", status="suspended")
    world.add("employers", unit_code="U1", tax_code=TAX_CODE, name="CTY CP XD AN PHAT")
    insured, pensioner, retired, dead, suspended_org, public, branchless, typo, nameonly = (
        world.person(n) for n in range(1, 10))
    world.rows["population"][3]["death_date"] = "2026-05-01"
    world.rows["population"][2]["date_of_birth"] = "1960-02-02"  # past retirement age
    world.insured("0100000001", insured, si_type="compulsory", si_status="active", employer_unit_code="U1")
    world.insured("0100000002", pensioner, pensioner="yes")
    for n, pid in enumerate((insured, pensioner, retired, dead)):
        world.contract(f"A{n}", pid, start="2025-01-01", kind="indefinite", employer="CTY CP XÂY DỰNG AN PHÁT")
    world.contract("B1", suspended_org, start="2025-01-01", tax_code=TAX_CODE_2, employer="CTY TNHH TM HÀ VIỆT")
    world.contract("B2", public, start="2025-01-01", tax_code="", employer="ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH")
    # the employer's code reported without its leading zero, and one digit off: still the enterprise
    world.contract("C1", branchless, start="2025-01-01", tax_code=TAX_CODE[1:], employer="CTY CP XÂY DỰNG AN PHÁT")
    world.contract("C2", typo, start="2025-01-01", tax_code=TAX_CODE[:9] + "7", employer="CTY CP XÂY DỰNG AN PHÁT")
    world.contract("C3", nameonly, start="2025-01-01", tax_code="", employer="CÔNG TY CỔ PHẦN XÂY DỰNG AN PHÁT")
    ctx, prospects = run_world(world, tmp_path)
    assert keys(prospects, "uninsured_employee") == {f"{TAX_CODE}|{pid}" for pid in (branchless, typo, nameonly)}
    assert {public, suspended_org} <= keys(prospects, "voluntary_si_prospect")
    employers = pd.read_parquet(LABOUR_EMPLOYERS.path(ctx)).set_index("row_number")
    assert employers.loc[5, "tax_code"] == TAX_CODE_2  # linked, but not active: no row
    assert pd.isna(employers.loc[6, "tax_code"])  # a public body is no enterprise


def test_quarantine_rules_and_unusable_optional_values(tmp_path: Path) -> None:
    world = World()
    world.enterprise(TAX_CODE)
    pid = world.person(1)
    world.contract("K1", pid, start="2025-01-01")
    world.contract("K1", pid, start="2025-02-01")                        # later copy of the key
    world.contract("K2", pid, start="2025-02")                           # not a whole date
    world.contract("K3", pid, start="2025-02-30")                        # no such day
    world.contract("K4", pid, start="2025-01-01", kind="thời vụ")        # not in the list
    world.contract("K5", pid, start="2025-01-01", employer="")           # required value missing
    world.contract("K6", pid, start="2025-01-01", tax_code="01001", end_date="2026-13-01", ward_code="99999",
                   person_id="12AB")                                     # optional values unusable: kept
    ctx = RunContext(world.write(tmp_path / "in"), tmp_path / "out", AS_OF)
    for stage in ("ingest", "validate"):
        run_stage(ctx, stage)
    quarantined = pd.read_parquet(QUARANTINED.path(ctx, "labour")).set_index("contract_id")["reason"]
    assert quarantined.to_dict() == {
        "K1": "contract_id: later copy of a unique key (first kept at row 1)",
        "K2": "start_date: not a real date (YYYY-MM-DD)", "K3": "start_date: not a real date (YYYY-MM-DD)",
        "K4": "contract_type: not one of indefinite, fixed_term, seasonal, probation",
        "K5": "employer_name: required value is missing"}
    entry = read_validate(ctx)["labour"]
    assert (entry["rows_used"], entry["rows_quarantined"]) == (2, 5)
    assert entry["optional_values_unusable"] == {"employer_tax_code": 1, "end_date": 1, "person_id": 1,
                                                 "ward_code": 1}


def test_without_the_register_nothing_of_it_appears(tmp_path: Path) -> None:
    world = World()
    world.enterprise(TAX_CODE)
    world.person(1)
    ctx, prospects = run_world(world, tmp_path)
    assert "labour" not in read_validate(ctx) and not LABOUR_EMPLOYERS.path(ctx).exists()
    assert "uninsured_employee" not in set(prospects["group"]) and "uninsured_employee" not in groups_of(["x"])


def test_near_miss_evidence_quotes_the_probability_the_employer_raised() -> None:
    # Trần Thị Hồng's closest unassigned record was declared by the employer she has a contract
    # with: the officer's evidence quotes the raised probability the listing used, and says why.
    from pipelines.prospects import _agreeing_near_misses

    linked = pd.DataFrame({"record_key": ["insured:7", "insured:9"], "person_id": ["079190000001", "079190000002"],
                           "match_probability": [0.04, 0.30]})
    raised = linked.assign(match_probability=[0.41, 0.30])  # only the first record's employer agrees
    near = pd.DataFrame({"person_id": ["079190000001", "079190000002"], "record_key": ["insured:7", "insured:9"],
                         "match_weight": [-4.6, -1.2], "match_probability": [0.04, 0.30],
                         "reason": ["trùng họ tên, trùng năm sinh; khác địa chỉ", "trùng họ tên; ngày sinh khác"],
                         "person_linked": [False, False]})
    out = _agreeing_near_misses(near, linked, raised)
    assert out["match_probability"].tolist() == [0.41, 0.30]
    assert out["reason"].tolist() == [
        "trùng họ tên, trùng năm sinh; khác địa chỉ; cùng đơn vị sử dụng lao động với hợp đồng lao động",
        "trùng họ tên; ngày sinh khác"]
    assert list(out.columns) == list(near.columns)
    assert _agreeing_near_misses(near, linked, linked) is near  # nothing raised: the link stage's own
