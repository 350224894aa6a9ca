"""Dates of birth as other registers recorded them."""

from __future__ import annotations

from datetime import date

import numpy as np

from sample_data.noise import Rates, conditional, exclusive

__all__ = ["noisy_dobs", "partial_population_dobs"]


def _valid(y: int, m: str, d: str) -> bool:
    try:
        date(y, int(m), int(d))
    except ValueError:
        return False
    return True


def noisy_dobs(rng: np.random.Generator, full: np.ndarray, rates: Rates, stale: np.ndarray, as_of: date
               ) -> np.ndarray:
    """Full ISO dates of birth as recorded: missing, partial (``YYYY`` / ``YYYY-MM``), the
    placeholder ``YYYY-01-01``, day and month swapped, a year off, or a digit of the year mistyped.

    Never a date after as-of, never an impossible date: an edit that would give one is skipped
    (the record keeps its true date), so the realised rates are a shade below the drawn ones.
    """
    out = full.copy()
    n = len(out)
    limit = as_of.isoformat()
    r = rates
    p_part = conditional(r.dob_partial, r.stale, r.stale_dob, stale)
    p_hold = conditional(r.dob_placeholder, r.stale, r.stale_dob, stale)
    kind = exclusive(rng, [r.dob_missing, p_part, p_hold, r.dob_swap, r.dob_year, r.dob_year_typo], n)
    a, b = rng.random(n), rng.random(n)
    out[kind == 0] = ""
    for i in np.flatnonzero(kind == 1):
        out[i] = out[i][:4] if a[i] < 0.6 else out[i][:7]
    for i in np.flatnonzero(kind == 2):
        out[i] = out[i][:4] + "-01-01"
    for i in np.flatnonzero(kind == 3):
        y, m, d = out[i].split("-")
        swapped = f"{y}-{d}-{m}"
        if m != d and _valid(int(y), d, m) and swapped <= limit:
            out[i] = swapped
    for i in np.flatnonzero(kind >= 4):
        y, m, d = out[i].split("-")
        if kind[i] == 4:
            yy = int(y) + (1 if a[i] < 0.5 else -1)
        else:  # one of the last two digits of the year typed wrong
            digit = 2 + int(b[i] * 2)
            new = (int(y[digit]) + 1 + int(a[i] * 9)) % 10
            yy = int(y[:digit] + str(new) + y[digit + 1:])
        cand = f"{yy:04d}-{m}-{d}"
        if yy >= 1900 and _valid(yy, m, d) and cand <= limit:
            out[i] = cand
    return out


def partial_population_dobs(rng: np.random.Generator, text: np.ndarray, year: np.ndarray, rate: float,
                            keep: np.ndarray) -> np.ndarray:
    """The population register's own dates: partial for some, 2.8 times as often for those born
    before 1960 (paper records), never for the rows in ``keep`` (planted boundary cases)."""
    n = len(text)
    u = rng.random(n)
    p = np.where(year < 1960, 2.8, 1.0) * rate
    yo = (u < p * 0.65) & ~keep
    ym = (u >= p * 0.65) & (u < p) & ~keep
    out = text.copy()
    out[yo] = np.array([t[:4] for t in text[yo]], dtype=object)
    out[ym] = np.array([t[:7] for t in text[ym]], dtype=object)
    return out
