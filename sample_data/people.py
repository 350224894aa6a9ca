"""The resident population: households, names, dates of birth, personal IDs and deaths.

Everything is drawn per household first (size, kind, ages of head, spouse, children, parents),
then expanded to persons with ``np.repeat``, so a million people cost seconds, not minutes.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.addresses import home_addresses
from sample_data.names import assemble, draw_middle_given, draw_surnames
from sample_data.noise_dates import partial_population_dobs
from sample_data.planted import plant_edge_cases, plant_namesakes
from sample_data.profiles import Draw
from sample_data.reference import CITIES, PROVINCE_POPULATION_M, Geography
from sample_data.util import date_str, rng_for, to_day, zfill

__all__ = ["pick_wards", "make_people", "ROLES", "unique_ints"]

ROLES = np.array(["Chủ hộ", "Vợ", "Chồng", "Con", "Bố", "Mẹ", "Con dâu", "Cháu"], dtype=object)
HEAD, WIFE, HUSBAND, CHILD, FATHER, MOTHER, DIL, GRANDCHILD = range(8)
# Whose surname a member carries: the children's father's (F), the head's, or their own.
_SUR_FAMILY, _SUR_HEAD, _SUR_OWN = 0, 1, 2
PERSONS_PER_WARD = 300  # target density, so small worlds still have neighbours and namesakes
SOUTHERN_FROM_PROVINCE = 44  # Quảng Trị southwards uses Huỳnh/Võ more than Hoàng/Vũ


def _top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Weighted sample without replacement (Gumbel top-k), indices sorted."""
    keys = np.log(np.maximum(weights, 1e-12)) + rng.gumbel(size=len(weights))
    return np.sort(np.argsort(-keys, kind="stable")[:k])


def pick_wards(rng: np.random.Generator, geo: Geography, persons: int, geography: str = "country"
               ) -> tuple[np.ndarray, np.ndarray]:
    """Choose the communes people live in and their relative sizes.

    About ``PERSONS_PER_WARD`` people per commune: 3,000 people live in ~10 communes of ~3
    provinces, a million fill the country. Provinces are drawn by population; within them
    wards (phường bigger than xã) with log-normal spread. ``geography="cities"``: Hà Nội and
    Hồ Chí Minh City only, nearly all in phường (urban addresses). ``geography="provinces"``: every
    province has at least one commune, however small the world (to test work split by province).
    """
    n_wards = int(np.clip(persons // PERSONS_PER_WARD, 1, len(geo.ward_codes)))
    if geography == "provinces":
        chosen = np.array(sorted(PROVINCE_POPULATION_M), dtype=np.int64)
        kind_factor = np.array([1.0, 2.2, 0.6])[geo.ward_kind]
        n_wards = max(n_wards, len(chosen))
    elif geography == "cities":
        chosen = np.array(CITIES, dtype=np.int64)
        kind_factor = np.array([0.05, 3.0, 0.0])[geo.ward_kind]
        n_wards = max(n_wards, len(chosen))
    else:
        n_prov = int(np.clip(round(np.sqrt(n_wards)), 1, len(PROVINCE_POPULATION_M)))
        provs = np.array(sorted(PROVINCE_POPULATION_M), dtype=np.int64)
        pw = np.array([PROVINCE_POPULATION_M[p] for p in provs])
        chosen = provs[_top_k(rng, pw, n_prov)]
        kind_factor = np.array([1.0, 2.2, 0.6])[geo.ward_kind]
    in_prov = np.isin(geo.ward_province, chosen) & (kind_factor > 0)
    per_ward = np.array([PROVINCE_POPULATION_M[p] for p in geo.ward_province]) / np.bincount(
        geo.ward_province, minlength=100)[geo.ward_province]
    weight = per_ward * kind_factor * rng.lognormal(0.0, 0.45, len(geo.ward_codes))
    weight[~in_prov] = 0.0
    if n_wards >= in_prov.sum():
        idx = np.flatnonzero(in_prov)
    else:
        # one ward per chosen province first, so every chosen province is present
        first = np.array([np.flatnonzero(geo.ward_province == p)[np.argmax(
            weight[geo.ward_province == p])] for p in chosen])
        w2 = weight.copy()
        w2[first] = 0.0
        rest = _top_k(rng, w2, max(0, n_wards - len(first)))
        idx = np.union1d(first, rest[w2[rest] > 0])
    return idx, weight[idx] / weight[idx].sum()


def _child_age(rng: np.random.Generator, mother_age: np.ndarray) -> np.ndarray:
    """Age of a child whose mother bore them between 20 and 38 (or just now, if she is young)."""
    top = np.clip(mother_age, 20.0, 38.0)
    at_birth = 20.0 + rng.random(len(mother_age)) * (top - 20.0)
    return np.maximum(mother_age - at_birth, rng.random(len(mother_age)))


def _households(rng: np.random.Generator, n_households: int) -> pd.DataFrame:
    """Members of ``n_households`` households (one row per member, long format)."""
    h = np.arange(n_households)
    kind = rng.choice(6, n_households, p=[0.12, 0.15, 0.41, 0.07, 0.13, 0.12])
    u = rng.random(n_households)
    old_single = (kind == 0) & (u < 0.5)
    head_age = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3, kind == 4, kind == 5],
        [np.where(old_single, rng.uniform(55, 93, n_households), rng.uniform(19, 40, n_households)),
         np.where(u < 0.5, rng.uniform(21, 35, n_households), rng.uniform(55, 86, n_households)),
         24 + rng.beta(2.0, 2.5, n_households) * 36,
         rng.uniform(26, 60, n_households),
         rng.uniform(25, 48, n_households),
         rng.uniform(52, 83, n_households)])
    p_male = np.select([kind == 0, kind == 3, kind == 5], [np.where(old_single, 0.35, 0.55), 0.2, 0.6], 0.85)
    head_male = rng.random(n_households) < p_male
    has_spouse = np.isin(kind, [1, 2, 4]) | ((kind == 5) & head_male & (rng.random(n_households) < 0.75))
    gap = rng.uniform(-2, 7, n_households)
    spouse_age = np.where(head_male, head_age - gap, head_age + gap)
    mother_age = np.where(head_male, spouse_age, head_age)
    n_kids = np.select(
        [kind == 2, kind == 3, kind == 4, kind == 5],
        [rng.choice([1, 2, 3, 4], n_households, p=[0.36, 0.47, 0.13, 0.04]),
         rng.choice([1, 2, 3], n_households, p=[0.5, 0.4, 0.1]),
         rng.choice([1, 2, 3], n_households, p=[0.4, 0.45, 0.15]),
         rng.choice([0, 1], n_households, p=[0.7, 0.3])], 0)
    n_parents = np.where(kind == 4, rng.choice([1, 2], n_households), 0)
    parts: list[dict[str, np.ndarray]] = []

    def add(hh: np.ndarray, role: int | np.ndarray, age: np.ndarray, male: np.ndarray,
            sur: int | np.ndarray, order: int) -> None:
        parts.append({"hh": hh, "role": np.broadcast_to(role, len(hh)).copy(), "age": age,
                      "male": male, "sur": np.broadcast_to(sur, len(hh)).copy(),
                      "order": np.full(len(hh), order)})

    add(h, HEAD, head_age, head_male, _SUR_HEAD, 0)
    s = h[has_spouse]
    # a female head's husband (Chồng) is the children's father and carries their surname
    add(s, np.where(head_male[s], WIFE, HUSBAND), spouse_age[s], ~head_male[s],
        np.where(head_male[s], _SUR_OWN, _SUR_FAMILY), 1)
    # kind 5: the married son, his wife and their children live with the (older) head
    k5 = h[kind == 5]
    son_age = head_age[k5] - rng.uniform(22, 32, len(k5))
    add(k5, CHILD, son_age, np.ones(len(k5), bool), _SUR_FAMILY, 2)
    dil_age = son_age - rng.uniform(-2, 6, len(k5))
    add(k5, DIL, dil_age, np.zeros(len(k5), bool), _SUR_OWN, 3)
    n_gc = rng.choice([1, 2, 3], len(k5), p=[0.5, 0.4, 0.1])
    gh = np.repeat(k5, n_gc)
    add(gh, GRANDCHILD, _child_age(rng, np.repeat(dil_age, n_gc)), rng.random(len(gh)) < 0.51,
        _SUR_FAMILY, 5)
    kh = np.repeat(h, n_kids)
    kid_age = np.where(kind[kh] == 5, head_age[kh] - rng.uniform(18, 28, len(kh)),
                       _child_age(rng, mother_age[kh]))
    add(kh, CHILD, kid_age, rng.random(len(kh)) < 0.51, _SUR_FAMILY, 4)
    ph = h[n_parents > 0]
    both = n_parents[ph] == 2
    mum = both | (rng.random(len(ph)) < 0.7)
    add(ph[mum], MOTHER, head_age[ph[mum]] + rng.uniform(20, 35, int(mum.sum())),
        np.zeros(int(mum.sum()), bool), _SUR_OWN, 6)
    dad = both | ~mum
    add(ph[dad], FATHER, head_age[ph[dad]] + rng.uniform(22, 37, int(dad.sum())),
        np.ones(int(dad.sum()), bool), _SUR_HEAD, 7)
    df = pd.DataFrame({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    df["age"] = df["age"].clip(0.01, 95.95)
    return df.sort_values(["hh", "order"], kind="stable").reset_index(drop=True)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ten-digit Vietnamese mobile numbers."""
    prefixes = np.array([90, 91, 93, 94, 96, 97, 98, 32, 33, 34, 35, 36, 37, 38, 39, 70, 76, 77,
                         78, 79, 81, 82, 83, 84, 85, 86, 88, 89, 56, 58, 59])
    return zfill(prefixes[rng.integers(0, len(prefixes), n)] * 10_000_000
                 + rng.integers(0, 10_000_000, n), 10)


def unique_ints(rng: np.random.Generator, base: np.ndarray, low: int, high: int,
                taken: np.ndarray | None = None) -> np.ndarray:
    """``base + r`` with random r in [low, high) re-drawn until all values are distinct.

    Also avoids the values in ``taken``. Used for personal IDs, legacy IDs and codes.
    """
    vals = base + rng.integers(low, high, len(base))
    while True:
        order = np.argsort(vals, kind="stable")
        sv = vals[order]
        dup = np.zeros(len(vals), bool)
        dup[order[1:][sv[1:] == sv[:-1]]] = True
        if taken is not None and len(taken):
            dup |= np.isin(vals, taken)
        if not dup.any():
            return vals
        vals[dup] = base[dup] + rng.integers(low, high, int(dup.sum()))


def non_resident_count(persons: int, noise: Draw) -> int:
    """How many people outside the population extract the world needs: enough that their
    records are about the drawn share of the insured roll (managers and owners are drawn from
    them at their own rates), and at least a few households when any register wants some."""
    regs = noise.registers
    share = regs["insured"].non_resident
    want = max(regs[r].non_resident for r in ("insured", "managers", "household_businesses"))
    if want <= 0:
        return 0
    return max(20, int(round(persons * share / (1.0 - share))))


def _members(rng: np.random.Generator, persons: int, outsiders: int) -> pd.DataFrame:
    """Household members: ``persons`` residents (the first ones, in household order, the last
    household possibly cut short) plus whole households of about ``outsiders`` non-residents."""
    total = persons + outsiders
    n_h = int(total / 3.2) + 16
    members = _households(rng, n_h)
    while len(members) < total + (40 if outsiders else 0):  # rare: top up with another batch
        extra = _households(rng, n_h // 4 + 16)
        extra["hh"] += members["hh"].max() + 1
        members = pd.concat([members, extra], ignore_index=True)
    resident = np.ones(len(members), dtype=bool)
    if outsiders:
        hh = members["hh"].to_numpy()
        ids, size = np.unique(hh, return_counts=True)
        order = rng.permutation(len(ids))
        k = int(np.searchsorted(np.cumsum(size[order]), outsiders)) + 1
        resident = ~np.isin(hh, ids[order[:k]])
    keep = resident & (np.cumsum(resident) <= persons) | ~resident
    df = members[keep].copy()
    df["resident"] = resident[keep]
    return df


def make_people(seed: int, geo: Geography, persons: int, noise: Draw, as_of: date) -> pd.DataFrame:
    """Residents (``resident``) and the people outside the extract whose records other
    registers hold, with hidden truth columns (``male``, true ``dob``, ``ward`` ...)."""
    ward_idx, ward_p = pick_wards(rng_for(seed, "geo"), geo, persons, noise.geography)
    rng = rng_for(seed, "households")
    df = _members(rng, persons, non_resident_count(persons, noise))
    persons = len(df)  # from here on: everybody, residents or not
    hh_ids, df["hh"] = np.unique(df["hh"].to_numpy(), return_inverse=True)
    n_hh = len(hh_ids)
    hh_ward = ward_idx[rng.choice(len(ward_idx), n_hh, p=ward_p)]
    df["ward_i"] = hh_ward[df["hh"].to_numpy()]
    df["ward"] = geo.ward_codes[df["ward_i"].to_numpy()]
    df["province"] = geo.ward_province[df["ward_i"].to_numpy()]
    southern = df["province"].to_numpy() >= SOUTHERN_FROM_PROVINCE

    # surnames: F (children's father's), the head's own, and each member's own
    rn = rng_for(seed, "names")
    hh_south = np.zeros(n_hh, bool)
    hh_south[df["hh"].to_numpy()] = southern
    fam = draw_surnames(rn, hh_south)
    head_own = draw_surnames(rn, hh_south)
    own = draw_surnames(rn, southern)
    hh = df["hh"].to_numpy()
    male = df["male"].to_numpy()
    head_male = np.zeros(n_hh, bool)
    is_head = df["role"].to_numpy() == HEAD
    head_male[hh[is_head]] = male[is_head]
    head_sur = np.where(head_male, fam, head_own)
    sur = np.select([df["sur"].to_numpy() == _SUR_FAMILY, df["sur"].to_numpy() == _SUR_HEAD],
                    [fam[hh], head_sur[hh]], own)
    df["surname"] = sur
    asof_d = to_day(as_of)
    rd = rng_for(seed, "dates")
    df["dob"] = asof_d - np.floor(df["age"].to_numpy() * 365.25).astype("timedelta64[D]")
    df["edge"] = False
    df["namesake_of"] = -1
    by = df["dob"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    middle, given = draw_middle_given(rn, male, by)
    df["middle"], df["given"] = middle, given
    df = df.reset_index(drop=True)
    plant_edge_cases(rng_for(seed, "edge"), df, as_of)
    rs = rng_for(seed, "namesakes")
    plant_namesakes(rs, df, noise.world["namesake_commune"], "ward")
    plant_namesakes(rs, df, noise.world["namesake_province"], "province")
    df["full_name"] = assemble(df["surname"].to_numpy(), male, df["middle"].to_numpy(),
                               df["given"].to_numpy())
    dob = df["dob"].to_numpy().astype("datetime64[D]")
    year = dob.astype("datetime64[Y]").astype(int) + 1970
    df["age"] = (asof_d - dob).astype(int) / 365.25
    df["sex"] = np.where(male, "M", "F")

    # personal ID: PPP C YY RRRRRR, PPP = old province of birth registration
    ri = rng_for(seed, "ids")
    ppp = geo.ward_old_province[df["ward_i"].to_numpy()]
    migrant = ri.random(persons) < 0.15
    ppp[migrant] = geo.old_province_codes[ri.integers(0, len(geo.old_province_codes), int(migrant.sum()))]
    century = np.where(year >= 2000, 2, 0) + (~male).astype(int)
    base = ppp * 1_000_000_000 + century * 100_000_000 + (year % 100) * 1_000_000
    df["pid_int"] = unique_ints(ri, base, 0, 1_000_000)
    df["person_id"] = zfill(df["pid_int"].to_numpy(), 12)
    # legacy 9-digit CMND for those old enough to have held one before the CCCD
    has_cmnd = year <= 2006
    legacy = unique_ints(ri, np.full(persons, 10_000_000), 0, 370_000_000)
    df["legacy_id"] = np.where(has_cmnd, zfill(legacy, 9), "")

    # the population's own record of the date of birth: partial for some, older people more
    df["date_of_birth"] = partial_population_dobs(rd, date_str(dob), year,
                                                  noise.registers["population"].dob_partial, df["edge"].to_numpy())

    # deaths: Gompertz-like yearly risk over a three-year window, some on and after as-of
    rx = rng_for(seed, "deaths")
    q = np.clip(0.00002 * np.exp(0.1 * df["age"].to_numpy()), 0, 0.5) * 3
    dead = rx.random(persons) < q
    when = asof_d - rx.integers(1, 1096, persons).astype("timedelta64[D]")
    v = rx.random(persons)
    when = np.where(v < 0.04, asof_d, when)
    when = np.where((v >= 0.04) & (v < 0.09), asof_d + rx.integers(1, 61, persons).astype("timedelta64[D]"), when)
    if persons >= 200:  # make sure both boundary cases exist in every usable world
        ids = np.flatnonzero(dead & (df["age"].to_numpy() > 60) & df["resident"].to_numpy())
        if len(ids) >= 2:
            when[ids[0]], when[ids[1]] = asof_d, asof_d + np.timedelta64(1, "D")
    when = np.maximum(when, dob + np.timedelta64(1, "D"))
    death = np.where(dead, when, np.datetime64("NaT", "D"))
    df["death"] = death.astype("datetime64[D]")
    df["death_date"] = date_str(df["death"].to_numpy())

    ra = rng_for(seed, "address")
    hh_kind = geo.ward_kind[hh_ward]
    addr = home_addresses(ra, hh_kind, geo.ward_province[hh_ward])
    df["address"] = addr[hh]
    df["household_id"] = ("HD" + zfill(geo.ward_codes[hh_ward], 5) + zfill(np.arange(n_hh) + 1, 6))[hh]
    df["relation_to_head"] = ROLES[df["role"].to_numpy()]
    df["phone"] = np.where((df["age"].to_numpy() >= 16) & (ra.random(persons) < 0.75), _phones(ra, persons), "")
    df["male"] = male
    df["southern"] = southern
    return df.reset_index(drop=True)
