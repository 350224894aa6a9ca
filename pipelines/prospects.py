"""Stage 5, prospects: the contract's groups (six, and ``uninsured_employee`` when the ``labour``
register is given), each row with a reason in Vietnamese and how likely it is to be a true prospect.

Inputs: standardised registers and the link stage's tables (its candidate pairs with their
probabilities). Outputs: ``prospects.parquet`` (the lists), ``prospects_to_verify.parquet`` (rows
too unsure to hand to an officer as prospects) and ``estimates.parquet`` (per group and commune,
the expected true prospects listed and left out: expected precision and recall without truth).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from contract.groups import ALL_GROUPS, PROSPECT_COLUMNS, groups_of
from matching.admin_units import candidates_of, current_wards
from matching.coverage import (
    WorkplaceAgreement,
    any_probability,
    uncovered_probability,
    unplaced_cover,
    workplace_agreement,
)
from pipelines.catalogue import (
    BEST_UNLINKED,
    CANDIDATES,
    ESTIMATES,
    FEEDBACK_OUTCOMES,
    LABOUR_EMPLOYERS,
    ORG_CANDIDATES,
    ORG_LINKS,
    PERSON_LINKS,
    PROSPECTS,
    PROSPECTS_TO_VERIFY,
    STANDARDISED,
    SUPPRESSED,
)
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.prospect_ids import prospect_ids, prospect_key
from pipelines.rules import contract_in_force, coverage_by_person, person_status
from pipelines.summaries import ProspectsSummary, read_link, read_registers

if TYPE_CHECKING:
    from pipelines.settings import ProspectSettings

__all__ = ["ESTIMATE_COLUMNS", "Prospects", "build_prospects", "run"]

log = logging.getLogger(__name__)
_PERSON_DETAILS = ["person_id", "full_name", "dob", "sex", "household_id", "relation_to_head", "address", "phone"]


_VN_DATE = "%d/%m/%Y"  # how dates read in the reasons


def _vn_date(value: pd.Timestamp) -> str:
    return value.strftime(_VN_DATE)


def _people(population: pd.DataFrame, insured: pd.DataFrame, records: pd.DataFrame, candidates: pd.DataFrame,
            as_of: dt.date, outsider_share: float) -> pd.DataFrame:
    """Residents with their status and how likely each coverage fact is absent, indexed by person_id.

    ``p_no_hi``: no record that is theirs covers them for health insurance on the as-of date;
    ``p_no_si``: none gives them active SI or a pension; ``p_free``: none gives them active
    compulsory SI or a pension (:func:`matching.coverage.uncovered_probability`), each also
    counting the records of that kind the linkage could not place at all
    (:func:`matching.coverage.unplaced_cover`; ``outsider_share``: the share of insured records
    that belong to nobody in the extract).
    """
    people = population.set_index("person_id", drop=False)
    people = people.join(person_status(people, as_of))
    index = people.index
    alive = people["alive"].to_numpy(dtype=bool)
    none = 1.0 - candidates.groupby("record_key")["match_probability"].sum().reindex(records.index).fillna(0.0)
    kinds = (("p_no_hi", records["covers_hi"]), ("p_no_si", records["active_si"] | records["pensioner"]),
             ("p_free", records["active_compulsory"] | records["pensioner"]))
    for column, covering in kinds:
        seen = uncovered_probability(candidates, covering, index).to_numpy()
        people[column] = unplaced_cover(seen, alive, none[covering.to_numpy()].to_numpy(), outsider_share)
    coverage = coverage_by_person(insured, as_of)  # the linked records: what the reasons cite
    people["hi_last_valid_to"] = coverage["hi_last_valid_to"].reindex(index).to_numpy()
    return people


def _record_facts(insured: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per insured record (``record_key``): what it would say of the person it belongs to."""
    active = insured["si_type"].notna() & (insured["si_status"] == "active")
    facts = pd.DataFrame({
        "covers_hi": (insured["hi_valid_to"] >= pd.Timestamp(as_of)).fillna(False).to_numpy(dtype=bool),
        "active_si": active.to_numpy(dtype=bool),
        "active_compulsory": (active & (insured["si_type"] == "compulsory")).to_numpy(dtype=bool),
        "pensioner": insured["pensioner"].fillna(False).to_numpy(dtype=bool),
    }, index="insured:" + insured["row_number"].astype(str))
    return facts


def _workplace_evidence(tables: dict[str, pd.DataFrame], candidates: pd.DataFrame, records: pd.DataFrame
                        ) -> tuple[pd.DataFrame, WorkplaceAgreement]:
    """The candidates with :func:`matching.coverage.workplace_agreement` applied: each active
    compulsory record's employer (its unit's organisation), each resident's employers (contracts in
    force, times the contract's link and its employer's)."""
    insured = tables["insured"]
    compulsory = insured[records["active_compulsory"].to_numpy() & insured["employer_unit_code"].notna().to_numpy()]
    units = tables["org_candidates"].rename(columns={"unit_code": "employer_unit_code"})
    record_employers = pd.DataFrame({"record_key": "insured:" + compulsory["row_number"].astype(str),
                                     "employer_unit_code": compulsory["employer_unit_code"]}).merge(units)
    contracts = tables["labour_employers"].dropna(subset=["tax_code"])
    contracts = contracts.assign(record_key="labour:" + contracts["row_number"].astype(str))
    mine = candidates[candidates["record_key"].isin(contracts["record_key"])]
    jobs = mine.merge(contracts[["record_key", "tax_code", "probability"]], on="record_key")
    jobs["match_probability"] = jobs["match_probability"] * jobs["probability"]
    # P(some contract in force with the employer is the person's)
    person_employers = any_probability(jobs, ["person_id", "tax_code"], sort=False).rename("probability").reset_index()
    adjusted, agreement = workplace_agreement(
        candidates, record_employers[["record_key", "tax_code", "probability"]], person_employers)
    log.info("workplace agreement: %s", agreement.as_dict())  # rates and counts: no person in them
    return adjusted, agreement


_SAME_EMPLOYER = "cùng đơn vị sử dụng lao động với hợp đồng lao động"


def _agreeing_near_misses(near_misses: pd.DataFrame, linked: pd.DataFrame, raised: pd.DataFrame) -> pd.DataFrame:
    """The near misses (``best_unlinked``) with the probability the groups were computed from:
    where the employer agreement raised the pair (``raised`` against the link stage's ``linked``,
    row for row), its raised probability, and the reason says why, so that the evidence an officer
    reads quotes the figure behind the listing."""
    up = raised["match_probability"].to_numpy() > linked["match_probability"].to_numpy()
    if not up.any():
        return near_misses
    pairs = raised.loc[up, ["record_key", "person_id", "match_probability"]].rename(
        columns={"match_probability": "raised"})
    out = near_misses.merge(pairs, on=["record_key", "person_id"], how="left")
    hit = out["raised"].notna().to_numpy()
    out["match_probability"] = np.where(hit, out["raised"], out["match_probability"])
    out["reason"] = np.where(hit, out["reason"].fillna("").astype(str) + "; " + _SAME_EMPLOYER, out["reason"])
    return out.drop(columns="raised")


def _active_orgs(organisations: pd.DataFrame) -> pd.DataFrame:
    orgs = organisations[organisations["status"] == "active"].copy()
    orgs["register"] = orgs["kind"].map({"enterprise": "enterprises", "cooperative": "cooperatives"})
    return orgs.set_index("tax_code", drop=False)


def _employer_groups(orgs: pd.DataFrame, insured: pd.DataFrame, org_links: pd.DataFrame,
                     org_candidates: pd.DataFrame) -> pd.DataFrame:
    """Active organisations with no unit, or whose declared employees exceed their insured records.

    ``confidence``: an unregistered employer's is the probability that none of the units that
    might be its own is (``1 − P(some unit is theirs)``); an underdeclaring one's, that one is.
    """
    unit_to_org = org_links.set_index("unit_code")["tax_code"]
    has_unit = any_probability(org_candidates.rename(columns={"probability": "match_probability"}), ["tax_code"])
    p_unit = has_unit.reindex(orgs.index).fillna(0.0)
    compulsory = insured[(insured["si_type"] == "compulsory") & (insured["si_status"] == "active")]
    # The contract counts the employer's active compulsory *records* (its declarations).
    insured_count = compulsory["employer_unit_code"].map(unit_to_org).dropna().value_counts()
    linked = orgs.index.isin(unit_to_org.to_numpy())
    declared = orgs["employees"]
    unregistered = orgs[(declared.isna() | (declared >= 1))].copy()
    unregistered["group"] = "unregistered_employer"
    unregistered["employees_insured"] = pd.NA
    unregistered["confidence"] = 1.0 - p_unit[unregistered.index]
    unregistered["reason"] = [
        "Đang hoạt động" + (f", khai báo {n} lao động" if pd.notna(n) else "") + ", chưa có mã đơn vị tham gia BHXH"
        for n in declared[unregistered.index]]
    registered = orgs[linked].copy()
    registered["employees_insured"] = insured_count.reindex(registered.index).fillna(0).astype(int)
    under = registered[registered["employees"].notna() & (registered["employees"] > registered["employees_insured"])]
    under = under.copy()
    under["group"] = "underdeclared_employer"
    under["confidence"] = p_unit[under.index]
    under["reason"] = ("Khai báo " + under["employees"].astype(str) + " lao động nhưng chỉ "
                       + under["employees_insured"].astype(str) + " người đang đóng BHXH bắt buộc")
    out = pd.concat([unregistered, under])
    return pd.DataFrame({
        "group": out["group"], "ward_code": out["ward_code"], "tax_code": out["tax_code"], "org_name": out["name"],
        "address": out["address"], "employees_declared": out["employees"].astype("string"),
        "employees_insured": out["employees_insured"].astype("string"), "reason": out["reason"],
        "confidence": out["confidence"].astype(float),
        "source_rows": out["register"] + ":" + out["row_number"].astype(str),
    })


def _worker_pairs(rows: pd.DataFrame, source: str, key: str, candidates: pd.DataFrame,
                  people: pd.DataFrame) -> pd.DataFrame:
    """(key, person) pairs of a manager or owner register with the probability that some row of
    that key is the person's, and that the person is an uncovered worker (alive, working age, no
    active compulsory SI, no pension): their product is the prospect's ``confidence``."""
    mine = candidates[candidates["record_key"].str.startswith(source + ":")]
    rows = rows.assign(record_key=source + ":" + rows["row_number"].astype(str))
    pairs = mine.merge(rows[["record_key", key, "row_number"]], on="record_key")
    if pairs.empty:
        return pd.DataFrame(columns=[key, "person_id", "p_row", "row_number", "confidence"])
    p_row = any_probability(pairs, [key, "person_id"]).rename("p_row").reset_index()
    first = pairs.sort_values("row_number").drop_duplicates([key, "person_id"])[[key, "person_id", "row_number"]]
    out = p_row.merge(first, on=[key, "person_id"])
    who = people.reindex(out["person_id"])
    eligible = (who["alive"] & who["working_age"]).fillna(False).to_numpy(dtype=bool)
    out["confidence"] = out["p_row"].to_numpy() * who["p_free"].fillna(0.0).to_numpy() * eligible
    return out


def _manager_group(managers: pd.DataFrame, candidates: pd.DataFrame, orgs: pd.DataFrame,
                   people: pd.DataFrame) -> pd.DataFrame:
    rows = managers[managers["org_tax_code"].isin(orgs.index)]
    pairs = _worker_pairs(rows, "managers", "org_tax_code", candidates, people)
    row = rows.set_index("row_number").loc[pairs["row_number"]]
    org = orgs.loc[pairs["org_tax_code"]]
    role = row["role"].fillna("người quản lý").to_numpy()
    return pd.DataFrame({
        "group": "uninsured_manager", "ward_code": org["ward_code"].to_numpy(), "person_id": pairs["person_id"],
        "tax_code": pairs["org_tax_code"], "org_name": org["name"].to_numpy(), "role": row["role"].to_numpy(),
        "address": org["address"].to_numpy(),
        "reason": [f"{r[:1].upper() + r[1:]} của {n}, trong độ tuổi lao động, chưa tham gia BHXH bắt buộc"
                   for r, n in zip(role, org["name"], strict=True)],
        "confidence": pairs["confidence"].astype(float),
        "source_rows": (org["register"] + ":" + org["row_number"].astype(str)).to_numpy() + ";managers:"
                       + pairs["row_number"].astype(str),
    })


_OWNER_REASON = ("Chủ hộ kinh doanh nộp thuế theo phương pháp kê khai, trong độ tuổi lao động, "
                 "chưa tham gia BHXH bắt buộc")


def _household_owner_group(businesses: pd.DataFrame, candidates: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    rows = businesses[(businesses["status"] == "active") & (businesses["tax_method"] == "declaration")]
    pairs = _worker_pairs(rows, "household_businesses", "business_id", candidates, people)
    row = rows.set_index("row_number").loc[pairs["row_number"]]
    return pd.DataFrame({
        "group": "uninsured_household_owner", "ward_code": row["ward_code"].to_numpy(), "person_id": pairs["person_id"],
        "business_id": pairs["business_id"], "org_name": row["business_name"].to_numpy(),
        "address": row["address"].to_numpy(),
        "reason": [_OWNER_REASON + (f" (địa bàn: {note})" if isinstance(note, str) else "")
                   for note in row["ward_note"]],
        "confidence": pairs["confidence"].astype(float).to_numpy(),
        "place_probability": _place_probability(row),
        "source_rows": "household_businesses:" + pairs["row_number"].astype(str),
    })


def _place_probability(rows: pd.DataFrame) -> np.ndarray:
    """How likely a row's commune is its own: 1, but for an old commune split between several and
    not settled by the address (listed under the lowest candidate, as the contract says): one in
    as many candidates."""
    flagged = (rows["ward_status"] == "old_split_flagged").to_numpy()
    out = np.ones(len(rows))
    for i in np.flatnonzero(flagged):
        out[i] = 1.0 / max(len(candidates_of(str(rows["ward_code_raw"].iloc[i]))), 1)
    return out


# contract_type -> how the reason names it (Bộ luật Lao động 2019, Art. 20; seasonal: older contracts).
_CONTRACT_KINDS = {"indefinite": "hợp đồng lao động không xác định thời hạn",
                   "fixed_term": "hợp đồng lao động xác định thời hạn",
                   "seasonal": "hợp đồng lao động theo mùa vụ"}


def _employee_group(labour: pd.DataFrame, employers: pd.DataFrame, candidates: pd.DataFrame, orgs: pd.DataFrame,
                    people: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Residents holding a contract in force with an active enterprise or cooperative and no active
    compulsory SI (nor a pension), listed in the organisation's commune.

    ``confidence``: the probability that some contract of the (organisation, person) pair is the
    person's and names that organisation (record link times employer link), times the probability
    that the person is an uncovered worker (:func:`_worker_pairs`)."""
    named = employers[employers["tax_code"].isin(orgs.index)]
    rows = labour[contract_in_force(labour, as_of)].merge(named[["row_number", "tax_code", "probability"]],
                                                           on="row_number")
    keys = "labour:" + rows["row_number"].astype(str)
    mine = candidates[candidates["record_key"].isin(keys)]
    scale = pd.Series(rows["probability"].to_numpy(dtype=float), index=keys.to_numpy())
    mine = mine.assign(match_probability=mine["match_probability"].to_numpy() * scale[mine["record_key"]].to_numpy())
    pairs = _worker_pairs(rows, "labour", "tax_code", mine, people)
    row = rows.set_index("row_number").loc[pairs["row_number"]]
    org = orgs.loc[pairs["tax_code"]]
    # Column by column: one reason per candidate pair (half a million at 1M residents).
    kind = row["contract_type"].map(_CONTRACT_KINDS).fillna("hợp đồng lao động").to_numpy(dtype=object)
    ended = row["end_date"]
    until = (" đến ngày " + ended.dt.strftime(_VN_DATE)).fillna("").to_numpy(dtype=object)
    reasons = ("Có " + kind + " số " + row["contract_id"].astype(str).to_numpy(dtype=object) + " với "
               + org["name"].astype(str).to_numpy(dtype=object) + " từ ngày "
               + row["start_date"].dt.strftime(_VN_DATE).to_numpy(dtype=object) + until
               + ", trong độ tuổi lao động, chưa tham gia BHXH bắt buộc")
    return pd.DataFrame({
        "group": "uninsured_employee", "ward_code": org["ward_code"].to_numpy(), "person_id": pairs["person_id"],
        "tax_code": pairs["tax_code"], "org_name": org["name"].to_numpy(), "address": org["address"].to_numpy(),
        "reason": reasons, "confidence": pairs["confidence"].astype(float),
        "source_rows": (org["register"] + ":" + org["row_number"].astype(str)).to_numpy() + ";labour:"
                       + pairs["row_number"].astype(str),
    })


def precision_cut(listing: np.ndarray, floor: float, target: float, assurance: float = 0.5) -> float:
    """The probability from which a group's rows are listed so that, were the rows' probabilities
    right, the list's precision would be at least ``target`` with probability ``assurance``: the
    lowest such cut at or above ``floor`` (a row at least ``target`` likely is always listed).

    The list of the ``k`` most likely rows holds ``Σ p`` true prospects in expectation, with
    variance ``Σ p(1 − p)`` (independent rows); its precision's lower bound at ``assurance`` is
    ``(Σ p − z·√Σ p(1 − p)) / k`` (normal approximation, ``z`` the ``assurance`` quantile; 0.5:
    the mean alone, the expected precision). The longest list whose bound reaches ``target`` is kept.

    >>> precision_cut(np.array([1.0, 0.99, 0.9, 0.6]), 0.5, 0.95)
    0.9
    >>> precision_cut(np.array([1.0, 0.99, 0.98, 0.7]), 0.5, 0.9)
    0.7
    >>> precision_cut(np.array([1.0, 0.99, 0.98, 0.7]), 0.5, 0.9, assurance=0.9)  # 0.7 makes the bound 0.76
    0.9
    >>> precision_cut(np.array([0.8, 0.6]), 0.5, 0.99), precision_cut(np.array([]), 0.5, 0.99)
    (0.99, 0.5)
    """
    values = np.sort(listing[listing >= floor])[::-1]
    if values.size == 0:
        return floor
    z = NormalDist().inv_cdf(assurance)
    count = np.arange(1, values.size + 1)
    bound = (np.cumsum(values) - z * np.sqrt(np.cumsum(values * (1.0 - values)))) / count
    kept = np.flatnonzero(bound >= target)
    cut = float(values[kept[-1]]) if kept.size else target
    return max(floor, min(cut, target))


def _mention_contracted(employers: pd.DataFrame, employees: pd.DataFrame, cut: float) -> pd.Series:
    """An underdeclaring employer's reason, with how many of its contracted workers lack insurance
    (those listed as ``uninsured_employee``: at least ``cut`` likely)."""
    listed = employees[employees["confidence"] >= cut]
    count = listed.groupby("tax_code").size()
    n = employers["tax_code"].map(count).fillna(0).astype(int)
    under = employers["group"] == "underdeclared_employer"
    return employers["reason"].where(~under, employers["reason"] + "; " + n.astype(str)
                                     + " người có hợp đồng lao động còn hiệu lực chưa tham gia BHXH bắt buộc")


def _resident_groups(people: pd.DataFrame, worker: pd.Series, as_of: dt.date) -> pd.DataFrame:
    """Voluntary SI and HI prospects. A voluntary prospect is not one of the worker groups: its
    ``confidence`` is P(no active SI, no pension) times P(not a manager or owner prospect)."""
    alive = people["alive"].to_numpy(dtype=bool)
    working = alive & people["working_age"].to_numpy(dtype=bool)
    # Only the columns these rows need, and each distinct reason built once: at a million residents a
    # copy of every column of ``people`` and a string per row were half a gigabyte.
    voluntary = people.loc[working, ["person_id", "p_no_si", "age_years"]]
    not_worker = 1.0 - worker.reindex(voluntary.index).fillna(0.0).to_numpy()
    ages = voluntary["age_years"].astype(str)
    hi = people.loc[alive, ["person_id", "p_no_hi", "hi_last_valid_to"]]
    frames = [
        pd.DataFrame({"group": "voluntary_si_prospect", "person_id": voluntary["person_id"],
                      "confidence": voluntary["p_no_si"].to_numpy() * not_worker,
                      "reason": ages.map({age: f"Trong độ tuổi lao động ({age} tuổi), chưa tham gia BHXH"
                                          for age in ages.unique()})}),
        pd.DataFrame({"group": "hi_prospect", "person_id": hi["person_id"], "confidence": hi["p_no_hi"].to_numpy(),
                      "reason": _hi_reasons(hi["hi_last_valid_to"], as_of)}),
    ]
    out = pd.concat(frames, ignore_index=True)
    del frames, voluntary, hi, ages
    residents = people.index.get_indexer(out["person_id"])  # person_id is the population's unique key
    out["ward_code"] = people["ward_code"].to_numpy()[residents]
    out["address"] = people["address"].to_numpy()[residents]
    out["source_rows"] = "population:" + people["row_number"].astype(str).to_numpy()[residents]
    return out


def _hi_reasons(valid_to: pd.Series, as_of: dt.date) -> list[str]:
    """Per resident, why they are an HI prospect: the card's last day (one string per distinct day)."""
    known: dict[object, str] = {}

    def reason(day: object) -> str:
        if day not in known:
            expired = f"Thẻ BHYT đã hết hạn ngày {_vn_date(day)}" if pd.notna(day) else "Không có thẻ BHYT"
            known[day] = f"{expired}, chưa có BHYT còn hạn ngày {as_of:%d/%m/%Y}"
        return known[day]

    return [reason(day) for day in valid_to]


@dataclass(frozen=True)
class Prospects:
    """The lists, the rows to verify, and what the model expects of both (see :func:`build_prospects`)."""

    listed: pd.DataFrame  # confidence >= list_probability: prospects.csv and the officers' lists
    to_verify: pd.DataFrame  # verify_probability <= confidence < list_probability
    estimates: pd.DataFrame  # per group and commune: ESTIMATE_COLUMNS
    workplace: WorkplaceAgreement | None = None  # only with labour (_workplace_evidence)


ESTIMATE_COLUMNS = tuple(column.name for column in ESTIMATES.columns or ())


def build_prospects(tables: dict[str, pd.DataFrame], as_of: dt.date, settings: ProspectSettings,
                    outsider_share: float = 0.0, key: bytes | None = None) -> Prospects:
    """The contract's groups from standardised tables and the link stage's tables.

    Every row a group could hold gets its ``confidence``, the probability that it is a true
    prospect, from the links' probabilities (:mod:`matching.coverage`); rows at least
    ``list_probability`` likely are the lists (``uninsured_employee``'s from its
    :func:`precision_cut`, at least ``list_probability``), rows at least ``verify_probability`` likely are
    to be verified (not given to officers as prospects), and the estimates count, per group and
    commune, the expected true prospects among the listed and among the rest.
    """
    key = prospect_key() if key is None else key  # first: a production run without its key stops here
    links, candidates = tables["person_links"], tables["candidates"]
    insured = tables["insured"].merge(links.loc[links["source"] == "insured", ["row_number", "person_id"]],
                                      on="row_number", how="left", suffixes=("_recorded", ""))
    records = _record_facts(tables["insured"], as_of)
    agreement, near_misses = None, tables["best_unlinked"]
    if "labour" in tables:  # a covering record from the employer a person has a contract with
        linked_candidates = candidates
        candidates, agreement = _workplace_evidence(tables, candidates, records)
        near_misses = _agreeing_near_misses(near_misses, linked_candidates, candidates)
    people = _people(tables["population"], insured, records, candidates, as_of, outsider_share)
    orgs = _active_orgs(tables["organisations"])
    managers = _manager_group(tables["managers"], candidates, orgs, people)
    owners = _household_owner_group(tables["household_businesses"], candidates, people)
    employees, employee_cut = None, settings.list_probability
    if "labour" in tables:  # the optional register: uninsured_employee only when it is given
        employees = _employee_group(tables["labour"], tables["labour_employers"], candidates, orgs, people, as_of)
        employee_cut = precision_cut(employees["confidence"].to_numpy(dtype=float).clip(0.0, 1.0),
                                     settings.list_probability, settings.employee_list_precision,
                                     settings.employee_list_assurance)
    workers = pd.concat([managers, owners, *([employees] if employees is not None else [])], ignore_index=True)
    worker = any_probability(workers.rename(columns={"confidence": "match_probability"}), ["person_id"]) \
        if len(workers) else pd.Series(dtype=float)
    employers = _employer_groups(orgs, insured, tables["org_links"], tables["org_candidates"])
    if employees is not None:
        employers["reason"] = _mention_contracted(employers, employees, employee_cut)
    groups = pd.concat([employers, managers, owners, *([employees] if employees is not None else []),
                        _resident_groups(people, worker, as_of)], ignore_index=True)
    groups["confidence"] = groups["confidence"].astype(float).clip(0.0, 1.0)
    # A row is listed by how likely its person (or organisation) is a prospect; a flagged split
    # commune is listed all the same (contract), its confidence counting the commune's doubt.
    place = groups["place_probability"].fillna(1.0).to_numpy() if "place_probability" in groups else 1.0
    groups["listing"] = groups["confidence"].to_numpy()
    groups["confidence"] = groups["confidence"].to_numpy() * place
    groups["cut"] = np.where(groups["group"] == "uninsured_employee", employee_cut, settings.list_probability)
    estimates = _estimates(groups, settings)
    evidence = _insured_evidence(near_misses, settings.evidence_floor)
    listed = groups[groups["listing"] >= groups["cut"]]
    verify = groups[(groups["listing"] >= settings.verify_probability) & (groups["listing"] < groups["cut"])]
    return Prospects(_finish(listed, people, evidence, key), _finish(verify, people, evidence, key), estimates,
                     agreement)


def _estimates(groups: pd.DataFrame, settings: ProspectSettings) -> pd.DataFrame:
    """Per group and commune: rows listed, the expected true prospects among them (the sum of
    their confidences) and among the rows left out (verify or below, or listed in a commune that
    may not be theirs), and rows to verify."""
    listed = groups["listing"] >= groups["cut"]
    frame = pd.DataFrame({
        "group": groups["group"], "ward_code": groups["ward_code"].fillna(""),
        "listed": listed.astype(int), "expected_true": groups["confidence"].where(listed, 0.0),
        # a row left out; or listed in a commune that may not be its own (its own one is then missed)
        "expected_missed": groups["confidence"].where(~listed, groups["listing"] - groups["confidence"]),
        "to_verify": (~listed & (groups["listing"] >= settings.verify_probability)).astype(int),
    })
    out = frame.groupby(["group", "ward_code"], sort=False).sum().reset_index()
    out["order"] = out["group"].map({g: i for i, g in enumerate(ALL_GROUPS)})
    out = out.sort_values(["order", "ward_code"]).drop(columns="order").reset_index(drop=True)
    return out[list(ESTIMATE_COLUMNS)]


def _insured_evidence(best_unlinked: pd.DataFrame, floor: float) -> pd.DataFrame:
    """Per person, the closest insured record left unassigned to them: why they are still listed.

    (The confidence already counts every such record: :func:`_people`.) Below ``floor`` (settings:
    ``prospects.evidence_floor``) a candidate is noise to an officer.
    """
    best = best_unlinked[best_unlinked["record_key"].fillna("").str.startswith("insured:")
                         & (best_unlinked["match_probability"] >= floor)]
    evidence = [f"Hồ sơ BHXH/BHYT gần nhất chưa ghép: {key.replace('insured:', 'dòng ')} "
                f"(xác suất {p:.2f}; {reason})"
                for key, p, reason in zip(best["record_key"], best["match_probability"], best["reason"], strict=True)]
    return pd.DataFrame({"person_id": best["person_id"].to_numpy(), "evidence": evidence,
                         "near_miss": best["match_probability"].astype(float).to_numpy()})


def _finish(groups: pd.DataFrame, people: pd.DataFrame, evidence: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Add person details, evidence, commune names and ``prospect_id`` (keyed with ``key``); order columns
    and rows deterministically."""
    details = people[_PERSON_DETAILS].rename(columns={"dob": "date_of_birth", "address": "home_address"})
    out = groups.merge(details.reset_index(drop=True), on="person_id", how="left")
    out = out.merge(evidence.drop(columns="near_miss"), on="person_id", how="left")
    out["address"] = out["address"].where(out["address"].notna(), out["home_address"])
    wards = current_wards().set_index("ward_code")
    out["ward_name"] = out["ward_code"].map(wards["ward_name"])
    out["province_code"] = out["ward_code"].map(wards["province_code"])
    for column in PROSPECT_COLUMNS:
        if column not in out:
            out[column] = None
    out["confidence"] = out["confidence"].astype(float).round(3)
    out["group_order"] = out["group"].map({g: i for i, g in enumerate(ALL_GROUPS)})
    out = out.sort_values(["group_order", "ward_code", "tax_code", "business_id", "person_id"], na_position="first")
    out["prospect_id"] = prospect_ids(out, key)
    return out[list(PROSPECT_COLUMNS)].reset_index(drop=True)


# The columns of each standardised register the rules read (the rest, such as folded names and raw
# values, only the link stage needs): reading only these halves what this stage holds in memory.
_READ: dict[str, tuple[str, ...]] = {
    "population": ("row_number", "person_id", "full_name", "dob", "dob_year", "dob_month", "dob_day", "sex",
                   "household_id", "relation_to_head", "ward_code", "address", "phone", "death_date"),
    "organisations": ("row_number", "kind", "tax_code", "name", "status", "employees", "ward_code", "address"),
    "managers": ("row_number", "org_tax_code", "role"),
    "household_businesses": ("row_number", "business_id", "business_name", "tax_method", "status", "ward_code",
                             "ward_code_raw", "ward_status", "ward_note", "address"),
    "insured": ("row_number", "person_id", "si_type", "si_status", "employer_unit_code", "hi_valid_to", "pensioner"),
}
_LINK_COLUMNS = {"person_links": ["source", "row_number", "person_id"]}  # not the weights of every comparison


def run(ctx: RunContext) -> ProspectsSummary:
    """Apply the rules and write the lists, the rows to verify and the estimates."""
    registers = read_registers(ctx)
    tables = {name: pd.read_parquet(STANDARDISED[name].path(ctx), columns=list(columns))
              for name, columns in _READ.items()}
    if "labour" in registers:
        tables["labour"] = pd.read_parquet(STANDARDISED["labour"].path(ctx))
        tables["labour_employers"] = pd.read_parquet(LABOUR_EMPLOYERS.path(ctx))
    for name, artifact in (("person_links", PERSON_LINKS), ("org_links", ORG_LINKS), ("best_unlinked", BEST_UNLINKED),
                           ("candidates", CANDIDATES), ("org_candidates", ORG_CANDIDATES)):
        tables[name] = pd.read_parquet(artifact.path(ctx), columns=_LINK_COLUMNS.get(name))
    thresholds = read_link(ctx).get("thresholds", {})
    built = build_prospects(tables, ctx.as_of, ctx.settings.prospects, thresholds.get("outsider_share:insured", 0.0))
    listed, held = hold_back(built.listed, pd.read_parquet(FEEDBACK_OUTCOMES.path(ctx)), ctx.settings.prospects)
    write_parquet(listed, PROSPECTS.path(ctx))
    write_parquet(held, SUPPRESSED.path(ctx))
    write_parquet(built.to_verify, PROSPECTS_TO_VERIFY.path(ctx))
    write_parquet(built.estimates, ESTIMATES.path(ctx))
    counts = listed["group"].value_counts()
    verify = built.to_verify["group"].value_counts()
    back = held["group"].value_counts()
    groups = groups_of(registers)
    summary: ProspectsSummary = {"prospects": {group: int(counts.get(group, 0)) for group in groups},
                                 "to_verify": {group: int(verify.get(group, 0)) for group in groups},
                                 "suppressed": {group: int(back.get(group, 0)) for group in groups}}
    if built.workplace is not None:
        summary["workplace_agreement"] = built.workplace.as_dict()
    return summary


def hold_back(listed: pd.DataFrame, outcomes: pd.DataFrame, settings: ProspectSettings
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows still listed, and those an officer's outcome holds back (``pipelines.feedback.suppressed``)
    with that outcome's code and date."""
    from pipelines.feedback import latest_outcomes, suppressed

    held = suppressed(listed, outcomes, settings)
    back = listed[held].reset_index(drop=True)
    latest = latest_outcomes(outcomes).set_index("prospect_id") if len(outcomes) else None
    back["outcome"] = back["prospect_id"].map(latest["code"]) if latest is not None else pd.Series(dtype=object)
    back["outcome_date"] = back["prospect_id"].map(latest["outcome_date"]) if latest is not None else \
        pd.Series(dtype=object)
    return listed[~held].reset_index(drop=True), back.astype({"outcome": object, "outcome_date": object})
