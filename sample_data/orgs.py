"""Organisations: enterprises (and branches), cooperatives, public bodies, their social security
units and their managers (household businesses: businesses.py).

Sizes follow domain.md section 6 scaled to the population: about one enterprise per 80
people, one household business per 20, a cooperative per ~1,700. Declared employee counts are
heavy-tailed (most firms are micro), and the number of insured staff is decided per unit so
that some employers under-declare and some have no unit at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sample_data.addresses import street_addresses
from sample_data.names import COOP_SECTORS, ENT_SECTORS, org_brand
from sample_data.people import unique_ints
from sample_data.reference import TAX_PREFIX, Geography
from sample_data.rules import retirement_months
from sample_data.util import date_str, replace_some, rng_for, sample_in_groups, to_day, zfill

__all__ = ["Orgs", "make_orgs", "tax_check_digit", "make_managers"]

_WEIGHTS = np.array([31, 29, 23, 19, 17, 13, 7, 5, 3])
_LEGAL = np.array(["TNHH MTV", "TNHH 2TV", "CP", "DNTN"], dtype=object)
_PREFIX = {
    "TNHH MTV": "CÔNG TY TNHH MỘT THÀNH VIÊN", "TNHH 2TV": "CÔNG TY TNHH",
    "CP": "CÔNG TY CỔ PHẦN", "DNTN": "DOANH NGHIỆP TƯ NHÂN",
}


def tax_check_digit(first9: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check digit N10 = 10 - (sum w_i d_i mod 11) and whether the code may be issued.

    Remainders 0 (check "10") and 10 (check "0") are treated as never issued.
    """
    digits = (first9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    r = (digits * _WEIGHTS).sum(axis=1) % 11
    return (10 - r) % 10, (r != 0) & (r != 10)


def tax_codes(rng: np.random.Generator, province: np.ndarray, taken: np.ndarray | None = None
              ) -> np.ndarray:
    """Unique valid 10-digit enterprise codes (as int) with the province's tax-office prefix."""
    prefix = np.array([TAX_PREFIX[int(p)] for p in province], dtype=np.int64) * 10_000_000
    while True:
        first9 = unique_ints(rng, prefix, 1, 10_000_000, taken)
        check, ok = tax_check_digit(first9)
        if ok.all():
            return first9 * 10 + check
        # re-draw only the serials that would give an unissuable check digit
        bad = ~ok
        taken = first9[ok] if taken is None else np.concatenate([taken, first9[ok]])
        redo = tax_codes(rng, province[bad], taken)
        out = first9 * 10 + check
        out[bad] = redo
        return out


@dataclass
class Orgs:
    """Organisation tables with hidden truth columns (prefixed by nothing; dropped on write)."""

    orgs: pd.DataFrame  # enterprises, branches and cooperatives
    units: pd.DataFrame  # social security units, with the org they truly belong to (-1: public)


def _sizes(rng: np.random.Generator, n: int, cap: int) -> np.ndarray:
    """Heavy-tailed firm size: median ~6, a few hundreds, capped for small worlds."""
    return np.minimum(np.floor(rng.lognormal(1.9, 1.25, n)).astype(np.int64) + 1, cap)


def _org_frame(rng: np.random.Generator, geo: Geography, ward_i: np.ndarray, kind: str,
               as_of: date, cap: int) -> pd.DataFrame:
    n = len(ward_i)
    df = pd.DataFrame({"kind": kind, "ward_i": ward_i})
    df["ward"] = geo.ward_codes[ward_i]
    df["province"] = geo.ward_province[ward_i]
    df["size"] = _sizes(rng, n, cap)
    status_p = [0.82, 0.08, 0.03, 0.07] if kind != "coop" else [0.76, 0.10, 0.04, 0.10]
    df["status"] = np.array(["active", "suspended", "dissolving", "dissolved"], dtype=object)[
        rng.choice(4, n, p=status_p)]
    u = rng.random(n)
    emp = np.where(u < 0.09, -1, np.where(u < 0.15, 0, df["size"].to_numpy()))
    df["emp_int"] = emp
    df["employees"] = np.where(emp < 0, "", emp.astype(str).astype(object))
    df["registered_on"] = date_str(to_day(as_of) - rng.integers(30, 30 * 365, n).astype("timedelta64[D]"))
    df["address"] = street_addresses(rng, n)
    return df


def make_orgs(seed: int, geo: Geography, people: pd.DataFrame, as_of: date) -> Orgs:
    """Enterprises, branches, cooperatives and every social security unit."""
    rng = rng_for(seed, "orgs")
    persons = int(people["resident"].sum())
    ward_pop = people[people["resident"]].groupby("ward_i").size()
    w_i = ward_pop.index.to_numpy()
    w_p = ward_pop.to_numpy() * np.where(geo.ward_kind[w_i] == 1, 2.0, 1.0)
    w_p = w_p / w_p.sum()
    cap = max(30, persons // 250)
    n_ent = max(6, round(persons * 0.016))
    n_coop = max(2, round(persons * 0.0006))

    ent = _org_frame(rng, geo, w_i[rng.choice(len(w_i), n_ent, p=w_p)], "ent", as_of, cap)
    legal = _LEGAL[rng.choice(4, n_ent, p=[0.45, 0.25, 0.22, 0.08])]
    ent["legal_form"] = legal
    sector = ENT_SECTORS[rng.integers(0, len(ENT_SECTORS), n_ent)]
    brand = org_brand(rng, n_ent)
    ent["name"] = np.array([_PREFIX[x] for x in legal], dtype=object) + " " + sector + " " + brand
    ent["members"] = ""
    ent["parent"] = -1

    coop = _org_frame(rng, geo, w_i[rng.choice(len(w_i), n_coop, p=w_p)], "coop", as_of, max(30, cap // 10))
    coop["legal_form"] = "HTX"
    coop["name"] = ("HỢP TÁC XÃ " + COOP_SECTORS[rng.integers(0, len(COOP_SECTORS), n_coop)] + " "
                    + org_brand(rng, n_coop))
    coop["members"] = (coop["size"].to_numpy() + rng.integers(7, 120, n_coop)).astype(str).astype(object)
    coop["parent"] = -1

    # branches of some active enterprises, usually in another commune
    cand = np.flatnonzero((ent["status"] == "active").to_numpy() & (ent["size"].to_numpy() >= 5))
    nb = min(len(cand), max(1, round(n_ent * 0.05)))
    parents = np.sort(rng.choice(cand, nb, replace=False)) if nb else np.array([], dtype=np.int64)
    br = _org_frame(rng, geo, w_i[rng.choice(len(w_i), nb, p=w_p)], "branch", as_of, cap)
    br["status"] = np.where(rng.random(nb) < 0.9, "active", "suspended")
    br["legal_form"] = ent["legal_form"].to_numpy()[parents]
    br["members"] = ""
    br["parent"] = parents
    prov_name = np.array([geo.province_names[int(p)].replace("Thành phố ", "").replace("Tỉnh ", "").upper()
                          for p in br["province"]], dtype=object)
    br["name"] = "CHI NHÁNH " + ent["name"].to_numpy()[parents] + " TẠI " + prov_name

    # tax codes: enterprises and coops get fresh codes, branches their parent's + -001/-002
    codes = tax_codes(rng, np.concatenate([ent["province"].to_numpy(), coop["province"].to_numpy()]))
    ent["tax_int"] = codes[:n_ent]
    coop["tax_int"] = codes[n_ent:]
    ent["tax_code"] = zfill(codes[:n_ent], 10)
    coop["tax_code"] = zfill(codes[n_ent:], 10)
    seq = pd.Series(parents).groupby(parents).cumcount().to_numpy() + 1
    br["tax_int"] = codes[parents] if nb else np.array([], dtype=np.int64)
    br["tax_code"] = (ent["tax_code"].to_numpy()[parents] + "-" + zfill(seq, 3)) if nb else np.array([], dtype=object)
    orgs = pd.concat([ent, br, coop], ignore_index=True)
    units = _units(seed, geo, orgs, people, w_i, codes)
    return Orgs(orgs=orgs, units=units)


def _insured_plan(rng: np.random.Generator, orgs: pd.DataFrame) -> pd.DataFrame:
    """How many active / paused / closed insured staff each organisation's unit(s) hold."""
    n = len(orgs)
    size = orgs["size"].to_numpy()
    emp = orgs["emp_int"].to_numpy()
    status = orgs["status"].to_numpy()
    base = np.where(emp >= 0, emp, size)
    u = rng.random(n)
    under = (u < 0.28) & (base >= 2)
    over = u > 0.90
    active = np.where(under, np.floor(base * rng.uniform(0.2, 0.9, n)).astype(np.int64), base)
    active = np.where(over, base + rng.integers(0, 3, n), active)
    active = np.where(emp == 0, np.where(rng.random(n) < 0.2, rng.integers(1, 3, n), 0), active)
    paused = np.zeros(n, dtype=np.int64)
    closed = np.zeros(n, dtype=np.int64)
    susp = status == "suspended"
    paused[susp] = np.ceil(size[susp] * 0.6).astype(np.int64)
    active[susp] = 0
    diss = status == "dissolving"
    paused[diss] = size[diss] - np.floor(size[diss] * 0.3).astype(np.int64)
    active[diss] = np.floor(size[diss] * 0.3).astype(np.int64)
    gone = status == "dissolved"
    closed[gone] = size[gone]
    active[gone] = 0
    return pd.DataFrame({"active": active, "paused": paused, "closed": closed})


def _unit_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique unit codes like ``TA1234A`` (two letters, four digits, a letter)."""
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dtype=object)
    raw = unique_ints(rng, np.zeros(n, dtype=np.int64), 0, 26 * 26 * 10_000 * 26)
    a, rest = divmod(raw, 26 * 10_000 * 26)
    b, rest = divmod(rest, 10_000 * 26)
    num, c = divmod(rest, 26)
    return letters[a] + letters[b] + zfill(num, 4) + letters[c]


def _units(seed: int, geo: Geography, orgs: pd.DataFrame, people: pd.DataFrame,
           w_i: np.ndarray, org_codes: np.ndarray) -> pd.DataFrame:
    """Social security units: most organisations have one, a few two, some none; plus public
    bodies (commune People's Committee, schools, health station) in every populated commune."""
    rng = rng_for(seed, "units")
    n = len(orgs)
    plan = _insured_plan(rng, orgs)
    status = orgs["status"].to_numpy()
    size = orgs["size"].to_numpy()
    emp = orgs["emp_int"].to_numpy()
    p_unit = np.select([status == "active", status == "suspended", status == "dissolving"],
                       [0.55 + 0.35 * (size >= 10), 0.6, 0.7], 0.5)
    p_unit = np.where((status == "active") & (emp == 0), 0.25, p_unit)
    p_unit = np.where(orgs["kind"].to_numpy() == "branch", p_unit * 0.6, p_unit)
    has = rng.random(n) < p_unit
    two = has & (size >= 20) & (rng.random(n) < 0.03)
    org_of_unit = np.concatenate([np.flatnonzero(has), np.flatnonzero(two)])
    first = np.concatenate([np.ones(has.sum(), bool), np.zeros(two.sum(), bool)])
    units = pd.DataFrame({"org": org_of_unit})
    share = np.where(two[org_of_unit], np.where(first, 0.6, 0.4), 1.0)
    for col in ("active", "paused", "closed"):
        v = plan[col].to_numpy()[org_of_unit] * share
        units[col] = np.where(first, np.ceil(v), np.floor(v)).astype(np.int64)
    units["tax_code"] = orgs["tax_code"].to_numpy()[org_of_unit]
    units["name"] = orgs["name"].to_numpy()[org_of_unit]
    units["ward_i"] = orgs["ward_i"].to_numpy()[org_of_unit]
    units["address"] = orgs["address"].to_numpy()[org_of_unit]
    units["public"] = False

    # public bodies: ~4 % of the commune's residents insured through them
    rp = rng_for(seed, "public")
    ward_pop = people[people["resident"]].groupby("ward_i").size().reindex(w_i).to_numpy()
    kinds = [("ỦY BAN NHÂN DÂN ", 0.35, 1.0), ("TRƯỜNG TIỂU HỌC ", 0.2, 1.0), ("TRƯỜNG THCS ", 0.15, 0.8),
             ("TRƯỜNG MẦM NON ", 0.15, 0.7), ("TRẠM Y TẾ ", 0.15, 0.6)]
    rows = []
    for prefix, share_k, prob in kinds:
        keep = (rp.random(len(w_i)) < prob) | (prefix == "ỦY BAN NHÂN DÂN ")
        wi = w_i[keep]
        names = geo.ward_names[wi]
        plain = np.array([s.split(" ", 1)[1].upper() if " " in s else s.upper() for s in names], dtype=object)
        full = np.array([s.upper() for s in names], dtype=object)
        label = full if prefix == "ỦY BAN NHÂN DÂN " else plain
        label = np.where(prefix == "TRẠM Y TẾ ", full, label)
        active = np.round(ward_pop[keep] * 0.05 * share_k * rp.uniform(0.7, 1.3, len(wi))).astype(np.int64)
        rows.append(pd.DataFrame({"org": -1, "active": np.maximum(active, 1), "paused": 0,
                                  "closed": rp.binomial(np.maximum(active // 5, 1), 0.5),
                                  "name": prefix + label, "ward_i": wi, "public": True}))
    pub = pd.concat(rows, ignore_index=True)
    pub["tax_code"] = zfill(tax_codes(rp, geo.ward_province[pub["ward_i"].to_numpy()], org_codes // 10), 10)
    pub["address"] = street_addresses(rp, len(pub))
    units = pd.concat([units, pub], ignore_index=True)
    units["ward"] = geo.ward_codes[units["ward_i"].to_numpy()]
    units["province"] = geo.ward_province[units["ward_i"].to_numpy()]
    units["unit_code"] = _unit_codes(rng, len(units))
    return units


# Managers ------------------------------------------------------------------------------------

_ROLES = {
    "TNHH MTV": [("Giám đốc", 1.0), ("Chủ tịch công ty", 0.3)],
    "TNHH 2TV": [("Giám đốc", 1.0), ("Chủ tịch HĐTV", 0.5), ("Thành viên HĐTV", 0.4)],
    "CP": [("Tổng giám đốc", 1.0), ("Chủ tịch HĐQT", 0.7), ("Thành viên HĐQT", 0.3)],
    "DNTN": [("Chủ doanh nghiệp", 1.0)],
    "HTX": [("Giám đốc HTX", 1.0), ("Chủ tịch HĐQT HTX", 0.5)],
}


def _age_pools(people: pd.DataFrame, as_of: date, resident: bool) -> tuple[np.ndarray, np.ndarray]:
    """Residents (or people outside the extract) from 25 up to retirement age, and from
    retirement age up to 78 (true ages)."""
    age = people["age"].to_numpy()
    male = people["male"].to_numpy()
    mine = people["resident"].to_numpy() == resident
    thr = np.where(male, retirement_months(True, as_of.year), retirement_months(False, as_of.year)) / 12
    prime = np.flatnonzero((age >= 25) & (age < thr - 0.1) & mine)
    older = np.flatnonzero((age >= thr + 0.1) & (age <= 78) & mine)
    return prime, older


def make_managers(seed: int, people: pd.DataFrame, orgs: pd.DataFrame, as_of: date, p_outside: float = 0.0
                  ) -> pd.DataFrame:
    """1-3 manager roles per enterprise and cooperative (branches have none here); about
    ``p_outside`` of them held by people outside the population extract."""
    rng = rng_for(seed, "managers")
    main = orgs.index[orgs["kind"] != "branch"].to_numpy()
    rows_org, rows_role, order = [], [], []
    for form, roles in _ROLES.items():
        ids = main[orgs["legal_form"].to_numpy()[main] == form]
        for j, (role, p) in enumerate(roles):
            take = ids[rng.random(len(ids)) < p]
            rows_org.append(take)
            rows_role.append(np.full(len(take), role, dtype=object))
            order.append(np.full(len(take), j))
    m = pd.DataFrame({"org": np.concatenate(rows_org), "role": np.concatenate(rows_role),
                      "order": np.concatenate(order)})
    m = m.sort_values(["org", "order"], kind="stable").reset_index(drop=True)
    prov = orgs["province"].to_numpy()[m["org"].to_numpy()]
    prime, older = _age_pools(people, as_of, True)
    pp = people["province"].to_numpy()
    young_pick = sample_in_groups(rng, prime, pp[prime], prov)
    old_pick = sample_in_groups(rng, older, pp[older], prov)
    anywhere = prime[rng.integers(0, len(prime), len(m))]
    u = rng.random(len(m))
    person = np.where(u < 0.85, young_pick, old_pick)
    person = np.where(u > 0.97, anywhere, person)
    person = replace_some(rng, person, _age_pools(people, as_of, False)[0], p_outside)
    # about 8 % of second roles are the same person holding two titles (kiêm nhiệm)
    same = (m["order"].to_numpy() > 0) & (rng.random(len(m)) < 0.08)
    prev = np.r_[-1, person[:-1]]
    person = np.where(same & (np.r_[-1, m["org"].to_numpy()[:-1]] == m["org"].to_numpy()), prev, person)
    m["person"] = person
    m["org_tax_code"] = orgs["tax_code"].to_numpy()[m["org"].to_numpy()]
    return m
