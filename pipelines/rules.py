"""The contract's definitions: alive, age, working age (Decree 135/2020), coverage facts, contract in force.

Pure functions over standardised tables; ``pipelines/prospects.py`` applies them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from matching.dates import first_day, months_between

__all__ = ["MIN_CONTRACT_DAYS", "contract_in_force", "coverage_by_person", "person_status", "retirement_age_months"]


# A contract "lasting one month or more" ends at least this many days after it starts (contract).
MIN_CONTRACT_DAYS = 30


def contract_in_force(labour: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Per standardised ``labour`` row: a contract in force on ``as_of`` (contract, "Definitions").

    Started on or before as-of, ``end_date`` empty or on or after as-of, not ``probation``, and
    lasting one month or more (``end_date`` empty, or at least 30 days after ``start_date``): the
    kind of contract that makes SI compulsory (Law on SI 41/2024, Art. 2(1)(a)). A contract that
    ends before it starts is never in force (it has ended, or not begun, whatever as-of is).

    >>> rows = pd.DataFrame({"contract_type": ["fixed_term", "seasonal", "probation", "indefinite"],
    ...     "start_date": pd.to_datetime(["2026-06-01", "2026-06-15", "2026-06-01", "2026-07-02"]),
    ...     "end_date": pd.to_datetime(["2026-07-01", "2026-07-14", None, None])})
    >>> contract_in_force(rows, dt.date(2026, 7, 1)).tolist()
    [True, False, False, False]
    """
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(labour["start_date"]).to_numpy(dtype="datetime64[ns]")
    end = pd.to_datetime(labour["end_date"]).to_numpy(dtype="datetime64[ns]")
    open_ended = np.isnat(end)
    started = ~np.isnat(start) & (start <= day.to_datetime64())
    running = open_ended | (end >= day.to_datetime64())
    long_enough = open_ended | (end - start >= np.timedelta64(MIN_CONTRACT_DAYS, "D"))
    kind = labour["contract_type"].to_numpy(dtype=object)
    return pd.Series(started & running & long_enough & (kind != "probation"), index=labour.index, dtype=bool)


def retirement_age_months(sex: str, year: int) -> int:
    """Statutory retirement age for normal conditions in ``year``, in months (Decree 135/2020/ND-CP).

    Men: 60 years + 3 months per year after 2020, capped at 62. Women: 55 years + 4 months per year
    after 2020, capped at 60.

    >>> retirement_age_months("M", 2026), retirement_age_months("F", 2026)
    (738, 684)
    >>> retirement_age_months("M", 2030), retirement_age_months("F", 2040)
    (744, 720)
    """
    steps = max(0, year - 2020)
    if sex == "M":
        return min(60 * 12 + 3 * steps, 62 * 12)
    return min(55 * 12 + 4 * steps, 60 * 12)


def person_status(population: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """``alive``, ``age_years`` and ``working_age`` per resident (partial dates count from day one).

    A man born in `1965` (1965-01-01) reaches 61 years 6 months on 2026-07-01; one born `1965-02`
    has not yet.

    >>> people = pd.DataFrame({"dob_year": [2011, 2011, 1965, 1965], "dob_month": [7, 7, None, 2],
    ...     "dob_day": [1, 2, None, None], "sex": ["F", "M", "M", "M"], "death_date": pd.to_datetime([None] * 4)})
    >>> person_status(people.astype({"dob_month": "Int64", "dob_day": "Int64"}), dt.date(2026, 7, 1))
       alive  age_years  working_age
    0   True         15         True
    1   True         14        False
    2   True         61        False
    3   True         61         True
    """
    months = months_between(first_day(population["dob_year"], population["dob_month"], population["dob_day"]),
                            as_of)
    retirement = np.where(population["sex"] == "M", retirement_age_months("M", as_of.year),
                          retirement_age_months("F", as_of.year))
    alive = population["death_date"].isna() | (population["death_date"] > pd.Timestamp(as_of))
    working = (months >= 15 * 12) & (months < retirement)
    return pd.DataFrame({
        "alive": alive.to_numpy(),
        "age_years": (months // 12).astype("Int64").to_numpy(),
        "working_age": working.fillna(False).astype(bool).to_numpy(),
    }, index=population.index)


def coverage_by_person(insured: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per ``person_id`` (insured rows already carry their linked person): coverage facts.

    ``active_si`` (any type), ``active_compulsory``, ``pensioner``, ``hi_covered`` (cover on or
    after as-of) and ``hi_last_valid_to`` (latest cover end, to explain an expired card).
    """
    linked = insured[insured["person_id"].notna()]
    active = linked["si_type"].notna() & (linked["si_status"] == "active")
    facts = pd.DataFrame({
        "person_id": linked["person_id"],
        "active_si": active,
        "active_compulsory": active & (linked["si_type"] == "compulsory"),
        "pensioner": linked["pensioner"].astype(bool),
        "hi_covered": linked["hi_valid_to"] >= pd.Timestamp(as_of),
        "hi_last_valid_to": linked["hi_valid_to"],
    })
    return facts.groupby("person_id").agg(
        active_si=("active_si", "any"), active_compulsory=("active_compulsory", "any"),
        pensioner=("pensioner", "any"), hi_covered=("hi_covered", "any"), hi_last_valid_to=("hi_last_valid_to", "max"),
    )
