"""What the officers' workbooks show: one sheet per group, its columns, and each cell's value.

Vietnamese headers and descriptions, personal IDs masked (domain.md §7: an officer sees a masked
ID, and no full ID appears in free text either). Rendering is in ``pipelines/officer_workbook.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

__all__ = ["CHANGE_LABELS", "CLOSED", "GROUP_LABELS", "HOUSEHOLDS", "NEW_LABEL", "OUTCOME", "PRIVACY_NOTE", "SHEETS",
           "TO_VERIFY", "Record", "Sheet", "SheetColumn", "cell_text", "cell_value", "converter", "format_date",
           "mask_id", "maybe_id", "scrub", "sheet_of", "since_label", "text_of"]

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
    kind: str = "text"  # text, free, int, pct, date, sex, masked, maybe_id, group, stt, fill
    always: bool = False  # shown even when no row has a value (else a column with nothing in it is left out)


@dataclass(frozen=True)
class Sheet:
    name: str  # at most 31 characters
    description: str  # who is listed
    unit: str  # what one row is: "đơn vị" or "người"
    band: str | None  # rows grouped under a band row: "household", "org" or None
    columns: tuple[SheetColumn, ...]
    action: str = ""  # what the officer does about each row (the cover sheet says it)


_STT = SheetColumn("stt", "STT", 5, "stt", always=True)
_NAME = SheetColumn("full_name", "Họ và tên", 22, always=True)
_DOB = SheetColumn("date_of_birth", "Ngày sinh", 11, "date")
_SEX = SheetColumn("sex", "Giới tính", 7, "sex")
_ID = SheetColumn("person_id", "Số định danh (đã che)", 15, "masked")
_RELATION = SheetColumn("relation_to_head", "Quan hệ với chủ hộ", 10)
# Under a household band the address is the household's: a member's is shown only where it differs.
_ADDRESS = SheetColumn("address", "Địa chỉ", 32, "free")
_PHONE = SheetColumn("phone", "Điện thoại", 12)
_ORG = SheetColumn("org_name", "Tên đơn vị", 30, "free", always=True)
_TAX = SheetColumn("tax_code", "Mã số thuế", 15, "maybe_id")
# From the managers register (or a register's own column, where it has one): whom to ask for at the door.
_REPRESENTATIVE = SheetColumn("representative", "Người đại diện / quản lý", 20, "free")
_DECLARED = SheetColumn("employees_declared", "Số lao động khai báo", 10, "int")
_INSURED = SheetColumn("employees_insured", "Số lao động có BHXH", 10, "int")
_REASON = SheetColumn("reason", "Lý do", 34, "free")
_CONFIDENCE = SheetColumn("confidence", "Độ tin cậy", 8, "pct")
_EVIDENCE = SheetColumn("evidence", "Căn cứ", 30, "free")
_PERSON = (_NAME, _DOB, _SEX, _ID)
# The keyed hash that names a prospect across nights (pipelines.prospect_ids): no personal ID in it,
# so written as it is (never masked: it is what a filled-in workbook is read back by).
_PROSPECT_ID = SheetColumn("prospect_id", "Mã đối tượng", 23, "prospect_id")
# "Mới" on a row first listed tonight in this commune, else since when (pipelines.changes.since_label).
_LISTED = SheetColumn("listed", "Trong danh sách", 11)
_WHY = (_REASON, _CONFIDENCE, _EVIDENCE, _PROSPECT_ID)
#: Filled in by hand at the door (left empty): what happened, when, and anything to remember.
OUTCOME = (SheetColumn("outcome", "Kết quả", 16, "fill", always=True),
           SheetColumn("outcome_date", "Ngày", 10, "fill", always=True),
           SheetColumn("outcome_note", "Ghi chú", 20, "fill", always=True))

SHEETS: dict[str, Sheet] = {
    "unregistered_employer": Sheet(
        "ĐV chưa đăng ký",
        "Doanh nghiệp, hợp tác xã đang hoạt động chưa đăng ký tham gia BHXH bắt buộc",
        "đơn vị",
        None,
        (_STT, _LISTED, _ORG, _TAX, _ADDRESS, _REPRESENTATIVE, _PHONE, _DECLARED, *_WHY, *OUTCOME),
        "Đến đơn vị, hướng dẫn đăng ký đơn vị tham gia và đóng BHXH bắt buộc cho người lao động",
    ),
    "underdeclared_employer": Sheet(
        "ĐV đóng thiếu",
        "Đơn vị khai báo nhiều lao động hơn số lao động đang tham gia BHXH bắt buộc",
        "đơn vị",
        None,
        (_STT, _LISTED, _ORG, _TAX, _ADDRESS, _REPRESENTATIVE, _PHONE, _DECLARED, _INSURED, *_WHY, *OUTCOME),
        "Đối chiếu danh sách lao động của đơn vị với số người đang đóng; đề nghị đăng ký bổ sung người còn thiếu",
    ),
    "uninsured_manager": Sheet(
        "Người quản lý",
        "Người quản lý doanh nghiệp, hợp tác xã chưa tham gia BHXH bắt buộc",
        "người",
        "org",  # listed in the organisation's commune: an officer visits one organisation at a time
        (_STT, _LISTED, *_PERSON, SheetColumn("role", "Chức vụ", 14), _PHONE, *_WHY, *OUTCOME),
        "Gặp người quản lý tại đơn vị, hướng dẫn tham gia BHXH bắt buộc (Luật BHXH 2024, Điều 2)",
    ),
    "uninsured_household_owner": Sheet(
        "Chủ hộ kinh doanh",
        "Chủ hộ kinh doanh nộp thuế theo phương pháp kê khai chưa tham gia BHXH bắt buộc",
        "người",
        "household",
        (
            _STT,
            _LISTED,
            *_PERSON,
            SheetColumn("org_name", "Tên hộ kinh doanh", 26, "free"),
            SheetColumn("business_id", "Mã hộ kinh doanh", 15, "maybe_id"),
            _ADDRESS,
            _PHONE,
            *_WHY,
            *OUTCOME,
        ),
        "Hướng dẫn chủ hộ kinh doanh đăng ký tham gia BHXH bắt buộc (Nghị định 158/2025/NĐ-CP)",
    ),
    "uninsured_employee": Sheet(  # only when the labour register is given
        "Người lao động có HĐLĐ",
        "Người lao động có hợp đồng lao động còn hiệu lực từ 1 tháng trở lên với doanh nghiệp, hợp tác xã "
        "nhưng chưa tham gia BHXH bắt buộc (đơn vị có trách nhiệm đóng)",
        "người",
        "org",  # listed in the organisation's commune: the employer owes the contribution
        (_STT, _LISTED, *_PERSON, _ORG, _TAX, _ADDRESS, _PHONE, *_WHY, *OUTCOME),
        "Đề nghị đơn vị đăng ký, đóng BHXH bắt buộc cho người lao động (Luật BHXH 41/2024/QH15, Điều 2)",
    ),
    "voluntary_si_prospect": Sheet(
        "BHXH tự nguyện",
        "Người trong độ tuổi lao động chưa tham gia BHXH: vận động tham gia BHXH tự nguyện",
        "người",
        "household",
        (_STT, _LISTED, *_PERSON, _RELATION, _ADDRESS, _PHONE, *_WHY, *OUTCOME),
        "Tư vấn, vận động tham gia BHXH tự nguyện (mức đóng 22%, có hỗ trợ của Nhà nước)",
    ),
    "hi_prospect": Sheet(
        "BHYT",
        "Người chưa có thẻ BHYT còn giá trị sử dụng",
        "người",
        "household",
        (_STT, _LISTED, *_PERSON, _RELATION, _ADDRESS, _PHONE, *_WHY, *OUTCOME),
        "Kiểm tra người đó có thuộc nhóm được ngân sách đóng không (trẻ em dưới 6 tuổi, người từ 75 tuổi, "
        "hộ nghèo...); nếu không, vận động tham gia BHYT hộ gia đình",
    ),
}


def sheet_of(group: str) -> Sheet:
    """The sheet of a group: its entry in :data:`SHEETS`, or (a group added to ``contract.groups``
    before it has one) a sheet of people by organisation named after the group, so that no prospect
    is ever left out of a workbook."""
    if group in SHEETS:
        return SHEETS[group]
    return Sheet(group[:31], group, "người", None,
                 (_STT, _LISTED, *_PERSON, _ORG, _TAX, _ADDRESS, _PHONE, *_WHY, *OUTCOME), "")


#: Rows too unsure to be handed out as prospects (``prospects_to_verify``): one sheet, after the
#: groups, each row naming the group it might belong to.
TO_VERIFY = Sheet(
    "Cần xác minh",
    "Trường hợp chưa chắc chắn là đối tượng (độ tin cậy dưới 50%): kiểm tra hồ sơ trước khi vận động",
    "trường hợp",
    None,
    (_STT, SheetColumn("group", "Nhóm", 16, "group"), *_PERSON, _ORG, _ADDRESS, *_WHY, *OUTCOME),
    "Tra cứu hồ sơ BHXH, BHYT của người đó trước; chỉ vận động khi xác định đúng là đối tượng",
)
#: Last night's prospects of the commune that tonight's list no longer has (``pipelines.changes``):
#: resolved (now covered, by which record) or gone (died, moved away, organisation dissolved...).
CLOSED = Sheet(
    "Đã giải quyết, không còn",
    "Đối tượng có trong danh sách lần trước, nay đã tham gia (đã giải quyết) hoặc không còn là đối tượng",
    "trường hợp",
    None,
    (_STT, SheetColumn("group", "Nhóm", 16, "group", always=True), SheetColumn("name", "Họ tên / tên đơn vị", 26,
                                                                               "free", always=True),
     _ID, _TAX, SheetColumn("change_label", "Tình trạng", 14, always=True),
     SheetColumn("reason", "Lý do", 34, "free", always=True), SheetColumn("record_label", "Hồ sơ", 20),
     SheetColumn("listed", "Trong danh sách từ", 11), _PROSPECT_ID),
    "Không cần đến lại; đối chiếu nếu thấy chưa đúng",
)
CHANGE_LABELS = {"resolved": "Đã giải quyết", "gone": "Không còn", "suppressed": "Theo kết quả đã báo"}
NEW_LABEL = "Mới"  # a row first listed in its commune tonight (shown bold, in red)
#: Every household with all of its members' prospects (the groups whose sheets band by household):
#: one row per person, the groups named in one cell, so a household is visited once.
HOUSEHOLDS = Sheet(
    "Theo hộ gia đình",
    "Mọi người cần vận động trong từng hộ gia đình, theo thứ tự thôn, tổ, đường, số nhà",
    "người",
    "household",
    (_STT, *_PERSON, _RELATION, SheetColumn("groups", "Cần vận động", 18, "free", always=True), _ADDRESS, _PHONE,
     _REASON, *OUTCOME),
    "Đến từng hộ một lần, vận động mọi người có tên trong hộ",
)
GROUP_LABELS: dict[str, str] = {group: sheet.name for group, sheet in SHEETS.items()}  # sheet_of() for others
PRIVACY_NOTE = (
    "Số định danh cá nhân đã được che một phần (Nghị định 13/2023/NĐ-CP). "
    "Danh sách chỉ dùng cho công tác phát triển người tham gia BHXH, BHYT tại xã/phường."
)


def text_of(value: object) -> str:
    """Empty string for None/NaN, else the value as text."""
    if type(value) is str:  # nearly every call (a workbook's records are text): the one check it needs
        return value.strip()
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


def since_label(since: object, as_of: date) -> str:
    """What a workbook shows of when a row was first listed in its commune (``pipelines.changes``).

    >>> since_label("2026-07-01", date(2026, 7, 1)), since_label("2026-06-28", date(2026, 7, 1)), since_label("", None)
    ('Mới', 'Từ 28/06/2026', '')
    """
    text = text_of(since)
    if not text or as_of is None:
        return ""
    return NEW_LABEL if text == as_of.isoformat() else f"Từ {format_date(text)}"


_SEXES = {"M": "Nam", "F": "Nữ"}


def _sex(value: object) -> str:
    return _SEXES.get(text_of(value), text_of(value))


def _group(value: object) -> str:
    return sheet_of(text_of(value)).name if text_of(value) else ""


def _fill(value: object) -> str:
    return ""


def _int(value: object) -> object:
    text = text_of(value)
    return int(text) if text.isdigit() else text


def _pct(value: object) -> object:
    try:
        return float(text_of(value))
    except ValueError:
        return text_of(value)


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "masked": mask_id, "maybe_id": maybe_id, "free": scrub, "date": format_date, "sex": _sex, "group": _group,
    "fill": _fill, "int": _int, "pct": _pct,
}


def converter(column: SheetColumn) -> Callable[[object], object]:
    """What :func:`cell_value` does to a value of ``column``, chosen once per column (a sheet applies it to
    every row).

    >>> converter(SheetColumn("sex", "Giới tính", 7, "sex"))("F"), converter(_DECLARED)("12")
    ('Nữ', 12)
    """
    return _CONVERTERS.get(column.kind, text_of)


def cell_value(column: SheetColumn, row: Record) -> object:
    return converter(column)(row.get(column.key, ""))
