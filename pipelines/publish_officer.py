"""Officers' lists: one Excel workbook per commune, and ``summary.csv``.

Each workbook holds only its commune's prospects (an officer sees one commune, domain.md §7),
one sheet per group, in Vietnamese, people grouped by household, personal IDs masked. Output is
byte-identical for the same input and as-of date: rows are fully ordered, the document date is
the as-of date, and XlsxWriter's in-memory mode stamps every zip member with a fixed 1980 time.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from matching.admin_units import current_wards
from matching.text import fold_words
from pipelines.files import atomic_path, write_csv

__all__ = [
    "COLUMNS",
    "GROUPS",
    "SHEETS",
    "mask_id",
    "format_date",
    "split_by_ward",
    "write_ward_workbooks",
    "write_summary",
]

COLUMNS = (
    "group", "ward_code", "person_id", "tax_code", "business_id", "province_code", "ward_name", "full_name",
    "date_of_birth", "sex", "household_id", "relation_to_head", "address", "phone", "org_name", "role",
    "employees_declared", "employees_insured", "reason", "confidence", "evidence", "source_rows",
)  # fmt: skip
GROUPS = (
    "unregistered_employer",
    "underdeclared_employer",
    "uninsured_manager",
    "uninsured_household_owner",
    "voluntary_si_prospect",
    "hi_prospect",
)
_WARD = re.compile(r"\d{5}")
_PROVINCE = re.compile(r"\d{2}")
# A 12-digit personal ID or 9-digit legacy ID inside free text (reason, evidence, address)
_ID_IN_TEXT = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")
_HEADER_ROW = 3  # rows 0-2: title, what the sheet lists, privacy note
Record = dict[str, str]  # one prospect, every value stripped text ("" when empty)


@dataclass(frozen=True)
class _Column:
    key: str  # prospects column, or "stt"
    header: str
    width: float
    kind: str = "text"  # text, free, int, pct, date, sex, masked, maybe_id, stt


@dataclass(frozen=True)
class _Sheet:
    name: str  # at most 31 characters
    description: str
    unit: str  # what one row is: "đơn vị" or "người"
    band: str | None  # rows grouped under a band row: "household", "org" or None
    columns: tuple[_Column, ...]


_STT = _Column("stt", "STT", 5, "stt")
_NAME = _Column("full_name", "Họ và tên", 22)
_DOB = _Column("date_of_birth", "Ngày sinh", 11, "date")
_SEX = _Column("sex", "Giới tính", 7, "sex")
_ID = _Column("person_id", "Số định danh (đã che)", 15, "masked")
_HOUSEHOLD = _Column("household_id", "Mã hộ", 13)
_RELATION = _Column("relation_to_head", "Quan hệ với chủ hộ", 10)
_ADDRESS = _Column("address", "Địa chỉ", 32, "free")
_PHONE = _Column("phone", "Điện thoại", 12)
_ORG = _Column("org_name", "Tên đơn vị", 30, "free")
_TAX = _Column("tax_code", "Mã số thuế", 15, "maybe_id")
_DECLARED = _Column("employees_declared", "Số lao động khai báo", 10, "int")
_INSURED = _Column("employees_insured", "Số lao động có BHXH", 10, "int")
_REASON = _Column("reason", "Lý do", 34, "free")
_CONFIDENCE = _Column("confidence", "Độ tin cậy", 8, "pct")
_EVIDENCE = _Column("evidence", "Căn cứ", 30, "free")
_PERSON = (_NAME, _DOB, _SEX, _ID)
_WHY = (_REASON, _CONFIDENCE, _EVIDENCE)

SHEETS: dict[str, _Sheet] = {
    "unregistered_employer": _Sheet(
        "ĐV chưa đăng ký",
        "Doanh nghiệp, hợp tác xã đang hoạt động chưa đăng ký tham gia BHXH bắt buộc",
        "đơn vị",
        None,
        (_STT, _ORG, _TAX, _ADDRESS, _PHONE, _DECLARED, *_WHY),
    ),
    "underdeclared_employer": _Sheet(
        "ĐV đóng thiếu",
        "Đơn vị khai báo nhiều lao động hơn số lao động đang tham gia BHXH bắt buộc",
        "đơn vị",
        None,
        (_STT, _ORG, _TAX, _ADDRESS, _PHONE, _DECLARED, _INSURED, *_WHY),
    ),
    "uninsured_manager": _Sheet(
        "Người quản lý",
        "Người quản lý doanh nghiệp, hợp tác xã chưa tham gia BHXH bắt buộc",
        "người",
        "org",  # listed in the organisation's commune: an officer visits one organisation at a time
        (_STT, *_PERSON, _Column("role", "Chức vụ", 14), _ORG, _TAX, _ADDRESS, _PHONE, *_WHY),
    ),
    "uninsured_household_owner": _Sheet(
        "Chủ hộ kinh doanh",
        "Chủ hộ kinh doanh nộp thuế theo phương pháp kê khai chưa tham gia BHXH bắt buộc",
        "người",
        "household",
        (
            _STT,
            *_PERSON,
            _HOUSEHOLD,
            _Column("org_name", "Tên hộ kinh doanh", 26, "free"),
            _Column("business_id", "Mã hộ kinh doanh", 15, "maybe_id"),
            _ADDRESS,
            _PHONE,
            *_WHY,
        ),
    ),
    "voluntary_si_prospect": _Sheet(
        "BHXH tự nguyện",
        "Người trong độ tuổi lao động chưa tham gia BHXH: vận động tham gia BHXH tự nguyện",
        "người",
        "household",
        (_STT, *_PERSON, _HOUSEHOLD, _RELATION, _ADDRESS, _PHONE, *_WHY),
    ),
    "hi_prospect": _Sheet(
        "BHYT",
        "Người chưa có thẻ BHYT còn giá trị sử dụng",
        "người",
        "household",
        (_STT, *_PERSON, _HOUSEHOLD, _RELATION, _ADDRESS, _PHONE, *_WHY),
    ),
}
_PRIVACY = (
    "Số định danh cá nhân đã được che một phần (Nghị định 13/2023/NĐ-CP). "
    "Danh sách chỉ dùng cho công tác phát triển người tham gia BHXH, BHYT tại xã/phường."
)


# ---------------------------------------------------------------- cell values
def _text(value: object) -> str:
    """Empty string for None/NaN, else the value as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def mask_id(value: object) -> str:
    """A personal ID with only its first 3 and last 4 digits shown.

    >>> mask_id("001090123456"), mask_id("012345678"), mask_id(""), mask_id("12345")
    ('001*****3456', '012**5678', '', '*****')
    """
    text = _text(value)
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def _maybe_id(value: object) -> str:
    """Mask a 12- or 9-digit value: a household business's code may be its owner's personal ID."""
    text = _text(value)
    return mask_id(text) if _ID_IN_TEXT.fullmatch(text) else text


def _scrub(value: object) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), _text(value))


def format_date(value: object) -> str:
    """``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` as Vietnamese officers write them.

    >>> format_date("1980-07-15"), format_date("1980-07"), format_date("1980"), format_date(None)
    ('15/07/1980', '07/1980', '1980', '')
    """
    parts = _text(value).split("-")
    if all(p.isdigit() for p in parts) and len(parts[0]) == 4 and len(parts) <= 3:
        return "/".join(reversed(parts))
    return _text(value)


_SEXES = {"M": "Nam", "F": "Nữ"}


def _cell(column: _Column, row: Record) -> object:
    value = row.get(column.key, "")
    match column.kind:
        case "masked":
            return mask_id(value)
        case "maybe_id":
            return _maybe_id(value)
        case "free":
            return _scrub(value)
        case "date":
            return format_date(value)
        case "sex":
            return _SEXES.get(_text(value), _text(value))
        case "int":
            text = _text(value)
            return int(text) if text.isdigit() else text
        case "pct":
            try:
                return float(_text(value))
            except ValueError:
                return _text(value)
        case _:
            return _text(value)


# ---------------------------------------------------------------- splitting and ordering
def _checked(prospects: pd.DataFrame) -> pd.DataFrame:
    """Prospects with province codes filled from the commune, or an error naming what is wrong."""
    frame = prospects.copy()
    for column in ("group", "ward_code", "province_code"):
        if column not in frame.columns:
            raise ValueError(f"prospects: column {column!r} is missing")
        frame[column] = frame[column].map(_text)
    unknown = sorted(set(frame["group"]) - set(GROUPS))
    if unknown:
        raise ValueError(f"prospects: column 'group' has unknown values {unknown}")
    bad = ~frame["ward_code"].str.fullmatch(_WARD.pattern)
    if bad.any():  # a path component: never anything but 5 digits
        raise ValueError(f"prospects: column 'ward_code' is not a 5-digit code in {int(bad.sum())} rows")
    reference = current_wards().set_index("ward_code")["province_code"]
    derived = frame["ward_code"].map(reference).fillna("")
    frame["province_code"] = frame["province_code"].where(frame["province_code"] != "", derived)
    clash = (derived != "") & (frame["province_code"] != derived)
    bad = ~frame["province_code"].str.fullmatch(_PROVINCE.pattern) | clash
    if bad.any():
        raise ValueError(
            f"prospects: column 'province_code' is missing or disagrees with the commune in {int(bad.sum())} rows"
        )
    return frame


def _ward_positions(frame: pd.DataFrame) -> dict[str, list[int]]:
    """Row positions of each commune, by ward code in ascending order."""
    indices = frame.groupby("ward_code", sort=True).indices
    return {str(code): positions.tolist() for code, positions in sorted(indices.items())}


def split_by_ward(prospects: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The prospects of each commune, by ward code in ascending order (province codes filled in).

    >>> p = pd.DataFrame({"group": ["hi_prospect"] * 3, "ward_code": ["00070", "00004", "00070"],
    ...                   "province_code": ["01", "", "01"]})
    >>> {code: len(rows) for code, rows in split_by_ward(p).items()}
    {'00004': 1, '00070': 2}
    """
    frame = _checked(prospects)
    return {code: frame.iloc[positions] for code, positions in _ward_positions(frame).items()}


def _records_by_ward(prospects: pd.DataFrame) -> dict[str, list[Record]]:
    """As ``split_by_ward``, but rows as dicts of stripped text ("" for empty): what the writer
    iterates, built in one pass because per-commune pandas calls dominate otherwise."""
    frame = _checked(prospects)
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    text = frame.astype(object).where(frame.notna(), "").astype(str).apply(lambda c: c.str.strip())
    names, values = [str(c) for c in text.columns], text.to_numpy()
    return {
        code: [dict(zip(names, values[i], strict=True)) for i in positions]
        for code, positions in _ward_positions(text).items()
    }


def _given_name_key(name: str) -> tuple[str, str]:
    """Vietnamese lists sort by given name (the last word), then the whole name."""
    folded = fold_words(name)
    return (folded.rsplit(" ", 1)[-1], folded)


def _sort_key(sheet: _Sheet, row: Record) -> tuple[object, ...]:
    """Print order; every column takes part so that the order is total (byte-identical output)."""
    name = _given_name_key(row["full_name"])
    org = (fold_words(row["org_name"]), row["tax_code"], row["org_name"])
    rest = tuple(row[c] for c in sorted(row))
    if sheet.band == "household":
        household = row["household_id"]
        head = fold_words(row["relation_to_head"]) != "chu ho"
        return (household == "", household, head, *name, *rest)  # households without a code last
    if sheet.band == "org":
        return (*org, *name, *rest)
    return (*org, *rest)


def _band_of(sheet: _Sheet, row: Record) -> str:
    """Text of the band row a row falls under."""
    if sheet.band == "household":
        household = row["household_id"]
        return f"Hộ {household}" if household else "Chưa rõ hộ"
    tax = _maybe_id(row["tax_code"])
    name = _scrub(row["org_name"]) or "Đơn vị chưa rõ tên"
    return f"{name} — MST {tax}" if tax else name


# ---------------------------------------------------------------- Excel writing
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


def _setup_page(sheet: Worksheet, spec: _Sheet, place: str, as_of: date) -> None:
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


def _write_sheet(
    workbook: Workbook, formats: dict[str, object], spec: _Sheet, rows: list[Record], place: str, as_of: date
) -> None:
    sheet = workbook.add_worksheet(spec.name)
    last = len(spec.columns) - 1
    _setup_page(sheet, spec, place, as_of)
    sheet.set_row(0, 22)
    sheet.merge_range(0, 0, 0, last, _title(place, as_of), formats["title"])
    sheet.merge_range(1, 0, 1, last, f"{spec.description}: {len(rows)} {spec.unit}", formats["subtitle"])
    sheet.merge_range(2, 0, 2, last, _PRIVACY, formats["note"])
    sheet.set_row(_HEADER_ROW, 32)
    for index, column in enumerate(spec.columns):
        sheet.write_string(_HEADER_ROW, index, column.header, formats["header"])
    row_index, number = _HEADER_ROW + 1, 0
    ordered = sorted(rows, key=lambda r: _sort_key(spec, r))
    for band, members in groupby(ordered, key=lambda r: _band_of(spec, r) if spec.band else ""):
        block = list(members)
        if spec.band:
            sheet.merge_range(
                row_index, 0, row_index, last, f"{band} ({len(block)} {spec.unit})", formats["band"]
            )
            row_index += 1
        for row in block:
            number += 1
            _write_row(sheet, formats, spec, row_index, number, row)
            row_index += 1


def _write_row(
    sheet: Worksheet, formats: dict[str, object], spec: _Sheet, row_index: int, number: int, row: Record
) -> None:
    values = [number if column.kind == "stt" else _cell(column, row) for column in spec.columns]
    sheet.set_row(row_index, _row_height(spec, values))
    for index, (column, value) in enumerate(zip(spec.columns, values, strict=True)):
        if isinstance(value, (int, float)):
            sheet.write_number(row_index, index, value, formats["pct" if column.kind == "pct" else "int"])
        elif value:
            sheet.write_string(row_index, index, str(value), formats["text"])  # never a formula or URL
        else:
            sheet.write_blank(row_index, index, None, formats["text"])


_LINE_HEIGHT = 15.0  # points per line of 11-point text


def _row_height(spec: _Sheet, values: list[object]) -> float:
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


def _write_workbook(target: Path, rows: list[Record], place: str, as_of: date) -> None:
    """One commune's workbook; ``place`` is "<commune>, <province>"."""
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
                _write_sheet(workbook, formats, SHEETS[group], group_rows, place, as_of)
        workbook.close()


def _names() -> tuple[dict[str, str], dict[str, str]]:
    wards = current_wards()
    return (
        dict(zip(wards.ward_code, wards.ward_name, strict=True)),
        dict(zip(wards.province_code, wards.province_name, strict=False)),
    )


def _workbook_path(out_dir: Path, province_code: str, ward_code: str) -> Path:
    return Path(out_dir) / "by_ward" / province_code / f"{ward_code}.xlsx"


def write_ward_workbooks(
    prospects: pd.DataFrame, out_dir: Path, as_of: date, *, provinces: Collection[str] | None = None
) -> dict[str, int]:
    """Write ``out_dir/by_ward/<province_code>/<ward_code>.xlsx`` for every commune with prospects.

    ``provinces`` limits the run to those provinces (one mapped task per province); workbooks of
    communes that no longer have prospects are removed from the provinces written, so a re-run
    never leaves a stale list behind. Returns the number of prospects written per ward code.
    """
    ward_names, province_names = _names()
    scope = set(provinces) if provinces is not None else None
    written: dict[str, int] = {}
    kept: set[Path] = set()
    for ward_code, rows in _records_by_ward(prospects).items():
        province_code = rows[0]["province_code"]
        if scope is not None and province_code not in scope:
            continue
        ward_name = ward_names.get(ward_code) or rows[0]["ward_name"] or f"Xã/phường {ward_code}"
        target = _workbook_path(out_dir, province_code, ward_code)
        place = f"{ward_name}, {province_names.get(province_code, province_code)}"
        _write_workbook(target, rows, place, as_of)
        written[ward_code] = len(rows)
        kept.add(target)
    _remove_stale(Path(out_dir) / "by_ward", scope, kept)
    return written


def _remove_stale(root: Path, scope: set[str] | None, keep: set[Path]) -> None:
    """Delete commune workbooks of a previous run that this run did not write (its own scope only)."""
    for path in _workbooks_under(root):
        in_scope = scope is None or path.parent.name in scope
        if in_scope and path not in keep:
            path.unlink()


def _workbooks_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return iter(())
    return (
        p
        for p in sorted(root.glob("*/*.xlsx"))
        if _PROVINCE.fullmatch(p.parent.name) and _WARD.fullmatch(p.stem)
    )


def write_summary(prospects: pd.DataFrame, wards: pd.DataFrame, target: Path) -> pd.DataFrame:
    """``summary.csv``: per commune with prospects, one count column per group and ``total``.

    ``wards`` is the reference table (``matching.admin_units.current_wards()``). UTF-8 with a
    byte-order mark, so Excel shows the Vietnamese names.
    """
    frame = _checked(prospects)
    counts = pd.crosstab(frame["ward_code"], frame["group"]).reindex(columns=list(GROUPS), fill_value=0)
    counts.columns.name = None
    counts["total"] = counts.sum(axis=1)
    names = wards.set_index("ward_code")[["ward_name", "province_code", "province_name"]]
    fallback = frame.groupby("ward_code")[["province_code"]].first()
    fallback["ward_name"] = (
        frame.groupby("ward_code")["ward_name"].first().map(_text) if "ward_name" in frame else ""
    )
    provinces = dict(zip(wards["province_code"], wards["province_name"], strict=False))
    fallback["province_name"] = fallback["province_code"].map(provinces).fillna("")
    info = names.reindex(counts.index).fillna(fallback)  # communes missing from the reference keep theirs
    summary = info.join(counts).reset_index().sort_values("ward_code", ignore_index=True)
    columns = ["province_code", "province_name", "ward_code", "ward_name", *GROUPS, "total"]
    summary = summary[columns].astype(dict.fromkeys((*GROUPS, "total"), "int64"))
    write_csv(summary, target, bom=True)
    return summary
