"""Turn the world into the seven registers as the agencies would hand them over.

Each table carries the contract's columns plus hidden truth columns whose names start with
``_`` (``_person_id``: true owner, ``_tax_code``: true organisation, ``_ward``: current commune,
``_reason``: why the row must be quarantined). The writer drops the hidden ones.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.addresses import home_addresses, noisy_addresses
from sample_data.communes import earlier_wards, old_codes, old_ward_for_tail
from sample_data.noise import Rates, conditional, pick
from sample_data.noise_dates import noisy_dobs
from sample_data.noise_ids import noisy_ids, noisy_tax_codes
from sample_data.noise_names import noisy_names, noisy_org_names
from sample_data.profiles import Draw
from sample_data.reference import Geography
from sample_data.util import date_str, rng_for, zfill

__all__ = ["COLUMNS", "build_tables"]

#: Column names of each register, exactly as in contract.md.
COLUMNS: dict[str, list[str]] = {
    "population": ["person_id", "full_name", "date_of_birth", "sex", "household_id", "relation_to_head",
                   "ward_code", "address", "phone", "death_date"],
    "enterprises": ["tax_code", "name", "legal_form", "status", "registered_on", "ward_code", "address",
                    "employees"],
    "cooperatives": ["tax_code", "name", "legal_form", "status", "registered_on", "ward_code", "address",
                     "employees", "members"],
    "managers": ["org_tax_code", "person_id", "full_name", "date_of_birth", "sex", "role"],
    "household_businesses": ["business_id", "owner_person_id", "owner_full_name", "owner_date_of_birth",
                             "business_name", "tax_method", "status", "ward_code", "address", "employees"],
    "insured": ["si_code", "person_id", "full_name", "date_of_birth", "sex", "ward_code", "address", "si_type",
                "si_status", "employer_unit_code", "hi_valid_to", "pensioner"],
    "employers": ["unit_code", "tax_code", "name", "ward_code", "address"],
}


def _ward_text(codes: np.ndarray) -> np.ndarray:
    return zfill(codes, 5)


def _truth_id(people: pd.DataFrame, owner: np.ndarray) -> np.ndarray:
    """The population's ID of each owner; empty for people outside the extract."""
    return np.where(people["resident"].to_numpy()[owner], people["person_id"].to_numpy()[owner], "")


def _person_copy(rng: np.random.Generator, people: pd.DataFrame, owner: np.ndarray, r: Rates,
                 stale: np.ndarray, as_of: date) -> dict[str, np.ndarray]:
    """ID, name, date of birth and sex of ``owner`` as another register recorded them."""
    pid = noisy_ids(rng, owner, people, r, stale)
    name = noisy_names(rng, people["full_name"].to_numpy()[owner], people["male"].to_numpy()[owner], r, stale)
    dob = noisy_dobs(rng, date_str(people["dob"].to_numpy()[owner]), r, stale, as_of)
    sex = people["sex"].to_numpy()[owner].copy()
    sex[pick(rng, len(owner), r.sex_missing)] = ""
    return {"person_id": pid, "full_name": name, "date_of_birth": dob, "sex": sex}


def _written_wards(rng: np.random.Generator, geo: Geography, ward_i: np.ndarray, r: Rates, stale: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The commune code as written (current, or an old one, some of split communes) and, per
    row, the old commune an old three-tier address tail would name."""
    n = len(ward_i)
    sel = np.flatnonzero(pick(rng, n, conditional(r.ward_old, r.stale, r.stale_ward_old, stale)))
    written = np.full(n, -1, dtype=np.int64)
    written[sel] = old_codes(rng, geo, ward_i[sel], r.ward_split)
    text = _ward_text(geo.ward_codes[ward_i])
    text[written >= 0] = _ward_text(written[written >= 0])
    return text, old_ward_for_tail(rng, geo, ward_i, written)


def _population(rng: np.random.Generator, geo: Geography, people: pd.DataFrame, r: Rates) -> pd.DataFrame:
    """Residents only, as the population register holds them (names and addresses with its own
    light noise; person_id and ward_code clean)."""
    res = people[people["resident"]]
    df = res[["person_id", "full_name", "date_of_birth", "sex", "household_id", "relation_to_head",
              "address", "phone", "death_date"]].copy()
    none = np.zeros(len(res), dtype=bool)
    df["full_name"] = noisy_names(rng, res["full_name"].to_numpy(), res["male"].to_numpy(), r, none)
    df["address"] = noisy_addresses(rng, res["address"].to_numpy(), np.full(len(res), -1), geo.legacy_parts,
                                    r, none)
    df["ward_code"] = _ward_text(res["ward"].to_numpy())
    df["_person_id"] = df["person_id"]
    df["_reason"] = ""
    return df.reset_index(drop=True)


def _insured(rng: np.random.Generator, geo: Geography, people: pd.DataFrame, rec: pd.DataFrame, r: Rates,
             as_of: date) -> pd.DataFrame:
    """The roll: a mover's record keeps an earlier home (commune and an address there)."""
    owner = rec["owner"].to_numpy()
    n = len(owner)
    stale = pick(rng, n, r.stale)
    copy = _person_copy(rng, people, owner, r, stale, as_of)
    df = pd.DataFrame({"si_code": rec["si_code"].to_numpy(), **copy})
    home = people["ward_i"].to_numpy()[owner]
    ward_i = home.copy()
    address = people["address"].to_numpy()[owner].copy()
    moved = np.flatnonzero(pick(rng, n, conditional(r.moved, r.stale, r.stale_moved, stale)))
    if len(moved):
        populated = np.unique(people.loc[people["resident"], "ward_i"].to_numpy())
        ward_i[moved] = earlier_wards(rng, geo, home[moved], populated, r.moved_other_province)
        address[moved] = home_addresses(rng, geo.ward_kind[ward_i[moved]], geo.ward_province[ward_i[moved]])
    text, tail = _written_wards(rng, geo, ward_i, r, stale)
    text[pick(rng, n, r.ward_missing)] = ""
    df["ward_code"] = text
    df["address"] = noisy_addresses(rng, address, tail, geo.legacy_parts, r, stale)
    for c in ("si_type", "si_status", "employer_unit_code", "hi_valid_to", "pensioner"):
        df[c] = rec[c].to_numpy()
    df["_person_id"] = _truth_id(people, owner)
    df["_moved"] = ward_i != home
    df["_stale"] = stale
    df["_reason"] = ""
    return df


def _orgs(orgs: pd.DataFrame, kind: str) -> pd.DataFrame:
    sub = orgs[orgs["kind"].isin(["ent", "branch"] if kind == "enterprises" else ["coop"])]
    df = sub[[c for c in COLUMNS[kind] if c != "ward_code"]].copy()
    df["ward_code"] = _ward_text(sub["ward"].to_numpy())
    df["_tax_code"] = df["tax_code"]
    df["_reason"] = ""
    # enterprises ordered by code, branches right after their parent
    return df.sort_values("tax_code", kind="stable").reset_index(drop=True)


def _managers(rng: np.random.Generator, people: pd.DataFrame, m: pd.DataFrame, r: Rates, as_of: date
              ) -> pd.DataFrame:
    owner = m["person"].to_numpy()
    stale = pick(rng, len(owner), r.stale)
    copy = _person_copy(rng, people, owner, r, stale, as_of)
    df = pd.DataFrame({"org_tax_code": m["org_tax_code"].to_numpy(), **copy, "role": m["role"].to_numpy()})
    df["_person_id"] = _truth_id(people, owner)
    df["_reason"] = ""
    return df


def _hkd(rng: np.random.Generator, geo: Geography, people: pd.DataFrame, hkd: pd.DataFrame, r: Rates,
         as_of: date) -> pd.DataFrame:
    """Household businesses; the truth keeps the true current commune (``_ward``), whatever
    old (or split) code the row carries."""
    owner = hkd["owner"].to_numpy()
    stale = pick(rng, len(owner), r.stale)
    copy = _person_copy(rng, people, owner, r, stale, as_of)
    df = pd.DataFrame({"business_id": hkd["business_id"].to_numpy(), "owner_person_id": copy["person_id"],
                       "owner_full_name": copy["full_name"], "owner_date_of_birth": copy["date_of_birth"]})
    for c in ("business_name", "tax_method", "status", "employees"):
        df[c] = hkd[c].to_numpy()
    ward_i = hkd["ward_i"].to_numpy()
    df["ward_code"], tail = _written_wards(rng, geo, ward_i, r, stale)
    df["address"] = noisy_addresses(rng, hkd["address"].to_numpy(), tail, geo.legacy_parts, r, stale)
    df["_person_id"] = _truth_id(people, owner)
    df["_ward"] = _ward_text(hkd["ward"].to_numpy())
    df["_reason"] = ""
    return df.sort_values("business_id", kind="stable").reset_index(drop=True)


def _employers(rng: np.random.Generator, geo: Geography, units: pd.DataFrame, r: Rates) -> pd.DataFrame:
    n = len(units)
    none = np.zeros(n, dtype=bool)
    ward_i = geo.ward_index(units["ward"].to_numpy())
    text, tail = _written_wards(rng, geo, ward_i, r, none)
    text[pick(rng, n, r.ward_missing)] = ""
    df = pd.DataFrame({"unit_code": units["unit_code"].to_numpy(),
                       "tax_code": noisy_tax_codes(rng, units["tax_code"].to_numpy(), r),
                       "name": noisy_org_names(rng, units["name"].to_numpy(), r), "ward_code": text,
                       "address": noisy_addresses(rng, units["address"].to_numpy(), tail, geo.legacy_parts, r,
                                                  none)})
    df["_tax_code"] = np.where(units["public"].to_numpy(), "", units["tax_code"].to_numpy())
    df["_reason"] = ""
    return df.sort_values("unit_code", kind="stable").reset_index(drop=True)


def build_tables(seed: int, geo: Geography, people: pd.DataFrame, orgs: pd.DataFrame, units: pd.DataFrame,
                 managers: pd.DataFrame, hkd: pd.DataFrame, rec: pd.DataFrame, noise: Draw, as_of: date
                 ) -> dict[str, pd.DataFrame]:
    """All seven registers, noisy at the world's drawn rates, with hidden truth columns."""
    r = noise.registers
    return {
        "population": _population(rng_for(seed, "noise_population"), geo, people, r["population"]),
        "enterprises": _orgs(orgs, "enterprises"),
        "cooperatives": _orgs(orgs, "cooperatives"),
        "managers": _managers(rng_for(seed, "noise_managers"), people, managers, r["managers"], as_of),
        "household_businesses": _hkd(rng_for(seed, "noise_hkd"), geo, people, hkd, r["household_businesses"],
                                     as_of),
        "insured": _insured(rng_for(seed, "noise_insured"), geo, people, rec, r["insured"], as_of),
        "employers": _employers(rng_for(seed, "noise_employers"), geo, units, r["employers"]),
    }
