"""What the officers' workbooks show: one sheet per group, its columns, and each cell's value.

Vietnamese headers and descriptions, personal IDs masked (domain.md §7: an officer sees a masked
ID, and no full ID appears in free text either). Rendering is in ``pipelines/officer_workbook.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["GROUP_LABELS", "PRIVACY_NOTE", "SHEETS", "TO_VERIFY", "Record", "Sheet", "SheetColumn", "cell_value",
           "cell_text", "format_date", "mask_id",
           "maybe_id", "scrub", "text_of"]

Record = dict[str, str]  # one prospect, every value stripped text ("" when empty)
# A 12-digit personal ID or 9-digit legacy ID inside free text (reason, evidence, address)
_ID_IN_TEXT = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")
# An ID as people type it into any field: 12 or 9 digits, maybe grouped by spaces, dots or dashes.
_ID_TYPED = re.compile(r"(?<!\d)(?<!\d[ .-])(\d(?:[ .-]?\d){11}|\d(?:[ .-]?\d){8})(?![ .-]?\d)")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
EXCEL_CELL_CHARS = 32_767  # the most characters an Excel cell holds


@dataclass(frozen=True)
class SheetColumn:
    key: str  # prospects column, or "stt"
    header: str
    width: float
    kind: str = "text"  # text, free, int, pct, date, sex, masked, maybe_id, group, stt


@dataclass(frozen=True)
class Sheet:
    name: str  # at most 31 characters
    description: str
    unit: str  # what one row is: "đơn vị" or "người"
    band: str | None  # rows grouped under a band row: "household", "org" or None
    columns: tuple[SheetColumn, ...]


_STT = SheetColumn("stt", "STT", 5, "stt")
_NAME = SheetColumn("full_name", "Họ và tên", 22)
_DOB = SheetColumn("date_of_birth", "Ngày sinh", 11, "date")
_SEX = SheetColumn("sex", "Giới tính", 7, "sex")
_ID = SheetColumn("person_id", "Số định danh (đã che)", 15, "masked")
_HOUSEHOLD = SheetColumn("household_id", "Mã hộ", 13)
_RELATION = SheetColumn("relation_to_head", "Quan hệ với chủ hộ", 10)
_ADDRESS = SheetColumn("address", "Địa chỉ", 32, "free")
_PHONE = SheetColumn("phone", "Điện thoại", 12)
_ORG = SheetColumn("org_name", "Tên đơn vị", 30, "free")
_TAX = SheetColumn("tax_code", "Mã số thuế", 15, "maybe_id")
_DECLARED = SheetColumn("employees_declared", "Số lao động khai báo", 10, "int")
_INSURED = SheetColumn("employees_insured", "Số lao động có BHXH", 10, "int")
_REASON = SheetColumn("reason", "Lý do", 34, "free")
_CONFIDENCE = SheetColumn("confidence", "Độ tin cậy", 8, "pct")
_EVIDENCE = SheetColumn("evidence", "Căn cứ", 30, "free")
_PERSON = (_NAME, _DOB, _SEX, _ID)
_WHY = (_REASON, _CONFIDENCE, _EVIDENCE)

SHEETS: dict[str, Sheet] = {
    "unregistered_employer": Sheet(
        "ĐV chưa đăng ký",
        "Doanh nghiệp, hợp tác xã đang hoạt động chưa đăng ký tham gia BHXH bắt buộc",
        "đơn vị",
        None,
        (_STT, _ORG, _TAX, _ADDRESS, _PHONE, _DECLARED, *_WHY),
    ),
    "underdeclared_employer": Sheet(
        "ĐV đóng thiếu",
        "Đơn vị khai báo nhiều lao động hơn số lao động đang tham gia BHXH bắt buộc",
        "đơn vị",
        None,
        (_STT, _ORG, _TAX, _ADDRESS, _PHONE, _DECLARED, _INSURED, *_WHY),
    ),
    "uninsured_manager": Sheet(
        "Người quản lý",
        "Người quản lý doanh nghiệp, hợp tác xã chưa tham gia BHXH bắt buộc",
        "người",
        "org",  # listed in the organisation's commune: an officer visits one organisation at a time
        (_STT, *_PERSON, SheetColumn("role", "Chức vụ", 14), _ORG, _TAX, _ADDRESS, _PHONE, *_WHY),
    ),
    "uninsured_household_owner": Sheet(
        "Chủ hộ kinh doanh",
        "Chủ hộ kinh doanh nộp thuế theo phương pháp kê khai chưa tham gia BHXH bắt buộc",
        "người",
        "household",
        (
            _STT,
            *_PERSON,
            _HOUSEHOLD,
            SheetColumn("org_name", "Tên hộ kinh doanh", 26, "free"),
            SheetColumn("business_id", "Mã hộ kinh doanh", 15, "maybe_id"),
            _ADDRESS,
            _PHONE,
            *_WHY,
        ),
    ),
    "voluntary_si_prospect": Sheet(
        "BHXH tự nguyện",
        "Người trong độ tuổi lao động chưa tham gia BHXH: vận động tham gia BHXH tự nguyện",
        "người",
        "household",
        (_STT, *_PERSON, _HOUSEHOLD, _RELATION, _ADDRESS, _PHONE, *_WHY),
    ),
    "hi_prospect": Sheet(
        "BHYT",
        "Người chưa có thẻ BHYT còn giá trị sử dụng",
        "người",
        "household",
        (_STT, *_PERSON, _HOUSEHOLD, _RELATION, _ADDRESS, _PHONE, *_WHY),
    ),
}
#: Rows too unsure to be handed out as prospects (``prospects_to_verify``): one sheet, after the
#: groups, each row naming the group it might belong to.
TO_VERIFY = Sheet(
    "Cần xác minh",
    "Trường hợp chưa chắc chắn là đối tượng (độ tin cậy dưới 50%): kiểm tra hồ sơ trước khi vận động",
    "trường hợp",
    None,
    (_STT, SheetColumn("group", "Nhóm", 16, "group"), *_PERSON, _ORG, _ADDRESS, *_WHY),
)
GROUP_LABELS: dict[str, str] = {group: sheet.name for group, sheet in SHEETS.items()}
PRIVACY_NOTE = (
    "Số định danh cá nhân đã được che một phần (Nghị định 13/2023/NĐ-CP). "
    "Danh sách chỉ dùng cho công tác phát triển người tham gia BHXH, BHYT tại xã/phường."
)


def text_of(value: object) -> str:
    """Empty string for None/NaN, else the value as text."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def mask_id(value: object) -> str:
    """A personal ID with only its first 3 and last 4 digits shown.

    >>> mask_id("001090123456"), mask_id("012345678"), mask_id(""), mask_id("12345")
    ('001*****3456', '012**5678', '', '*****')
    """
    text = text_of(value)
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def maybe_id(value: object) -> str:
    """Mask a 12- or 9-digit value: a household business's code may be its owner's personal ID."""
    text = text_of(value)
    return mask_id(text) if _ID_IN_TEXT.fullmatch(text) else text


def scrub(value: object) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group()), text_of(value))


def cell_text(value: str) -> str:
    """What any text cell of a workbook shows: every ID-looking number masked (an ID typed into a name,
    a phone or a household code is still someone's ID), no control characters, and never cut silently
    at Excel's cell limit.

    >>> cell_text("Hộ 010072859509"), cell_text("0912 345 678"), cell_text("gọi 001 090 123 456")
    ('Hộ 010*****9509', '0912 345 678', 'gọi 001*****3456')
    """
    text = _ID_TYPED.sub(lambda m: mask_id(re.sub(r"\D", "", m.group())), _CONTROL.sub("", value))
    if len(text) > EXCEL_CELL_CHARS:
        marker = f"… [cắt bớt: {len(text):,} ký tự]"
        text = text[: EXCEL_CELL_CHARS - len(marker)] + marker
    return text


def format_date(value: object) -> str:
    """``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` as Vietnamese officers write them.

    >>> format_date("1980-07-15"), format_date("1980-07"), format_date("1980"), format_date(None)
    ('15/07/1980', '07/1980', '1980', '')
    """
    parts = text_of(value).split("-")
    if all(p.isdigit() for p in parts) and len(parts[0]) == 4 and len(parts) <= 3:
        return "/".join(reversed(parts))
    return text_of(value)


_SEXES = {"M": "Nam", "F": "Nữ"}


def cell_value(column: SheetColumn, row: Record) -> object:
    value = row.get(column.key, "")
    match column.kind:
        case "masked":
            return mask_id(value)
        case "maybe_id":
            return maybe_id(value)
        case "free":
            return scrub(value)
        case "date":
            return format_date(value)
        case "sex":
            return _SEXES.get(text_of(value), text_of(value))
        case "group":
            return GROUP_LABELS.get(text_of(value), text_of(value))
        case "int":
            text = text_of(value)
            return int(text) if text.isdigit() else text
        case "pct":
            try:
                return float(text_of(value))
            except ValueError:
                return text_of(value)
        case _:
            return text_of(value)
