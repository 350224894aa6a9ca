"""Stage 2, validate: the contract's "Bad values" rules, row by row.

A row goes to quarantine only when a *required* value is missing or unusable, or it is a later
copy of a unique key (the first usable row is kept). Unusable *optional* values are counted
here and read as missing later. Every row ends up in exactly one place: ``<register>.parquet``
(usable) or ``<register>.quarantine.parquet`` (with every rule it broke in ``reason``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from matching.admin_units import resolve_ward_codes
from matching.dates import first_day, parse_full_dates, parse_partial_dates
from matching.ids import normalise_person_ids, normalise_tax_codes
from matching.text import normalise_enum, normalise_sex
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.registers import (
    HB_STATUSES,
    ORG_STATUSES,
    REGISTERS,
    SI_STATUSES,
    SI_TYPES,
    TAX_METHODS,
    RegisterSpec,
)

__all__ = ["RowCheck", "check_rows", "run"]

log = logging.getLogger(__name__)
STAGE = "validate"


@dataclass(frozen=True)
class RowCheck:
    """One rule: ``failed`` marks the rows that break it; ``rule`` names it in quarantine files."""

    rule: str
    failed: pd.Series


def _blank(values: pd.Series) -> pd.Series:
    """Missing, or nothing but white space (vectorised: runs on every required column)."""
    return values.isna() | values.astype("string[pyarrow]").str.strip().eq("").fillna(True)


def _required(rows: pd.DataFrame, spec: RegisterSpec) -> list[RowCheck]:
    return [RowCheck(f"{c}: required value is missing", _blank(rows[c])) for c in spec.required]


def _shape(rows: pd.DataFrame, column: str, pattern: str, what: str) -> RowCheck:
    value = rows[column].astype("string[pyarrow]").str.strip()
    return RowCheck(f"{column}: not {what}", value.notna() & ~value.str.fullmatch(pattern).fillna(False))


def _enum(rows: pd.DataFrame, column: str, allowed: tuple[str, ...]) -> RowCheck:
    value = normalise_enum(rows[column])
    return RowCheck(f"{column}: not one of {', '.join(allowed)}", value.notna() & ~value.isin(allowed))


def _birth_date(rows: pd.DataFrame, column: str, ctx: RunContext, *, allow_swap: bool) -> list[RowCheck]:
    parsed = parse_partial_dates(rows[column], allow_swap=allow_swap)
    first = first_day(parsed["year"], parsed["month"], parsed["day"])
    return [
        RowCheck(f"{column}: not a real date (YYYY, YYYY-MM or YYYY-MM-DD)", parsed["status"] == "invalid"),
        RowCheck(f"{column}: in the future (after the as-of date)", first > pd.Timestamp(ctx.as_of)),
    ]


def _ward(rows: pd.DataFrame, *, current_only: bool) -> list[RowCheck]:
    address = rows.get("address")
    status = resolve_ward_codes(rows["ward_code"], address)["ward_status"]
    checks = [RowCheck("ward_code: neither a current nor a pre-July-2025 commune code", status == "unknown")]
    if current_only:
        checks.append(RowCheck("ward_code: not a current commune code (this register must carry current codes)",
                               status.str.startswith("old")))
    return checks


def _population(rows: pd.DataFrame, ctx: RunContext) -> list[RowCheck]:
    return [
        _shape(rows, "person_id", r"\d{12}", "a 12-digit personal ID"),
        *_birth_date(rows, "date_of_birth", ctx, allow_swap=False),
        RowCheck("sex: not M or F", rows["sex"].notna() & normalise_sex(rows["sex"]).isna()),
        *_ward(rows, current_only=True),
    ]


def _organisations(rows: pd.DataFrame, ctx: RunContext) -> list[RowCheck]:
    shape_ok = normalise_tax_codes(rows["tax_code"])["shape_ok"]
    return [
        RowCheck("tax_code: not a 10-digit tax code (or 13 for a branch)", rows["tax_code"].notna() & ~shape_ok),
        _enum(rows, "status", ORG_STATUSES),
        *_ward(rows, current_only=False),
    ]


def _managers(rows: pd.DataFrame, ctx: RunContext) -> list[RowCheck]:
    shape_ok = normalise_tax_codes(rows["org_tax_code"])["shape_ok"]
    return [RowCheck("org_tax_code: not a 10-digit tax code (or 13 for a branch)",
                     rows["org_tax_code"].notna() & ~shape_ok)]


def _household_businesses(rows: pd.DataFrame, ctx: RunContext) -> list[RowCheck]:
    return [_enum(rows, "tax_method", TAX_METHODS), _enum(rows, "status", HB_STATUSES),
            *_ward(rows, current_only=False)]


def _insured(rows: pd.DataFrame, ctx: RunContext) -> list[RowCheck]:
    return [_shape(rows, "si_code", r"\d{10}", "a 10-digit social insurance number"),
            *_birth_date(rows, "date_of_birth", ctx, allow_swap=True)]


def _employers(rows: pd.DataFrame, ctx: RunContext) -> list[RowCheck]:
    return []


_RULES: dict[str, Callable[[pd.DataFrame, RunContext], list[RowCheck]]] = {
    "population": _population, "enterprises": _organisations, "cooperatives": _organisations,
    "managers": _managers, "household_businesses": _household_businesses, "insured": _insured,
    "employers": _employers,
}


def check_rows(rows: pd.DataFrame, spec: RegisterSpec, ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``rows`` into (usable, quarantined); quarantined rows carry ``reason``."""
    checks = _required(rows, spec) + _RULES[spec.name](rows, ctx)
    reasons = pd.Series("", index=rows.index, dtype=object)
    for check in checks:
        failed = check.failed.fillna(False).astype(bool)
        reasons[failed] = reasons[failed] + "; " + check.rule
    reasons = reasons.str.removeprefix("; ")
    if spec.unique_key:
        key = rows[spec.unique_key].astype("string[pyarrow]").str.strip()
        usable = reasons == ""
        first_row = rows.loc[usable].groupby(key[usable], sort=False)["row_number"].transform("first")
        later_copy = usable & key.notna() & (rows["row_number"] != first_row.reindex(rows.index))
        later_copy &= first_row.reindex(rows.index).notna()
        reasons[later_copy] = (f"{spec.unique_key}: later copy of a unique key (first kept at row "
                               + first_row[later_copy].astype("int64").astype(str) + ")")
    bad = reasons != ""
    quarantined = rows.loc[bad].copy()
    quarantined.insert(1, "reason", reasons[bad])
    return rows.loc[~bad], quarantined


def optional_problems(rows: pd.DataFrame, spec: RegisterSpec) -> dict[str, int]:
    """Count unusable optional values (read as missing later), for the data-quality report."""
    counts: dict[str, int] = {}

    def count(column: str, unusable: pd.Series) -> None:
        n = int(unusable.fillna(False).sum())
        if n:
            counts[column] = n

    for column in ("person_id", "owner_person_id"):
        if column in spec.optional:
            ids = normalise_person_ids(rows[column])
            count(column, ids["person_id_raw"].notna() & ids["person_id"].isna() & ids["legacy_id"].isna())
    for column in ("date_of_birth", "owner_date_of_birth"):
        if column in spec.optional:
            count(column, parse_partial_dates(rows[column], allow_swap=True)["status"] == "invalid")
    for column in ("death_date", "registered_on", "hi_valid_to"):
        if column in spec.columns:
            count(column, parse_full_dates(rows[column])["status"] == "invalid")
    if "sex" in spec.optional:
        count("sex", rows["sex"].notna() & normalise_sex(rows["sex"]).isna())
    for column, allowed in (("si_type", SI_TYPES), ("si_status", SI_STATUSES)):
        if column in spec.columns:
            value = normalise_enum(rows[column])
            count(column, value.notna() & ~value.isin(allowed))
    for column in ("employees", "members"):
        if column in spec.columns:
            value = rows[column].astype("string[pyarrow]").str.strip()
            count(column, value.notna() & ~value.str.fullmatch(r"\d+").fillna(False))
    if spec.name in ("insured", "employers") and "ward_code" in spec.columns:
        count("ward_code", resolve_ward_codes(rows["ward_code"], rows.get("address"))["ward_status"] == "unknown")
    if spec.name == "employers":
        ids = normalise_tax_codes(rows["tax_code"])
        count("tax_code", rows["tax_code"].notna() & ~ids["shape_ok"])
    return counts


def run(ctx: RunContext) -> dict:
    """Validate every ingested register; write usable rows and quarantined rows."""
    summary: dict[str, dict] = {}
    for name, spec in REGISTERS.items():
        rows = pd.read_parquet(ctx.stage_path("ingest", f"{name}.parquet"))
        malformed = pd.read_parquet(ctx.stage_path("ingest", f"{name}.malformed.parquet"))
        usable, quarantined = check_rows(rows, spec, ctx)
        quarantined = pd.concat([quarantined, malformed], ignore_index=True).sort_values("row_number")
        write_parquet(usable, ctx.stage_path(STAGE, f"{name}.parquet"))
        write_parquet(quarantined, ctx.stage_path(STAGE, f"{name}.quarantine.parquet"))
        summary[name] = {
            "rows_used": len(usable),
            "rows_quarantined": len(quarantined),
            "quarantine_reasons": _reason_counts(quarantined),
            "optional_values_unusable": optional_problems(usable, spec),
        }
        log.info("validate %s: %d used, %d quarantined", name, len(usable), len(quarantined))
    return summary


def _reason_counts(quarantined: pd.DataFrame) -> dict[str, int]:
    if quarantined.empty:
        return {}
    rules = quarantined["reason"].str.split("; ").explode()
    rules = rules.str.replace(r" \(first kept at row \d+\)$", "", regex=True)
    return {str(k): int(v) for k, v in rules.value_counts().sort_index().items()}
