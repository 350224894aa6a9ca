"""Publishing, the last steps of the flow: the files officers, engineers and auditors receive.

``write_lists``: ``prospects.csv`` (machine-readable, full IDs), ``prospects_to_verify.csv`` (rows
too unsure to list), ``changes.csv`` (new, resolved, gone since the previous night), ``links.csv`` (every link and how
it was made), ``review.csv``, ``quarantine/<register>.csv`` (every rejected row with its reason)
and ``summary.csv``; ``plan_provinces`` and ``write_province``: the per-commune workbooks
``by_ward/<province_code>/<ward_code>.xlsx`` (masked IDs, one commune each, one province per
call). The audit report and the manifest follow (``pipelines.audit``, ``pipelines.manifest``).
"""

from __future__ import annotations

import logging
from typing import TypedDict

import pandas as pd

from contract.groups import groups_of
from matching.admin_units import current_wards
from pipelines.catalogue import (
    CHANGES,
    CHANGES_CSV,
    ESTIMATES,
    LABOUR_EMPLOYERS,
    LINKS_CSV,
    OPEN_PROSPECTS,
    ORG_LINKS,
    PERSON_LINKS,
    PROSPECTS,
    PROSPECTS_CSV,
    PROSPECTS_TO_VERIFY,
    PROSPECTS_TO_VERIFY_CSV,
    QUARANTINE_CSV,
    QUARANTINED,
    REVIEW,
    REVIEW_CSV,
    STANDARDISED,
    SUMMARY_CSV,
    WORKBOOK_FOLDER,
)
from pipelines.checks import CheckFailed, list_shrink_problems, previous_prospects
from pipelines.context import RunContext
from pipelines.files import read_where, write_csv
from pipelines.ledger import check_balances, register_ledger
from pipelines.officer_directory import directory_for
from pipelines.officer_lists import write_summary
from pipelines.officer_sheets import CHANGE_LABELS, format_date, mask_id, since_label
from pipelines.officer_workbook import remove_stale_workbooks, write_ward_workbooks
from pipelines.quality import find_previous_manifest
from pipelines.summaries import read_ingest, read_registers, read_validate

__all__ = ["ListsWritten", "ProvinceWritten", "plan_provinces", "provinces_with_prospects", "write_lists",
           "write_province"]

log = logging.getLogger(__name__)
# The key a person record carries in its own register, shown in links.csv as ``source_key``.
_KEY_OF = {"insured": "si_code", "managers": "org_tax_code", "household_businesses": "business_id",
           "labour": "contract_id"}


class ListsWritten(TypedDict):
    prospects: int


class ProvinceWritten(TypedDict):
    province_code: str
    workbooks: int
    rows: int


def _links_table(ctx: RunContext) -> pd.DataFrame:
    """Person and organisation links in one auditable table."""
    person = pd.read_parquet(PERSON_LINKS.path(ctx))
    keys = []
    for source, key in _KEY_OF.items():
        if not STANDARDISED[source].path(ctx).is_file():  # labour: only when the run was given it
            continue
        table = pd.read_parquet(STANDARDISED[source].path(ctx), columns=["row_number", key])
        keys.append(table.rename(columns={key: "source_key"}).assign(source=source))
    person = person.merge(pd.concat(keys), on=["source", "row_number"], how="left")
    person["tax_code"] = None
    org = pd.read_parquet(ORG_LINKS.path(ctx))
    employers = pd.read_parquet(STANDARDISED["employers"].path(ctx), columns=["row_number", "unit_code"])
    org = org.merge(employers, on="unit_code").rename(columns={"unit_code": "source_key", "score": "match_probability"})
    org["source"], org["person_id"], org["match_weight"] = "employers", None, float("nan")
    columns = ["source", "row_number", "source_key", "person_id", "tax_code", "method", "match_weight",
               "match_probability", "reason", *[c for c in person.columns if c.startswith("w_")]]
    links = pd.concat([person, org, *_labour_employer_links(ctx)], ignore_index=True)
    for column in columns:
        if column not in links:
            links[column] = None
    return links[columns].sort_values(["source", "row_number"], kind="stable").reset_index(drop=True)


def _labour_employer_links(ctx: RunContext) -> list[pd.DataFrame]:
    """Labour contracts linked to their employer's enterprise or cooperative (when ``labour`` is given)."""
    if not LABOUR_EMPLOYERS.path(ctx).is_file():
        return []
    found = pd.read_parquet(LABOUR_EMPLOYERS.path(ctx))
    found = found[found["tax_code"].notna()]
    ids = pd.read_parquet(STANDARDISED["labour"].path(ctx), columns=["row_number", "contract_id"])
    found = found.merge(ids, on="row_number").rename(columns={"contract_id": "source_key",
                                                              "probability": "match_probability"})
    return [found.assign(source="labour_employer", person_id=None, match_weight=float("nan"))]


def write_lists(ctx: RunContext) -> ListsWritten:
    """The country-wide files: prospects, links, quarantine, summary. Checks the row ledger first, and
    that the list did not fall far below the previous run's."""
    check_balances(register_ledger(read_ingest(ctx), read_validate(ctx)))
    prospects = pd.read_parquet(PROSPECTS.path(ctx))
    previous = find_previous_manifest(ctx)
    problems = list_shrink_problems(len(prospects), previous_prospects(previous), ctx.settings.checks, previous)
    if problems:
        raise CheckFailed(problems)
    write_csv(prospects, PROSPECTS_CSV.path(ctx))
    write_csv(pd.read_parquet(PROSPECTS_TO_VERIFY.path(ctx)), PROSPECTS_TO_VERIFY_CSV.path(ctx))
    changes = pd.read_parquet(CHANGES.path(ctx))
    write_csv(changes, CHANGES_CSV.path(ctx))
    write_csv(_links_table(ctx), LINKS_CSV.path(ctx))
    write_csv(pd.read_parquet(REVIEW.path(ctx)).assign(decision=""), REVIEW_CSV.path(ctx))  # for the clerk
    registers = read_registers(ctx)
    for name in registers:
        write_csv(pd.read_parquet(QUARANTINED.path(ctx, name)), QUARANTINE_CSV.path(ctx, name))
    if "labour" not in registers:  # an earlier run's into this folder
        QUARANTINE_CSV.path(ctx, "labour").unlink(missing_ok=True)
    write_summary(prospects, current_wards(), SUMMARY_CSV.path(ctx), groups_of(registers), changes)
    return {"prospects": len(prospects)}


def provinces_with_prospects(ctx: RunContext) -> list[str]:
    """Province codes that get commune workbooks (prospects, or rows to verify)."""
    codes = pd.concat([pd.read_parquet(item.path(ctx), columns=["province_code"])["province_code"]
                       for item in (PROSPECTS, PROSPECTS_TO_VERIFY)])
    return sorted(codes.dropna().unique().tolist())


def plan_provinces(ctx: RunContext) -> list[str]:
    """The provinces whose workbooks this run writes (one ``write_province`` each); the workbooks of
    provinces that had prospects in an earlier run into this folder but have none now are removed."""
    provinces = provinces_with_prospects(ctx)
    root = ctx.output / WORKBOOK_FOLDER
    earlier = {folder.name for folder in root.iterdir() if folder.is_dir()} if root.is_dir() else set()
    remove_stale_workbooks(root, kept=(), provinces=earlier - set(provinces))
    return provinces


def record_label(record: object) -> str:
    """The record that resolved a prospect, as an officer may see it (an SI number masked).

    >>> record_label("insured:0101234567"), record_label("employers:TS0001"), record_label(None)
    ('Hồ sơ BHXH số 010***4567', 'Đơn vị BHXH mã TS0001', '')
    """
    source, _, key = str(record or "").partition(":")
    if source == "insured":
        return f"Hồ sơ BHXH số {mask_id(key)}"
    if source == "employers":
        return f"Đơn vị BHXH mã {key}"
    return ""


def _listed_since(ctx: RunContext, prospects: pd.DataFrame) -> pd.DataFrame:
    """Prospects with ``listed``: "Mới" when first listed in their commune tonight, else since when."""
    since = pd.read_parquet(OPEN_PROSPECTS.path(ctx), columns=["prospect_id", "ward_code", "since"])
    out = prospects.merge(since, on=["prospect_id", "ward_code"], how="left", validate="many_to_one")
    out["listed"] = [since_label(value, ctx.as_of) for value in out["since"]]
    return out.drop(columns="since")


def _closed(ctx: RunContext, province_code: str) -> pd.DataFrame:
    """Last night's prospects of the province's communes that are resolved or gone, as workbook rows."""
    changes = pd.read_parquet(CHANGES.path(ctx))
    closed = changes[changes["change"] != "new"].copy()
    wards = current_wards().set_index("ward_code")["province_code"]
    closed["province_code"] = closed["ward_code"].map(wards)
    closed = closed[closed["province_code"] == province_code]
    closed["change_label"] = closed["change"].map(CHANGE_LABELS)
    closed["record_label"] = [record_label(r) for r in closed["record"]]
    closed["listed"] = [format_date(s) for s in closed["since"]]
    return closed


def write_province(ctx: RunContext, province_code: str) -> ProvinceWritten:
    """The commune workbooks of one province (removing any stale ones of an earlier run)."""
    mine, verify = (read_where(item.path(ctx), "province_code", {province_code})
                    for item in (PROSPECTS, PROSPECTS_TO_VERIFY))
    estimates = pd.read_parquet(ESTIMATES.path(ctx))
    written = write_ward_workbooks(_listed_since(ctx, mine), ctx.output, ctx.as_of, provinces=[province_code],
                                   to_verify=verify, estimates=estimates,
                                   directory=directory_for(ctx, pd.concat([mine, verify])),
                                   groups=groups_of(read_registers(ctx)), closed=_closed(ctx, province_code))
    return {"province_code": province_code, "workbooks": len(written), "rows": sum(written.values())}
