"""What each stage returns: its summary, typed. Recorded as ``_stages/<stage>/summary.json``
(see :data:`pipelines.catalogue.SUMMARIES`), read back by later stages, the manifest and the audit.

The shapes are JSON's (TypedDicts over dicts), so a summary written by one task and read by
another in a later Airflow task is the same value.
"""

from __future__ import annotations

import json
from typing import Any, NotRequired, TypedDict, cast

from contract.registers import registers_given
from pipelines.catalogue import SUMMARIES
from pipelines.context import RunContext
from pipelines.files import atomic_open

__all__ = [
    "IngestSummary", "LinkSummary", "ProspectsSummary", "QualitySummary", "StandardiseSummary",
    "ValidateSummary", "read_ingest", "read_link", "read_prospects", "read_standardise", "read_summary",
    "read_registers", "read_validate", "write_summary",
]


class IngestedRegister(TypedDict):
    file: str
    format: str
    encoding: str
    sha256: str
    rows_read: int  # records: rows + malformed
    rows_malformed: int
    lines_read: int  # data lines after the header = rows_read + lines_continued + lines_blank
    lines_continued: int  # lines a record with a line break in a value took after its first
    lines_blank: int  # empty lines, skipped
    control_characters_removed: int  # NUL, BOM inside a field, zero-width and bidi characters


class ValidatedRegister(TypedDict):
    rows_used: int
    rows_quarantined: int
    quarantine_reasons: dict[str, int]  # rule text (contract.rules) -> rows
    optional_values_unusable: dict[str, int]  # column -> values read as missing


class QualityRegister(TypedDict):
    file: str
    rows_checked: int
    rows_malformed: int
    previous_rows: int | None
    success: bool
    evaluated: int
    failed: int
    critical_failed: int
    expectations: list[dict[str, Any]]
    rule_agreement: dict[str, dict[str, Any]]


class QualitySummary(TypedDict):
    as_of: str
    previous_manifest: str | None
    data_docs: str
    registers: dict[str, QualityRegister]
    critical_failures: list[str]


class StandardisedTable(TypedDict):
    rows: int
    ward_status: NotRequired[dict[str, int]]


class LinkSummary(TypedDict):
    records: dict[str, int]
    person_links_by_method: dict[str, int]  # "<source>:<method>" -> links
    review_pairs: int
    org_links_by_method: dict[str, int]
    units: int
    blocking_counts: dict[str, int]
    thresholds: dict[str, float]  # the linkage's thresholds and its own estimates
    labour_employers_by_method: NotRequired[dict[str, int]]  # contracts in force by employer link ("none")
    labels: NotRequired[dict[str, int]]  # review decisions known and used (only when there is one)


class ProspectsSummary(TypedDict):
    prospects: dict[str, int]  # group -> prospects listed, every group in the contract's order
    to_verify: dict[str, int]  # group -> rows too unsure to list (prospects_to_verify.csv)
    suppressed: dict[str, int]  # group -> rows held back by an officer's outcome (pipelines.feedback)
    # only with labour: what a record from a person's employer said (matching.coverage.WorkplaceAgreement)
    workplace_agreement: NotRequired[dict[str, float]]


IngestSummary = dict[str, IngestedRegister]
ValidateSummary = dict[str, ValidatedRegister]
StandardiseSummary = dict[str, StandardisedTable]


def write_summary(ctx: RunContext, stage: str, summary: object) -> None:
    """Record what ``stage`` returned beside its files."""
    with atomic_open(SUMMARIES[stage].path(ctx)) as handle:
        json.dump(summary, handle, ensure_ascii=False, indent=2)


def read_summary(ctx: RunContext, stage: str) -> Any:
    return json.loads(SUMMARIES[stage].path(ctx).read_text(encoding="utf-8"))


def read_ingest(ctx: RunContext) -> IngestSummary:
    return cast(IngestSummary, read_summary(ctx, "ingest"))


def read_registers(ctx: RunContext) -> tuple[str, ...]:
    """The registers this run was given (the seven, then the optional ones ingest found)."""
    return registers_given(read_ingest(ctx))


def read_validate(ctx: RunContext) -> ValidateSummary:
    return cast(ValidateSummary, read_summary(ctx, "validate"))


def read_standardise(ctx: RunContext) -> StandardiseSummary:
    return cast(StandardiseSummary, read_summary(ctx, "standardise"))


def read_link(ctx: RunContext) -> LinkSummary:
    return cast(LinkSummary, read_summary(ctx, "link"))


def read_prospects(ctx: RunContext) -> ProspectsSummary:
    return cast(ProspectsSummary, read_summary(ctx, "prospects"))
