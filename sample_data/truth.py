"""What a correct pipeline must find: links, quarantined rows and the expected prospects.

The prospects are recomputed from the registers *as written* (recorded text, partial dates,
old commune codes) plus only the hidden links (whose record is whose, which unit belongs to
which organisation, which commune an old code means). That is exactly what the pipeline has to
work out; everything else it can read from the files, so it must agree with this.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from sample_data.rules import alive, working_age

__all__ = ["GROUPS", "expected_prospects", "truth_tables"]

GROUPS = ["unregistered_employer", "underdeclared_employer", "uninsured_manager", "uninsured_household_owner",
          "uninsured_employee", "voluntary_si_prospect", "hi_prospect"]  # the employees: only with labour
PROSPECT_COLUMNS = ["group", "ward_code", "person_id", "tax_code", "business_id"]


def _usable(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["_reason"] == ""]


def person_flags(tables: dict[str, pd.DataFrame], as_of: date) -> pd.DataFrame:
    """One row per usable resident: alive, working age, pensioner, active SI / compulsory, HI."""
    pop = _usable(tables["population"])
    ids = pd.Index(pop["person_id"].to_numpy())
    flags = pd.DataFrame({"ward_code": pop["ward_code"].to_numpy()}, index=ids)
    flags["alive"] = alive(pop["death_date"], as_of)
    flags["working_age"] = working_age(pop["date_of_birth"], (pop["sex"] == "M").to_numpy(), as_of)
    ins = _usable(tables["insured"])
    who = ids.get_indexer(ins["_person_id"].to_numpy())  # -1: not a usable resident
    si_type = ins["si_type"].to_numpy()
    active = ins["si_status"].to_numpy() == "active"
    hi_to = ins["hi_valid_to"].to_numpy()
    mine = {
        "active_si": (si_type != "") & active,
        "active_compulsory": (si_type == "compulsory") & active,
        "hi_covered": (hi_to != "") & (hi_to >= as_of.isoformat()),
        "pensioner": ins["pensioner"].to_numpy() == "yes",
    }
    for col, rows in mine.items():
        hit = np.zeros(len(ids), dtype=bool)
        hit[who[rows & (who >= 0)]] = True
        flags[col] = hit
    flags["eligible"] = flags["alive"] & flags["working_age"] & ~flags["pensioner"]
    return flags


def _employer_groups(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    orgs = pd.concat([_usable(tables["enterprises"]), _usable(tables["cooperatives"])], ignore_index=True)
    units = _usable(tables["employers"])
    units = units[units["_tax_code"] != ""]
    unit_org = pd.Series(units["_tax_code"].to_numpy(), index=units["unit_code"].to_numpy())
    ins = _usable(tables["insured"])
    act = ins[(ins["si_type"] == "compulsory") & (ins["si_status"] == "active")
              & ins["employer_unit_code"].isin(unit_org.index)]
    # The contract counts active compulsory *records*: residents' and outsiders' alike (nobody
    # holds two, so this is also the number of persons).
    per_org = pd.DataFrame({"org": unit_org[act["employer_unit_code"].to_numpy()].to_numpy()})
    insured_n = per_org.groupby("org").size()
    emp = pd.to_numeric(orgs["employees"].replace("", np.nan), errors="coerce")
    is_active = orgs["status"] == "active"
    has_unit = orgs["tax_code"].isin(unit_org.to_numpy())
    n_ins = orgs["tax_code"].map(insured_n).fillna(0)
    unreg = is_active & (emp.isna() | (emp >= 1)) & ~has_unit
    under = is_active & has_unit & emp.notna() & (emp > n_ins)
    out = [pd.DataFrame({"group": g, "ward_code": orgs.loc[m, "ward_code"], "tax_code": orgs.loc[m, "tax_code"]})
           for g, m in (("unregistered_employer", unreg), ("underdeclared_employer", under))]
    return pd.concat(out, ignore_index=True)


def expected_prospects(tables: dict[str, pd.DataFrame], as_of: date) -> pd.DataFrame:
    """The six groups of the contract, computed on the true world the pipeline should see."""
    flags = person_flags(tables, as_of)
    parts = [_employer_groups(tables)]

    orgs = pd.concat([_usable(tables["enterprises"]), _usable(tables["cooperatives"])], ignore_index=True)
    active_orgs = orgs[orgs["status"] == "active"].set_index("tax_code")["ward_code"]
    mg = _usable(tables["managers"])
    mg = mg[mg["org_tax_code"].isin(active_orgs.index) & mg["_person_id"].isin(flags.index)]
    f = flags.loc[mg["_person_id"]]
    keep = (f["eligible"] & ~f["active_compulsory"]).to_numpy()
    mgr = pd.DataFrame({"group": "uninsured_manager",
                        "ward_code": active_orgs[mg["org_tax_code"].to_numpy()].to_numpy()[keep],
                        "person_id": mg["_person_id"].to_numpy()[keep],
                        "tax_code": mg["org_tax_code"].to_numpy()[keep]}).drop_duplicates(["tax_code", "person_id"])
    parts.append(mgr)

    hk = _usable(tables["household_businesses"])
    hk = hk[(hk["status"] == "active") & (hk["tax_method"] == "declaration") & hk["_person_id"].isin(flags.index)]
    f = flags.loc[hk["_person_id"]]
    keep = (f["eligible"] & ~f["active_compulsory"]).to_numpy()
    own = pd.DataFrame({"group": "uninsured_household_owner", "ward_code": hk["_ward"].to_numpy()[keep],
                        "person_id": hk["_person_id"].to_numpy()[keep],
                        "business_id": hk["business_id"].to_numpy()[keep]})
    own = own.drop_duplicates(["business_id", "person_id"])
    parts.append(own)

    taken = set(mgr["person_id"]) | set(own["person_id"])
    if "labour" in tables:  # residents with a contract in force at an active organisation, uninsured
        lb = _usable(tables["labour"])
        lb = lb[lb["_in_force"] & lb["_tax_code"].isin(active_orgs.index) & lb["_person_id"].isin(flags.index)]
        f = flags.loc[lb["_person_id"]]
        keep = (f["eligible"] & ~f["active_compulsory"]).to_numpy()
        emp = pd.DataFrame({"group": "uninsured_employee",
                            "ward_code": active_orgs[lb["_tax_code"].to_numpy()].to_numpy()[keep],
                            "person_id": lb["_person_id"].to_numpy()[keep],
                            "tax_code": lb["_tax_code"].to_numpy()[keep]}).drop_duplicates(["tax_code", "person_id"])
        parts.append(emp)
        taken |= set(emp["person_id"])
    vol = flags[flags["eligible"] & ~flags["active_si"] & ~flags.index.isin(pd.Index(sorted(taken)))]
    parts.append(pd.DataFrame({"group": "voluntary_si_prospect", "ward_code": vol["ward_code"].to_numpy(),
                               "person_id": vol.index.to_numpy()}))
    hi = flags[flags["alive"] & ~flags["hi_covered"]]
    parts.append(pd.DataFrame({"group": "hi_prospect", "ward_code": hi["ward_code"].to_numpy(),
                               "person_id": hi.index.to_numpy()}))

    out = pd.concat(parts, ignore_index=True)
    for c in PROSPECT_COLUMNS:
        out[c] = out[c].fillna("") if c in out else ""
    out["_rank"] = out["group"].map({g: i for i, g in enumerate(GROUPS)})
    out = out.sort_values(["_rank", "ward_code", "tax_code", "business_id", "person_id"], kind="stable")
    return out[PROSPECT_COLUMNS].reset_index(drop=True)


def truth_tables(tables: dict[str, pd.DataFrame], as_of: date) -> dict[str, pd.DataFrame]:
    """Every truth file, keyed by file stem. ``row_number`` is the 1-based data row."""
    def rn(df: pd.DataFrame) -> np.ndarray:
        return np.arange(1, len(df) + 1)

    ins, mg = tables["insured"], tables["managers"]
    hk, em = tables["household_businesses"], tables["employers"]
    quarantine = []
    for register, df in tables.items():
        bad = df["_reason"].to_numpy() != ""
        quarantine.append(pd.DataFrame({"register": register, "row_number": rn(df)[bad],
                                        "reason": df["_reason"].to_numpy()[bad]}))
    labour = {}
    if "labour" in tables:
        lb = tables["labour"]
        labour["labour_links"] = pd.DataFrame({
            "contract_id": lb["contract_id"].to_numpy(), "person_id": lb["_person_id"].to_numpy(),
            "tax_code": lb["_tax_code"].to_numpy(), "in_force": np.where(lb["_in_force"].to_numpy(), "yes", "no"),
            "row_number": rn(lb)})
    return {
        **labour,
        "insured_links": pd.DataFrame({"si_code": ins["si_code"].to_numpy(), "person_id": ins["_person_id"].to_numpy(),
                                       "row_number": rn(ins)}),
        "manager_links": pd.DataFrame({"row_number": rn(mg), "org_tax_code": mg["org_tax_code"].to_numpy(),
                                       "person_id": mg["_person_id"].to_numpy()}),
        "household_owner_links": pd.DataFrame({"business_id": hk["business_id"].to_numpy(),
                                               "person_id": hk["_person_id"].to_numpy(),
                                               "ward_code": hk["_ward"].to_numpy(), "row_number": rn(hk)}),
        "employer_links": pd.DataFrame({"unit_code": em["unit_code"].to_numpy(), "tax_code": em["_tax_code"].to_numpy(),
                                        "row_number": rn(em)}),
        "quarantine": pd.concat(quarantine, ignore_index=True),
        "prospects": expected_prospects(tables, as_of),
    }
