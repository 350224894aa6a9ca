"""The social security participant roll: who is insured where, and who has health cover.

Built in the order real coverage arises: jobs at units (compulsory SI), managers insured at
their own company, pensions for the retired, voluntary SI for some of the rest, then health
insurance for everyone by age group. Every record belongs to one population person (the
hidden ``owner`` column); nobody holds two active compulsory records, so "records" and
"distinct persons" agree when counting an employer's insured staff.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.people import unique_ints
from sample_data.rules import retirement_months
from sample_data.util import date_str, month_end, rank_in_group, rng_for, to_day, zfill

__all__ = ["make_insured"]

_STATUS = np.array(["active", "paused", "closed"], dtype=object)


def _assign_jobs(rng: np.random.Generator, people: pd.DataFrame, units: pd.DataFrame,
                 exclude: np.ndarray, as_of: date) -> pd.DataFrame:
    """Fill each unit's active/paused/closed slots with working-age residents of its province.

    Vectorised matching: slots and candidate workers are both ranked at random within their
    province, and slot k of a province takes candidate k. A province short of workers leaves
    its last (random) slots empty, so no one holds two current jobs.
    """
    age = people["age"].to_numpy()
    male = people["male"].to_numpy()
    thr = np.where(male, retirement_months(True, as_of.year), retirement_months(False, as_of.year)) / 12
    ok = (age >= 18) & (age < thr - 0.05)
    ok[exclude] = False
    pool = np.flatnonzero(ok)
    pool = pool[rng.permutation(len(pool))]
    pool_prov = people["province"].to_numpy()[pool]
    order = np.argsort(pool_prov, kind="stable")
    pool, pool_prov = pool[order], pool_prov[order]
    provs, starts, counts = np.unique(pool_prov, return_index=True, return_counts=True)

    slot_unit = np.concatenate([np.repeat(units.index.to_numpy(), units[c].to_numpy()) for c in _STATUS])
    slot_status = np.concatenate([np.full(int(units[c].sum()), i) for i, c in enumerate(_STATUS)])
    perm = rng.permutation(len(slot_unit))
    slot_unit, slot_status = slot_unit[perm], slot_status[perm]
    slot_prov = units["province"].to_numpy()[slot_unit]
    rank = rank_in_group(slot_prov)
    pi = np.searchsorted(provs, slot_prov)
    pi_ok = (pi < len(provs)) & (provs[np.minimum(pi, len(provs) - 1)] == slot_prov)
    pi = np.minimum(pi, len(provs) - 1)
    fill = pi_ok & (rank < (counts[pi] * 0.85).astype(np.int64))
    person = pool[starts[pi[fill]] + rank[fill]]
    return pd.DataFrame({"owner": person, "unit": slot_unit[fill], "status": slot_status[fill]})


def _hi_dates(rng: np.random.Generator, covered: np.ndarray, as_of: date) -> np.ndarray:
    """hi_valid_to: month ends around as-of, with some exactly as-of and some as-of - 1 day."""
    n = len(covered)
    a = to_day(as_of)
    months = a.astype("datetime64[M]")
    ahead = month_end((months + rng.integers(0, 13, n).astype("timedelta64[M]")).astype("datetime64[D]"))
    behind = month_end((months - rng.integers(1, 25, n).astype("timedelta64[M]")).astype("datetime64[D]"))
    u = rng.random(n)
    ahead = np.where(u < 0.03, a, ahead)
    behind = np.where(u < 0.04, a - np.timedelta64(1, "D"), behind)
    return np.where(covered, ahead, behind)


def make_insured(seed: int, people: pd.DataFrame, units: pd.DataFrame, orgs: pd.DataFrame,
                 managers: pd.DataFrame, hkd: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per insured record, with clean values and the true ``owner`` (person index)."""
    rng = rng_for(seed, "workers")
    n = len(people)
    a = to_day(as_of)
    age = people["age"].to_numpy()
    male = people["male"].to_numpy()
    thr = np.where(male, retirement_months(True, as_of.year), retirement_months(False, as_of.year)) / 12
    dead = people["death"].notna().to_numpy() & (people["death"].to_numpy() <= a)
    mgr_people = np.unique(managers["person"].to_numpy())

    jobs = _assign_jobs(rng, people, units, mgr_people, as_of)
    # managers insured at their own organisation's (first) unit, about half of them
    first_unit = units[units["org"] >= 0].drop_duplicates("org").set_index("org")["unit_code"]
    unit_pos = pd.Series(units.index.to_numpy(), index=units["unit_code"].to_numpy())
    m = managers.drop_duplicates("person").copy()
    m = m[m["org"].isin(first_unit.index) & (orgs["status"].to_numpy()[m["org"].to_numpy()] == "active")]
    m = m[rng.random(len(m)) < 0.55]
    mjobs = pd.DataFrame({"owner": m["person"].to_numpy(),
                          "unit": unit_pos[first_unit[m["org"].to_numpy()].to_numpy()].to_numpy(),
                          "status": 0})
    jobs = pd.concat([jobs, mjobs], ignore_index=True)
    jobs.loc[dead[jobs["owner"].to_numpy()], "status"] = 2  # the dead are closed on the roll
    jobs["si_type"] = "compulsory"

    active_c = np.zeros(n, bool)
    active_c[jobs.loc[jobs["status"] == 0, "owner"].to_numpy()] = True
    has_job = np.zeros(n, bool)
    has_job[jobs["owner"].to_numpy()] = True

    # pensions: many of the retired, a few early (disability, hazardous work)
    u = rng.random(n)
    is_mgr = np.zeros(n, bool)
    is_mgr[mgr_people] = True
    retired = age >= thr + 0.05
    pensioner = retired & ~active_c & (u < np.where(male, 0.42, 0.32))
    pensioner |= retired & is_mgr & ~active_c & (u < 0.5)
    pensioner |= (age >= 50) & ~retired & ~has_job & (u > 0.975)
    pens = np.flatnonzero(pensioner)
    pens_closed = rng.random(len(pens)) < 0.5  # half show their old compulsory record, closed
    pens_df = pd.DataFrame({"owner": pens, "unit": -1, "status": np.where(pens_closed, 2, -1),
                            "si_type": np.where(pens_closed, "compulsory", "")})
    pens_df["pensioner"] = "yes"

    # voluntary SI for some of those left without compulsory cover
    is_owner = np.zeros(n, bool)
    is_owner[hkd["owner"].to_numpy()] = True
    free = ~active_c & ~pensioner & (age >= 15)
    working = age < thr
    p_vol = np.where(working, np.where(is_owner, 0.12, np.where(is_mgr, 0.08, 0.08)), 0.03)
    v = rng.random(n)
    vol = free & (v < p_vol * 1.4)
    vol_status = np.where(v < p_vol, 0, np.where(v < p_vol * 1.25, 1, 2))
    vol_idx = np.flatnonzero(vol)
    vol_df = pd.DataFrame({"owner": vol_idx, "unit": -1, "status": vol_status[vol_idx], "si_type": "voluntary"})
    vol_df.loc[dead[vol_idx], "status"] = 2
    active_v = np.zeros(n, bool)
    active_v[vol_df.loc[vol_df["status"] == 0, "owner"].to_numpy()] = True

    # old closed compulsory records: a previous job (so some people hold two records)
    units_by_prov = units[units["org"] >= 0]
    prev_pool = np.flatnonzero((active_c & (rng.random(n) < 0.05))
                                | (~has_job & ~pensioner & (age >= 22) & working & (rng.random(n) < 0.08)))
    if len(units_by_prov):
        prev_unit = units_by_prov.index.to_numpy()[rng.integers(0, len(units_by_prov), len(prev_pool))]
    else:
        prev_unit = np.full(len(prev_pool), -1)
    prev_df = pd.DataFrame({"owner": prev_pool, "unit": prev_unit, "status": 2, "si_type": "compulsory"})

    # health insurance: on the current SI record when there is one, else an HI-only record
    h = rng.random(n)
    p_hi = np.select(
        [active_c, pensioner, active_v, age < 6, age < 18, age < 23, age >= 75, age >= 60],
        [0.995, 0.99, 0.93, 0.98, 0.95, 0.86, 0.97, 0.9], 0.82)
    covered = h < p_hi
    carrier = active_c | pensioner | active_v
    hi_only = ~carrier & (covered | (rng.random(n) < 0.6))
    hi_df = pd.DataFrame({"owner": np.flatnonzero(hi_only), "unit": -1, "status": -1, "si_type": ""})

    rec = pd.concat([jobs, pens_df, vol_df, prev_df, hi_df], ignore_index=True)
    rec["pensioner"] = rec["pensioner"].fillna("") if "pensioner" in rec else ""
    rec["primary"] = False
    prim = rec.index[(rec["status"] == 0) | (rec["pensioner"] == "yes") | (rec["si_type"] == "")]
    rec.loc[prim, "primary"] = True
    own = rec["owner"].to_numpy()
    rec["hi_covered"] = rec["primary"].to_numpy() & covered[own]
    rec["hi_valid_to"] = date_str(_hi_dates(rng_for(seed, "insured"), rec["hi_covered"].to_numpy(), as_of))
    # records not carrying HI: non-primary paused/closed SI -> expired or no HI date
    no_hi = ~rec["primary"].to_numpy() & (rng.random(len(rec)) < 0.3)
    rec.loc[no_hi, "hi_valid_to"] = ""
    st = rec["status"].to_numpy()
    rec["si_status"] = np.where(st >= 0, _STATUS[np.maximum(st, 0)], "")
    unit = rec["unit"].to_numpy()
    rec["employer_unit_code"] = np.where(unit >= 0, units["unit_code"].to_numpy()[np.maximum(unit, 0)], "")
    rec.loc[rec["si_type"] != "compulsory", "employer_unit_code"] = ""
    # social insurance numbers: 10 digits, two-digit province prefix, one per record
    ri = rng_for(seed, "insured")
    prefix = (people["province"].to_numpy()[own] % 100).astype(np.int64) * 100_000_000
    rec["si_code"] = zfill(unique_ints(ri, prefix, 0, 100_000_000), 10)
    rec = rec.sort_values("si_code", kind="stable").reset_index(drop=True)
    return rec[["si_code", "owner", "si_type", "si_status", "employer_unit_code", "hi_valid_to", "pensioner",
                "unit"]]
