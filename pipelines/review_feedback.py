"""Clerks' review decisions come back: filled-in ``review*.csv`` files read, checked and kept.

Every ``review*.csv`` under the feedback folder (files by path, rows in order) is read as covgap wrote
``review.csv`` (UTF-8, a BOM is fine; a value Excel was kept from reading as a formula has its leading
``'`` removed). A row whose ``decision`` is empty is not decided and is passed over. A decided row is
kept unless a check fails:

- ``unknown_pair``: (``record_id``, ``person_id``) was never listed for review by a night before tonight
  (the state store's ``review_pairs``);
- ``unknown_decision``: ``decision`` is not one of ``contract.reviews.DECISIONS`` (code or label);
- ``decision_conflict``: the pair is given another decision elsewhere (the first by file and row is kept; one
  already stored wins), or the record is decided a match with two residents;
- ``unreadable``: the file is not a CSV with the columns ``record_id``, ``person_id``, ``decision``.

Each failure is a row of ``feedback_report.csv`` (``pipelines.feedback``: file, row as a spreadsheet
numbers it, the header being row 1, check, in Vietnamese and English); the rest is still read. Decisions
new to the store are recorded with the night once it is published: re-reading a file is idempotent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd

from contract.reviews import DECISION_LABELS, MATCH, decision_code
from pipelines.state_store import DECISION_COLUMNS, REVIEW_PAIR_COLUMNS, Store

__all__ = ["REVIEW_CHECKS", "REVIEW_FILES", "ReviewProblem", "read_decisions", "review_files"]

#: (file, row, check, detail): a row of the report (``pipelines.feedback.Problem``); ``check`` is a key of
#: :data:`REVIEW_CHECKS`, or ``unreadable``.
ReviewProblem = tuple[str, int | None, str, str]

REVIEW_FILES = "review*.csv"
#: Each check: (Vietnamese, English), as the report gives them.
REVIEW_CHECKS: dict[str, tuple[str, str]] = {
    "unknown_pair": ("Cặp hồ sơ - người không có trong các danh sách đối soát đã lập",
                     "the pair was never listed for review (not in the state store)"),
    "unknown_decision": ("Quyết định không phải 'khớp' hay 'không khớp'",
                         "the decision is not 'match' or 'non_match'"),
    "decision_conflict": ("Cùng cặp (hoặc cùng hồ sơ) nhưng quyết định khác",
                          "another decision for the same pair (or a match of the same record with another person)"),
}
_NEEDED = ("record_id", "person_id", "decision")


def review_files(folder: Path) -> list[Path]:
    """The filled-in review files of the feedback folder, by path."""
    return sorted(folder.rglob(REVIEW_FILES)) if folder.is_dir() else []


def _unescaped(value: str) -> str:
    return value[1:] if value.startswith("'") else value  # pipelines.files.neutralise put it there


def _read_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows (every value text, ``row``: as a spreadsheet numbers it); ValueError: not usable."""
    text = path.read_bytes().decode("utf-8-sig")  # UnicodeDecodeError is a ValueError
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in _NEEDED if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError("thiếu cột / missing column " + ", ".join(missing))
    return [{**{c: _unescaped((row.get(c) or "").strip()) for c in _NEEDED}, "row": str(number)}
            for number, row in enumerate(reader, start=2)]


def _decided(paths: list[Path], folder: Path, problems: list[ReviewProblem]) -> pd.DataFrame:
    """Every decided row: file, row, record_id, person_id, decision (the code; None: not in the list), typed."""
    rows: list[dict[str, object]] = []
    for path in paths:
        name = path.relative_to(folder).as_posix()
        try:
            found = _read_rows(path)
        except UnicodeDecodeError:
            problems.append((name, None, "unreadable", "không phải UTF-8 / not UTF-8"))
            continue
        except (OSError, ValueError, csv.Error) as error:
            problems.append((name, None, "unreadable", str(error)[:80]))
            continue
        rows += [{"file": name, "row": int(r["row"]), "record_id": r["record_id"], "person_id": r["person_id"],
                  "typed": r["decision"], "decision": decision_code(r["decision"])}
                 for r in found if r["decision"]]
    return pd.DataFrame(rows, columns=["file", "row", "record_id", "person_id", "typed", "decision"], dtype=object)


def _conflict(pair: tuple[str, str], decision: str, kept: dict[tuple[str, str], str],
              matched: dict[str, str]) -> str | None:
    """Why the decision conflicts with those kept (None: it does not)."""
    earlier = kept.get(pair)
    if earlier is not None and earlier != decision:
        return f"{DECISION_LABELS[earlier]} / {DECISION_LABELS[decision]}"
    if decision == MATCH and matched.get(pair[0], pair[1]) != pair[1]:
        return f"{DECISION_LABELS[MATCH]}: 2 người / 2 residents"
    return None


def read_decisions(folder: Path, store: Store, as_of: dt.date
                   ) -> tuple[pd.DataFrame, list[ReviewProblem]]:
    """Every review decision known tonight (``DECISION_COLUMNS`` and ``tonight``) and the problems found
    (file, row, check, detail)."""
    problems: list[ReviewProblem] = []
    decided = _decided(review_files(folder), folder, problems)
    stored = store.decisions(as_of)
    listed = store.review_pairs(decided[list(REVIEW_PAIR_COLUMNS)], as_of)
    known = set(zip(listed["record_id"], listed["person_id"], strict=True))
    kept = {(r, p): d for r, p, d in zip(stored["record_id"], stored["person_id"], stored["decision"], strict=True)}
    matched = {r: p for (r, p), d in kept.items() if d == MATCH}
    tonight: list[dict[str, object]] = []
    for row in decided.itertuples(index=False):
        pair = (str(row.record_id), str(row.person_id))
        if row.decision is None:
            problems.append((row.file, row.row, "unknown_decision", f"'{str(row.typed)[:40]}'"))
            continue
        if pair not in known:
            problems.append((row.file, row.row, "unknown_pair", ""))
            continue
        why = _conflict(pair, str(row.decision), kept, matched)
        if why is not None:
            problems.append((row.file, row.row, "decision_conflict", why))
            continue
        if pair not in kept:
            kept[pair] = str(row.decision)
            if row.decision == MATCH:
                matched[pair[0]] = pair[1]
            tonight.append({"record_id": pair[0], "person_id": pair[1], "decision": row.decision,
                            "read_on": as_of.isoformat(), "source_file": row.file, "row_number": row.row})
    problems.sort(key=lambda p: (p[0], p[1] or 0))
    new = pd.DataFrame(tonight, columns=list(DECISION_COLUMNS), dtype=object)
    every = pd.concat([stored.assign(tonight=False), new.assign(tonight=True)], ignore_index=True)
    every = every.sort_values(["record_id", "person_id"], ignore_index=True)
    every["row_number"] = every["row_number"].astype("Int64")
    every["tonight"] = every["tonight"].astype(bool)
    return every, problems
