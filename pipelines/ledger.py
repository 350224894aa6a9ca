"""The row ledger: for each register, rows read = rows used + rows quarantined.

Written once for its two readers: the manifest (which refuses to be written when a register does
not balance: nothing may vanish) and the audit report (which shows the ledger whatever it says).
"""

from __future__ import annotations

from typing import TypedDict

from contract.registers import registers_given
from pipelines.exceptions import CovgapError
from pipelines.summaries import IngestSummary, ValidateSummary

__all__ = ["RegisterLedger", "balances", "check_balances", "register_ledger"]


class RegisterLedger(TypedDict):
    file: str | None
    format: str | None
    encoding: str | None
    sha256: str | None
    rows_read: int | None
    rows_malformed: int
    lines_read: int | None  # = rows_read + lines_continued + lines_blank
    lines_continued: int
    lines_blank: int
    control_characters_removed: int
    rows_used: int | None
    rows_quarantined: int | None
    quarantine_reasons: dict[str, int]
    optional_values_unusable: dict[str, int]


def register_ledger(ingest: IngestSummary, validate: ValidateSummary) -> dict[str, RegisterLedger]:
    """Per register, what ingest read and where validate put it (None where a stage did not run)."""
    ledger: dict[str, RegisterLedger] = {}
    for name in registers_given(ingest):  # an optional register only when the run was given it
        read, used = ingest.get(name), validate.get(name)
        ledger[name] = RegisterLedger(
            file=read["file"] if read else None, format=read["format"] if read else None,
            encoding=read["encoding"] if read else None, sha256=read["sha256"] if read else None,
            rows_read=read["rows_read"] if read else None, rows_malformed=read["rows_malformed"] if read else 0,
            lines_read=read.get("lines_read", read["rows_read"]) if read else None,
            lines_continued=read.get("lines_continued", 0) if read else 0,
            lines_blank=read.get("lines_blank", 0) if read else 0,
            control_characters_removed=read.get("control_characters_removed", 0) if read else 0,
            rows_used=used["rows_used"] if used else None,
            rows_quarantined=used["rows_quarantined"] if used else None,
            quarantine_reasons=used["quarantine_reasons"] if used else {},
            optional_values_unusable=used["optional_values_unusable"] if used else {})
    return ledger


def balances(entry: RegisterLedger) -> bool | None:
    """Whether read = used + quarantined, and the file's data lines = rows read + lines a record
    continued on + blank lines; None when a count is missing."""
    read, used, quarantined = entry["rows_read"], entry["rows_used"], entry["rows_quarantined"]
    if read is None or used is None or quarantined is None:
        return None
    lines = entry["lines_read"]
    return read == used + quarantined and (lines is None or lines == read + entry["lines_continued"]
                                           + entry["lines_blank"])


def check_balances(ledger: dict[str, RegisterLedger]) -> None:
    """Raise, naming the file, when any register's rows do not add up."""
    for name, entry in ledger.items():
        if not balances(entry):
            raise CovgapError(f"{entry['file'] or name}: {entry['lines_read']} data lines, {entry['rows_read']} rows "
                              f"read but {entry['rows_used']} used + {entry['rows_quarantined']} quarantined: "
                              "rows were lost")
