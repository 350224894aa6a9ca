"""Identifiers as other registers recorded them: personal IDs and employers' tax codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sample_data.noise import Rates, conditional, exclusive

__all__ = ["mistype", "noisy_ids", "noisy_tax_codes", "household_mates"]


def mistype(s: str, how: int, pos: int, digit: int) -> str:
    """One slip on a digit string: 0 a digit changed, 1 two neighbours swapped, 2 a digit
    dropped, 3 a digit doubled. ``pos`` and ``digit`` are random draws.

    >>> [mistype("123456", k, 2, 0) for k in range(4)]
    ['124456', '124356', '12456', '1233456']
    """
    if how == 1:
        for k in range(len(s) - 1):
            i = (pos + k) % (len(s) - 1)
            if s[i] != s[i + 1]:
                return s[:i] + s[i + 1] + s[i] + s[i + 2:]
        how = 0  # all digits equal: nothing to swap
    if how == 2:
        return s[:pos] + s[pos + 1:]
    if how == 3:
        return s[:pos] + s[pos] + s[pos:]
    return s[:pos] + str((int(s[pos]) + 1 + digit % 9) % 10) + s[pos + 1:]


def household_mates(hh: np.ndarray, rng: np.random.Generator, who: np.ndarray) -> np.ndarray:
    """For each person index in ``who``, another member of their household (-1 if they live alone).

    ``hh`` is every person's household number, with each household's members contiguous.
    """
    n = len(hh)
    start = np.searchsorted(hh, hh, side="left")
    size = np.searchsorted(hh, hh, side="right") - start
    s, z = start[who], size[who]
    off = rng.integers(0, np.maximum(z - 1, 1), len(who))
    mate = s + off
    mate = np.where(mate >= who, mate + 1, mate)  # skip the person themself
    return np.where((z > 1) & (mate < n), mate, -1)


def noisy_ids(rng: np.random.Generator, owner: np.ndarray, people: pd.DataFrame, rates: Rates,
              stale: np.ndarray) -> np.ndarray:
    """The personal ID as recorded: missing, the legacy CMND, mistyped or a household mate's.

    A mistyped ID that happens to be somebody's real ID is typed again, and left out if it
    still is: wrong real IDs come only from the household kind, where the mistake is a real
    one (a parent's ID on a child's record).
    """
    ids = people["person_id"].to_numpy()
    n = len(owner)
    out = ids[owner].copy()
    r = rates
    kind = exclusive(rng, [conditional(r.id_missing, r.stale, r.stale_id, stale),
                           conditional(r.id_legacy, r.stale, r.stale_id, stale), r.id_mistyped,
                           r.id_household], n)
    out[kind == 0] = ""
    leg = kind == 1
    out[leg] = people["legacy_id"].to_numpy()[owner[leg]]  # empty for those who never held a CMND
    idx = np.flatnonzero(kind == 2)
    how = rng.choice(4, len(idx), p=[0.45, 0.30, 0.125, 0.125])
    pos, dig = rng.integers(0, 12, len(idx)), rng.integers(0, 9, len(idx))
    pos2 = rng.integers(0, 12, len(idx))
    real = pd.Index(ids)
    typed = np.array([mistype(out[i], int(h), int(p), int(d)) for i, h, p, d in zip(idx, how, pos, dig, strict=True)],
                     dtype=object)
    clash = pd.Index(typed).isin(real) if len(typed) else np.zeros(0, dtype=bool)
    for k in np.flatnonzero(clash):
        again = mistype(out[idx[k]], 0, int(pos2[k]), int(dig[k]) + 1)
        typed[k] = "" if real.isin([again]).any() else again
    out[idx] = typed
    hh_sel = np.flatnonzero(kind == 3)
    mate = household_mates(people["hh"].to_numpy(), rng, owner[hh_sel])
    ok = mate >= 0
    out[hh_sel[ok]] = ids[mate[ok]]  # a lone person keeps their own ID
    return out


def noisy_tax_codes(rng: np.random.Generator, codes: np.ndarray, rates: Rates) -> np.ndarray:
    """Employer tax codes as recorded: missing, one digit of the ten mistyped, a branch's code
    without its ``-NNN`` suffix (the parent's code) or without the dash, a lost leading zero."""
    n = len(codes)
    out = codes.copy()
    branch = np.array(["-" in c for c in codes], dtype=bool)
    zero = np.array([c.startswith("0") for c in codes], dtype=bool)
    kind = exclusive(rng, [rates.tax_missing, rates.tax_mistyped, branch * rates.tax_no_suffix,
                           branch * rates.tax_no_dash, zero * rates.tax_lost_zero], n)
    out[kind == 0] = ""
    idx = np.flatnonzero(kind == 1)
    pos, dig = rng.integers(0, 10, len(idx)), rng.integers(0, 9, len(idx))
    for i, p, d in zip(idx, pos, dig, strict=True):
        out[i] = mistype(out[i][:10], 0, int(p), int(d)) + out[i][10:]
    for i in np.flatnonzero(kind == 2):
        out[i] = out[i][:10]
    for i in np.flatnonzero(kind == 3):
        out[i] = out[i].replace("-", "")
    for i in np.flatnonzero(kind == 4):
        out[i] = out[i][1:]
    return out
