"""The optional ``labour`` register: the labour contracts employers report (opt-in: ``--labour``).

Who holds a contract, built from the world as it is:

- most workers with an active compulsory record at an organisation's unit hold a contract in
  force with that organisation (insured: no prospect), some also an earlier, ended one;
- *uninsured employees*: working-age residents without active compulsory SI, with a contract in
  force (indefinite, fixed-term of a month or more, seasonal of a month or more) with an active
  enterprise, branch or cooperative: the gap the register shows; a few are pensioners or past
  retirement age (no prospect), a few are managers of that organisation;
- contracts that are *not* in force: ended before as-of, starting after it, probation, seasonal
  shorter than 30 days, and the exact boundaries (starting on as-of, ending on as-of, lasting
  exactly 30 days or 29, ending before they start);
- workers of public bodies (their unit's tax code is in no register) and of household businesses
  (no tax code, or the business's number), and of suspended or dissolved organisations;
- non-residents (people left out of the population extract) with contracts at active organisations.

Rows carry the person noise of the insured roll (``Rates`` of ``insured``), plus an extra share with
no ID and no date of birth (employers often report neither), the employers' tax-code and name noise
(``Rates`` of ``employers``: missing, mistyped, branch without suffix or dash, lost zero; ``CN``,
abbreviations, typos, folding) and the workplace's commune (old and split codes as employers write
them, or none). Contracts are ordered by ``contract_id``; hidden truth: ``_person_id``, ``_tax_code``
(the true organisation; empty for public bodies and household businesses), ``_in_force``,
``_reason``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.badrows import _copies, _insert
from sample_data.noise import Rates, pick
from sample_data.noise_ids import noisy_tax_codes
from sample_data.noise_names import noisy_org_names
from sample_data.reference import Geography
from sample_data.rules import retirement_months
from sample_data.tables import _person_copy, _truth_id, _written_wards
from sample_data.util import date_str, rng_for, to_day, zfill

__all__ = ["LABOUR_COLUMNS", "add_labour_bad_rows", "make_labour"]

LABOUR_COLUMNS = ["contract_id", "employer_tax_code", "employer_name", "person_id", "full_name", "date_of_birth",
                  "sex", "contract_type", "start_date", "end_date", "ward_code"]
# Extra shares of rows without an ID and without a date of birth (beyond the insured roll's noise).
_NO_ID, _NO_DOB = 0.2, 0.25
# Timing kinds: in force, or why not (the truth keeps which).
_KINDS = ("in_force", "ended", "future", "probation", "short_seasonal", "start_on_as_of", "end_on_as_of",
          "exactly_30", "only_29", "end_before_start", "no_end_date")


def _timing(rng: np.random.Generator, kind: np.ndarray, as_of: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``contract_type``, start and end (datetime64[D], NaT for none) per timing kind."""
    n = len(kind)
    a = to_day(as_of)
    day = np.timedelta64(1, "D")
    ctype = rng.choice(np.array(["indefinite", "fixed_term", "seasonal"], dtype=object), n, p=[0.45, 0.45, 0.10])
    start = a - rng.integers(30, 3000, n) * day
    end = start + rng.integers(400, 1500, n) * day
    end = np.where(end < a, a + rng.integers(1, 700, n) * day, end)
    nat = np.datetime64("NaT", "D")
    end = np.where(ctype == "indefinite", nat, end)
    seasonal = ctype == "seasonal"
    end = np.where(seasonal, a + rng.integers(1, 120, n) * day, end)
    start = np.where(seasonal, np.minimum(start, end - 60 * day), start)

    def fixed(mask: np.ndarray, s: np.ndarray, e: np.ndarray, t: str) -> None:
        ctype[mask], start[mask], end[mask] = t, s[mask], e[mask]

    s_past = a - rng.integers(400, 3000, n) * day
    fixed(kind == "ended", s_past, a - rng.integers(1, 300, n) * day, "fixed_term")
    s_next = a + rng.integers(1, 200, n) * day
    fixed(kind == "future", s_next, s_next + rng.integers(90, 900, n) * day, "fixed_term")
    s_prob = a - rng.integers(0, 50, n) * day
    fixed(kind == "probation", s_prob, s_prob + 59 * day, "probation")
    s_short = a - rng.integers(0, 20, n) * day
    fixed(kind == "short_seasonal", s_short, s_short + rng.integers(7, 29, n) * day, "seasonal")
    fixed(kind == "start_on_as_of", np.full(n, a), a + rng.integers(90, 700, n) * day, "fixed_term")
    fixed(kind == "end_on_as_of", a - rng.integers(60, 700, n) * day, np.full(n, a), "fixed_term")
    fixed(kind == "exactly_30", np.full(n, a - 10 * day), np.full(n, a + 20 * day), "seasonal")
    fixed(kind == "only_29", np.full(n, a - 10 * day), np.full(n, a + 19 * day), "seasonal")
    fixed(kind == "end_before_start", a - rng.integers(30, 400, n) * day, a - rng.integers(400, 800, n) * day,
          "fixed_term")
    fixed(kind == "no_end_date", a - rng.integers(30, 3000, n) * day, np.full(n, nat), "indefinite")
    return ctype, start, end


def _pick_kind(rng: np.random.Generator, n: int, in_force: float) -> np.ndarray:
    """Timing kinds: ``in_force`` with probability ``in_force``, the rest spread over the others."""
    rest = np.array(_KINDS[1:], dtype=object)
    p = np.array([0.3, 0.15, 0.12, 0.1, 0.05, 0.05, 0.05, 0.05, 0.03, 0.1])
    out = rest[rng.choice(len(rest), n, p=p / p.sum())]
    out[rng.random(n) < in_force] = "in_force"
    return out


def make_labour(seed: int, geo: Geography, people: pd.DataFrame, orgs: pd.DataFrame, units: pd.DataFrame,
                rec: pd.DataFrame, managers: pd.DataFrame, hkd: pd.DataFrame, person_rates: Rates,
                employer_rates: Rates, as_of: date) -> pd.DataFrame:
    """The labour register with hidden truth columns (see the module docstring); a worker is
    recorded with the table builder's own person noise (``sample_data.tables``)."""
    rng = rng_for(seed, "labour")
    n_people = len(people)
    age = people["age"].to_numpy()
    male = people["male"].to_numpy()
    thr = np.where(male, retirement_months(True, as_of.year), retirement_months(False, as_of.year)) / 12
    working = (age >= 18) & (age < thr - 0.05)
    status = orgs["status"].to_numpy()

    # 1. insured workers: active compulsory jobs at an organisation's (or public body's) unit
    jobs = rec[(rec["si_type"] == "compulsory") & (rec["si_status"] == "active") & (rec["unit"] >= 0)]
    jobs = jobs[rng.random(len(jobs)) < 0.85]
    unit = jobs["unit"].to_numpy()
    parts = [pd.DataFrame({"owner": jobs["owner"].to_numpy(), "unit": unit, "org": units["org"].to_numpy()[unit],
                           "hkd": -1, "kind": "in_force"})]
    again = parts[0].sample(frac=0.15, random_state=int(rng.integers(2**31))).assign(kind="ended")
    parts.append(again)
    covered = np.zeros(n_people, dtype=bool)
    covered[rec.loc[(rec["si_type"] == "compulsory") & (rec["si_status"] == "active"), "owner"].to_numpy()] = True

    # 2. workers of organisations without insurance (some of them pensioners or past working age)
    org_ids = np.flatnonzero(status != "")
    size = np.maximum(orgs["size"].to_numpy(), 1)
    want = rng.poisson(np.where(status == "active", 0.35, 0.15) * size)
    slot_org = np.repeat(org_ids, want[org_ids])
    pool = np.flatnonzero(~covered & (age >= 15) & (age < 75))
    pool_prov = people["province"].to_numpy()[pool]
    slot_prov = orgs["province"].to_numpy()[slot_org]
    owner = np.full(len(slot_org), -1)
    for prov in np.unique(slot_prov):
        here = np.flatnonzero(slot_prov == prov)
        cands = pool[pool_prov == prov]
        if len(cands):
            owner[here] = cands[rng.integers(0, len(cands), len(here))]
    keep = owner >= 0
    parts.append(pd.DataFrame({"owner": owner[keep], "unit": -1, "org": slot_org[keep], "hkd": -1,
                               "kind": _pick_kind(rng, int(keep.sum()), 0.6)}))
    # managers with a labour contract at their own organisation
    mg = managers[rng.random(len(managers)) < 0.1]
    parts.append(pd.DataFrame({"owner": mg["person"].to_numpy(), "unit": -1, "org": mg["org"].to_numpy(),
                               "hkd": -1, "kind": "in_force"}))
    # 3. workers of household businesses (a contract, but no enterprise: no prospect row)
    hk = hkd.sample(frac=min(1.0, 0.3), random_state=int(rng.integers(2**31))) if len(hkd) else hkd
    hk_pool = np.flatnonzero(working & ~covered)
    if len(hk) and len(hk_pool):
        parts.append(pd.DataFrame({"owner": hk_pool[rng.integers(0, len(hk_pool), len(hk))], "unit": -1, "org": -1,
                                   "hkd": hk.index.to_numpy(), "kind": _pick_kind(rng, len(hk), 0.7)}))
    # 4. public bodies: some of their workers without insurance too
    public = np.flatnonzero(units["public"].to_numpy())
    if len(public) and len(hk_pool):
        extra = public[rng.integers(0, len(public), max(1, len(public) // 3))]
        parts.append(pd.DataFrame({"owner": hk_pool[rng.integers(0, len(hk_pool), len(extra))], "unit": extra,
                                   "org": -1, "hkd": -1, "kind": "in_force"}))
    # 5. non-residents at active organisations
    outsiders = np.flatnonzero(~people["resident"].to_numpy() & (age >= 18) & (age < 60))
    active_orgs = np.flatnonzero(status == "active")
    if len(outsiders) and len(active_orgs):
        k = max(1, len(outsiders) // 3)
        parts.append(pd.DataFrame({"owner": outsiders[rng.integers(0, len(outsiders), k)], "unit": -1,
                                   "org": active_orgs[rng.integers(0, len(active_orgs), k)], "hkd": -1,
                                   "kind": "in_force"}))
    plan = pd.concat(parts, ignore_index=True)
    n = len(plan)
    ctype, start, end = _timing(rng, plan["kind"].to_numpy(dtype=object), as_of)

    # the employer as reported
    org = plan["org"].to_numpy()
    unit = plan["unit"].to_numpy()
    hkd_i = plan["hkd"].to_numpy()
    from_org = org >= 0
    from_unit = ~from_org & (unit >= 0)
    true_code = np.where(from_org, orgs["tax_code"].to_numpy()[np.maximum(org, 0)], "").astype(object)
    code = true_code.copy()
    code[from_unit] = units["tax_code"].to_numpy()[unit[from_unit]]
    name = np.where(from_org, orgs["name"].to_numpy()[np.maximum(org, 0)], "").astype(object)
    name[from_unit] = units["name"].to_numpy()[unit[from_unit]]
    ward_i = np.where(from_org, orgs["ward_i"].to_numpy()[np.maximum(org, 0)], 0)
    ward_i[from_unit] = units["ward_i"].to_numpy()[unit[from_unit]]
    is_hkd = hkd_i >= 0
    if is_hkd.any():
        rows = hkd.loc[hkd_i[is_hkd]]
        name[is_hkd] = np.where(rows["business_name"].to_numpy() != "", rows["business_name"].to_numpy(),
                                "HỘ KINH DOANH " + people["full_name"].to_numpy()[rows["owner"].to_numpy()])
        code[is_hkd] = np.where(rng.random(int(is_hkd.sum())) < 0.5, rows["business_id"].to_numpy(), "")
        ward_i[is_hkd] = rows["ward_i"].to_numpy()
    reported = (code != "") & ~is_hkd  # a household business number is no tax code: kept as written
    code[reported] = noisy_tax_codes(rng, code[reported].astype(object), employer_rates)
    name = noisy_org_names(rng, name.astype(object), employer_rates)
    none = np.zeros(n, dtype=bool)
    ward_text, _ = _written_wards(rng, geo, ward_i, employer_rates, none)
    ward_text[pick(rng, n, max(employer_rates.ward_missing, 0.1))] = ""

    # the worker as reported
    owners = plan["owner"].to_numpy()
    stale = pick(rng, n, person_rates.stale)
    copy = _person_copy(rng, people, owners, person_rates, stale, as_of)
    copy["person_id"][pick(rng, n, _NO_ID)] = ""
    copy["date_of_birth"][pick(rng, n, _NO_DOB)] = ""
    df = pd.DataFrame({"employer_tax_code": code, "employer_name": name, **copy, "contract_type": ctype,
                       "start_date": date_str(start), "end_date": np.where(np.isnat(end), "", date_str(end)),
                       "ward_code": ward_text})
    ids = rng.permutation(n) + 1
    df.insert(0, "contract_id", np.char.add("HĐLĐ-", zfill(ids, 8).astype(str)).astype(object))
    df["_person_id"] = _truth_id(people, owners)
    df["_tax_code"] = true_code
    df["_in_force"] = _in_force(ctype, start, end, as_of)
    df["_reason"] = ""
    return df.sort_values("contract_id", kind="stable").reset_index(drop=True)[[*LABOUR_COLUMNS, "_person_id",
                                                                                 "_tax_code", "_in_force",
                                                                                 "_reason"]]


def _in_force(ctype: np.ndarray, start: np.ndarray, end: np.ndarray, as_of: date) -> np.ndarray:
    """The contract's definition, written independently of ``pipelines.rules``."""
    a = to_day(as_of)
    open_ended = np.isnat(end)
    lasting = open_ended | ((end - start) >= np.timedelta64(30, "D"))
    return (start <= a) & (open_ended | (end >= a)) & lasting & (ctype != "probation")


def add_labour_bad_rows(seed: int, labour: pd.DataFrame, rate: float) -> pd.DataFrame:
    """A few quarantine-worthy extra rows of each fault the contract names for ``labour`` (none at
    ``rate`` 0): a required value missing, a contract type or start date that cannot be used, a
    later copy of a contract's key. Only required values are broken: an unusable optional value
    is read as missing, never quarantined."""
    if rate <= 0 or labour.empty:
        return labour
    rng = rng_for(seed, "badrows_labour")
    faults = [("full_name: missing", "full_name", ""), ("employer_name: missing", "employer_name", ""),
              ("contract_type: not in the list", "contract_type", "thời vụ"),
              ("start_date: not a real date", "start_date", "2026-02-30"),
              ("start_date: not a whole date", "start_date", "2025-03"),
              ("contract_id: later copy of a unique key", None, None)]
    extras, afters, follows = [], [], []
    for reason, column, value in faults:
        rows, src = _copies(rng, labour, max(1, int(round(rate * len(labour)))))
        k = len(rows)
        if column is not None:
            rows[column] = value
            fresh = rng.choice(10**7, k, replace=False)
            rows["contract_id"] = np.char.add("HĐLĐ-9", zfill(fresh, 7).astype(str)).astype(object)
        rows["_reason"] = reason
        extras.append(rows)
        afters.append(src)
        follows.append(np.full(k, column is None))
    return _insert(rng, labour, pd.concat(extras, ignore_index=True), np.concatenate(afters), np.concatenate(follows))
