"""Address keys on real Vietnamese spellings of one house, and their properties."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.address import address_key, address_keys, house_number, route_key, route_keys

ONE_HOUSE = [
    "Số 9 đường Nguyễn Huệ, Tổ dân phố 24",
    "9 Nguyễn Huệ, TDP 24",
    "SN 9 Đ. NGUYEN HUE, tổ 24",
    "Số 009 đường Nguyễn  Huệ , Tổ dân phố 024",
    unicodedata.normalize("NFD", "Số 9 đường Nguyễn Huệ, Tổ dân phố 24"),
    "Số nhà 9, đường Nguyễn Huệ, TDP 24, P. Bến Thành, Q.1, TP. Hồ Chí Minh",
]


@pytest.mark.parametrize("spelling", ONE_HOUSE)
def test_spellings_of_one_house_share_a_key(spelling: str) -> None:
    assert address_key(spelling) == "9 nguyen hue to 24"


@pytest.mark.parametrize("address, expected", [
    ("Số 12 ngõ 068, đường Lê Lợi, Tổ dân phố 3", "12 ngo 68 le loi to 3"),
    ("12 Ng. 68 Lê Lợi, tổ 3", "12 ngo 68 le loi to 3"),
    ("Kiệt 5 Hùng Vương", "hem 5 hung vuong"),
    ("Hẻm 5 Hùng Vương, KP 2", "hem 5 hung vuong kp 2"),
    ("Khu phố 2", "kp 2"),
    ("Ấp Tân Hòa", "ap tan hoa"),
    ("Xóm 07", "xom 7"),
    ("5 Quán Thánh, P. Quán Thánh, Q. Ba Đình", "5 quan thanh"),  # the street keeps its name
    ("Ấp 3, Đường tỉnh 743", "ap 3 tinh 743"),  # a provincial road is not the province
    ("", ""),
    (None, ""),
])
def test_address_keys(address: str | None, expected: str) -> None:
    assert address_key(address) == expected


def test_house_number_is_the_first_number() -> None:
    assert [house_number(address_key(a)) for a in ("Số 12 ngõ 68 Lê Lợi", "Thôn 3", "Ấp Tân Hòa")] == ["12", "3", ""]


def test_many_at_once_equals_one_at_a_time() -> None:
    values = pd.Series(ONE_HOUSE + [None, "Thôn 3"], dtype=object)
    assert address_keys(values).tolist() == [address_key(v) for v in values]


_WORDS = st.sampled_from(["Số", "số", "SN", "9", "009", "đường", "Đ.", "Nguyễn", "Huệ", "ngõ", "Ng.", "Tổ",
                          "dân", "phố", "TDP", "Thôn", "Xóm", "Ấp", "Hẻm", "Kiệt", "P.", "Q.1", ",", "/"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=10).map(" ".join))
def test_a_key_is_its_own_key(address: str) -> None:
    key = address_key(address)
    assert address_key(key) == key
    assert address_key(address.upper()) == key


@pytest.mark.parametrize(("address", "expected"), [
    ("Số 194 hẻm 14, đường Lê Hồng Phong, Khu phố 3", ("kp 000003", "le hong phong", "hem 000014", "000194")),
    ("194 Hẻm 14 Lê Hồng Phong, KP 3, P. Tân An", ("kp 000003", "le hong phong", "hem 000014", "000194")),
    ("Số 12 ngõ 068, đường Lê Lợi, Tổ dân phố 3", ("to 000003", "le loi", "ngo 000068", "000012")),
    ("12/3A Nguyễn Trãi, Ấp Tân Hòa", ("ap tan hoa", "nguyen trai", "", "000012x000003a")),
    ("Xóm Đông, Thôn 1, xã Tân Lập", ("thon 000001", "xom dong", "", "")),
    ("Thôn 10", ("thon 000010", "", "", "")),
    ("", ("", "", "", "")),
])
def test_route_key_reads_hamlet_street_lane_house(address: str, expected: tuple[str, str, str, str]) -> None:
    assert route_key(address) == expected


def test_route_keys_walk_a_hamlet_in_number_order() -> None:
    walk = ["Số 3 đường Lê Lợi, Thôn 2", "Số 12 đường Lê Lợi, Thôn 2", "Số 5 đường Trần Phú, Thôn 2", "Thôn 10"]
    assert sorted([walk[2], walk[3], walk[1], walk[0]], key=route_key) == walk  # thôn 2 before 10, house 3 before 12


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(ONE_HOUSE + ["Thôn 3, xã Hòa Bình", "Ấp 2", None, ""]), max_size=8))
def test_route_keys_of_many_equal_route_key_of_each(values: list[str | None]) -> None:
    assert route_keys(values) == [route_key(v) for v in values]
    assert len({route_key(v) for v in ONE_HOUSE}) == 1  # every spelling of one house walks to one door
