"""The contract's definitions (alive, age, working age), written independently of ``matching``.

The generator uses them to compute the expected prospects, so they follow the words of
contract.md literally and are kept tiny and readable rather than clever.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

__all__ = ["retirement_months", "parse_partial", "age_months", "working_age", "alive"]


def retirement_months(male: bool, year: int) -> int:
    """Statutory retirement age in months for the as-of year (Decree 135/2020).

    Men 60 years + 3 months per year after 2020, capped at 62; women 55 years + 4 months per
    year after 2020, capped at 60.

    >>> retirement_months(True, 2026), retirement_months(False, 2026)
    (738, 684)
    >>> retirement_months(True, 2030), retirement_months(False, 2040)
    (744, 720)
    """
    steps = max(0, year - 2020)
    if male:
        return min(60 * 12 + 3 * steps, 62 * 12)
    return min(55 * 12 + 4 * steps, 60 * 12)


def parse_partial(text: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of ``YYYY[-MM[-DD]]`` strings; a missing part counts from its first day.

    Works on the bytes of the strings (no per-row Python), so a million dates take milliseconds.

    >>> y, m, d = parse_partial(pd.Series(["1980", "1980-07", "1980-07-15"]))
    >>> y.tolist(), m.tolist(), d.tolist()
    ([1980, 1980, 1980], [1, 7, 7], [1, 1, 15])
    """
    raw = np.array(text.fillna("").astype(str).tolist(), dtype="S10")
    b = raw.view(np.uint8).reshape(len(raw), 10).astype(np.int64) - 48
    length = np.char.str_len(raw)

    def num(lo: int, hi: int, default: int, need: int) -> np.ndarray:
        v = np.zeros(len(raw), dtype=np.int64)
        for k in range(lo, hi):
            v = v * 10 + b[:, k]
        return np.where(length >= need, v, default)

    return num(0, 4, 0, 4), num(5, 7, 1, 7), num(8, 10, 1, 10)


def age_months(text: pd.Series, as_of: date) -> np.ndarray:
    """Completed months of age at ``as_of`` (partial dates from their first day)."""
    y, m, d = parse_partial(text)
    months = (as_of.year - y) * 12 + (as_of.month - m)
    return months - (as_of.day < d).astype(int)


def working_age(text: pd.Series, male: np.ndarray, as_of: date) -> np.ndarray:
    """At least 15 whole years and below the retirement age of the as-of year.

    "Reached" retirement means completed months >= the threshold, so someone whose birthday
    month-and-day is today reaches it today.
    """
    months = age_months(text, as_of)
    threshold = np.where(male, retirement_months(True, as_of.year), retirement_months(False, as_of.year))
    return (months >= 15 * 12) & (months < threshold)


def alive(death_text: pd.Series, as_of: date) -> np.ndarray:
    """``death_date`` empty or after as-of (ISO strings compare correctly as text)."""
    s = death_text.fillna("").astype(str)
    return ((s == "") | (s > as_of.isoformat())).to_numpy()
