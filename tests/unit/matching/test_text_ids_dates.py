"""Normalisation primitives: real Vietnamese cases and properties, with slow obvious oracles."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.vn import mst

from matching.dates import parse_partial_dates
from matching.ids import id_agrees_with, mask_person_id, normalise_person_ids, tax_code_checksum_ok
from matching.text import clean_text, fold, name_case

VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
names = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "  ", min_size=0, max_size=30)


@pytest.mark.parametrize(("typed", "expected"), [
    ("NGUYỄN THỊ MAI", "nguyen thi mai"),
    (unicodedata.normalize("NFD", "Nguyễn Thị Mai"), "nguyen thi mai"),
    ("\u00d0ặng  Văn   Hùng", "dang van hung"),
    ("Đỗ Thị Hoà", "do thi hoa"),
    ("Lê Hòa", "le hoa"),
])
def test_fold_real_cases(typed: str, expected: str) -> None:
    assert fold(typed) == expected


@given(names)
def test_normalisation_is_idempotent(text: str) -> None:
    assert clean_text(clean_text(text)) == clean_text(text)
    assert fold(fold(text)) == fold(text)
    assert name_case(name_case(text)) == name_case(text)


@given(names)
def test_nfd_and_nfc_normalise_alike(text: str) -> None:
    assert clean_text(unicodedata.normalize("NFD", text)) == clean_text(text)
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)


@given(names)
def test_fold_is_ascii_and_matches_a_slow_oracle(text: str) -> None:
    folded = fold(text)
    if folded is not None:
        slow = "".join(c for c in unicodedata.normalize("NFD", " ".join(text.split()))
                       if not unicodedata.combining(c)).replace("đ", "d").replace("Đ", "D").lower()
        assert folded.isascii() and folded == slow


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_tax_code_checksum_agrees_with_python_stdnum(code: str) -> None:
    assert bool(tax_code_checksum_ok(pd.Series([code]))[0]) == mst.is_valid(code)


def test_legacy_id_is_never_taken_for_a_personal_id() -> None:
    ids = normalise_person_ids(pd.Series(["012345678", "001085012345", "0010850123456"]))
    assert ids["person_id"].tolist() == [None, "001085012345", None]
    assert ids["legacy_id"].tolist() == ["012345678", None, None]


@pytest.mark.parametrize(("pid", "year", "sex", "agrees"), [
    ("001085012345", 1985, "M", True), ("001185012345", 1985, "F", True), ("001185012345", 1985, "M", False),
    ("079303012345", 2003, "F", True), ("079303012345", 1903, "F", False), ("079203012345", 2003, "F", False),
    ("001085012345", 1986, "M", False),
])
def test_id_digits_against_birth_year_and_sex(pid: str, year: int, sex: str, agrees: bool) -> None:
    assert bool(id_agrees_with(pd.Series([pid]), pd.Series([year]), pd.Series([sex]))[0]) is agrees


def test_masked_id_keeps_only_ends() -> None:
    assert mask_person_id("001085013456") == "001*****3456"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_full_dates_round_trip_and_swaps_only_when_needed(day: dt.date) -> None:
    parsed = parse_partial_dates(pd.Series([day.isoformat()]), allow_swap=True).iloc[0]
    assert (parsed["date"], parsed["status"]) == (day.isoformat(), "ok")
    swapped = f"{day.year:04d}-{day.day:02d}-{day.month:02d}"
    result = parse_partial_dates(pd.Series([swapped]), allow_swap=True).iloc[0]
    if day.day > 12:
        assert (result["date"], result["status"]) == (day.isoformat(), "swapped")
    else:  # ambiguous: taken as written
        assert result["status"] == "ok"


@given(st.lists(st.one_of(st.none(), names, st.text(alphabet=VIETNAMESE + " \t\n\u00a0\u3000\u00d0\u0110x-'",
                                                    max_size=15)), max_size=20))
def test_column_functions_agree_with_the_value_functions(values: list[str | None]) -> None:
    from matching.text import clean_series, fold_series, name_case_series

    column = pd.Series(values, dtype=object)
    assert clean_series(column).tolist() == [clean_text(v) for v in values]
    assert fold_series(column).tolist() == [fold(v) for v in values]
    assert name_case_series(column).tolist() == [name_case(v) for v in values]
