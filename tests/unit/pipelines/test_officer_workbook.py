"""Officers' workbooks and summary: one commune per workbook, masked IDs, byte-identical output."""

from __future__ import annotations

import tempfile
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.groups import ALL_GROUPS, GROUPS
from matching.admin_units import current_wards
from pipelines.officer_lists import split_by_ward, write_summary
from pipelines.officer_sheets import HOUSEHOLDS, SHEETS, sheet_of
from pipelines.officer_workbook import Directory, write_ward_workbooks

AS_OF = date(2026, 7, 1)
COLUMNS = [
    "group", "ward_code", "person_id", "tax_code", "business_id", "province_code", "ward_name", "full_name",
    "date_of_birth", "sex", "household_id", "relation_to_head", "address", "phone", "org_name", "role",
    "employees_declared", "employees_insured", "reason", "confidence", "evidence", "source_rows",
]  # fmt: skip
BA_DINH, SAI_GON = "00004", "26740"  # Phường Ba Đình (Hà Nội, 01), Phường Sài Gòn (TP. Hồ Chí Minh, 79)


def prospect(group: str, ward: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(group=group, ward_code=ward, province_code={BA_DINH: "01", SAI_GON: "79"}.get(ward, ""))
    row.update(confidence="0.950", reason="Lý do thử", source_rows="population:1")
    row.update(values)
    return row


PEOPLE_BA_DINH = {  # person_id -> (name, household, relation, dob, sex)
    "001085012345": ("Nguyễn Văn An", "HK0000000101", "Chủ hộ", "1985-03-09", "M"),
    "001187023456": ("Lê Thị Hoa", "HK0000000101", "Vợ", "1987-11", "F"),
    "001205034567": ("Nguyễn Thị Mai", "HK0000000101", "Con", "2005", "F"),
    "001090045678": ("Phạm Văn Bình", "HK0000000202", "Chủ hộ", "1990-01-20", "M"),
}


def person(group: str, ward: str, pid: str, **values: str) -> dict[str, str]:
    name, household, relation, dob, sex = PEOPLE_BA_DINH[pid]
    return prospect(
        group, ward, person_id=pid, full_name=name, household_id=household, relation_to_head=relation,
        date_of_birth=dob, sex=sex, address="Số 5 ngõ 12 phố Đội Cấn", phone="0912345678", **values,
    )  # fmt: skip


@pytest.fixture
def prospects() -> pd.DataFrame:
    rows = [
        prospect(
            "unregistered_employer", BA_DINH, tax_code="0101234567", org_name="CÔNG TY TNHH AN PHÁT",
            employees_declared="12", reason="Doanh nghiệp chưa đăng ký đơn vị BHXH",
        ),
        person(
            "uninsured_manager", BA_DINH, "001090045678", tax_code="0101234567", org_name="CÔNG TY TNHH AN PHÁT",
            role="Giám đốc", evidence="Khớp theo số định danh 001090045678 (managers:3)",
        ),
        *(person("voluntary_si_prospect", BA_DINH, pid) for pid in list(PEOPLE_BA_DINH)[:3]),
        person("hi_prospect", BA_DINH, "001205034567"),
        person("hi_prospect", BA_DINH, "001090045678"),
        prospect(
            "underdeclared_employer", SAI_GON, tax_code="0301234568", org_name="CÔNG TY CP BẾN THÀNH",
            employees_declared="40", employees_insured="25",
        ),
        prospect(
            "uninsured_household_owner", SAI_GON, person_id="079190001234", business_id="079190001234",
            full_name="Trần Thị Thu", household_id="HK7900000001", date_of_birth="1990-05-17", sex="F",
            org_name="Tiệm may Thu", address="12 Lê Lợi",
        ),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def data_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Sheet name -> data rows (those whose STT cell is a number), as values."""
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        rows = sheet.iter_rows(min_row=5, values_only=True)
        out[sheet.title] = [r for r in rows if isinstance(r[0], int)]
    return out


def xml_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_one_workbook_per_commune_at_the_right_path(prospects: pd.DataFrame, tmp_path: Path) -> None:
    counts = write_ward_workbooks(prospects, tmp_path, AS_OF)
    assert counts == {BA_DINH: 7, SAI_GON: 2}
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["by_ward/01/00004.xlsx", "by_ward/79/26740.xlsx"]


def test_each_workbook_carries_only_its_commune(prospects: pd.DataFrame, tmp_path: Path) -> None:
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    ba_dinh = data_rows(tmp_path / "by_ward/01/00004.xlsx")
    assert list(ba_dinh) == ["Tổng hợp", "Theo hộ gia đình", "ĐV chưa đăng ký", "Người quản lý", "BHXH tự nguyện",
                             "BHYT"]
    assert [r[1] for r in ba_dinh["BHXH tự nguyện"]] == ["Nguyễn Văn An", "Lê Thị Hoa", "Nguyễn Thị Mai"]
    sai_gon = data_rows(tmp_path / "by_ward/79/26740.xlsx")
    assert list(sai_gon) == ["Tổng hợp", "Theo hộ gia đình", "ĐV đóng thiếu", "Chủ hộ kinh doanh"]
    assert [r[1] for rows in sai_gon.values() for r in rows] == ["Trần Thị Thu", "CÔNG TY CP BẾN THÀNH", "Trần Thị Thu"]
    assert "Nguyễn" not in xml_text(tmp_path / "by_ward/79/26740.xlsx")


def test_ids_masked_and_never_in_full(prospects: pd.DataFrame, tmp_path: Path) -> None:
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    text = "".join(xml_text(p) for p in tmp_path.rglob("*.xlsx"))
    for pid in prospects.person_id[prospects.person_id != ""]:
        assert pid not in text
    assert "001*****5678" in text and "079*****1234" in text  # ID column, business code, evidence
    managers = data_rows(tmp_path / "by_ward/01/00004.xlsx")["Người quản lý"]
    assert managers[0][4] == "001*****5678" and any("001*****5678" in str(v) for v in managers[0][5:])


def test_vietnamese_headers_title_and_values(prospects: pd.DataFrame, tmp_path: Path) -> None:
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    sheet = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["BHYT"]
    assert sheet["A1"].value == (
        "Danh sách đối tượng tiềm năng tham gia BHXH, BHYT — Phường Ba Đình, Thành phố Hà Nội — ngày 01/07/2026"
    )
    header = [c.value for c in sheet[4]]
    # the address is the band's (printed once), the confidence 95% on every row (the subtitle says it),
    # no row has evidence: those columns are left out; the outcome columns are always there
    assert header == [
        "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh (đã che)", "Quan hệ với chủ hộ", "Điện thoại",
        "Lý do", "Kết quả", "Ngày", "Ghi chú",
    ]  # fmt: skip
    assert "ước tính 95% đúng đối tượng" in sheet["A2"].value
    # households in order, each under its band row; sex and dates as officers write them
    assert [c.value for c in sheet["A"][4:8]] == [
        "Hộ mã HK0000000101 — Số 5 ngõ 12 phố Đội Cấn (1 người)",
        1,
        "Hộ mã HK0000000202 — Số 5 ngõ 12 phố Đội Cấn (1 người)",
        2,
    ]
    assert [c.value for c in sheet[6]][:5] == [1, "Nguyễn Thị Mai", "2005", "Nữ", "001*****4567"]
    assert [c.value for c in sheet[6]][8:] == [None, None, None]  # Kết quả, Ngày, Ghi chú: to fill in
    household = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["BHXH tự nguyện"]
    assert household["A5"].value.startswith("Hộ mã HK0000000101")
    assert household["A5"].value.endswith("(3 người)")  # a household of 3: head first
    assert "A5:K5" in {str(r) for r in household.merged_cells.ranges}
    voluntary = data_rows(tmp_path / "by_ward/01/00004.xlsx")["BHXH tự nguyện"]
    assert [r[2:4] for r in voluntary] == [("09/03/1985", "Nam"), ("11/1987", "Nữ"), ("2005", "Nữ")]


def test_a_column_shows_when_it_carries_information(prospects: pd.DataFrame, tmp_path: Path) -> None:
    prospects.loc[prospects.group == "hi_prospect", "confidence"] = ["0.970", "0.620"]
    prospects.loc[prospects.person_id == "001090045678", "address"] = "Số 7 ngõ 12 phố Đội Cấn"
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    sheet = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["BHYT"]
    header = [c.value for c in sheet[4]]
    assert "Độ tin cậy" in header and "Căn cứ" not in header
    assert sheet.cell(6, header.index("Độ tin cậy") + 1).value == 0.97
    assert sheet.cell(6, header.index("Độ tin cậy") + 1).number_format == "0%"
    assert "Địa chỉ" not in header  # each member lives at the band's address
    managers = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["Người quản lý"]
    assert "Căn cứ" in [c.value for c in managers[4]]  # the manager has evidence


def test_cover_sheet_says_what_each_list_is_and_whom_to_call(prospects: pd.DataFrame, tmp_path: Path) -> None:
    directory = Directory(contact="Cán bộ chuyên quản: Trần Văn Nam, BHXH khu vực, 024 3823 4567")
    write_ward_workbooks(prospects, tmp_path, AS_OF, directory=directory)
    book = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")
    cover = book.worksheets[0]
    assert cover.title == "Tổng hợp"
    cells = [[c.value for c in row] for row in cover.iter_rows()]
    text = "\n".join(str(v) for row in cells for v in row if v is not None)
    assert "Xã/phường: Phường Ba Đình, Thành phố Hà Nội" in text and "01/07/2026" in text
    lines = {row[0]: row[1:] for row in cells if row[0] in {s.name for s in SHEETS.values()} | {HOUSEHOLDS.name}}
    assert lines[HOUSEHOLDS.name][:2] == [2, "hộ"]
    expected = {"ĐV chưa đăng ký": 1, "ĐV đóng thiếu": 0, "Người quản lý": 1, "Chủ hộ kinh doanh": 0,
                "BHXH tự nguyện": 3, "BHYT": 2}
    assert {name: line[0] for name, line in lines.items() if name != HOUSEHOLDS.name} == expected
    assert lines["BHYT"][2] == SHEETS["hi_prospect"].description and "BHYT hộ gia đình" in lines["BHYT"][3]
    assert "Liên hệ: Cán bộ chuyên quản: Trần Văn Nam, BHXH khu vực, 024 3823 4567" in text
    assert cover.page_setup.orientation == "landscape" and cover.page_setup.paperSize == 9


def test_household_sheet_lists_each_household_once_with_every_prospect(prospects: pd.DataFrame,
                                                                      tmp_path: Path) -> None:
    directory = Directory(households={"HK0000000101": ("Nguyễn Văn An", "Số 5 ngõ 12 phố Đội Cấn"),
                                      "HK0000000202": ("Phạm Văn Bình", "Số 20 phố Kim Mã")})
    write_ward_workbooks(prospects, tmp_path, AS_OF, directory=directory)
    sheet = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")[HOUSEHOLDS.name]
    header = [c.value for c in sheet[4]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert rows[0][0] == "Hộ Nguyễn Văn An (mã hộ HK0000000101) — Số 5 ngõ 12 phố Đội Cấn (3 người)"
    assert [r[1] for r in rows[1:4]] == ["Nguyễn Văn An", "Lê Thị Hoa", "Nguyễn Thị Mai"]
    groups = header.index("Cần vận động")
    assert [r[groups] for r in rows[1:4]] == ["BHXH tự nguyện", "BHXH tự nguyện", "BHXH tự nguyện; BHYT"]
    assert rows[4][0] == "Hộ Phạm Văn Bình (mã hộ HK0000000202) — Số 20 phố Kim Mã (1 người)"
    # he is listed at the band's household but his record has another address: shown on his row
    assert rows[5][1] == "Phạm Văn Bình" and rows[5][header.index("Địa chỉ")] == "Số 5 ngõ 12 phố Đội Cấn"
    assert "Người quản lý" not in rows[5][groups]  # managers are visited at their organisation


def test_households_come_in_walking_order(tmp_path: Path) -> None:
    """Thôn 1, Thôn 2 (Lê Lợi before Trần Phú; house 3 before 12), Thôn 10; no address last."""
    addresses = {"HK05": "Số 5 đường Trần Phú, Thôn 2", "HK01": "Số 12 đường Lê Lợi, Thôn 2",
                 "HK02": "Thôn 10", "HK03": "Số 3 Lê Lợi, thôn 2", "HK04": "", "HK06": "Xóm Đông, Thôn 1"}
    rows = [prospect("hi_prospect", BA_DINH, person_id=f"0012050{i:05d}", full_name=f"Người {code}",
                     household_id=code, relation_to_head="Chủ hộ", address=address)
            for i, (code, address) in enumerate(addresses.items())]
    write_ward_workbooks(pd.DataFrame(rows, columns=COLUMNS), tmp_path, AS_OF)
    sheet = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["BHYT"]
    bands = [c.value for c in sheet["A"][4:] if isinstance(c.value, str)]
    assert [b.split()[2] for b in bands] == ["HK06", "HK03", "HK01", "HK05", "HK02", "HK04"]


def test_employers_show_their_representative_and_phone(prospects: pd.DataFrame, tmp_path: Path) -> None:
    directory = Directory(organisations={"0101234567": ("Phạm Văn Bình (Giám đốc)", "024 3733 1234")})
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    plain = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["ĐV chưa đăng ký"]
    assert "Người đại diện / quản lý" not in [c.value for c in plain[4]]  # no register had one
    write_ward_workbooks(prospects, tmp_path, AS_OF, directory=directory)
    sheet = openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx")["ĐV chưa đăng ký"]
    header = [c.value for c in sheet[4]]
    row = [c.value for c in sheet[5]]
    assert row[header.index("Người đại diện / quản lý")] == "Phạm Văn Bình (Giám đốc)"
    assert row[header.index("Điện thoại")] == "024 3733 1234"


def test_a_group_without_a_sheet_of_its_own_still_gets_one() -> None:
    sheet = sheet_of("uninsured_contractor")  # a group the contract might add before its sheet exists
    assert sheet.name == "uninsured_contractor"
    assert {"full_name", "org_name", "outcome"} <= {c.key for c in sheet.columns}
    assert all(sheet_of(group) is SHEETS[group] for group in ALL_GROUPS)


def test_print_setup(prospects: pd.DataFrame, tmp_path: Path) -> None:
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    for sheet in openpyxl.load_workbook(tmp_path / "by_ward/01/00004.xlsx").worksheets[1:]:  # after the cover
        assert sheet.freeze_panes == "A5"
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (
            sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        )  # 1 is the default
        assert sheet.print_title_rows == "$4:$4"
        assert "&P" in sheet.oddFooter.center.text
        assert len(sheet.title) <= 31


def test_byte_identical_runs(prospects: pd.DataFrame, tmp_path: Path) -> None:
    write_ward_workbooks(prospects, tmp_path / "a", AS_OF)
    shuffled = prospects.sample(frac=1, random_state=7)  # input order must not matter either
    write_ward_workbooks(shuffled, tmp_path / "b", AS_OF)
    for path in (tmp_path / "a").rglob("*.xlsx"):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
        with zipfile.ZipFile(path) as archive:
            assert "2026-07-01T00:00:00Z" in archive.read("docProps/core.xml").decode()
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_rerun_removes_stale_workbooks_in_scope(prospects: pd.DataFrame, tmp_path: Path) -> None:
    write_ward_workbooks(prospects, tmp_path, AS_OF)
    write_ward_workbooks(prospects[prospects.ward_code == BA_DINH], tmp_path, AS_OF, provinces=["79"])
    assert (tmp_path / "by_ward/01/00004.xlsx").exists()  # outside this call's provinces: untouched
    assert not (tmp_path / "by_ward/79/26740.xlsx").exists()  # Sài Gòn has no prospects now
    assert write_ward_workbooks(prospects, tmp_path, AS_OF, provinces=["79"]) == {SAI_GON: 2}


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [("group", "someone", "group"), ("ward_code", "", "ward_code"), ("ward_code", "../x", "ward_code"),
     ("province_code", "02", "province_code")],
)  # fmt: skip
def test_bad_prospects_fail_loudly(
    prospects: pd.DataFrame, tmp_path: Path, column: str, value: str, message: str
) -> None:
    prospects.loc[0, column] = value
    with pytest.raises(ValueError, match=message):
        write_ward_workbooks(prospects, tmp_path, AS_OF)


def test_summary(prospects: pd.DataFrame, tmp_path: Path) -> None:
    summary = write_summary(prospects, current_wards(), tmp_path / "summary.csv")
    assert list(summary.columns) == [
        "province_code",
        "province_name",
        "ward_code",
        "ward_name",
        *GROUPS,
        "total",
    ]
    assert summary.ward_code.tolist() == [BA_DINH, SAI_GON]
    assert summary.ward_name.tolist() == ["Phường Ba Đình", "Phường Sài Gòn"]
    assert summary.province_name.tolist() == ["Thành phố Hà Nội", "Thành phố Hồ Chí Minh"]
    assert summary[list(GROUPS)].to_numpy().tolist() == [[1, 0, 1, 0, 3, 2], [0, 1, 0, 1, 0, 0]]
    assert summary.total.tolist() == [7, 2] and summary.total.sum() == len(prospects)
    raw = (tmp_path / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfprovince_code,") and "Phường Ba Đình".encode() in raw
    back = pd.read_csv(tmp_path / "summary.csv", dtype=str, encoding="utf-8-sig")
    assert back.ward_code.tolist() == [BA_DINH, SAI_GON] and back.total.tolist() == ["7", "2"]


# ------------------------------------------------------------------ property: no row lost or duplicated
_WARDS = {BA_DINH: "01", "00070": "01", SAI_GON: "79"}
_ROWS = st.lists(
    st.tuples(st.sampled_from(sorted(_WARDS)), st.sampled_from(GROUPS), st.integers(0, 3)), max_size=25
)


def _frame(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """Each row gets a unique token where the workbook shows it in column B (name or organisation)."""
    records = []
    for i, (ward, group, household) in enumerate(rows):
        org_group = [c.key for c in sheet_of(group).columns if c.key != "listed"][1] == "org_name"  # listed: not here
        token = f"Mục {i}"
        records.append(
            prospect(
                group, ward, province_code=_WARDS[ward], household_id=f"HK{household}" if household else "",
                full_name="" if org_group else token, org_name=token if org_group else "Đơn vị",
                person_id="" if org_group else f"0010900{i:05d}",
            )
        )  # fmt: skip
    return pd.DataFrame(records, columns=COLUMNS)


@settings(max_examples=100, deadline=None)
@given(_ROWS)
def test_split_by_ward_neither_loses_nor_duplicates(rows: list[tuple[str, str, int]]) -> None:
    frame = _frame(rows)
    parts = split_by_ward(frame)
    assert sum(len(p) for p in parts.values()) == len(frame)
    assert sorted(i for p in parts.values() for i in p.index) == list(frame.index)
    assert all((p.ward_code == code).all() for code, p in parts.items())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ROWS)
def test_workbooks_neither_lose_nor_duplicate_rows(rows: list[tuple[str, str, int]]) -> None:
    frame = _frame(rows)
    with tempfile.TemporaryDirectory() as out:
        counts = write_ward_workbooks(frame, Path(out), AS_OF)
        seen: Counter[tuple[str, str]] = Counter()
        by_household: Counter[tuple[str, str]] = Counter()
        for path in Path(out).rglob("*.xlsx"):
            for name, sheet_rows in data_rows(path).items():
                (by_household if name == HOUSEHOLDS.name else seen).update((path.stem, str(r[1])) for r in sheet_rows)
                assert [r[0] for r in sheet_rows] == list(range(1, len(sheet_rows) + 1))  # STT 1..n
    shown = frame.full_name.where(frame.full_name != "", frame.org_name)
    expected = Counter(zip(frame.ward_code, shown, strict=True))
    assert seen == expected
    in_households = frame[frame.group.map(lambda g: sheet_of(g).band == "household").astype(bool)]  # each once
    assert by_household == Counter(set(zip(in_households.ward_code, in_households.full_name, strict=True)))
    assert counts == dict(sorted(Counter(frame.ward_code).items()))


def test_summary_of_a_commune_missing_from_the_reference(prospects: pd.DataFrame, tmp_path: Path) -> None:
    odd = prospects.iloc[[0]].assign(ward_code="99999", ward_name="Xã Thử")  # not a current code
    summary = write_summary(odd, current_wards(), tmp_path / "summary.csv")
    assert summary.loc[0, ["province_name", "ward_name", "total"]].tolist() == [
        "Thành phố Hà Nội",
        "Xã Thử",
        1,
    ]


def test_empty_prospects(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=COLUMNS, dtype=str)
    assert write_ward_workbooks(empty, tmp_path, AS_OF) == {}
    assert write_summary(empty, current_wards(), tmp_path / "summary.csv").empty
