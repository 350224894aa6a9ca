"""People planted on purpose: namesakes (in one commune, or one province) and rule-boundary ages."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from sample_data.rules import retirement_months

__all__ = ["plant_namesakes", "plant_edge_cases"]


def plant_namesakes(rng: np.random.Generator, df: pd.DataFrame, rate: float, level: str) -> None:
    """Give pairs of residents the same name and birth year (in place), about ``rate`` of them.

    ``level`` ``"ward"``: both live in one commune; ``"province"``: in two communes of one
    province. Pairs share sex and surname already, so families stay coherent; only the middle
    and given names and the birth year of the second person change. A person is planted once.
    """
    ok = df["resident"] & ~df["edge"] & (df["namesake_of"] < 0) & (df["age"] >= 18) & (df["age"] <= 80)
    ok &= ~df.index.isin(df.loc[df["namesake_of"] >= 0, "namesake_of"])
    k = int(round(rate * int(df["resident"].sum()) / 2))
    if k == 0:
        return
    cand = df.index[ok].to_numpy()
    cand = cand[rng.permutation(len(cand))]
    key = "ward" if level == "ward" else "province"
    sub = df.loc[cand, list(dict.fromkeys([key, "ward", "male", "surname", "age", "hh"]))]
    sub = sub.sort_values([key, "male", "surname"], kind="stable")
    idx = sub.index.to_numpy()

    def same(c: str) -> np.ndarray:
        v = sub[c].to_numpy()
        return v[1:] == v[:-1]

    pair = (same(key) & same("male") & same("surname") & ~same("hh")
            & (np.abs(np.diff(sub["age"].to_numpy())) <= 10))
    if level != "ward":
        pair &= ~same("ward")
    pos = np.flatnonzero(pair)
    pos = pos[np.concatenate([[True], np.diff(pos) > 1])] if len(pos) else pos  # disjoint pairs
    pos = pos[:k]
    a, b = idx[pos], idx[pos + 1]
    df.loc[b, "middle"] = df.loc[a, "middle"].to_numpy()
    df.loc[b, "given"] = df.loc[a, "given"].to_numpy()
    da = df.loc[a, "dob"].to_numpy().astype("datetime64[D]")
    db = df.loc[b, "dob"].to_numpy().astype("datetime64[D]")
    day_of_year = np.minimum((db - db.astype("datetime64[Y]").astype("datetime64[D]")).astype(int), 364)
    df.loc[b, "dob"] = da.astype("datetime64[Y]").astype("datetime64[D]") + day_of_year.astype("timedelta64[D]")
    df.loc[b, "namesake_of"] = a


def plant_edge_cases(rng: np.random.Generator, df: pd.DataFrame, as_of: date) -> None:
    """Plant residents right on the rule boundaries (turning 15 today, reaching retirement today).

    Each boundary gets one person exactly on it and one a day short, so an off-by-one in the
    pipeline's age arithmetic changes the prospect lists.
    """
    if len(df) < 100:
        return

    def months_back(months: int) -> date:
        y, m = divmod(as_of.year * 12 + as_of.month - 1 - months, 12)
        return date(y, m + 1, min(as_of.day, 28))

    plans = [
        (True, date(as_of.year - 15, as_of.month, min(as_of.day, 28))),
        (False, date(as_of.year - 15, as_of.month, min(as_of.day, 28)) + timedelta(days=1)),
        (True, months_back(retirement_months(True, as_of.year))),
        (True, months_back(retirement_months(True, as_of.year)) + timedelta(days=1)),
        (False, months_back(retirement_months(False, as_of.year))),
        (False, months_back(retirement_months(False, as_of.year)) + timedelta(days=1)),
    ]
    for male, dob in plans:
        age = (as_of - dob).days / 365.25
        cand = df.index[(df["male"] == male) & (np.abs(df["age"] - age) < 3) & ~df["edge"]
                        & df["resident"]].to_numpy()
        if len(cand) == 0:
            continue
        i = cand[rng.integers(0, len(cand))]
        df.loc[i, "dob"] = np.datetime64(dob.isoformat(), "D")
        df.loc[i, "edge"] = True
