"""Explanations: each comparison's contribution, and a short reason in Vietnamese for officers.

Reasons are built once per distinct comparison vector (there are a few hundred), then mapped
to the pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matching.linkage.compare import COMPARISONS, NULL

__all__ = ["reason_of", "reasons", "weight_columns"]

_LEGACY_ONLY = "chỉ có số CMND cũ"
_CROSSWALK = "trùng số CMND cũ với hồ sơ khác đã ghép"


def reason_of(levels: tuple[int, ...], legacy: bool = False, crosswalk: bool = False) -> str:
    """The officer's reason for one comparison vector: what agrees first, then what does not.

    >>> reason_of((-1, 1, -1, 0, 0, 0, -1, -1))
    'trùng họ tên không dấu và ngày sinh, cùng xã/phường'
    >>> reason_of((0, 0, -1, 7, 0, 2, -1, 0))
    'trùng số định danh, trùng họ tên, trùng địa chỉ; ngày sinh khác, khác tỉnh'
    >>> reason_of((0, 0, -1, -1, 0, -1, -1, -1), legacy=True, crosswalk=True)
    'trùng số CMND cũ với hồ sơ khác đã ghép, trùng họ tên'
    """
    agree: list[str] = []
    disagree: list[str] = []
    by_name = {comp.name: level for comp, level in zip(COMPARISONS, levels, strict=True)}
    for comp, level in zip(COMPARISONS, levels, strict=True):
        if level == NULL or not comp.phrases[level]:
            continue
        phrase = _CROSSWALK if crosswalk and comp.name == "person_id" else comp.phrases[level]
        target = disagree if comp.disagrees(level) else agree
        target.append(phrase)
    # "trùng họ tên không dấu, trùng ngày sinh" reads better as one clause.
    name_at = next((i for i, text in enumerate(agree) if text.startswith("trùng họ tên")), None)
    if by_name["dob"] == 0 and name_at is not None:
        agree[name_at] += " và ngày sinh"
        agree.remove("trùng ngày sinh")
    if legacy and not crosswalk:
        agree.append(_LEGACY_ONLY)
    text = ", ".join(agree)
    if disagree:
        text = f"{text}; {', '.join(disagree)}" if text else ", ".join(disagree)
    return text


def reasons(gamma: np.ndarray, legacy: np.ndarray, crosswalk: np.ndarray | None = None) -> np.ndarray:
    """:func:`reason_of` for every row of ``gamma`` (computed once per distinct row)."""
    if len(gamma) == 0:
        return np.empty(0, dtype=object)
    crosswalk = np.zeros(len(gamma), dtype=bool) if crosswalk is None else crosswalk
    code = legacy.astype(np.int64) * 2 + crosswalk
    for c in range(gamma.shape[1]):  # one integer per row (levels are -1..7): np.unique on 1-D is fast
        code = code * 16 + (gamma[:, c].astype(np.int64) + 1)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    texts = np.array([reason_of(tuple(int(x) for x in gamma[i]), bool(legacy[i]), bool(crosswalk[i]))
                      for i in first], dtype=object)
    return texts[inverse.ravel()]


def weight_columns(weights: np.ndarray) -> pd.DataFrame:
    """``w_<comparison>`` columns: each comparison's contribution to the match weight, and
    ``w_together`` what they add together (fields that disagree together, as a stale record's do,
    count less than the sum of their disagreements)."""
    columns = {f"w_{comp.name}": weights[:, c] for c, comp in enumerate(COMPARISONS)}
    together = len(COMPARISONS)
    columns["w_together"] = weights[:, together] if weights.shape[1] > together else np.zeros(len(weights))
    return pd.DataFrame(columns)
