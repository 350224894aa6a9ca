"""Old communes split between several new ones, placed where their address is lived at."""

from __future__ import annotations

import pandas as pd

from matching.admin_units import candidates_of, resolve_ward_codes
from matching.splits import resolve_by_residents

SPLIT = "00019"  # Phường Điện Biên (old), split between four communes of Hà Nội
TARGETS = candidates_of(SPLIT)


def _rows(addresses: list[str | None]) -> pd.DataFrame:
    codes = pd.Series([SPLIT] * len(addresses))
    resolved = resolve_ward_codes(codes, pd.Series(addresses, dtype=object))
    return resolved.assign(ward_code_raw=codes, address=addresses)


def _residents() -> pd.DataFrame:
    return pd.DataFrame({"ward_code": [TARGETS[1], TARGETS[2], TARGETS[2], TARGETS[3], TARGETS[3]],
                         "address": ["Số 12 đường Lê Lợi, Tổ dân phố 3", "Số 40 Lê Lợi, TDP 3", "Số 5 Hàng Bông",
                                     "Số 5 Hàng Bông", "Ngõ 7 Phố Huế"]})


def test_an_address_lived_at_in_one_candidate_places_the_row_there() -> None:
    placed = resolve_by_residents(_rows(["12 LE LOI, TDP 3"]), _residents())
    assert placed["ward_status"].tolist() == ["old_split_resolved"]
    assert placed["ward_code"].tolist() == [TARGETS[1]]
    assert placed["province_code"].tolist() == ["01"]
    assert "cư dân" in placed["ward_note"].iloc[0]


def test_a_street_lived_at_in_two_candidates_or_none_stays_flagged() -> None:
    # "Lê Lợi, TDP 3" is lived at in two candidates; "Hàng Bông 5" in two; "Thôn 9" in none.
    placed = resolve_by_residents(_rows(["Số 99 Lê Lợi, TDP 3", "5 Hàng Bông", "Thôn 9", None]), _residents())
    assert placed["ward_status"].tolist() == ["old_split_flagged"] * 4
    assert placed["ward_code"].tolist() == [TARGETS[0]] * 4  # the lowest candidate, as the contract says


def test_rows_not_split_are_left_as_they_are() -> None:
    rows = resolve_ward_codes(pd.Series(["00004", "00013"]), pd.Series(["Số 12 đường Lê Lợi", None]))
    rows = rows.assign(ward_code_raw=["00004", "00013"], address=["Số 12 đường Lê Lợi", None])
    placed = resolve_by_residents(rows, _residents())
    pd.testing.assert_frame_equal(placed[rows.columns.drop(["ward_code_raw", "address"])],
                                  rows[rows.columns.drop(["ward_code_raw", "address"])])
