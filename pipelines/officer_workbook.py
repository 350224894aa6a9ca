"""Rendering the officers' lists: one Excel workbook per commune (A4 landscape, ready to print).

Each workbook holds only its commune's prospects (an officer sees one commune, domain.md §7): a
cover sheet (the commune, the date, how many of each group, what each group means and what to do,
whom to call), one sheet of every household with all its members' prospects (one visit per house),
then one sheet per group (``contract.groups.GROUPS``, each group's sheet from
``officer_sheets.sheet_of``) and the rows to verify. Households and organisations come in the order
an officer walks the commune: hamlet, street, lane, house number (``matching.address.route_key``);
each band names the household's head and address. A column no row has a value for is left out, and
every list ends with empty columns for what happened at the door. Output is byte-identical for the
same input and as-of date: rows are fully ordered (``officer_lists.sort_key``), the document date
is the as-of date, and XlsxWriter's in-memory mode stamps every zip member with a fixed 1980 time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from itertools import groupby
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from contract.groups import GROUPS
from contract.outcomes import OUTCOMES
from matching.address import route_keys
from matching.admin_units import current_wards
from pipelines.catalogue import WORKBOOK_FOLDER, workbook_path
from pipelines.files import atomic_path
from pipelines.officer_lists import PROVINCE_CODE, WARD_CODE, Route, band_key, band_of, records_by_ward, sort_key
from pipelines.officer_sheets import (
    CLOSED,
    HOUSEHOLDS,
    NEW_LABEL,
    PRIVACY_NOTE,
    TO_VERIFY,
    Record,
    Sheet,
    SheetColumn,
    cell_text,
    converter,
    sheet_of,
)

__all__ = ["Directory", "remove_stale_workbooks", "write_ward_workbooks"]


@dataclass(frozen=True)
class Directory:
    """What the prospects do not carry, looked up in the registers (``pipelines.officer_directory``)."""

    households: dict[str, tuple[str, str]] = field(default_factory=dict)  # household_id -> head's name, address
    organisations: dict[str, tuple[str, str]] = field(default_factory=dict)  # tax_code -> representative, phone
    contact: str = ""  # the cover sheet's contact line (settings: officers.contact)


_HEADER_ROW = 3  # rows 0-2: title, what the sheet lists, privacy note
_ORG_UNIT = "đơn vị"


def _formats(workbook: Workbook) -> dict[str, object]:
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "top"}
    cell = {**base, "border": 1, "text_wrap": True}
    return {
        "title": workbook.add_format({**base, "bold": True, "font_size": 14}),
        "subtitle": workbook.add_format({**base, "italic": True}),
        "plain": workbook.add_format({**base, "text_wrap": True}),
        "strong": workbook.add_format({**base, "bold": True, "text_wrap": True}),
        "note": workbook.add_format({**base, "font_size": 9, "font_color": "#595959", "text_wrap": True}),
        "header": workbook.add_format(
            {**cell, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"}
        ),
        "band": workbook.add_format({**cell, "bold": True, "bg_color": "#F2F2F2"}),
        "text": workbook.add_format(cell),
        # to be written in by hand: the only cells left unlocked on a protected sheet
        "fill": workbook.add_format({**cell, "bg_color": "#FFFDE7", "locked": False}),
        "fill_date": workbook.add_format({**cell, "bg_color": "#FFFDE7", "locked": False, "num_format": "dd/mm/yyyy"}),
        "new": workbook.add_format({**cell, "bold": True, "font_color": "#C00000"}),  # first listed tonight
        "int": workbook.add_format({**cell, "num_format": "0", "align": "right"}),
        "pct": workbook.add_format({**cell, "num_format": "0%", "align": "right"}),
    }


def _header_footer(text: str) -> str:
    return text.replace("&", "&&")  # "&" starts a control code in Excel headers


def _setup_page(sheet: Worksheet, spec: Sheet, columns: list[SheetColumn], place: str, as_of: date) -> None:
    for index, column in enumerate(columns):
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


@dataclass(frozen=True)
class _Band:
    label: str  # "" when the sheet has no bands
    rows: list[Record]
    values: list[list[object]]  # per row, per column of the sheet


def _bands(spec: Sheet, rows: list[Record], directory: Directory, routes: dict[str, Route]) -> list[_Band]:
    """The sheet's rows in walking order, under their bands, with each cell's value. Under a band,
    a member's address is left blank where it is the band's (it is printed once, on the band)."""
    def place(row: Record) -> str:
        if spec.band == "household" and row["household_id"] in directory.households:
            return directory.households[row["household_id"]][1] or row["address"]
        return row["address"]

    # each row's route, band and first sort key worked out once (the sorts and the grouping share them)
    own = [routes[place(row)] for row in rows]
    bands = [band_key(spec, row, route) if spec.band else () for row, route in zip(rows, own, strict=True)]
    keys = [sort_key(spec, row, route) for row, route in zip(rows, own, strict=True)]
    # a band's address: its head's (household) or the first row's; every member sorts by it
    first: dict[tuple[object, ...], int] = {}
    for i in sorted(range(len(rows)), key=keys.__getitem__):
        first.setdefault(bands[i], i)
    lead = [own[first[key]] for key in bands]
    keys = [key if route == own[i] else sort_key(spec, rows[i], route)
            for i, (key, route) in enumerate(zip(keys, lead, strict=True))]
    ordered = sorted(range(len(rows)), key=keys.__getitem__)
    convert = [(column.key, converter(column)) for column in spec.columns]
    blank_address = [conv("") if key == "address" else None for key, conv in convert]
    out = []
    for key, members in groupby(ordered, key=bands.__getitem__):
        block = list(members)
        head = rows[first[key]]
        label = band_of(spec, head, directory.households.get(head["household_id"])) if spec.band else ""
        values = []
        for i in block:
            row = rows[i]
            cells = [conv(row.get(name, "")) for name, conv in convert]
            if spec.band and row["address"] and routes[row["address"]] == lead[i]:
                cells = [cell if blank is None else blank for cell, blank in zip(cells, blank_address, strict=True)]
            values.append(cells)
        out.append(_Band(label, [rows[i] for i in block], values))
    return out


def _carries_information(index: int, column: SheetColumn, bands: list[_Band]) -> bool:
    """A column is shown when some row has a value; a percentage only when the rows differ (the
    sheet's subtitle gives the mean)."""
    if column.always:
        return True
    values = [v[index] for b in bands for v in b.values if v[index] not in ("", None)]
    if column.kind == "pct":
        return len({round(float(v), 2) if isinstance(v, float) else v for v in values}) > 1
    return bool(values)


def _write_sheet(
    workbook: Workbook, formats: dict[str, object], spec: Sheet, rows: list[Record], place: str, as_of: date,
    directory: Directory, routes: dict[str, Route], missed: float | None = None, count: str = "",
) -> None:
    bands = _bands(spec, rows, directory, routes)
    shown = [i for i, column in enumerate(spec.columns) if _carries_information(i, column, bands)]
    columns = [spec.columns[i] for i in shown]
    sheet = workbook.add_worksheet(spec.name)
    last = len(columns) - 1
    _setup_page(sheet, spec, columns, place, as_of)
    # protected without a password (it guards against slips, not people): only the outcome cells take input,
    # so a filled-in workbook comes back with the rest as it was written; columns and rows may still be resized
    sheet.protect("", {"format_columns": True, "format_rows": True})
    sheet.set_row(0, 22)
    sheet.merge_range(0, 0, 0, last, _title(place, as_of), formats["title"])
    how_sure = _how_sure(spec, rows, missed) if spec is not TO_VERIFY and spec is not HOUSEHOLDS else ""
    sheet.merge_range(1, 0, 1, last, f"{spec.description}: {count or f'{len(rows)} {spec.unit}'}{how_sure}",
                      formats["subtitle"])
    sheet.merge_range(2, 0, 2, last, PRIVACY_NOTE, formats["note"])
    sheet.set_row(_HEADER_ROW, 32)
    for index, column in enumerate(columns):
        sheet.write_string(_HEADER_ROW, index, column.header, formats["header"])
    row_index, number = _HEADER_ROW + 1, 0
    write_row = _row_writer(sheet, formats, columns, shown)
    for band in bands:
        if spec.band:
            label = cell_text(f"{band.label} ({len(band.rows)} {spec.unit})")  # no ID in a band either
            sheet.set_row(row_index, _height([(sum(c.width for c in columns), label)]))
            sheet.merge_range(row_index, 0, row_index, last, label, formats["band"])
            row_index += 1
        for values in band.values:
            number += 1
            write_row(row_index, number, values)
            row_index += 1
    if row_index > _HEADER_ROW + 1:
        _validate_outcomes(sheet, columns, _HEADER_ROW + 1, row_index - 1, as_of)


def _validate_outcomes(sheet: Worksheet, columns: list[SheetColumn], first: int, last: int, as_of: date) -> None:
    """Kết quả: a dropdown of the fixed list (``contract.outcomes``); Ngày: a date within a year of the list's."""
    keys = [c.key for c in columns]
    if "outcome" in keys:
        at = keys.index("outcome")
        sheet.data_validation(first, at, last, at, {
            "validate": "list", "source": [label for _, label in OUTCOMES],
            "error_title": "Kết quả", "error_message": "Chọn một kết quả trong danh sách"})
    if "outcome_date" in keys:
        at = keys.index("outcome_date")
        sheet.data_validation(first, at, last, at, {
            "validate": "date", "criteria": "between", "minimum": date(as_of.year - 1, 1, 1),
            "maximum": date(as_of.year + 1, 12, 31), "error_title": "Ngày",
            "error_message": "Ghi ngày đến gặp, dạng ngày/tháng/năm"})


# Many cells of a province's workbooks hold the same text (labels, reasons, addresses): each is cleaned once.
_clean = lru_cache(maxsize=1 << 16)(cell_text)


def _row_writer(sheet: Worksheet, formats: dict[str, object], columns: list[SheetColumn],
                shown: list[int]) -> Callable[[int, int, list[object]], None]:
    """A function that writes one row of the sheet (``values``: per column of the sheet's spec, ``shown``
    the spec's index of each column written; ``number``: the row's STT), its height fitted to its text.
    What each column needs (format, how wide a line is) is looked up once per sheet, not once per cell."""
    text, new = formats["text"], formats["new"]
    # a fill-in cell's format: the visit date's shows dd/mm/yyyy; a number's: percent or integer
    plan = [(index, source, column.kind, column.kind != "prospect_id", column.key == "listed",
             formats[("fill_date" if column.key == "outcome_date" else "fill") if column.kind == "fill"
                     else "pct" if column.kind == "pct" else "int"], *_per_line(column.width))
            for index, (column, source) in enumerate(zip(columns, shown, strict=True))]
    set_row, write_string, write_number, write_blank = (sheet.set_row, sheet.write_string, sheet.write_number,
                                                         sheet.write_blank)

    def write_row(row_index: int, number: int, values: list[object]) -> None:
        lines = 1
        for index, source, kind, clean, listed, cell_format, capitals, lower in plan:
            value = number if kind == "stt" else values[source]
            if kind == "fill":
                write_blank(row_index, index, None, cell_format)
            elif isinstance(value, str):
                # no ID in any text; a prospect_id is a keyed hash, written as it is (it is how the row is read back)
                value = _clean(value) if clean else value
                if not value:
                    write_blank(row_index, index, None, text)
                    continue
                if len(value) > capitals or "\n" in value:  # else it fits on one line however it is cased
                    per_line = capitals if value.isupper() else lower
                    lines = max(lines, sum(-(-len(part) // per_line) for part in value.split("\n")))
                write_string(row_index, index, value, new if listed and value == NEW_LABEL else text)
            elif isinstance(value, (int, float)):
                write_number(row_index, index, value, cell_format)
            else:
                write_blank(row_index, index, None, text)
        set_row(row_index, min(409.0, lines * _LINE_HEIGHT))

    return write_row


def _per_line(width: float) -> tuple[int, int]:
    """Characters per line of a column ``width`` wide: of capitals, and of other text (see :func:`_height`)."""
    return max(1, int(width * 0.95) - 1), max(1, int(width * 1.2) - 1)


_LINE_HEIGHT = 15.0  # points per line of 11-point text


def _height(cells: list[tuple[float, object]]) -> float:
    """Height that shows every wrapped line, estimated from text length and column width. Stored
    explicitly because LibreOffice does not re-fit row heights when it opens the file (seen when
    rendering); an estimate keeps the output deterministic."""
    lines = 1
    for width, value in cells:
        if isinstance(value, str) and value:
            # a width unit is about 1.2 lower-case characters of 11-point text; capitals are wider
            capitals, lower = _per_line(width)
            per_line = capitals if value.isupper() else lower
            lines = max(lines, sum(-(-len(part) // per_line) for part in value.split("\n")))
    return min(409.0, lines * _LINE_HEIGHT)


def _household_rows(rows: list[Record]) -> list[Record]:
    """One row per person of the groups listed by household, with every group they are in (in the
    contract's order) and every reason; the address is the one of their last group (residence
    groups come last in ``GROUPS``)."""
    order = {group: i for i, group in enumerate(GROUPS)}
    people: dict[str, list[Record]] = {}
    for row in rows:
        if sheet_of(row["group"]).band == "household" and row["person_id"]:
            people.setdefault(row["person_id"], []).append(row)
    out = []
    for person_id in sorted(people):
        mine = sorted(people[person_id], key=lambda r: (order.get(r["group"], len(order)), r["reason"]))
        merged = {**mine[0], "address": mine[-1]["address"] or mine[0]["address"]}
        merged["groups"] = "; ".join(dict.fromkeys(sheet_of(r["group"]).name for r in mine))
        merged["reason"] = "\n".join(dict.fromkeys(r["reason"] for r in mine if r["reason"]))
        out.append(merged)
    return out


_OUTCOME_NOTE = ("Ghi vào các cột Kết quả (chọn trong danh sách: " + ", ".join(label for _, label in OUTCOMES)
                 + "), Ngày, Ghi chú khi đến gặp, trên trang của từng nhóm; gửi lại tệp này để lần lập danh sách "
                 "sau đọc kết quả.")


def _write_cover(workbook: Workbook, formats: dict[str, object], place: str, as_of: date,
                 lines: list[tuple[Sheet, int, str]], directory: Directory) -> None:
    """The first sheet: the commune, the date, every list with its size, what it means and what to do."""
    sheet = workbook.add_worksheet("Tổng hợp")
    widths = (22, 12, 12, 48, 56)
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 1)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer(f"&L&8Ngày {as_of:%d/%m/%Y}&CTrang &P/&N")
    last = len(widths) - 1
    sheet.set_row(0, 22)
    sheet.merge_range(0, 0, 0, last, "Danh sách đối tượng tiềm năng tham gia BHXH, BHYT", formats["title"])
    sheet.merge_range(1, 0, 1, last, f"Xã/phường: {place}", formats["strong"])
    sheet.merge_range(2, 0, 2, last, f"Ngày lập danh sách: {as_of:%d/%m/%Y} (số liệu các cơ sở dữ liệu đến ngày này)",
                      formats["plain"])
    header = ("Trang tính", "Số lượng", "Đơn vị tính", "Đối tượng", "Việc cần làm")
    sheet.set_row(4, 20)
    for index, text in enumerate(header):
        sheet.write_string(4, index, text, formats["header"])
    row = 5
    for spec, count, unit in lines:
        cells = [spec.name, count, unit, spec.description, spec.action]
        sheet.set_row(row, _height(list(zip(widths, cells, strict=True))))
        for index, value in enumerate(cells):
            if isinstance(value, int):
                sheet.write_number(row, index, value, formats["int"])
            else:
                sheet.write_string(row, index, str(value), formats["text"])
        row += 1
    row += 1
    for text, style in ((_OUTCOME_NOTE, "plain"), (f"Liên hệ: {directory.contact}" if directory.contact else "",
                                                     "strong"), (PRIVACY_NOTE, "note")):
        if text:
            sheet.set_row(row, _height([(sum(widths), text)]))
            sheet.merge_range(row, 0, row, last, text, formats[style])
            row += 1


def _enriched(rows: list[Record], directory: Directory) -> list[Record]:
    """Organisation rows with their representative and phone, where the registers have them."""
    out = []
    for row in rows:
        representative, phone = directory.organisations.get(row["tax_code"], ("", ""))
        if sheet_of(row["group"]).unit == _ORG_UNIT:
            row = {**row, "representative": representative, "phone": row["phone"] or phone}
        out.append(row)
    return out


def _routes(records: Iterable[Record], directory: Directory) -> dict[str, Route]:
    """The walking route (``matching.address.route_key``) of every address the records and the
    directory's household heads carry, each distinct address worked out once."""
    addresses = sorted({r["address"] for r in records} | {a for _, a in directory.households.values()})
    return dict(zip(addresses, route_keys(addresses), strict=True))


def _write_workbook(target: Path, rows: list[Record], place: str, as_of: date, to_verify: list[Record],
                    missed: dict[str, float], directory: Directory | None = None,
                    groups: tuple[str, ...] = GROUPS, closed: list[Record] | None = None,
                    routes: dict[str, Route] | None = None) -> None:
    """One commune's workbook; ``place`` is "<commune>, <province>"; ``missed``: per group, the
    true prospects the model expects the commune's list to leave out; ``groups``: the run's groups
    (``contract.groups.groups_of`` its registers), each a line of the cover and a sheet when it has rows;
    ``closed``: last night's prospects resolved or gone (``pipelines.changes``), a sheet of their own;
    ``routes``: the route of each address (worked out here when not given; a province's workbooks share one)."""
    directory = directory or Directory()
    rows, to_verify = _enriched(rows, directory), _enriched(to_verify, directory)
    households = _household_rows(rows)
    closed = closed or []
    if routes is None:
        routes = _routes((*rows, *to_verify, *closed), directory)
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
        by_group = {group: [r for r in rows if r["group"] == group] for group in groups}
        n_households = len({r["household_id"] or r["person_id"] for r in households})
        lines = [(HOUSEHOLDS, n_households, "hộ")] if households else []
        lines += [(sheet_of(g), len(by_group[g]), sheet_of(g).unit) for g in groups]
        lines += [(TO_VERIFY, len(to_verify), TO_VERIFY.unit)] if to_verify else []
        lines += [(CLOSED, len(closed), CLOSED.unit)] if closed else []
        _write_cover(workbook, formats, place, as_of, lines, directory)
        if households:
            _write_sheet(workbook, formats, HOUSEHOLDS, households, place, as_of, directory, routes,
                         count=f"{n_households} hộ, {len(households)} người")
        for group in groups:
            if by_group[group]:
                _write_sheet(workbook, formats, sheet_of(group), by_group[group], place, as_of, directory, routes,
                             missed.get(group))
        if to_verify:
            _write_sheet(workbook, formats, TO_VERIFY, to_verify, place, as_of, directory, routes)
        if closed:
            _write_sheet(workbook, formats, CLOSED, closed, place, as_of, directory, routes)
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
    directory: Directory | None = None, groups: tuple[str, ...] = GROUPS, closed: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Write ``out_dir/by_ward/<province_code>/<ward_code>.xlsx`` for every commune with prospects
    (or rows to verify).

    ``provinces`` limits the run to those provinces (one mapped task per province); workbooks of
    communes that no longer have prospects are removed from the provinces written, so a re-run
    never leaves a stale list behind. ``to_verify`` rows go to a sheet of their own; ``estimates``
    (per group and commune, ``expected_missed``) say how many each list is expected to leave out;
    ``directory``: household heads, organisations' representatives and phones, the contact line;
    ``groups``: the run's groups (``contract.groups.groups_of`` its registers); ``closed``: last night's
    prospects now resolved or gone (``pipelines.changes``), a sheet in their commune's workbook when it has one.
    Returns the number of prospects written per ward code.
    """
    ward_names, province_names = _names()
    scope = set(provinces) if provinces is not None else None
    written: dict[str, int] = {}
    kept: set[Path] = set()
    listed = records_by_ward(prospects)
    verify = records_by_ward(to_verify) if to_verify is not None and len(to_verify) else {}
    resolved = records_by_ward(closed) if closed is not None and len(closed) else {}
    missed: dict[str, dict[str, float]] = {}
    if estimates is not None:
        for ward, group, value in estimates[["ward_code", "group", "expected_missed"]].itertuples(index=False):
            missed.setdefault(str(ward), {})[str(group)] = float(value)
    wards = [code for code in sorted(set(listed) | set(verify))
             if scope is None or (listed.get(code) or verify[code])[0]["province_code"] in scope]
    # the routes of every address of the communes written (and the directory's), worked out once
    routes = _routes((r for code in wards
                      for r in (*listed.get(code, []), *verify.get(code, []), *resolved.get(code, []))),
                     directory or Directory())
    for ward_code in wards:
        rows = listed.get(ward_code, [])
        first = (rows or verify[ward_code])[0]
        province_code = first["province_code"]
        ward_name = ward_names.get(ward_code) or first["ward_name"] or f"Xã/phường {ward_code}"
        target = workbook_path(out_dir, province_code, ward_code)
        place = f"{ward_name}, {province_names.get(province_code, province_code)}"
        _write_workbook(target, rows, place, as_of, verify.get(ward_code, []), missed.get(ward_code, {}),
                        directory, groups, resolved.get(ward_code, []), routes)
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
