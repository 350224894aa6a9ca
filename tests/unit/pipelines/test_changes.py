"""``night_changes`` on tiny tables: why a prospect of last night is resolved or gone, and since when one is open."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.changes import Facts, night_changes
from pipelines.prospect_ids import prospect_ids
from pipelines.state_store import OPEN_COLUMNS, Night

AS_OF = dt.date(2026, 7, 8)
LAST = dt.date(2026, 7, 1)
TAX, TAX_2 = "0100109106", "0300588569"


def _prospects(*rows: dict[str, str]) -> pd.DataFrame:
    empty = {"person_id": "", "tax_code": "", "business_id": "", "ward_code": "00004"}
    frame = pd.DataFrame([{**empty, **r} for r in rows])
    frame["prospect_id"] = prospect_ids(frame)
    return frame


def _night(frame: pd.DataFrame, since: str = "2026-06-24") -> Night:
    return Night(LAST, frame.assign(since=since).reindex(columns=list(OPEN_COLUMNS)))


def _facts() -> Facts:
    people = pd.DataFrame({"person_id": ["001090000001", "001090000002", "001090000003", "001090000004"],
                           "ward_code": ["00004", "00004", "00008", "00004"],
                           "death_date": [pd.NaT, pd.Timestamp("2026-07-03"), pd.NaT, pd.NaT],
                           "full_name": ["Nguyễn Văn An", "Lê Thị Bình", "Trần Văn Cường", "Phạm Thị Dung"]})
    insured = pd.DataFrame({"row_number": [1], "person_id": ["001090000001"], "si_code": ["0101234567"],
                            "si_type": ["voluntary"], "si_status": ["active"], "hi_valid_to": [pd.NaT]})
    orgs = pd.DataFrame({"tax_code": [TAX, TAX_2], "status": ["active", "dissolved"],
                         "name": ["CÔNG TY TNHH AN PHÁT", "HTX NÔNG NGHIỆP TÂN AN"], "employees": [5, 3]})
    businesses = pd.DataFrame({"business_id": ["01A8000001"], "status": ["active"], "tax_method": ["presumptive"],
                               "business_name": ["Tạp hoá Dung"]})
    units = pd.DataFrame({"unit_code": ["TA0001"], "tax_code": [TAX]})
    return Facts(people.set_index("person_id"), insured, orgs.set_index("tax_code"),
                 businesses.set_index("business_id"), units)


def test_why_each_prospect_left_the_list() -> None:
    last = _prospects(
        {"group": "voluntary_si_prospect", "person_id": "001090000001"},  # now voluntary SI
        {"group": "hi_prospect", "person_id": "001090000002"},  # died
        {"group": "hi_prospect", "person_id": "001090000003"},  # lives in 00008 now, not listed there
        {"group": "uninsured_household_owner", "person_id": "001090000004", "business_id": "01A8000001"},
        {"group": "unregistered_employer", "tax_code": TAX},  # has a unit now
        {"group": "uninsured_manager", "tax_code": TAX_2, "person_id": "001090000004"},  # dissolved
        {"group": "voluntary_si_prospect", "person_id": "001090000009"},  # left the population register
    )
    tonight = _prospects({"group": "hi_prospect", "person_id": "001090000004"})
    open_now, changes = night_changes(tonight, tonight.iloc[:0], _night(last), _facts(), AS_OF)
    why = {(r["group"], r["person_id"] or r["tax_code"]): (r["change"], r["reason"], r["record"])
           for r in changes.to_dict("records")}
    assert why == {
        ("voluntary_si_prospect", "001090000001"): ("resolved", "Đã tham gia BHXH tự nguyện", "insured:0101234567"),
        ("hi_prospect", "001090000002"): ("gone", "Đã mất ngày 03/07/2026", ""),
        ("hi_prospect", "001090000003"): ("gone", "Chuyển đi nơi khác (nay cư trú tại xã/phường 00008)", ""),
        ("uninsured_household_owner", "001090000004"): ("gone", "Hộ kinh doanh chuyển sang nộp thuế khoán", ""),
        ("unregistered_employer", TAX): ("resolved", "Đã đăng ký đơn vị tham gia BHXH", "employers:TA0001"),
        ("uninsured_manager", "001090000004"): ("gone", "Doanh nghiệp/HTX đã giải thể", ""),
        ("voluntary_si_prospect", "001090000009"): ("gone", "Không còn trong Cơ sở dữ liệu quốc gia về dân cư", ""),
        ("hi_prospect", "001090000004"): ("new", "Mới vào danh sách", ""),
    }
    assert changes["change"].tolist()[0] == "new"  # new first, then resolved, then gone
    assert changes.loc[changes["change"] == "resolved", "since"].tolist() == ["2026-06-24"] * 2
    assert open_now["since"].tolist() == [AS_OF.isoformat()]


def test_open_prospects_keep_their_since_and_moves_are_gone_there_new_here() -> None:
    last = _prospects({"group": "voluntary_si_prospect", "person_id": "001090000004"},
                      {"group": "unregistered_employer", "tax_code": TAX, "ward_code": "00008"})
    tonight = _prospects({"group": "voluntary_si_prospect", "person_id": "001090000004"},
                         {"group": "unregistered_employer", "tax_code": TAX, "ward_code": "00004"})
    open_now, changes = night_changes(tonight, tonight.iloc[:0], _night(last), _facts(), AS_OF)
    since = dict(zip(open_now["ward_code"] + open_now["group"], open_now["since"], strict=True))
    assert since == {"00004voluntary_si_prospect": "2026-06-24", "00004unregistered_employer": AS_OF.isoformat()}
    assert changes[["change", "ward_code", "reason"]].values.tolist() == [
        ["new", "00004", "Chuyển đến từ xã/phường 00008"],
        ["gone", "00008", "Chuyển sang danh sách của xã/phường 00004"]]
