"""Partial dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) as registers carry them.

A partial date of birth counts from its first day (`1980` is 1980-01-01), as social insurance
practice does. Insured rolls sometimes swap day and month: a date valid only when swapped is
recovered and flagged rather than thrown away.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["first_day", "months_between", "parse_full_dates", "parse_partial_dates"]

_PARTIAL = r"^\s*(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?\s*$"


def _valid_ymd(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """True where (year, month, day) is a real calendar date (partial parts may be NA)."""
    month_ok = month.isna() | month.between(1, 12)
    # Out-of-range months would make to_datetime raise; they are invalid anyway.
    safe_month = month.where(month_ok.fillna(False), 1).fillna(1)
    filled = pd.DataFrame({"year": year.where(year.between(1800, 2200), 2000), "month": safe_month,
                           "day": day.fillna(1)})
    stamps = pd.to_datetime(filled.astype("float"), errors="coerce")
    return month_ok & stamps.notna() & year.between(1800, 2200)


def parse_partial_dates(values: pd.Series, *, allow_swap: bool = False) -> pd.DataFrame:
    """Parse a column of partial dates (each distinct value once: dates repeat a lot).

    Returns ``year, month, day`` (nullable ints), ``date`` (normalised text), ``status``
    (`ok`, `swapped`, `missing`, `invalid`).

    >>> parse_partial_dates(pd.Series(["1980", "1980-07", "1980-07-15", "1980-02-30", None]))
       year  month   day        date   status
    0  1980   <NA>  <NA>        1980       ok
    1  1980      7  <NA>     1980-07       ok
    2  1980      7    15  1980-07-15       ok
    3  <NA>   <NA>  <NA>        None  invalid
    4  <NA>   <NA>  <NA>        None  missing
    >>> parse_partial_dates(pd.Series(["1985-25-03"]), allow_swap=True).loc[0, ["date", "status"]].tolist()
    ['1985-03-25', 'swapped']
    """
    codes, uniques = pd.factorize(values.astype(object).where(values.notna(), None), use_na_sentinel=True)
    distinct = _parse_distinct(pd.Series(list(uniques) + [None], dtype=object), allow_swap)
    # Code -1 (missing) points at the trailing None row.
    picked = distinct.iloc[np.where(codes < 0, len(uniques), codes)]
    return picked.set_axis(values.index)


def _parse_distinct(values: pd.Series, allow_swap: bool) -> pd.DataFrame:
    text = values.astype(object).where(values.notna(), None)
    parts = text.astype("string[pyarrow]").str.extract(_PARTIAL)
    year = pd.to_numeric(parts["year"], errors="coerce").astype("Int64")
    month = pd.to_numeric(parts["month"], errors="coerce").astype("Int64")
    day = pd.to_numeric(parts["day"], errors="coerce").astype("Int64")
    missing = text.isna() | (text.astype("string[pyarrow]").str.strip() == "")
    ok = _valid_ymd(year, month, day) & year.notna()
    swapped = pd.Series(False, index=values.index)
    if allow_swap:
        can_swap = ~ok & year.notna() & month.notna() & day.notna()
        swap_ok = can_swap & _valid_ymd(year, day, month)
        month, day = month.where(~swap_ok, day), day.where(~swap_ok, month)
        swapped = swap_ok.fillna(False).astype(bool)
        ok = ok | swapped
    ok = ok.fillna(False).astype(bool)
    year, month, day = year.where(ok), month.where(ok), day.where(ok)
    date = year.astype("string[pyarrow]")
    date = date.where(month.isna(), date + "-" + month.astype("string[pyarrow]").str.zfill(2))
    date = date.where(day.isna(), date + "-" + day.astype("string[pyarrow]").str.zfill(2))
    status = np.select([missing.to_numpy(), swapped.to_numpy(), ok.to_numpy()], ["missing", "swapped", "ok"], "invalid")
    return pd.DataFrame(
        {"year": year, "month": month, "day": day, "date": date.astype(object).where(ok, None), "status": status},
        index=values.index,
    )


def parse_full_dates(values: pd.Series) -> pd.DataFrame:
    """Parse a column of full `YYYY-MM-DD` dates: ``date`` (datetime64 or NaT) and ``status``.

    >>> parse_full_dates(pd.Series(["2026-07-01", "2026-7-1", "2026-02-30", ""]))["status"].tolist()
    ['ok', 'ok', 'invalid', 'missing']
    """
    parsed = parse_partial_dates(values)
    full = parsed["day"].notna()
    status = parsed["status"].where(full | (parsed["status"] != "ok"), "invalid")
    stamps = pd.to_datetime(parsed["date"].where(full), format="%Y-%m-%d", errors="coerce")
    return pd.DataFrame({"date": stamps, "status": status}, index=values.index)


def first_day(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """The first day a partial date can mean (`1980` → 1980-01-01)."""
    frame = pd.DataFrame({"year": year, "month": month.fillna(1), "day": day.fillna(1)})
    return pd.to_datetime(frame.astype("float"), errors="coerce")


def months_between(start: pd.Series, end: dt.date) -> pd.Series:
    """Whole months completed from ``start`` (datetime64) to ``end``: age in completed months.

    >>> months_between(pd.Series(pd.to_datetime(["2011-07-01", "2011-07-02"])), dt.date(2026, 7, 1)).tolist()
    [180, 179]
    """
    months = (end.year - start.dt.year) * 12 + (end.month - start.dt.month)
    return (months - (start.dt.day > end.day).astype(int)).astype("Int64")
