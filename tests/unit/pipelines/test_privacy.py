"""Privacy in every output people open: IDs typed into free text masked in workbooks, CSV cells that
a spreadsheet would run as formulas neutralised (reversibly), no control characters in a cell."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd

from pipelines.files import unneutralise, write_csv
from pipelines.officer_sheets import EXCEL_CELL_CHARS, cell_text
from pipelines.officer_workbook import write_ward_workbooks
from tests.unit.pipelines.test_officer_workbook import BA_DINH, COLUMNS, prospect

AS_OF = date(2026, 7, 1)
TWELVE_OR_NINE = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")


def _cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None]


def test_an_id_typed_into_name_phone_or_household_is_masked_in_the_workbook(tmp_path: Path) -> None:
    row = prospect("voluntary_si_prospect", BA_DINH, person_id="001085012345", full_name="Nguyễn Văn An 001090123456",
                   household_id="010072859509", phone="001 187 023 456", address="Thôn 3, CMND 012345678",
                   relation_to_head="Chủ hộ", date_of_birth="1985-03-09", sex="M")
    write_ward_workbooks(pd.DataFrame([row], columns=COLUMNS), tmp_path, AS_OF)
    cells = _cells(tmp_path / "by_ward" / "01" / f"{BA_DINH}.xlsx")
    text = "\n".join(cells)
    assert not TWELVE_OR_NINE.search(text.replace(" ", "")), [c for c in cells if TWELVE_OR_NINE.search(c)]
    assert "Hộ mã 010*****9509" in text and "Nguyễn Văn An 001*****3456" in text and "001*****3456" in text
    assert "012**5678" in text  # a legacy 9-digit ID in the address


def test_a_phone_number_stays_readable_and_a_huge_value_is_cut_visibly() -> None:
    assert cell_text("0912 345 678") == "0912 345 678" and cell_text("+84 912 345 678") == "+84 912 345 678"
    huge = cell_text("Nguyễn " * 200_000)
    assert len(huge) == EXCEL_CELL_CHARS and huge.endswith("ký tự]") and "cắt bớt" in huge
    assert cell_text("Lê\x00 Văn\u202e Tám\ufeff") == "Lê Văn Tám"


def test_csv_cells_that_would_run_as_formulas_are_neutralised_and_can_be_undone(tmp_path: Path) -> None:
    values = ["=HYPERLINK(\"http://x\",\"Bấm\")", "+84912345678", "-2+3", "@SUM(A1)", "\tTab", "'quoted", "Nguyễn"]
    write_csv(pd.DataFrame({"full_name": values, "n": range(len(values))}), tmp_path / "p.csv")
    back = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False)
    assert not back["full_name"].str.match(r"[=+\-@\t]").any()
    assert [unneutralise(v) for v in back["full_name"]] == values and back["n"].tolist() == [str(i) for i in range(7)]
