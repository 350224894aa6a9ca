"""Stage 5, prospects: the contract's six groups, each row with a reason in Vietnamese.

Inputs: standardised registers and the link stage's tables. Output:
``_stages/prospects/prospects.parquet`` with the columns of docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

import pandas as pd

from contract.groups import GROUPS, PROSPECT_COLUMNS
from matching.admin_units import current_wards
from pipelines.catalogue import BEST_UNLINKED, ORG_LINKS, PERSON_LINKS, PROSPECTS, STANDARDISED
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.rules import coverage_by_person, person_status
from pipelines.summaries import ProspectsSummary

if TYPE_CHECKING:
    from pipelines.settings import ProspectSettings

__all__ = ["build_prospects", "run"]

log = logging.getLogger(__name__)
_PERSON_DETAILS = ["person_id", "full_name", "dob", "sex", "household_id", "relation_to_head", "address", "phone"]


def _vn_date(value: pd.Timestamp) -> str:
    return value.strftime("%d/%m/%Y")


def _people(population: pd.DataFrame, insured: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Residents with their status and coverage facts, indexed by person_id."""
    people = population.set_index("person_id", drop=False)
    people = people.join(person_status(people, as_of))
    coverage = coverage_by_person(insured, as_of)
    people = people.join(coverage)
    for column in ("active_si", "active_compulsory", "pensioner", "hi_covered"):
        people[column] = people[column].astype("boolean").fillna(False).astype(bool)
    return people


def _active_orgs(organisations: pd.DataFrame) -> pd.DataFrame:
    orgs = organisations[organisations["status"] == "active"].copy()
    orgs["register"] = orgs["kind"].map({"enterprise": "enterprises", "cooperative": "cooperatives"})
    return orgs.set_index("tax_code", drop=False)


def _employer_groups(orgs: pd.DataFrame, insured: pd.DataFrame, org_links: pd.DataFrame) -> pd.DataFrame:
    """Active organisations with no unit, or whose declared employees exceed their insured ones."""
    units_of = org_links.groupby("tax_code")["unit_code"].apply(set)
    unit_to_org = org_links.set_index("unit_code")["tax_code"]
    compulsory = insured[(insured["si_type"] == "compulsory") & (insured["si_status"] == "active")].copy()
    compulsory["tax_code"] = compulsory["employer_unit_code"].map(unit_to_org)
    compulsory = compulsory[compulsory["tax_code"].notna()]
    # A person with two active records at one employer is one insured employee, not two.
    compulsory["employee"] = compulsory["person_id"].fillna("record:" + compulsory["row_number"].astype(str))
    insured_count = compulsory.groupby("tax_code")["employee"].nunique()
    has_unit = orgs.index.isin(units_of.index)
    declared = orgs["employees"]
    unregistered = orgs[~has_unit & (declared.isna() | (declared >= 1))].copy()
    unregistered["group"] = "unregistered_employer"
    unregistered["employees_insured"] = pd.NA
    unregistered["reason"] = [
        "Đang hoạt động" + (f", khai báo {n} lao động" if pd.notna(n) else "") + ", chưa có mã đơn vị tham gia BHXH"
        for n in declared[unregistered.index]]
    registered = orgs[has_unit].copy()
    registered["employees_insured"] = insured_count.reindex(registered.index).fillna(0).astype(int)
    under = registered[registered["employees"].notna() & (registered["employees"] > registered["employees_insured"])]
    under = under.copy()
    under["group"] = "underdeclared_employer"
    under["reason"] = ("Khai báo " + under["employees"].astype(str) + " lao động nhưng chỉ "
                       + under["employees_insured"].astype(str) + " người đang đóng BHXH bắt buộc")
    out = pd.concat([unregistered, under])
    return pd.DataFrame({
        "group": out["group"], "ward_code": out["ward_code"], "tax_code": out["tax_code"], "org_name": out["name"],
        "address": out["address"], "employees_declared": out["employees"].astype("string"),
        "employees_insured": out["employees_insured"].astype("string"), "reason": out["reason"],
        "confidence": 1.0, "source_rows": out["register"] + ":" + out["row_number"].astype(str),
    })


def _uncovered_worker(people: pd.DataFrame) -> pd.Series:
    """Alive, working age, not a pensioner, no active compulsory SI (managers and owners)."""
    return people["alive"] & people["working_age"] & ~people["pensioner"] & ~people["active_compulsory"]


def _manager_group(managers: pd.DataFrame, links: pd.DataFrame, orgs: pd.DataFrame,
                   people: pd.DataFrame) -> pd.DataFrame:
    linked = managers.merge(links.loc[links["source"] == "managers", ["row_number", "person_id", "match_probability"]],
                            on="row_number", suffixes=("_recorded", ""))
    linked = linked[linked["org_tax_code"].isin(orgs.index)]
    linked = linked[linked["person_id"].map(_uncovered_worker(people)).fillna(False).astype(bool)]
    linked = linked.sort_values("row_number").drop_duplicates(["org_tax_code", "person_id"])
    org = orgs.loc[linked["org_tax_code"]].set_index(linked.index)
    role = linked["role"].fillna("người quản lý")
    return pd.DataFrame({
        "group": "uninsured_manager", "ward_code": org["ward_code"], "person_id": linked["person_id"],
        "tax_code": linked["org_tax_code"], "org_name": org["name"], "role": linked["role"],
        "address": org["address"],
        "reason": [f"{r[:1].upper() + r[1:]} của {n}, trong độ tuổi lao động, chưa tham gia BHXH bắt buộc"
                   for r, n in zip(role, org["name"], strict=True)],
        "confidence": linked["match_probability"].astype(float),
        "source_rows": org["register"] + ":" + org["row_number"].astype(str) + ";managers:"
                       + linked["row_number"].astype(str),
    })


_OWNER_REASON = ("Chủ hộ kinh doanh nộp thuế theo phương pháp kê khai, trong độ tuổi lao động, "
                 "chưa tham gia BHXH bắt buộc")


def _household_owner_group(businesses: pd.DataFrame, links: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    eligible = businesses[(businesses["status"] == "active") & (businesses["tax_method"] == "declaration")]
    linked = eligible.merge(links.loc[links["source"] == "household_businesses",
                                      ["row_number", "person_id", "match_probability"]],
                            on="row_number", suffixes=("_recorded", ""))
    linked = linked[linked["person_id"].map(_uncovered_worker(people)).fillna(False).astype(bool)]
    return pd.DataFrame({
        "group": "uninsured_household_owner", "ward_code": linked["ward_code"], "person_id": linked["person_id"],
        "business_id": linked["business_id"], "org_name": linked["business_name"], "address": linked["address"],
        "reason": [_OWNER_REASON + (f" (địa bàn: {note})" if isinstance(note, str) else "")
                   for note in linked["ward_note"]],
        "confidence": linked["match_probability"].astype(float),
        "source_rows": "household_businesses:" + linked["row_number"].astype(str),
    })


def _resident_groups(people: pd.DataFrame, listed_workers: set[str], as_of: dt.date) -> pd.DataFrame:
    voluntary = people[people["alive"] & people["working_age"] & ~people["pensioner"] & ~people["active_si"]
                       & ~people["person_id"].isin(listed_workers)]
    hi = people[people["alive"] & ~people["hi_covered"]]
    expired = [f"Thẻ BHYT đã hết hạn ngày {_vn_date(d)}" if pd.notna(d) else "Không có thẻ BHYT"
               for d in hi["hi_last_valid_to"]]
    frames = [
        pd.DataFrame({"group": "voluntary_si_prospect", "person_id": voluntary["person_id"],
                      "reason": "Trong độ tuổi lao động (" + voluntary["age_years"].astype(str)
                                + " tuổi), chưa tham gia BHXH"}),
        pd.DataFrame({"group": "hi_prospect", "person_id": hi["person_id"],
                      "reason": [f"{e}, chưa có BHYT còn hạn ngày {as_of:%d/%m/%Y}" for e in expired]}),
    ]
    out = pd.concat(frames, ignore_index=True)
    residents = people.loc[out["person_id"]]
    out["ward_code"] = residents["ward_code"].to_numpy()
    out["address"] = residents["address"].to_numpy()
    out["confidence"] = 1.0
    out["source_rows"] = "population:" + residents["row_number"].astype(str).to_numpy()
    return out


def build_prospects(tables: dict[str, pd.DataFrame], as_of: dt.date, settings: ProspectSettings) -> pd.DataFrame:
    """All six groups from standardised tables plus ``person_links`` and ``org_links``."""
    links = tables["person_links"]
    insured = tables["insured"].merge(links.loc[links["source"] == "insured", ["row_number", "person_id"]],
                                      on="row_number", how="left", suffixes=("_recorded", ""))
    people = _people(tables["population"], insured, as_of)
    orgs = _active_orgs(tables["organisations"])
    managers = _manager_group(tables["managers"], links, orgs, people)
    owners = _household_owner_group(tables["household_businesses"], links, people)
    listed = set(managers["person_id"]) | set(owners["person_id"])
    groups = pd.concat([_employer_groups(orgs, insured, tables["org_links"]), managers, owners,
                        _resident_groups(people, listed, as_of)], ignore_index=True)
    return _finish(groups, people, _insured_evidence(tables["best_unlinked"], settings.evidence_floor))


def _insured_evidence(best_unlinked: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Per person, the closest insured record left unassigned to them: why they are still listed.

    Its probability lowers ``confidence``: a listed person with a near-miss record may be covered.
    Below ``floor`` (settings: ``prospects.evidence_floor``) a candidate is noise to an officer.
    """
    best = best_unlinked[best_unlinked["record_key"].fillna("").str.startswith("insured:")
                         & (best_unlinked["match_probability"] >= floor)]
    evidence = [f"Hồ sơ BHXH/BHYT gần nhất chưa ghép: {key.replace('insured:', 'dòng ')} "
                f"(xác suất {p:.2f}; {reason})"
                for key, p, reason in zip(best["record_key"], best["match_probability"], best["reason"], strict=True)]
    return pd.DataFrame({"person_id": best["person_id"].to_numpy(), "evidence": evidence,
                         "near_miss": best["match_probability"].astype(float).to_numpy()})


def _finish(groups: pd.DataFrame, people: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Add person details, evidence and commune names; order columns and rows deterministically."""
    details = people[_PERSON_DETAILS].rename(columns={"dob": "date_of_birth", "address": "home_address"})
    out = groups.merge(details.reset_index(drop=True), on="person_id", how="left")
    out = out.merge(evidence, on="person_id", how="left")
    out["confidence"] = out["confidence"].astype(float) * (1.0 - out["near_miss"].fillna(0.0))
    out["address"] = out["address"].where(out["address"].notna(), out["home_address"])
    wards = current_wards().set_index("ward_code")
    out["ward_name"] = out["ward_code"].map(wards["ward_name"])
    out["province_code"] = out["ward_code"].map(wards["province_code"])
    for column in PROSPECT_COLUMNS:
        if column not in out:
            out[column] = None
    out["confidence"] = out["confidence"].astype(float).round(3)
    out["group_order"] = out["group"].map({g: i for i, g in enumerate(GROUPS)})
    out = out.sort_values(["group_order", "ward_code", "tax_code", "business_id", "person_id"], na_position="first")
    return out[list(PROSPECT_COLUMNS)].reset_index(drop=True)


def run(ctx: RunContext) -> ProspectsSummary:
    """Apply the rules and write the prospects table."""
    tables = {name: pd.read_parquet(STANDARDISED[name].path(ctx))
              for name in ("population", "organisations", "managers", "household_businesses", "insured")}
    tables["person_links"] = pd.read_parquet(PERSON_LINKS.path(ctx))
    tables["org_links"] = pd.read_parquet(ORG_LINKS.path(ctx))
    tables["best_unlinked"] = pd.read_parquet(BEST_UNLINKED.path(ctx))
    prospects = build_prospects(tables, ctx.as_of, ctx.settings.prospects)
    write_parquet(prospects, PROSPECTS.path(ctx))
    counts = prospects["group"].value_counts()
    return {"prospects": {group: int(counts.get(group, 0)) for group in GROUPS}}
