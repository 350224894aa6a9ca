"""Turn the world into the seven registers as the agencies would hand them over.

Each table carries the contract's columns plus hidden truth columns whose names start with
``_`` (``_person_id``: true owner, ``_tax_code``: true organisation, ``_ward``: current commune,
``_reason``: why the row must be quarantined). The writer drops the hidden ones.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.noise import (
    abbreviate_org,
    fold,
    mistype_tax_codes,
    noisy_dobs,
    noisy_ids,
    noisy_names,
    old_codes_for,
    rates_for,
)
from sample_data.reference import Geography
from sample_data.util import date_str, rng_for, sample_in_groups, zfill

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


def _person_copy(rng: np.random.Generator, people: pd.DataFrame, owner: np.ndarray, register: str,
                 noise: str, as_of: date) -> dict[str, np.ndarray]:
    """ID, name, date of birth and sex of ``owner`` as another register recorded them."""
    r = rates_for(register, noise)
    all_ids = people["person_id"].to_numpy()
    pid = noisy_ids(rng, all_ids[owner], people["legacy_id"].to_numpy()[owner], r, all_ids)
    name = noisy_names(rng, people["full_name"].to_numpy()[owner], r)
    dob = noisy_dobs(rng, date_str(people["dob"].to_numpy()[owner]), r, as_of)
    sex = people["sex"].to_numpy()[owner].copy()
    sex[rng.random(len(owner)) < r.sex_missing] = ""
    return {"person_id": pid, "full_name": name, "date_of_birth": dob, "sex": sex}


def _population(people: pd.DataFrame) -> pd.DataFrame:
    df = people[["person_id", "full_name", "date_of_birth", "sex", "household_id", "relation_to_head",
                 "address", "phone", "death_date"]].copy()
    df["ward_code"] = _ward_text(people["ward"].to_numpy())
    df["_person_id"] = df["person_id"]
    df["_reason"] = ""
    return df


def _insured(rng: np.random.Generator, geo: Geography, people: pd.DataFrame, rec: pd.DataFrame,
             noise: str, as_of: date) -> pd.DataFrame:
    owner = rec["owner"].to_numpy()
    copy = _person_copy(rng, people, owner, "insured", noise, as_of)
    df = pd.DataFrame({"si_code": rec["si_code"].to_numpy(), **copy})
    r = rates_for("insured", noise)
    ward = people["ward"].to_numpy()[owner].copy()
    u = rng.random(len(df))
    moved = np.flatnonzero(u < r.ward_outdated)
    if len(moved):  # an earlier address, usually in the same province
        wards_pop = np.unique(people["ward"].to_numpy())
        wp = geo.ward_province[geo.ward_index(wards_pop)]
        prov = people["province"].to_numpy()[owner[moved]]
        for _ in range(3):  # re-draw the few that landed on the current ward
            same = ward[moved] == people["ward"].to_numpy()[owner[moved]]
            if not same.any():
                break
            ward[moved[same]] = sample_in_groups(rng, wards_pop, wp, prov[same])
    old_sel = np.flatnonzero((u >= r.ward_outdated) & (u < r.ward_outdated + r.ward_old))
    old = old_codes_for(rng, ward[old_sel], geo.old_codes_by_ward)
    ward_txt = _ward_text(ward)
    ward_txt[old_sel[old >= 0]] = _ward_text(old[old >= 0])
    df["ward_code"] = ward_txt
    df["address"] = people["address"].to_numpy()[owner]
    for c in ("si_type", "si_status", "employer_unit_code", "hi_valid_to", "pensioner"):
        df[c] = rec[c].to_numpy()
    df["_person_id"] = people["person_id"].to_numpy()[owner]
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


def _managers(rng: np.random.Generator, people: pd.DataFrame, m: pd.DataFrame, noise: str, as_of: date
              ) -> pd.DataFrame:
    owner = m["person"].to_numpy()
    copy = _person_copy(rng, people, owner, "managers", noise, as_of)
    df = pd.DataFrame({"org_tax_code": m["org_tax_code"].to_numpy(), **copy, "role": m["role"].to_numpy()})
    df["_person_id"] = people["person_id"].to_numpy()[owner]
    df["_reason"] = ""
    return df


def _hkd(rng: np.random.Generator, geo: Geography, people: pd.DataFrame, hkd: pd.DataFrame, noise: str,
         as_of: date) -> pd.DataFrame:
    owner = hkd["owner"].to_numpy()
    copy = _person_copy(rng, people, owner, "household_businesses", noise, as_of)
    r = rates_for("household_businesses", noise)
    df = pd.DataFrame({"business_id": hkd["business_id"].to_numpy(), "owner_person_id": copy["person_id"],
                       "owner_full_name": copy["full_name"], "owner_date_of_birth": copy["date_of_birth"]})
    for c in ("business_name", "tax_method", "status", "address", "employees"):
        df[c] = hkd[c].to_numpy()
    ward = hkd["ward"].to_numpy()
    txt = _ward_text(ward)
    sel = np.flatnonzero(rng.random(len(df)) < r.ward_old)
    old = old_codes_for(rng, ward[sel], geo.old_codes_by_ward)
    txt[sel[old >= 0]] = _ward_text(old[old >= 0])
    df["ward_code"] = txt
    df["_person_id"] = people["person_id"].to_numpy()[owner]
    df["_ward"] = _ward_text(ward)
    df["_reason"] = ""
    return df.sort_values("business_id", kind="stable").reset_index(drop=True)


def _employers(rng: np.random.Generator, geo: Geography, units: pd.DataFrame, noise: str) -> pd.DataFrame:
    r = rates_for("employers", noise)
    n = len(units)
    name = units["name"].to_numpy().copy()
    ab = np.flatnonzero(rng.random(n) < r.org_abbrev)
    rr = rng.random(len(ab))
    for i, x in zip(ab, rr, strict=True):
        name[i] = abbreviate_org(name[i], float(x))
    for i in np.flatnonzero(rng.random(n) < r.org_fold):
        name[i] = fold(name[i])
    title = np.flatnonzero(rng.random(n) < r.org_fold / 2)
    for i in title:
        name[i] = name[i].title()
    ward = units["ward"].to_numpy()
    txt = _ward_text(ward)
    sel = np.flatnonzero(rng.random(n) < r.ward_old)
    old = old_codes_for(rng, ward[sel], geo.old_codes_by_ward)
    txt[sel[old >= 0]] = _ward_text(old[old >= 0])
    df = pd.DataFrame({"unit_code": units["unit_code"].to_numpy(),
                       "tax_code": mistype_tax_codes(rng, units["tax_code"].to_numpy(), r),
                       "name": name, "ward_code": txt, "address": units["address"].to_numpy()})
    df["_tax_code"] = np.where(units["public"].to_numpy(), "", units["tax_code"].to_numpy())
    df["_reason"] = ""
    return df.sort_values("unit_code", kind="stable").reset_index(drop=True)


def build_tables(seed: int, geo: Geography, people: pd.DataFrame, orgs: pd.DataFrame, units: pd.DataFrame,
                 managers: pd.DataFrame, hkd: pd.DataFrame, rec: pd.DataFrame, noise: str, as_of: date
                 ) -> dict[str, pd.DataFrame]:
    """All seven registers, noisy as ``noise`` says, with hidden truth columns."""
    return {
        "population": _population(people),
        "enterprises": _orgs(orgs, "enterprises"),
        "cooperatives": _orgs(orgs, "cooperatives"),
        "managers": _managers(rng_for(seed, "noise_managers"), people, managers, noise, as_of),
        "household_businesses": _hkd(rng_for(seed, "noise_hkd"), geo, people, hkd, noise, as_of),
        "insured": _insured(rng_for(seed, "noise_insured"), geo, people, rec, noise, as_of),
        "employers": _employers(rng_for(seed, "noise_employers"), geo, units, noise),
    }
