"""What a clerk writes in the ``decision`` column of ``review.csv``: one fixed list, each with a stable code;
and which columns of a register name one of its records across nights.

A pair of ``review.csv`` is (``record_id``, ``person_id``). ``record_key`` (``source:row_number``) is not
stable: a register's row order changes from one night to the next. ``record_id`` is the source and its
record's natural key (:data:`RECORD_ID_COLUMNS`), the same every night the record is there.

The feedback stage (``pipelines.review_feedback``) reads decisions back by code or label, in any case,
with or without Vietnamese accents, and stores the code.

>>> decision_code(" KHONG KHOP "), decision_code("khớp"), decision_code("Non-match"), DECISION_LABELS["match"]
('non_match', 'match', 'non_match', 'Khớp')
>>> decision_code("có thể") is None
True
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["DECISIONS", "DECISION_LABELS", "MATCH", "NON_MATCH", "RECORD_ID_COLUMNS", "decision_code"]

MATCH, NON_MATCH = "match", "non_match"
#: (code, Vietnamese label).
DECISIONS: tuple[tuple[str, str], ...] = ((MATCH, "Khớp"), (NON_MATCH, "Không khớp"))
DECISION_LABELS: dict[str, str] = dict(DECISIONS)

#: Per source of person records: the columns whose values name one record every night (contract.md:
#: ``si_code``, ``business_id``, ``contract_id`` are unique keys; a manager role has none, so the
#: organisation's tax code, the manager's name and the role, the last two folded: one person may hold
#: two roles of one company).
RECORD_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "insured": ("si_code",),
    "managers": ("org_tax_code", "full_name", "role"),
    "household_businesses": ("business_id",),
    "labour": ("contract_id",),
}


def _folded(text: str) -> str:
    """Lower case, no accents (``đ`` -> ``d``), ``-`` and ``_`` as spaces, single spaces."""
    plain = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    plain = plain.replace("đ", "d").replace("Đ", "d").casefold()
    return " ".join(re.sub(r"[-_]", " ", plain).split())


_BY_TEXT = {_folded(text): code for code, label in DECISIONS for text in (code, label)}


def decision_code(text: str) -> str | None:
    """The code of a decision as typed (its code or its label); None: not in the list."""
    return _BY_TEXT.get(_folded(text))
