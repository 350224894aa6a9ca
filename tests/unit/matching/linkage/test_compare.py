"""Comparison levels on real Vietnamese cases, and their symmetry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.ids import normalise_person_ids
from matching.linkage.compare import ADDRESS_ELSEWHERE, COMPARISONS, NULL, compare_pairs
from matching.linkage.features import build_features
from matching.text import fold, name_case

BASE = {"person_id": "001085012345", "full_name": "Nguyễn Thị Hòa", "dob": "1985-03-25", "sex": "F",
        "ward_code": "00004",
            "province_code": "01"}
COLUMN = {comp.name: c for c, comp in enumerate(COMPARISONS)}
COMPARISON = {comp.name: comp for comp in COMPARISONS}


def person(**overrides) -> dict:  # type: ignore[no-untyped-def]
    """One row in the linkage's input shape, from a readable description."""
    row = {**BASE, **overrides}
    ids = normalise_person_ids(pd.Series([row.pop("person_id")])).iloc[0].to_dict()
    parts = (row.pop("dob") or "").split("-")
    nums = [int(x) for x in parts if x] + [None] * (3 - len([x for x in parts if x]))
    name = row.pop("full_name")
    return {**ids, "full_name": name_case(name), "name_folded": fold(name), "dob_year": nums[0],
            "dob_month": nums[1], "dob_day": nums[2], "dob_swapped": False, **row}


def frames(records: list[dict], population: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rec = pd.DataFrame(records)
    rec.insert(0, "record_key", [f"insured:{i + 1}" for i in range(len(rec))])
    pop = pd.DataFrame(population).drop(columns=["legacy_id", "person_id_raw", "dob_swapped"])
    pop["household_id"] = "H1"
    for frame in (rec, pop):
        for part in ("dob_year", "dob_month", "dob_day"):
            frame[part] = frame[part].astype("Int64")
    return rec, pop


def level(record: dict, resident: dict, comparison: str) -> int:
    rec, pop = build_features(*frames([record], [resident]))
    return int(compare_pairs(rec, pop, np.array([0]), np.array([0]))[0, COLUMN[comparison]])


@pytest.mark.parametrize("recorded, expected", [
    ("001085012345", 0),  # exact
    ("001085012346", 1),  # one digit mistyped
    ("001085013245", 1),  # two digits transposed
    ("00108501234", 1),  # a digit dropped
    ("001085999999", 2),  # another ID
    ("012345678", NULL),  # legacy 9-digit CMND: not comparable
    (None, NULL),
])
def test_person_id_levels(recorded: str | None, expected: int) -> None:
    assert level(person(person_id=recorded), person(), "person_id") == expected


@pytest.mark.parametrize("recorded, expected", [
    ("Nguyễn Thị Hòa", 0),
    ("NGUYỄN THỊ HOÀ", 0),  # upper case, old tone placement
    ("Nguye\u0302\u0303n Thi\u0323 Ho\u0300a", 0),  # NFD
    ("Nguyen Thi Hoa", 1),  # diacritics dropped
    ("Nguyễn Hòa", 2),  # Thị dropped
    ("Ngyuễn Thị Hòa", 3),  # a typo: close
    ("Nguyễn Thị Hoa Lan", 4),  # a word added
    ("Trần Văn Nam", 5),
    (None, NULL),
])
def test_full_name_levels(recorded: str | None, expected: int) -> None:
    assert level(person(full_name=recorded), person(), "full_name") == expected


@pytest.mark.parametrize("recorded, expected", [
    ("Nguyễn Thị Hòa", NULL),  # names already agree: the given name adds nothing
    ("Trần Thị Hòa", 0),  # another surname, same given name
    ("Nguyễn Thị Hoan", 1),  # one edit
    ("Nguyễn Thị Lan", 2),
])
def test_given_name_levels(recorded: str, expected: int) -> None:
    assert level(person(full_name=recorded), person(), "given_name") == expected


@pytest.mark.parametrize("recorded, expected", [
    ("1985-03-25", 0),
    ("1985-03-12", 5),  # same year, other day
    ("1985", 4),  # year only
    ("1985-03", 4),  # year and month
    ("1986-03-25", 3),  # a year off, same day and month: a typo
    ("1984-03-25", 3),
    ("1995-03-25", 3),  # one digit of the year mistyped
    ("1986-03", 6),  # a year off, day unknown
    ("1986", 6),
    ("1990-03-25", 7),
    ("1975-04-25", 7),
    (None, NULL),
])
def test_dob_levels(recorded: str | None, expected: int) -> None:
    assert level(person(dob=recorded), person(), "dob") == expected


def test_swapped_day_and_month() -> None:
    assert level(person(dob="1985-05-03"), person(dob="1985-03-05"), "dob") == 2
    assert level(person(dob="1985-05-05"), person(dob="1985-05-05"), "dob") == 0


@pytest.mark.parametrize("recorded, stored, expected", [
    ("1982", "1982", "same_partial"),  # the state knows only the year: so does every record
    ("1982-09", "1982-09", "same_partial"),
    ("1982", "1982-09-26", "partial"),  # a full date, recorded in part
    ("1982-09", "1982", "partial"),
    ("1982-09", "1982-10", "same_year"),
])
def test_partial_dates_known_to_the_same_part(recorded: str, stored: str, expected: str) -> None:
    assert level(person(dob=recorded), person(dob=stored), "dob") == COMPARISON["dob"].labels.index(expected)


@pytest.mark.parametrize("ward, province, expected", [
    ("00004", "01", 0), ("00007", "01", 1), ("26734", "79", 2), (None, None, NULL)])
def test_ward_levels(ward: str | None, province: str | None, expected: int) -> None:
    assert level(person(ward_code=ward, province_code=province), person(), "ward") == expected


@pytest.mark.parametrize("sex, expected", [("F", 0), ("M", 1), (None, NULL)])
def test_sex_levels(sex: str | None, expected: int) -> None:
    assert level(person(sex=sex), person(), "sex") == expected


_NAMES = st.sampled_from(["Nguyễn Thị Hòa", "Nguyen Thi Hoa", "Nguyễn Hòa", "Trần Văn Nam", "Tran Van Nam",
                          "Lê Văn Sỹ", "Lê Văn Sĩ", "Nguyễn Thị Hoa", "Âu Dương Phong", "Phạm Minh"])
_DOBS = st.sampled_from(["1985-03-25", "1985-05-03", "1985", "1986-03-25", "1985-03", None, "1990-12-01"])
_WARDS = st.sampled_from([("00004", "01"), ("00007", "01"), ("26734", "79"), (None, None)])


@settings(max_examples=200, deadline=None)
@given(_NAMES, _NAMES, _DOBS, _DOBS, _WARDS, _WARDS, st.sampled_from(["M", "F", None]),
       st.sampled_from(["M", "F", None]))
def test_comparisons_are_symmetric(name_a, name_b, dob_a, dob_b, ward_a, ward_b, sex_a, sex_b) -> None:  # type: ignore[no-untyped-def]
    a = person(full_name=name_a, dob=dob_a, ward_code=ward_a[0], province_code=ward_a[1], sex=sex_a)
    b = person(full_name=name_b, dob=dob_b, ward_code=ward_b[0], province_code=ward_b[1], sex=sex_b)
    if a["person_id"] is None or b["person_id"] is None:
        return
    forward = build_features(*frames([a], [b]))
    backward = build_features(*frames([b], [a]))
    zero = np.array([0])
    assert compare_pairs(*forward, zero, zero).tolist() == compare_pairs(*backward, zero, zero).tolist()


@settings(max_examples=100, deadline=None)
@given(_NAMES, _DOBS, _WARDS, st.sampled_from(["M", "F"]))
def test_identical_records_agree_at_the_strongest_level(name, dob, ward, sex) -> None:  # type: ignore[no-untyped-def]
    row = person(full_name=name, dob=dob, ward_code=ward[0], province_code=ward[1], sex=sex)
    levels = compare_pairs(*build_features(*frames([row], [row])), np.array([0]), np.array([0]))[0]
    partial_dob = dob is not None and len(dob) < 10
    # the best a partial date gets
    expected_dob = {COMPARISON["dob"].labels.index("same_partial")} if partial_dob else {0, NULL}
    assert levels[COLUMN["dob"]] in expected_dob
    assert set(np.delete(levels, COLUMN["dob"]).tolist()) <= {0, NULL}


HOME = "Số 9 đường Nguyễn Huệ, Tổ dân phố 24"


@pytest.mark.parametrize("recorded, expected", [
    (HOME, 0),
    ("9 NGUYEN HUE, TDP 24", 0),  # written another way: the same key
    ("Số 9 đường Nguyễn Huệ", 1),  # the hamlet left out
    ("Số 9 đường Ngyễn Huệ, Tổ dân phố 24", 1),  # a typo in the street
    ("Số 221 đường Nguyễn Huệ, Tổ dân phố 24", 2),  # a neighbour down the street
    ("Thôn 3", 2),
    (None, NULL),
])
def test_address_levels(recorded: str | None, expected: int) -> None:
    assert level(person(address=recorded), person(address=HOME), "address") == expected


@pytest.mark.parametrize("ward_code, province_code", [("00007", "01"), ("26734", "79"), (None, None)])
def test_the_address_is_compared_given_the_commune(ward_code: str | None, province_code: str | None) -> None:
    """Recorded in another commune (moved, or an old code), the same agreements are other levels:
    a moved person's different address is what a true match shows there."""
    elsewhere = ADDRESS_ELSEWHERE
    moved = {"ward_code": ward_code, "province_code": province_code}
    assert level(person(address=HOME, **moved), person(address=HOME), "address") == 0 + elsewhere
    assert level(person(address="Số 9 đường Nguyễn Huệ", **moved), person(address=HOME), "address") == 1 + elsewhere
    assert level(person(address="Thôn 3", **moved), person(address=HOME), "address") == 2 + elsewhere


def test_a_business_address_that_is_not_the_home_says_nothing() -> None:
    shop = person(address="Số 40 đường Lê Lợi", address_is_home=False)
    assert level(shop, person(address=HOME), "address") == NULL
    assert level(dict(shop, address=HOME), person(address=HOME), "address") == 0  # run from home


def test_without_addresses_the_comparison_is_null() -> None:
    assert level(person(), person(), "address") == NULL


@pytest.mark.parametrize("work_ward, work_province, expected", [
    ("00004", "01", 0),  # the organisation is in the manager's commune
    ("00007", "01", 1),
    ("26734", "79", 2),
    (None, None, NULL),
])
def test_workplace_levels(work_ward: str | None, work_province: str | None, expected: int) -> None:
    manager = person(ward_code=None, province_code=None, work_ward_code=work_ward, work_province_code=work_province)
    assert level(manager, person(), "workplace") == expected
