"""Stage 2, validate: the contract's "Bad values" rules, row by row.

A row goes to quarantine only when a *required* value is missing or unusable, or it is a later
copy of a unique key (the first usable row is kept). Unusable *optional* values are counted
here and read as missing later. Every row ends up in exactly one place: ``<register>.parquet``
(usable) or ``<register>.quarantine.parquet`` (with every rule it broke in ``reason``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from contract.enumerations import SI_STATUSES, SI_TYPES
from contract.registers import ALL_REGISTERS, OPTIONAL_REGISTERS, RegisterSpec
from contract.rules import ROW_RULES, RowRule
from matching.admin_units import resolve_ward_codes
from matching.dates import first_day, parse_full_dates, parse_partial_dates
from matching.ids import normalise_person_ids, normalise_tax_codes
from matching.text import normalise_enum, normalise_sex
from pipelines.catalogue import INGESTED, MALFORMED, QUARANTINED, VALIDATED
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.summaries import ValidateSummary, read_registers

__all__ = ["RowCheck", "check_rows", "run"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowCheck:
    """One rule: ``failed`` marks the rows that break it; ``rule`` names it in quarantine files."""

    rule: str
    failed: pd.Series


def _blank(values: pd.Series) -> pd.Series:
    """Missing, or nothing but white space (vectorised: runs on every required column)."""
    return values.isna() | values.astype("string[pyarrow]").str.strip().eq("").fillna(True)


class _Rows:
    """The rows of one register and what the rules compute from them, each computed once
    (two rules read one parse of the dates, two one resolution of the commune codes)."""

    def __init__(self, rows: pd.DataFrame, ctx: RunContext) -> None:
        self.rows, self.ctx = rows, ctx
        self._dates: dict[tuple[str, bool], pd.DataFrame] = {}
        self._ward_status: pd.Series | None = None

    def dates(self, column: str, allow_swap: bool) -> pd.DataFrame:
        if (column, allow_swap) not in self._dates:
            self._dates[column, allow_swap] = parse_partial_dates(self.rows[column], allow_swap=allow_swap)
        return self._dates[column, allow_swap]

    def ward_status(self) -> pd.Series:
        if self._ward_status is None:
            self._ward_status = resolve_ward_codes(self.rows["ward_code"], self.rows.get("address"))["ward_status"]
        return self._ward_status

    def failed(self, rule: RowRule) -> pd.Series:
        """The rows that break ``rule`` (the unique key is checked in :func:`check_rows`)."""
        values = self.rows[rule.column]
        match rule.check:
            case "required":
                return _blank(values)
            case "pattern":
                value = values.astype("string[pyarrow]").str.strip()
                return value.notna() & ~value.str.fullmatch(str(rule.pattern)).fillna(False)
            case "tax_code":
                return values.notna() & ~normalise_tax_codes(values)["shape_ok"]
            case "enum":
                value = normalise_enum(values)
                return value.notna() & ~value.isin(rule.allowed)
            case "sex":
                return values.notna() & normalise_sex(values).isna()
            case "real_date":
                return self.dates(rule.column, rule.allow_swap)["status"] == "invalid"
            case "real_full_date":
                return parse_full_dates(values)["status"] == "invalid"
            case "not_future":
                parsed = self.dates(rule.column, rule.allow_swap)
                return first_day(parsed["year"], parsed["month"], parsed["day"]) > pd.Timestamp(self.ctx.as_of)
            case "ward_known":
                return self.ward_status() == "unknown"
            case "ward_current":
                return self.ward_status().str.startswith("old")
        raise ValueError(f"{rule.register}.{rule.column}: no check for rule kind {rule.check!r}")


def _checks(rows: pd.DataFrame, spec: RegisterSpec, ctx: RunContext) -> list[RowCheck]:
    found = _Rows(rows, ctx)
    return [RowCheck(rule.text, found.failed(rule)) for rule in ROW_RULES[spec.name] if rule.check != "unique"]


def check_rows(rows: pd.DataFrame, spec: RegisterSpec, ctx: RunContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``rows`` into (usable, quarantined); quarantined rows carry ``reason``."""
    reasons = pd.Series("", index=rows.index, dtype=object)
    for check in _checks(rows, spec, ctx):
        failed = check.failed.fillna(False).astype(bool)
        reasons[failed] = reasons[failed] + "; " + check.rule
    reasons = reasons.str.removeprefix("; ")
    for rule in (r for r in ROW_RULES[spec.name] if r.check == "unique"):
        key = rows[rule.column].astype("string[pyarrow]").str.strip()
        usable = reasons == ""
        first_row = rows.loc[usable].groupby(key[usable], sort=False)["row_number"].transform("first")
        later_copy = usable & key.notna() & (rows["row_number"] != first_row.reindex(rows.index))
        later_copy &= first_row.reindex(rows.index).notna()
        reasons[later_copy] = (f"{rule.text} (first kept at row "
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

    for column in ("person_id", "owner_person_id"):  # labour's too
        if column in spec.optional:
            ids = normalise_person_ids(rows[column])
            count(column, ids["person_id_raw"].notna() & ids["person_id"].isna() & ids["legacy_id"].isna())
    for column in ("date_of_birth", "owner_date_of_birth"):
        if column in spec.optional:
            count(column, parse_partial_dates(rows[column], allow_swap=True)["status"] == "invalid")
    for column in ("death_date", "registered_on", "hi_valid_to", "end_date"):
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
    if spec.name in ("insured", "employers", "labour") and "ward_code" in spec.columns:
        count("ward_code", resolve_ward_codes(rows["ward_code"], rows.get("address"))["ward_status"] == "unknown")
    for name, column in (("employers", "tax_code"), ("labour", "employer_tax_code")):
        if spec.name == name:
            ids = normalise_tax_codes(rows[column])
            count(column, rows[column].notna() & ~ids["shape_ok"])
    return counts


def run(ctx: RunContext) -> ValidateSummary:
    """Validate every ingested register; write usable rows and quarantined rows."""
    summary: ValidateSummary = {}
    given = read_registers(ctx)
    for name in OPTIONAL_REGISTERS:
        if name not in given:  # an earlier run's files
            for stale in (VALIDATED.path(ctx, name), QUARANTINED.path(ctx, name)):
                stale.unlink(missing_ok=True)
    for name in given:
        spec = ALL_REGISTERS[name]
        rows = pd.read_parquet(INGESTED.path(ctx, name))
        malformed = pd.read_parquet(MALFORMED.path(ctx, name))
        usable, quarantined = check_rows(rows, spec, ctx)
        quarantined = pd.concat([quarantined, malformed], ignore_index=True).sort_values("row_number")
        write_parquet(usable, VALIDATED.path(ctx, name))
        write_parquet(quarantined, QUARANTINED.path(ctx, name))
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
