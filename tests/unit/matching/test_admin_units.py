"""Commune code resolution against the real vietnam_provinces 2026.9.0 tables."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import admin_units as au
from matching.text import fold_words

# Real cases (vietnam_provinces 2026.9.0, Hà Nội):
#   00004 Phường Ba Đình (current); old 00013 Phường Quán Thánh -> 00004; old 00006 Vĩnh Phúc -> 00008
#   old 00019 Phường Điện Biên (Quận Ba Đình) split -> 00004 Ba Đình, 00070 Hoàn Kiếm,
#       00190 Ô Chợ Dừa, 00226 Văn Miếu - Quốc Tử Giám
#   old 00016 Phường Ngọc Hà split -> 00004 Ba Đình, 00008 Ngọc Hà (shares its name with a candidate)
#   00025: old Phường Ngọc Khánh (split 8/25/199) and current Phường Giảng Võ
#   27217: old Phường 11, Quận 11 (HCMC), absent from the official 2025 table
SPLIT = "00019"
SPLIT_CANDIDATES = ("00004", "00070", "00190", "00226")


def resolve_one(code: object, address: object = None) -> dict[str, object]:
    addresses = None if address is None else pd.Series([address], dtype=object)
    return au.resolve_ward_codes(pd.Series([code], dtype=object), addresses).iloc[0].to_dict()


def test_current_wards_reference() -> None:
    wards = au.current_wards()
    assert len(wards) == 3321 and wards.ward_code.is_unique and wards.ward_code.is_monotonic_increasing
    assert wards.province_code.nunique() == 34
    assert wards.division_type.value_counts().to_dict() == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert wards.ward_code.str.fullmatch(r"\d{5}").all() and wards.province_code.str.fullmatch(r"\d{2}").all()
    assert wards.ward_name.str.match(r"(Phường|Xã|Đặc khu) ").all()  # "xã Bắc Sơn" capitalised
    assert wards.iloc[0].tolist() == ["00004", "Phường Ba Đình", "phường", "01", "Thành phố Hà Nội"]


def test_current_wards_is_a_copy() -> None:
    wards = au.current_wards()
    wards.loc[0, "ward_name"] = "changed"
    assert au.current_wards().loc[0, "ward_name"] == "Phường Ba Đình"


def test_official_table_shape() -> None:
    targets = au._old_to_new()
    sizes = pd.Series([len(t) for t in targets.values()]).value_counts().to_dict()
    assert len(targets) == 10033 and sizes == {1: 9592, 2: 369, 3: 54, 4: 17, 5: 1}
    assert au.candidates_of("19") == SPLIT_CANDIDATES


def test_current_code() -> None:
    assert resolve_one("00004") == {
        "ward_code": "00004", "province_code": "01", "ward_status": "current", "ward_note": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "province"),
    [
        ("00013", "00004", "01"),
        ("00006", "00008", "01"),
        ("03983", "04033", "14"),
    ],  # 03983: not in legacy list
)
def test_old_code_with_one_new_commune(old: str, new: str, province: str) -> None:
    got = resolve_one(old, "Phường Quán Thánh, Quận Ba Đình")  # an address changes nothing here
    assert got == {
        "ward_code": new,
        "province_code": province,
        "ward_status": "old_mapped",
        "ward_note": None,
    }


def test_split_resolved_from_address() -> None:
    got = resolve_one(SPLIT, "Số 12 ngõ 3 phố Hàng Bài, Phường Hoàn Kiếm, Hà Nội")
    assert (got["ward_code"], got["province_code"], got["ward_status"]) == (
        "00070",
        "01",
        "old_split_resolved",
    )
    assert "00070 Phường Hoàn Kiếm" in got["ward_note"]


@pytest.mark.parametrize(
    "address",
    [
        "Phường Điện Biên, Quận Ba Đình, Hà Nội",  # old-era address: names the old commune only
        "12 Điện Biên Phủ, Ba Đình, Hà Nội",  # bare "Ba Đình" is the old district
        "Phường Ba Đình hoặc Phường Hoàn Kiếm",  # two candidates named
        "",
        None,
    ],
)
def test_split_unresolved_is_flagged_under_lowest_code(address: str | None) -> None:
    got = resolve_one(SPLIT, address)
    assert (got["ward_code"], got["province_code"], got["ward_status"]) == (
        "00004",
        "01",
        "old_split_flagged",
    )
    assert all(code in got["ward_note"] for code in SPLIT_CANDIDATES)


def test_split_candidate_named_like_the_old_commune_is_no_evidence() -> None:
    # The old Phường Ngọc Hà was split; "Phường Ngọc Hà" in an old address names the old one
    assert resolve_one("00016", "Phường Ngọc Hà, Quận Ba Đình")["ward_status"] == "old_split_flagged"
    assert resolve_one("00016", "Phường Ba Đình, Hà Nội")["ward_code"] == "00004"


@pytest.mark.parametrize(
    "address",
    [
        "so 3 p. van mieu quoc tu giam, ha noi",  # no diacritics, abbreviation
        "SỐ 3 PHƯỜNG VĂN MIẾU - QUỐC TỬ GIÁM",  # upper case
        unicodedata.normalize("NFD", "Số 3, Phường Văn Miếu - Quốc Tử Giám, Hà Nội"),  # decomposed
        "Số 3,P.Văn  Miếu-Quốc Tử Giám",  # no space after the abbreviation, doubled space
        "Văn Miếu Quốc Tử Giám",  # bare name, whole words
    ],
)
def test_split_address_forms(address: str) -> None:
    got = resolve_one(SPLIT, address)
    assert (got["ward_code"], got["ward_status"]) == ("00226", "old_split_resolved")


def test_code_both_old_and_current_is_current() -> None:
    got = resolve_one("00025", "Phường Láng, Hà Nội")  # old 00025 partly went to Láng: ignored
    assert (got["ward_code"], got["ward_status"]) == ("00025", "current")
    assert au.ward_name_of(pd.Series(["00025"])).tolist() == ["Phường Giảng Võ"]


@pytest.mark.parametrize("code", ["99999", "123456", "4a", "0000O"])
def test_unknown(code: str) -> None:
    got = resolve_one(code)
    assert got["ward_code"] is None and got["province_code"] is None and got["ward_status"] == "unknown"
    assert got["ward_note"]


def test_old_code_missing_from_official_table_is_unknown_but_old() -> None:
    got = resolve_one("27217")
    assert (got["ward_code"], got["ward_status"]) == (None, "unknown")
    assert "bảng chuyển đổi" in got["ward_note"]
    assert au.is_old(pd.Series(["27217", "99999"])).tolist() == [True, False]


@pytest.mark.parametrize(
    ("raw", "code"), [("4", "00004"), (" 13 ", "00004"), ("0 0 0 1 3", "00004"), (4, "00004")]
)
def test_zero_padding_and_spaces(raw: object, code: str) -> None:
    assert resolve_one(raw)["ward_code"] == code


@pytest.mark.parametrize("raw", [None, "", "   ", np.nan, pd.NA])
def test_missing(raw: object) -> None:
    got = resolve_one(raw)
    assert got == {"ward_code": None, "province_code": None, "ward_status": "missing", "ward_note": None}


def test_keeps_index_and_rejects_misaligned_addresses() -> None:
    codes = pd.Series(["00004", SPLIT, SPLIT], index=[10, 5, 7])
    addresses = pd.Series(["", "P. Ô Chợ Dừa", "xa khac"], index=[10, 5, 7])
    got = au.resolve_ward_codes(codes, addresses)
    assert got.index.tolist() == [10, 5, 7]
    assert got.ward_code.tolist() == ["00004", "00190", "00004"]
    assert list(got.columns) == ["ward_code", "province_code", "ward_status", "ward_note"]
    with pytest.raises(ValueError, match="same index"):
        au.resolve_ward_codes(codes, addresses.reset_index(drop=True))


def test_empty_input() -> None:
    got = au.resolve_ward_codes(pd.Series([], dtype=object), pd.Series([], dtype=object))
    assert got.empty and list(got.columns) == ["ward_code", "province_code", "ward_status", "ward_note"]


def test_helpers() -> None:
    codes = pd.Series(["00004", "26740", "00013", None, "4"])
    assert au.province_of(codes).tolist() == ["01", "79", None, None, "01"]
    assert au.ward_name_of(codes).tolist() == [
        "Phường Ba Đình",
        "Phường Sài Gòn",
        None,
        None,
        "Phường Ba Đình",
    ]
    assert au.is_current(codes).tolist() == [True, True, False, False, True]
    assert au.is_old(codes).tolist() == [True, True, True, False, True]


# ------------------------------------------------------------------ properties
_REAL = ["00004", "00013", SPLIT, "00016", "00025", "27217", "99999", "4", " 19", "", None]
_ADDRESSES = [
    None,
    "",
    "P. Hoàn Kiếm",
    "Phường Điện Biên, Quận Ba Đình",
    "Phường Ba Đình",
    "văn miếu quốc tử giám",
]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(_REAL), st.text(alphabet="0123456789 ", max_size=6)),
            st.sampled_from(_ADDRESSES),
        ),
        max_size=30,
    )
)
def test_vectorised_equals_row_by_row(rows: list[tuple[str | None, str | None]]) -> None:
    codes = pd.Series([c for c, _ in rows], dtype=object)
    addresses = pd.Series([a for _, a in rows], dtype=object)
    fast = au.resolve_ward_codes(codes, addresses)
    slow = [resolve_one(c, a if a is not None else "") for c, a in rows]
    assert fast.to_dict("records") == slow
    assert set(fast.ward_status) <= set(au.WARD_STATUSES)
    placed = fast.ward_code.dropna()
    assert au.is_current(placed).all()
    assert (au.province_of(placed) == fast.province_code[placed.index]).all()


@given(
    st.text(
        alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ĐÂ,.-"
    )
)
def test_fold_is_idempotent_and_ignores_normal_form(text: str) -> None:
    folded = fold_words(text)
    assert fold_words(folded) == folded and folded.isascii()
    assert fold_words(unicodedata.normalize("NFD", text)) == folded == fold_words(text.upper())
