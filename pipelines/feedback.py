"""Officers' outcomes come back: filled-in workbooks read, checked, kept, and used.

Every ``*.xlsx`` under the feedback folder (``RunContext.feedback_folder``: ``--feedback DIR``, else
``.DIR.covgap/feedback/`` beside ``--output DIR``, never inside the folder a run swaps; the DAG's
``{output}/feedback/``) is read, files by path and rows in order. A row is found by its
``Mã đối tượng`` (``prospect_id``) on a group's sheet; a row whose Kết quả, Ngày and Ghi chú are
all empty is not filled in and is passed over. A filled row is accepted unless a check fails:

- ``unknown_prospect``: the ID was never listed by a night before the workbook's (``listed_on``, its
  document date) in the state store;
- ``edited_cell``: a key cell outside the outcome columns differs from what the store says of the
  prospect on that night (the group of its sheet, the masked personal ID, the tax code, the business code);
- ``unknown_outcome`` / ``missing_outcome``: Kết quả is not one of ``contract.outcomes.OUTCOMES``, or is empty;
- ``bad_date``: Ngày is missing, not a date, after tonight's as-of, or before the prospect was first listed;
- ``conflict``: another row gives the same prospect and date another outcome (the first, by file, sheet
  and row, is kept);
- ``no_prospect_id``, ``unread_sheet``: an outcome on a row without an ID, or on a sheet not read back
  (households, rows to verify: write it on the group's sheet).

Each failure is a row of ``feedback_report.csv`` (file, sheet, row, prospect_id, check, in Vietnamese and
in English); the rest is still read. Accepted outcomes new to the store (by prospect and date) are
recorded with the night once it is published (``pipelines.changes.record_night``): re-reading a file is
idempotent. ``_stages/feedback/outcomes.parquet`` holds every outcome known tonight (the store's, from
nights before tonight, and tonight's new ones, ``tonight``).

The clerks' review decisions (``review*.csv`` in the same folder) are read by ``pipelines.review_feedback``
in the same stage; their problems join the same report.

Used by :func:`suppressed`: a prospect whose latest outcome (by date) is in
``contract.outcomes.SUPPRESSING`` is not listed again while its evidence is what it was when the
outcome was written; **new evidence** means its fingerprint (:func:`evidence_of`: the reason's wording,
numbers aside, the evidence text and the confidence band, ``prospects.list_probability`` /
``prospects.sure_probability``) differs from the one the store kept for it on the workbook's night.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pandas as pd

from contract.groups import ALL_GROUPS
from contract.outcomes import OUTCOME_LABELS, SUPPRESSING, outcome_code
from pipelines.catalogue import FEEDBACK_DECISIONS, FEEDBACK_OUTCOMES, FEEDBACK_REPORT_CSV
from pipelines.context import RunContext
from pipelines.files import write_csv, write_parquet
from pipelines.officer_sheets import OUTCOME, cell_text, mask_id, maybe_id, sheet_of, text_of
from pipelines.review_feedback import REVIEW_CHECKS, read_decisions, review_files
from pipelines.settings import ProspectSettings
from pipelines.state_store import OUTCOME_COLUMNS, Store

__all__ = ["CHECKS", "REPORT_COLUMNS", "FeedbackSummary", "Problem", "evidence_of", "latest_outcomes", "read_feedback",
           "run", "suppressed"]

log = logging.getLogger(__name__)

#: Each check: (Vietnamese, English), as the report gives them.
CHECKS: dict[str, tuple[str, str]] = {
    "unreadable": ("Không mở được tệp Excel", "the file cannot be opened as an Excel workbook"),
    "no_list_date": ("Tệp không có ngày lập danh sách (không phải danh sách do covgap lập)",
                     "the workbook has no list date (not a workbook covgap wrote)"),
    "unread_sheet": ("Kết quả ghi ở trang tính không được đọc lại: ghi ở trang của nhóm",
                     "an outcome on a sheet that is not read back: write it on the group's sheet"),
    "no_prospect_id": ("Dòng có kết quả nhưng không có Mã đối tượng", "an outcome on a row without a prospect ID"),
    "unknown_prospect": ("Mã đối tượng không có trong các danh sách đã lập",
                         "the prospect ID was never listed (not in the state store)"),
    "edited_cell": ("Ô ngoài các cột Kết quả, Ngày, Ghi chú đã bị sửa",
                    "a cell outside the outcome columns was edited"),
    "missing_outcome": ("Có ngày hoặc ghi chú nhưng chưa chọn Kết quả", "a date or note without an outcome"),
    "unknown_outcome": ("Kết quả không có trong danh sách chọn", "the outcome is not one of the list"),
    "bad_date": ("Ngày không hợp lệ", "the date is impossible"),
    "conflict": ("Cùng đối tượng, cùng ngày nhưng kết quả khác", "another outcome for the same prospect and date"),
    **REVIEW_CHECKS,  # a review*.csv's rows (pipelines.review_feedback)
}
REPORT_COLUMNS = ("file", "sheet", "row", "prospect_id", "check", "problem_vi", "problem_en")
_HEADER_ROW = 4  # 1-based, as openpyxl counts (officer_workbook: title, subtitle, note, header)
_ID_HEADER = "Mã đối tượng"
_FILL = {column.key: column.header for column in OUTCOME}
_KEY_CELLS = {"Số định danh (đã che)": ("person_id", mask_id), "Mã số thuế": ("tax_code", maybe_id),
              "Mã hộ kinh doanh": ("business_id", maybe_id)}
_GROUP_OF_SHEET = {sheet_of(group).name: group for group in ALL_GROUPS}
_NOTE_CHARS = 500
_SHEET_OF_CSV = ""  # a review*.csv row: no sheet


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    row: int | None
    prospect_id: str
    check: str
    detail: str = ""

    def record(self) -> dict[str, object]:
        vi, en = CHECKS[self.check]
        return {"file": self.file, "sheet": self.sheet, "row": "" if self.row is None else self.row,
                "prospect_id": self.prospect_id, "check": self.check,
                "problem_vi": f"{vi}: {self.detail}" if self.detail else vi,
                "problem_en": f"{en}: {self.detail}" if self.detail else en}


@dataclass(frozen=True)
class _Filled:
    file: str
    sheet: str
    row: int
    group: str
    listed_on: dt.date
    prospect_id: str
    outcome: str
    date: object
    note: str
    keys: dict[str, str]  # header -> the cell's text, for the key cells the sheet has


_DIGITS = re.compile(r"\d+")


def evidence_of(frame: pd.DataFrame, settings: ProspectSettings) -> pd.Series:
    """Per row of prospects, the fingerprint of what it is listed on: the reason's wording (its numbers aside:
    an age or "no card valid on <as-of>" move with the date, not with the evidence), the evidence text (the
    near-miss records) and the confidence band.

    >>> s = ProspectSettings(0.01, 0.5, 0.05, employee_list_precision=0.99,
    ...                       employee_list_assurance=0.9, sure_probability=0.9)
    >>> rows = pd.DataFrame({"reason": ["a", "a"], "evidence": ["", ""], "confidence": [0.6, 0.95]})
    >>> list(evidence_of(rows, s).str.len()), evidence_of(rows, s).nunique()
    ([16, 16], 2)
    """
    def band(value: object) -> str:
        number = float(text_of(value)) if text_of(value) else 1.0
        return "sure" if number >= settings.sure_probability else "listed" if number >= settings.list_probability \
            else "unsure"

    values = [f"{_DIGITS.sub('#', text_of(r))}\x1f{text_of(e)}\x1f{band(c)}"
              for r, e, c in zip(frame["reason"], frame["evidence"], frame["confidence"], strict=True)]
    return pd.Series([hashlib.sha256(v.encode()).hexdigest()[:16] for v in values], index=frame.index, dtype=object)


def _date_of(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_of(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


_CREATED = re.compile(r"<dcterms:created[^>]*>(\d{4}-\d{2}-\d{2})")


def _list_date(path: Path) -> dt.date | None:
    """The workbook's document date, the night it was listed (officer_workbook: the as-of date). Read from
    ``docProps/core.xml`` itself: openpyxl makes one up (now) when there is none."""
    with zipfile.ZipFile(path) as archive:
        found = _CREATED.search(archive.read("docProps/core.xml").decode("utf-8", "replace"))
    return dt.date.fromisoformat(found.group(1)) if found else None


def _read_workbook(path: Path, name: str, problems: list[Problem]) -> list[_Filled]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        listed_on = _list_date(path)
    except Exception as error:  # noqa: BLE001 - any file that is not a workbook is reported, never fatal
        problems.append(Problem(name, "", None, "", "unreadable", type(error).__name__))
        return []
    try:
        if listed_on is None:
            problems.append(Problem(name, "", None, "", "no_list_date"))
            return []
        filled: list[_Filled] = []
        for sheet in book.worksheets:
            rows = sheet.iter_rows(min_row=_HEADER_ROW, values_only=True)
            header = [text_of(v) for v in next(rows, ())]
            if _FILL["outcome"] not in header:
                continue
            at = {h: i for i, h in enumerate(header) if h}
            group = _GROUP_OF_SHEET.get(sheet.title)
            for number, values in enumerate(rows, start=_HEADER_ROW + 1):
                def cell(header_text: str, values: tuple[Any, ...] = values, at: dict[str, int] = at) -> object:
                    index = at.get(header_text)
                    return values[index] if index is not None and index < len(values) else None

                outcome, date, note = (cell(_FILL[k]) for k in ("outcome", "outcome_date", "outcome_note"))
                if not any(text_of(v) for v in (outcome, date, note)):
                    continue
                prospect = text_of(cell(_ID_HEADER))
                if group is None or _ID_HEADER not in at:  # households, rows to verify, the closed ones
                    problems.append(Problem(name, sheet.title, number, prospect, "unread_sheet"))
                    continue
                if not prospect:
                    problems.append(Problem(name, sheet.title, number, "", "no_prospect_id"))
                    continue
                filled.append(_Filled(name, sheet.title, number, group, listed_on, prospect, text_of(outcome),
                                      date, text_of(note), {h: text_of(cell(h)) for h in _KEY_CELLS if h in at}))
        return filled
    finally:
        book.close()


def _check(row: _Filled, mine: pd.DataFrame, as_of: dt.date) -> tuple[Problem | None, dict[str, object]]:
    """The row's first failed check, else the outcome to keep (``OUTCOME_COLUMNS`` but ``read_on``);
    ``mine``: the nights that listed its prospect (``Store.listings``)."""
    def problem(check: str, detail: str = "") -> tuple[Problem, dict[str, object]]:
        return Problem(row.file, row.sheet, row.row, row.prospect_id, check, detail), {}

    before = mine[mine["as_of"] <= row.listed_on.isoformat()]
    if before.empty:
        return problem("unknown_prospect")
    that_night = before[before["as_of"] == before["as_of"].max()].iloc[0]
    if that_night["group"] != row.group:
        return problem("edited_cell", f"trang tính / sheet {row.sheet}")
    for header, shown in row.keys.items():
        column, mask = _KEY_CELLS[header]
        if shown != mask(that_night[column]):
            return problem("edited_cell", header)
    code = outcome_code(row.outcome)
    if not row.outcome:
        return problem("missing_outcome")
    if code is None:
        return problem("unknown_outcome", row.outcome[:40])
    date = _date_of(row.date)
    first = str(mine["as_of"].min())
    if date is None:
        return problem("bad_date", f"'{text_of(row.date)[:20]}'")
    if date > as_of:
        return problem("bad_date", f"{date:%d/%m/%Y} > {as_of:%d/%m/%Y}")
    if date.isoformat() < first:
        return problem("bad_date", f"{date:%d/%m/%Y} < {dt.date.fromisoformat(first):%d/%m/%Y}")
    return None, {"prospect_id": row.prospect_id, "outcome_date": date.isoformat(),
                  "listed_on": str(that_night["as_of"]), "group": row.group,
                  "ward_code": str(that_night["ward_code"]), "code": code,
                  "note": cell_text(row.note)[:_NOTE_CHARS], "source_file": row.file, "sheet": row.sheet,
                  "row_number": row.row, "evidence": that_night["evidence"], "confidence": that_night["confidence"]}


def read_feedback(folder: Path, store: Store, as_of: dt.date) -> tuple[pd.DataFrame, list[Problem]]:
    """Every outcome known tonight (``OUTCOME_COLUMNS`` and ``tonight``) and the problems found."""
    problems: list[Problem] = []
    filled: list[_Filled] = []
    paths = sorted(folder.rglob("*.xlsx")) if folder.is_dir() else []
    for path in paths:
        if not path.name.startswith("~$"):  # Excel's lock file beside an open workbook
            filled += _read_workbook(path, path.relative_to(folder).as_posix(), problems)
    stored = store.outcomes(as_of)
    listings = store.listings(sorted({r.prospect_id for r in filled}), as_of)
    known = {(p, d): c for p, d, c in zip(stored["prospect_id"], stored["outcome_date"], stored["code"], strict=True)}
    by_prospect = {str(p): part for p, part in listings.groupby("prospect_id", sort=False)}
    nowhere = listings.iloc[:0]
    tonight: dict[tuple[str, str], dict[str, object]] = {}
    for row in filled:
        problem, outcome = _check(row, by_prospect.get(row.prospect_id, nowhere), as_of)
        if problem is None:
            key = (str(outcome["prospect_id"]), str(outcome["outcome_date"]))
            earlier = tonight.get(key) or ({"code": known[key]} if key in known else None)
            if earlier is None:
                tonight[key] = outcome
            elif earlier["code"] != outcome["code"]:
                problem = Problem(row.file, row.sheet, row.row, row.prospect_id, "conflict",
                                  f"{OUTCOME_LABELS[str(earlier['code'])]} / {OUTCOME_LABELS[str(outcome['code'])]}")
        if problem is not None:
            problems.append(problem)
    problems.sort(key=lambda p: (p.file, p.sheet, p.row or 0))
    new = pd.DataFrame([{**o, "read_on": as_of.isoformat()} for k, o in sorted(tonight.items()) if k not in known],
                       columns=list(OUTCOME_COLUMNS), dtype=object)
    every = pd.concat([stored.assign(tonight=False), new.assign(tonight=True)], ignore_index=True)
    every = every.sort_values(["prospect_id", "outcome_date"], ignore_index=True)
    every["row_number"] = every["row_number"].astype("Int64")
    every["confidence"] = pd.to_numeric(every["confidence"], errors="coerce").astype("float64")
    return every, problems


def latest_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per prospect, its latest outcome (by date; the first read, of one date)."""
    ordered = outcomes.sort_values(["prospect_id", "outcome_date", "read_on"], ignore_index=True)
    return ordered.drop_duplicates("prospect_id", keep="last").reset_index(drop=True)


def suppressed(listed: pd.DataFrame, outcomes: pd.DataFrame, settings: ProspectSettings) -> pd.Series:
    """Per listed row, whether an officer's outcome holds it back: its latest outcome suppresses and its
    evidence (:func:`evidence_of`) is what it was on the workbook's night (unknown then: held back)."""
    if listed.empty or outcomes.empty:
        return pd.Series(False, index=listed.index)
    latest = latest_outcomes(outcomes)
    latest = latest[latest["code"].isin(SUPPRESSING)].set_index("prospect_id")
    evidence = evidence_of(listed, settings)
    then = listed["prospect_id"].map(latest["evidence"])
    held = listed["prospect_id"].isin(latest.index)
    return held & (then.isna() | (then == evidence))


class FeedbackSummary(TypedDict):
    files: int
    outcomes: int
    new: int
    problems: dict[str, int]
    review_files: NotRequired[int]  # only when there is a review decision (the summary stays as it was)
    decisions: NotRequired[int]
    decisions_new: NotRequired[int]


def run(ctx: RunContext) -> FeedbackSummary:
    """Read the feedback folder; write the report, every outcome and every review decision known tonight."""
    folder = ctx.feedback_folder
    store = Store(ctx.state_location)
    outcomes, problems = read_feedback(folder, store, ctx.as_of)
    decisions, review_problems = read_decisions(folder, store, ctx.as_of)
    problems = sorted([*problems, *(Problem(f, _SHEET_OF_CSV, r, "", c, d) for f, r, c, d in review_problems)],
                      key=lambda p: (p.file, p.sheet, p.row or 0))
    write_parquet(outcomes, FEEDBACK_OUTCOMES.path(ctx))
    write_parquet(decisions, FEEDBACK_DECISIONS.path(ctx))
    report = pd.DataFrame([p.record() for p in problems], columns=list(REPORT_COLUMNS), dtype=object)
    write_csv(report, FEEDBACK_REPORT_CSV.path(ctx), bom=True)
    counts = report["check"].value_counts()
    files = len(list(folder.rglob("*.xlsx"))) if folder.is_dir() else 0
    new = int(outcomes["tonight"].sum())
    log.info("feedback: %d file(s), %d outcome(s) new, %d decision(s) new, %d problem(s)", files, new,
             int(decisions["tonight"].sum()), len(problems))
    summary: FeedbackSummary = {"files": files, "outcomes": len(outcomes), "new": new,
                                "problems": {k: int(counts.get(k, 0)) for k in CHECKS if k not in REVIEW_CHECKS}}
    read_back = review_files(folder)
    if read_back or len(decisions):
        summary.update({"review_files": len(read_back), "decisions": len(decisions),
                        "decisions_new": int(decisions["tonight"].sum())})
        summary["problems"].update({k: int(counts.get(k, 0)) for k in REVIEW_CHECKS})
    return summary
