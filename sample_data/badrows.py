"""Rows the contract says must be quarantined, made on purpose (at the profile's ``bad_rows`` rate).

Every bad row is an *extra* row (a botched copy of a real row, or a junk row), never a real
record damaged in place: the world the pipeline should see is the same with or without them,
which keeps the expected prospects simple to reason about. A "later copy of a unique key" is
always placed after the row it copies, so the first (real) row is the one kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sample_data.orgs import tax_check_digit
from sample_data.people import unique_ints
from sample_data.reference import Geography
from sample_data.util import rng_for, zfill

__all__ = ["add_bad_rows"]

def _unknown_ward(geo: Geography) -> str:
    """A five-digit code that is neither a current nor an old commune."""
    for c in range(99999, 0, -1):
        if c not in geo.current_set and c not in geo.old_set:
            return f"{c:05d}"
    raise AssertionError("no free ward code")


def _copies(rng: np.random.Generator, df: pd.DataFrame, k: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``k`` copies of random usable rows, and the position each copy must come after."""
    ok = np.flatnonzero(df["_reason"].to_numpy() == "")
    src = np.sort(rng.choice(ok, size=min(k, len(ok)), replace=False))
    return df.iloc[src].copy().reset_index(drop=True), src


def _fresh_numbers(rng: np.random.Generator, k: int, width: int) -> np.ndarray:
    """``k`` distinct digit strings of ``width`` starting with 99: no real ID, SI number, tax
    code, business or unit code in a generated world starts that way, so they never clash."""
    lo = 99 * 10 ** (width - 2)
    vals = unique_ints(rng, np.full(k, lo, dtype=np.int64), 0, 10 ** (width - 2))
    if width == 10 and k:  # tax codes: keep the check digit valid so only the intended fault shows
        first9 = vals // 10
        check, _ = tax_check_digit(first9)
        vals = first9 * 10 + check
    return zfill(vals, width)


def _plans(geo: Geography, as_of: date) -> dict[str, list[tuple[str, Callable]]]:
    """For each register, (reason, edit) pairs; an edit turns copies into bad rows in place."""
    unknown = _unknown_ward(geo)
    future = (as_of + timedelta(days=45)).isoformat()

    def fresh(col: str, width: int) -> Callable:
        def edit(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
            rows[col] = _fresh_numbers(rng, len(rows), width)
        return edit

    def chain(*edits: Callable) -> Callable:
        def edit(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
            for e in edits:
                e(rng, rows, full)
        return edit

    def setv(col: str, value: str) -> Callable:
        def edit(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
            rows[col] = value
        return edit

    def cut(col: str) -> Callable:
        def edit(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
            rows[col] = rows[col].str.slice(0, -1)
        return edit

    def keep(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
        return None

    def bad_day(col: str) -> Callable:
        def edit(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
            rows[col] = rows[col].str.slice(0, 4) + "-02-30"
        return edit

    def hopeless_day(col: str) -> Callable:  # invalid either way round, so not a swap
        def edit(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
            rows[col] = rows[col].str.slice(0, 4) + "-13-45"
        return edit

    def drop_public(rng: np.random.Generator, rows: pd.DataFrame, full: pd.DataFrame) -> None:
        rows["_person_id"] = ""

    return {
        "population": [
            ("person_id: not 12 digits", chain(cut("person_id"), drop_public)),
            ("date_of_birth: not a real date", chain(fresh("person_id", 12), bad_day("date_of_birth"), drop_public)),
            ("date_of_birth: in the future", chain(fresh("person_id", 12), setv("date_of_birth", future),
                                                    drop_public)),
            ("ward_code: neither a current nor an old commune", chain(fresh("person_id", 12),
                                                                       setv("ward_code", unknown), drop_public)),
            ("sex: not M or F", chain(fresh("person_id", 12), setv("sex", "X"), drop_public)),
            ("full_name: missing", chain(fresh("person_id", 12), setv("full_name", ""), drop_public)),
            ("person_id: later copy of a unique key", chain(keep, drop_public)),
        ],
        "enterprises": [
            ("tax_code: not a 10- or 13-character code", chain(cut("tax_code"), setv("_tax_code", ""))),
            ("status: not in the list", chain(fresh("tax_code", 10), setv("status", "operating"),
                                              setv("_tax_code", ""))),
            ("ward_code: neither a current nor an old commune", chain(fresh("tax_code", 10),
                                                                       setv("ward_code", unknown),
                                                                       setv("_tax_code", ""))),
            ("tax_code: later copy of a unique key", keep),
        ],
        "cooperatives": [
            ("status: not in the list", chain(fresh("tax_code", 10), setv("status", "operating"),
                                              setv("_tax_code", ""))),
            ("tax_code: later copy of a unique key", keep),
        ],
        "managers": [
            ("full_name: missing", setv("full_name", "")),
            ("org_tax_code: missing", setv("org_tax_code", "")),
        ],
        "household_businesses": [
            ("status: not in the list", chain(fresh("business_id", 10), setv("status", "open"))),
            ("tax_method: not in the list", chain(fresh("business_id", 10), setv("tax_method", "unknown"))),
            ("ward_code: neither a current nor an old commune", chain(fresh("business_id", 10),
                                                                       setv("ward_code", unknown))),
            ("business_id: later copy of a unique key", keep),
        ],
        "insured": [
            ("si_code: not 10 digits", cut("si_code")),
            ("date_of_birth: in the future", chain(fresh("si_code", 10), setv("date_of_birth", future))),
            ("date_of_birth: not a real date", chain(fresh("si_code", 10), hopeless_day("date_of_birth"))),
            ("full_name: missing", chain(fresh("si_code", 10), setv("full_name", ""))),
            ("si_code: later copy of a unique key", keep),
        ],
        "employers": [
            ("unit_code: missing", setv("unit_code", "")),
            ("name: missing", chain(fresh("unit_code", 7), setv("name", ""))),
            ("unit_code: later copy of a unique key", keep),
        ],
    }


def _insert(rng: np.random.Generator, df: pd.DataFrame, extra: pd.DataFrame, after: np.ndarray,
            must_follow: np.ndarray) -> pd.DataFrame:
    """Insert ``extra`` rows at random places; those flagged ``must_follow`` after their source."""
    n = len(df)
    lo = np.where(must_follow, after + 0.5, -0.5)
    keys = lo + rng.random(len(extra)) * (n - lo)
    both = pd.concat([df, extra], ignore_index=True)
    order = np.argsort(np.concatenate([np.arange(n, dtype=float), keys]), kind="stable")
    return both.iloc[order].reset_index(drop=True)


def add_bad_rows(seed: int, geo: Geography, tables: dict[str, pd.DataFrame], rate: float, as_of: date
                 ) -> dict[str, pd.DataFrame]:
    """Tables with a few quarantine-worthy rows each (none when ``rate`` is 0, as in ``none``).

    About ``rate`` of a register's rows per kind of fault (the profile's ``bad_rows``), at least
    one of each kind, so every rule in "Bad values" is exercised even in the small sample.
    """
    if rate <= 0:
        return tables
    rng = rng_for(seed, "badrows")
    out = {}
    for register, plans in _plans(geo, as_of).items():
        df = tables[register]
        extras, afters, follows = [], [], []
        for reason, edit in plans:
            k = max(1, int(round(rate * len(df))))
            rows, src = _copies(rng, df, k)
            edit(rng, rows, df)
            rows["_reason"] = reason
            extras.append(rows)
            afters.append(src)
            follows.append(np.full(len(rows), "later copy" in reason))
        out[register] = _insert(rng, df, pd.concat(extras, ignore_index=True), np.concatenate(afters),
                                np.concatenate(follows))
    return out
