"""Rendering the officers' lists: one Excel workbook per commune (A4 landscape, ready to print).

Each workbook holds only its commune's prospects (an officer sees one commune, domain.md §7),
one sheet per group, people grouped by household. Output is byte-identical for the same input and
as-of date: rows are fully ordered (``officer_lists.sort_key``), the document date is the as-of
date, and XlsxWriter's in-memory mode stamps every zip member with a fixed 1980 time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime
from itertools import groupby
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from contract.groups import GROUPS
from matching.admin_units import current_wards
from pipelines.catalogue import WORKBOOK_FOLDER, workbook_path
from pipelines.files import atomic_path
from pipelines.officer_lists import PROVINCE_CODE, WARD_CODE, band_of, records_by_ward, sort_key
from pipelines.officer_sheets import PRIVACY_NOTE, SHEETS, TO_VERIFY, Record, Sheet, cell_text, cell_value

__all__ = ["remove_stale_workbooks", "write_ward_workbooks"]

_HEADER_ROW = 3  # rows 0-2: title, what the sheet lists, privacy note


def _formats(workbook: Workbook) -> dict[str, object]:
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
    cell = {**base, "border": 1, "text_wrap": True}
    return {
        "title": workbook.add_format({**base, "bold": True, "font_size": 14}),
        "subtitle": workbook.add_format({**base, "italic": True}),
        "note": workbook.add_format({**base, "font_size": 9, "font_color": "#595959"}),
        "header": workbook.add_format(
            {**cell, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"}
        ),
        "band": workbook.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"}),
        "text": workbook.add_format(cell),
        "int": workbook.add_format({**cell, "num_format": "0", "align": "right"}),
        "pct": workbook.add_format({**cell, "num_format": "0%", "align": "right"}),
    }


def _header_footer(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts a control code in Excel headers


def _setup_page(sheet: Worksheet, spec: Sheet, place: str, as_of: date) -> None:
    for index, column in enumerate(spec.columns):
        sheet.set_column(index, index, column.width)
    sheet.freeze_panes(_HEADER_ROW + 1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    sheet.repeat_rows(_HEADER_ROW)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_header(f"&L&8{_header_footer(place)}&R&8{_header_footer(spec.description[:120])}")
    sheet.set_footer(f"&L&8Ngày {as_of:%d/%m/%Y}&CTrang &P/&N")


def _title(place: str, as_of: date) -> str:
    return f"Danh sách đối tượng tiềm năng tham gia BHXH, BHYT — {place} — ngày {as_of:%d/%m/%Y}"


def _how_sure(spec: Sheet, rows: list[Record], missed: float | None) -> str:
    """What the model expects of this list: the mean confidence of its rows (its expected share of
    true prospects), and how many it expects are left out (not listed, or to verify)."""
    values = [float(r["confidence"]) for r in rows if r.get("confidence")]
    text = f"; ước tính {sum(values) / len(values):.0%} đúng đối tượng" if values else ""
    if missed is not None and missed >= 0.5:
        text += f", còn khoảng {missed:.0f} {spec.unit} chưa có trong danh sách"
    return text


def _write_sheet(
    workbook: Workbook, formats: dict[str, object], spec: Sheet, rows: list[Record], place: str, as_of: date,
    missed: float | None = None,
) -> None:
    sheet = workbook.add_worksheet(spec.name)
    last = len(spec.columns) - 1
    _setup_page(sheet, spec, place, as_of)
    sheet.set_row(0, 22)
    sheet.merge_range(0, 0, 0, last, _title(place, as_of), formats["title"])
    how_sure = _how_sure(spec, rows, missed) if spec is not TO_VERIFY else ""
    sheet.merge_range(1, 0, 1, last, f"{spec.description}: {len(rows)} {spec.unit}{how_sure}", formats["subtitle"])
    sheet.merge_range(2, 0, 2, last, PRIVACY_NOTE, formats["note"])
    sheet.set_row(_HEADER_ROW, 32)
    for index, column in enumerate(spec.columns):
        sheet.write_string(_HEADER_ROW, index, column.header, formats["header"])
    row_index, number = _HEADER_ROW + 1, 0
    ordered = sorted(rows, key=lambda r: sort_key(spec, r))
    for band, members in groupby(ordered, key=lambda r: band_of(spec, r) if spec.band else ""):
        block = list(members)
        if spec.band:
            sheet.merge_range(
                row_index, 0, row_index, last, cell_text(f"{band} ({len(block)} {spec.unit})"), formats["band"]
            )
            row_index += 1
        for row in block:
            number += 1
            _write_row(sheet, formats, spec, row_index, number, row)
            row_index += 1


def _write_row(
    sheet: Worksheet, formats: dict[str, object], spec: Sheet, row_index: int, number: int, row: Record
) -> None:
    values = [number if column.kind == "stt" else cell_value(column, row) for column in spec.columns]
    values = [cell_text(value) if isinstance(value, str) else value for value in values]  # no ID in any text
    sheet.set_row(row_index, _row_height(spec, values))
    for index, (column, value) in enumerate(zip(spec.columns, values, strict=True)):
        if isinstance(value, (int, float)):
            sheet.write_number(row_index, index, value, formats["pct" if column.kind == "pct" else "int"])
        elif value:
            sheet.write_string(row_index, index, str(value), formats["text"])  # never a formula or URL
        else:
            sheet.write_blank(row_index, index, None, formats["text"])


_LINE_HEIGHT = 15.0  # points per line of 11-point text


def _row_height(spec: Sheet, values: list[object]) -> float:
    """Height that shows every wrapped line, estimated from text length and column width. Stored
    explicitly because LibreOffice does not re-fit row heights when it opens the file (seen when
    rendering); an estimate keeps the output deterministic."""
    lines = 1
    for column, value in zip(spec.columns, values, strict=True):
        if isinstance(value, str) and value:
            # a width unit is about 1.2 lower-case characters of 11-point text; capitals are wider
            per_line = max(1, int(column.width * (0.95 if value.isupper() else 1.2)) - 1)
            lines = max(lines, sum(-(-len(part) // per_line) for part in value.split("\n")))
    return min(409.0, lines * _LINE_HEIGHT)


def _write_workbook(target: Path, rows: list[Record], place: str, as_of: date, to_verify: list[Record],
                    missed: dict[str, float]) -> None:
    """One commune's workbook; ``place`` is "<commune>, <province>"; ``missed``: per group, the
    true prospects the model expects the commune's list to leave out."""
    with atomic_path(target) as tmp:
        # in_memory: zip members get a fixed 1980 timestamp, independent of the temp files' mtimes
        options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        workbook = xlsxwriter.Workbook(str(tmp), options)
        workbook.set_properties(
            {
                "title": _title(place, as_of),
                "subject": "Danh sách đối tượng tiềm năng tham gia BHXH, BHYT",
                "author": "covgap",
                "created": datetime(as_of.year, as_of.month, as_of.day),  # never the wall clock
            }
        )
        formats = _formats(workbook)
        for group in GROUPS:
            if group_rows := [r for r in rows if r["group"] == group]:
                _write_sheet(workbook, formats, SHEETS[group], group_rows, place, as_of, missed.get(group))
        if to_verify:
            _write_sheet(workbook, formats, TO_VERIFY, to_verify, place, as_of)
        workbook.close()


def _names() -> tuple[dict[str, str], dict[str, str]]:
    wards = current_wards()
    return (
        dict(zip(wards.ward_code, wards.ward_name, strict=True)),
        dict(zip(wards.province_code, wards.province_name, strict=False)),
    )


def write_ward_workbooks(
    prospects: pd.DataFrame, out_dir: Path, as_of: date, *, provinces: Collection[str] | None = None,
    to_verify: pd.DataFrame | None = None, estimates: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Write ``out_dir/by_ward/<province_code>/<ward_code>.xlsx`` for every commune with prospects
    (or rows to verify).

    ``provinces`` limits the run to those provinces (one mapped task per province); workbooks of
    communes that no longer have prospects are removed from the provinces written, so a re-run
    never leaves a stale list behind. ``to_verify`` rows go to a sheet of their own; ``estimates``
    (per group and commune, ``expected_missed``) say how many each list is expected to leave out.
    Returns the number of prospects written per ward code.
    """
    ward_names, province_names = _names()
    scope = set(provinces) if provinces is not None else None
    written: dict[str, int] = {}
    kept: set[Path] = set()
    listed = records_by_ward(prospects)
    verify = records_by_ward(to_verify) if to_verify is not None and len(to_verify) else {}
    missed: dict[str, dict[str, float]] = {}
    if estimates is not None:
        for ward, group, value in estimates[["ward_code", "group", "expected_missed"]].itertuples(index=False):
            missed.setdefault(str(ward), {})[str(group)] = float(value)
    for ward_code in sorted(set(listed) | set(verify)):
        rows = listed.get(ward_code, [])
        first = (rows or verify[ward_code])[0]
        province_code = first["province_code"]
        if scope is not None and province_code not in scope:
            continue
        ward_name = ward_names.get(ward_code) or first["ward_name"] or f"Xã/phường {ward_code}"
        target = workbook_path(out_dir, province_code, ward_code)
        place = f"{ward_name}, {province_names.get(province_code, province_code)}"
        _write_workbook(target, rows, place, as_of, verify.get(ward_code, []), missed.get(ward_code, {}))
        written[ward_code] = len(rows)
        kept.add(target)
    remove_stale_workbooks(Path(out_dir) / WORKBOOK_FOLDER, kept=kept, provinces=scope)
    return written


def remove_stale_workbooks(root: Path, *, kept: Collection[Path], provinces: Collection[str] | None) -> None:
    """Delete the commune workbooks under ``root`` that an earlier run wrote and this one did not
    (``kept``), in ``provinces`` only (every province when None); a province folder left empty goes too.
    The one place a workbook is removed: per province as it is written, and for provinces with no
    prospects left before any is written (``pipelines.publish.plan_provinces``)."""
    for path in _workbooks_under(root):
        if (provinces is None or path.parent.name in provinces) and path not in kept:
            path.unlink()
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        in_scope = provinces is None or folder.name in provinces  # never another task's province
        if in_scope and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _workbooks_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return iter(())
    return (
        p
        for p in sorted(root.glob("*/*.xlsx"))
        if PROVINCE_CODE.fullmatch(p.parent.name) and WARD_CODE.fullmatch(p.stem)
    )
