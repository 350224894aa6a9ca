"""What an officer writes in the Kết quả column of a workbook row: one fixed list, each with a stable code.

The workbooks offer the labels as a dropdown (``pipelines.officer_workbook``); the feedback stage
(``pipelines.feedback``) reads them back by label and stores the code, so a label may be reworded
without the stored outcomes changing meaning. The rest of covgap asks this module which outcomes
hold a prospect back from the lists (:data:`SUPPRESSING`) and which say whether a listing was right
(:data:`RIGHT`, :data:`WRONG`; the others decide nothing about it).

>>> outcome_code(" không đúng người "), OUTCOME_LABELS["insured_elsewhere"]
('wrong_person', 'Đã có BHXH nơi khác')
>>> outcome_code("có thể") is None
True
"""

from __future__ import annotations

import unicodedata

__all__ = ["OUTCOMES", "OUTCOME_LABELS", "RIGHT", "SUPPRESSING", "WRONG", "outcome_code"]

#: (code, label): the order of the dropdown.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("joined", "Đã tham gia"),
    ("appointment", "Hẹn lại"),
    ("not_met", "Không gặp"),
    ("wrong_person", "Không đúng người"),
    ("insured_elsewhere", "Đã có BHXH nơi khác"),
    ("moved_away", "Chuyển đi"),
    ("died", "Đã mất"),
)
OUTCOME_LABELS: dict[str, str] = dict(OUTCOMES)
#: A prospect whose latest outcome is one of these is not listed again unless new evidence appears.
SUPPRESSING: frozenset[str] = frozenset({"wrong_person", "insured_elsewhere"})
#: The listing was right: the officer met the person and they joined, or agreed to come back.
RIGHT: frozenset[str] = frozenset({"joined", "appointment"})
#: The listing was wrong: not the person the registers describe, or already covered elsewhere.
WRONG: frozenset[str] = SUPPRESSING


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


_BY_LABEL = {_folded(label): code for code, label in OUTCOMES}


def outcome_code(label: str) -> str | None:
    """The code of a label as typed (any case or spacing, composed or not); None: not in the list."""
    return _BY_LABEL.get(_folded(label))
