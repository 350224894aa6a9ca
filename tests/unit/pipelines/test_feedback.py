"""Reading officers' outcomes back (``pipelines.feedback``) on hand-made workbooks and a hand-made store:
each check names the file, sheet, row and problem, the rest is still read, re-reading is idempotent, and
an outcome holds a prospect back only until its evidence changes."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from contract.outcomes import OUTCOME_LABELS, OUTCOMES, outcome_code
from pipelines.audit_outcomes import outcome_precision, wilson
from pipelines.feedback import evidence_of, latest_outcomes, read_feedback, suppressed
from pipelines.settings import load_settings
from pipelines.state_store import CHANGE_COLUMNS, OPEN_COLUMNS, Store

LISTED_ON, AS_OF = dt.date(2026, 7, 1), dt.date(2026, 7, 8)
SETTINGS = load_settings().prospects
HEADER = ["STT", "Trong danh sách", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh (đã che)",
          "Quan hệ với chủ hộ", "Lý do", "Mã đối tượng", "Kết quả", "Ngày", "Ghi chú"]
PEOPLE = {  # prospect_id -> person_id, name (real Vietnamese names; IDs made up)
    "PIDAN000000000000001": ("001090000001", "Nguyễn Văn An"),
    "PIDBINH0000000000002": ("001090000002", "Lê Thị Bình"),
    "PIDCUONG000000000003": ("001090000003", "Trần Văn Cường"),
    "PIDDUNG0000000000004": ("001090000004", "Phạm Thị Dung"),
}


def _listed() -> pd.DataFrame:
    return pd.DataFrame({"prospect_id": list(PEOPLE), "group": "voluntary_si_prospect", "ward_code": "00004",
                         "person_id": [p for p, _ in PEOPLE.values()],
                         "reason": "Trong độ tuổi lao động, chưa tham gia BHXH", "evidence": "",
                         "confidence": [0.97, 0.8, 0.6, 0.95]})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "state.sqlite")
    listed = _listed()
    night = listed.assign(tax_code=None, business_id=None, since=LISTED_ON.isoformat(),
                          evidence=evidence_of(listed, SETTINGS))[list(OPEN_COLUMNS)]
    store.record(LISTED_ON, night, pd.DataFrame(columns=list(CHANGE_COLUMNS)))
    return store


def _workbook(path: Path, rows: list[dict[str, object]], *, created: dt.datetime | None = dt.datetime(2026, 7, 1),
              sheet: str = "BHXH tự nguyện") -> Path:
    """A workbook as officer_workbook writes it (title rows, header on row 4), the rows filled in."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Tổng hợp"
    page = book.create_sheet(sheet)
    page["A1"] = "Danh sách đối tượng tiềm năng tham gia BHXH, BHYT"
    page.append([])
    page.append([])
    page.append(HEADER)
    for number, (prospect, (person, name)) in enumerate(PEOPLE.items(), start=1):
        page.append([number, "Mới", name, "15/03/1990", "Nam", f"{person[:3]}*****{person[-4:]}", "Chủ hộ",
                     "Trong độ tuổi lao động, chưa tham gia BHXH", prospect, None, None, None])
    for fill in rows:
        at = 4 + int(fill.pop("n"))  # type: ignore[call-overload]
        for header, value in fill.items():
            page.cell(at, HEADER.index(header) + 1, value)
    book.properties.created = created or dt.datetime(2026, 7, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    if created is None:  # openpyxl always stamps one: take it out, as another program might
        with zipfile.ZipFile(path) as old:
            members = {name: old.read(name) for name in old.namelist()}
        members["docProps/core.xml"] = re.sub(rb"<dcterms:created[^>]*>[^<]*</dcterms:created>", b"",
                                              members["docProps/core.xml"])
        with zipfile.ZipFile(path, "w") as new:
            for name, data in members.items():
                new.writestr(name, data)
    return path


def _report(problems: list) -> list[tuple[str, str, int | None, str]]:
    return [(p.file, p.sheet, p.row, p.check) for p in problems]


def test_the_outcome_list_is_one_constant_with_stable_codes() -> None:
    assert [code for code, _ in OUTCOMES] == ["joined", "appointment", "not_met", "wrong_person", "insured_elsewhere",
                                              "moved_away", "died"]
    assert all(outcome_code(label) == code for code, label in OUTCOMES)
    assert outcome_code("ĐÃ CÓ BHXH NƠI KHÁC") == "insured_elsewhere"  # as typed, any case
    assert outcome_code("Không đúng ngư\u01a1\u0300i") == "wrong_person"  # decomposed accents, as some keyboards type
    assert sum(len(label) + 1 for label in OUTCOME_LABELS.values()) < 255  # Excel's limit on a dropdown's list


def test_each_check_reports_its_row_and_the_rest_is_read(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "feedback"
    _workbook(folder / "00004.xlsx", [
        {"n": 1, "Kết quả": "Không đúng người", "Ngày": dt.datetime(2026, 7, 3), "Ghi chú": "Người khác trùng tên"},
        {"n": 2, "Kết quả": "Đã tham gia", "Ngày": "05/07/2026"},
        {"n": 3, "Kết quả": "Có thể", "Ngày": dt.datetime(2026, 7, 4)},  # not in the list
        {"n": 4, "Kết quả": "Hẹn lại", "Ngày": dt.datetime(2026, 7, 20)},  # after the as-of date
    ])
    _workbook(folder / "xa-2/sua.xlsx", [
        {"n": 1, "Kết quả": "Hẹn lại", "Ngày": dt.datetime(2026, 6, 20)},  # before it was first listed
        {"n": 2, "Số định danh (đã che)": "001*****9999", "Kết quả": "Không gặp", "Ngày": dt.datetime(2026, 7, 2)},
        {"n": 3, "Mã đối tượng": "KHONGCO0000000000000", "Kết quả": "Không gặp", "Ngày": dt.datetime(2026, 7, 2)},
        {"n": 4, "Ghi chú": "gọi lại sau"},  # a note, no outcome
    ])
    _workbook(folder / "xa-3/trung.xlsx", [{"n": 1, "Kết quả": "Đã tham gia", "Ngày": dt.datetime(2026, 7, 3)}])
    _workbook(folder / "xa-3/ho.xlsx", [{"n": 1, "Kết quả": "Đã tham gia", "Ngày": dt.datetime(2026, 7, 3)}],
              sheet="Theo hộ gia đình")
    _workbook(folder / "xa-3/khong-ngay.xlsx", [{"n": 1, "Kết quả": "Đã tham gia"}], created=None)
    (folder / "hong.xlsx").write_bytes(b"not a workbook")
    outcomes, problems = read_feedback(folder, store, AS_OF)
    assert _report(problems) == [
        ("00004.xlsx", "BHXH tự nguyện", 7, "unknown_outcome"),
        ("00004.xlsx", "BHXH tự nguyện", 8, "bad_date"),
        ("hong.xlsx", "", None, "unreadable"),
        ("xa-2/sua.xlsx", "BHXH tự nguyện", 5, "bad_date"),
        ("xa-2/sua.xlsx", "BHXH tự nguyện", 6, "edited_cell"),
        ("xa-2/sua.xlsx", "BHXH tự nguyện", 7, "unknown_prospect"),
        ("xa-2/sua.xlsx", "BHXH tự nguyện", 8, "missing_outcome"),
        ("xa-3/ho.xlsx", "Theo hộ gia đình", 5, "unread_sheet"),
        ("xa-3/khong-ngay.xlsx", "", None, "no_list_date"),
        ("xa-3/trung.xlsx", "BHXH tự nguyện", 5, "conflict"),
    ]
    record = problems[1].record()
    assert record["problem_vi"].startswith("Ngày không hợp lệ: 20/07/2026") and "impossible" in record["problem_en"]
    assert outcomes[["prospect_id", "outcome_date", "code", "note", "tonight"]].values.tolist() == [
        ["PIDAN000000000000001", "2026-07-03", "wrong_person", "Người khác trùng tên", True],
        ["PIDBINH0000000000002", "2026-07-05", "joined", "", True]]
    assert outcomes["listed_on"].tolist() == ["2026-07-01"] * 2 and outcomes["ward_code"].tolist() == ["00004"] * 2


def test_rereading_the_same_file_is_idempotent(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "feedback"
    _workbook(folder / "00004.xlsx", [{"n": 1, "Kết quả": "Đã có BHXH nơi khác", "Ngày": dt.datetime(2026, 7, 3)}])
    first, problems = read_feedback(folder, store, AS_OF)
    assert not problems and first["tonight"].tolist() == [True]
    night = store.previous(AS_OF).open
    store.record(AS_OF, night, pd.DataFrame(columns=list(CHANGE_COLUMNS)), first[first["tonight"]])
    again, problems = read_feedback(folder, store, AS_OF + dt.timedelta(days=7))
    assert not problems and again["tonight"].tolist() == [False]  # known: not recorded twice
    assert again["read_on"].tolist() == [AS_OF.isoformat()]
    store.record(AS_OF, night, pd.DataFrame(columns=list(CHANGE_COLUMNS)), first[first["tonight"]])  # a rerun
    assert len(store.outcomes(AS_OF + dt.timedelta(days=1))) == 1


def _outcome(prospect: str, code: str, day: str, evidence: str | None) -> dict[str, object]:
    return {"prospect_id": prospect, "outcome_date": day, "read_on": "2026-07-08", "code": code,
            "evidence": evidence, "group": "voluntary_si_prospect", "ward_code": "00004", "confidence": 0.9}


def test_held_back_until_new_evidence_or_a_later_outcome() -> None:
    listed = _listed()
    then = evidence_of(listed, SETTINGS)
    outcomes = pd.DataFrame([
        _outcome("PIDAN000000000000001", "wrong_person", "2026-07-03", then[0]),  # nothing new: held back
        _outcome("PIDBINH0000000000002", "insured_elsewhere", "2026-07-03", "0000000000000000"),  # evidence changed
        _outcome("PIDCUONG000000000003", "wrong_person", "2026-07-02", then[2]),
        _outcome("PIDCUONG000000000003", "appointment", "2026-07-05", then[2]),  # a later visit: listed again
        _outcome("PIDDUNG0000000000004", "not_met", "2026-07-03", then[3]),  # not_met holds nothing back
    ])
    assert suppressed(listed, outcomes, SETTINGS).tolist() == [True, False, False, False]
    crossed = listed.assign(confidence=[0.85, 0.8, 0.6, 0.95])  # 97% -> 85%: below sure_probability
    assert suppressed(crossed, outcomes, SETTINGS).tolist() == [False, False, False, False]
    near_miss = listed.assign(evidence=["Có hồ sơ BHXH gần trùng: Nguyễn Văn Ân, 1990 (62%)", "", "", ""])
    assert not suppressed(near_miss, outcomes, SETTINGS).iloc[0]
    other = listed.assign(reason=["Thẻ BHYT đã hết hạn, chưa có BHYT còn hạn", *listed["reason"][1:]])
    assert not suppressed(other, outcomes, SETTINGS).iloc[0]
    ages = pd.DataFrame({"reason": ["Trong độ tuổi lao động (15 tuổi), chưa tham gia BHXH",
                                    "Trong độ tuổi lao động (16 tuổi), chưa tham gia BHXH"],
                         "evidence": ["", ""], "confidence": [1.0, 1.0]})
    assert evidence_of(ages, SETTINGS).nunique() == 1  # a birthday, or tonight's date in the reason, is no evidence


def test_precision_from_outcomes_with_its_interval() -> None:
    rows = [_outcome(f"P{i}", code, "2026-07-03", None) for i, code in enumerate(
        ["joined", "joined", "appointment", "wrong_person", "insured_elsewhere", "not_met", "moved_away"])]
    figures = outcome_precision(latest_outcomes(pd.DataFrame(rows)))
    total = figures["total"]
    assert (total["outcomes"], total["decisive"], total["right"], total["precision"]) == (7, 5, 3, 0.6)
    assert (total["precision_low"], total["precision_high"]) == wilson(3, 5) == (0.23072, 0.88238)
    assert total["model_estimate"] == 0.9
    assert figures["by_commune_and_group"][0]["ward_code"] == "00004"
    assert wilson(0, 3) == (0.0, 0.5615) and wilson(5, 5)[1] == 1.0
