"""The last step of the flow: ``manifest.json``, which accounts for every input row and hashes
every published file and the settings the run used (contract, "Output")."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd

from pipelines.catalogue import (
    AUDIT_HTML,
    AUDIT_JSON,
    CHANGES_CSV,
    FEEDBACK_REPORT_CSV,
    LINKS_CSV,
    MANIFEST,
    PROSPECTS,
    PROSPECTS_CSV,
    QUARANTINE_CSV,
    REVIEW_CSV,
    SETTINGS,
    SUMMARY_CSV,
    workbook_path,
)
from pipelines.context import RunContext
from pipelines.exceptions import CovgapError
from pipelines.files import ESCAPE, FORMULA_START, atomic_open, sha256_of
from pipelines.ledger import check_balances, register_ledger
from pipelines.summaries import read_ingest, read_registers, read_standardise, read_summary, read_validate
from pipelines.version import code_version

__all__ = ["ManifestWritten", "write_manifest"]

# What the manifest tells of each register (the contract asks for at least the counts and hash).
_REGISTER_FIELDS = ("file", "format", "encoding", "sha256", "lines_read", "lines_continued", "lines_blank",
                    "control_characters_removed", "rows_read", "rows_used", "rows_quarantined",
                    "quarantine_reasons", "optional_values_unusable")


class ManifestWritten(TypedDict):
    files: int


def _csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _registers(ctx: RunContext) -> dict[str, dict[str, Any]]:
    ledger = register_ledger(read_ingest(ctx), read_validate(ctx))
    check_balances(ledger)
    return {name: {k: v for k, v in entry.items() if k in _REGISTER_FIELDS} for name, entry in ledger.items()}


def write_manifest(ctx: RunContext) -> ManifestWritten:
    """Last: ``manifest.json``, listing every published file with its rows and SHA-256."""
    output = ctx.output
    prospects = pd.read_parquet(PROSPECTS.path(ctx), columns=["ward_code", "province_code"])
    rows = {PROSPECTS_CSV.relative(): len(prospects)}
    rows.update({workbook_path(Path(), p, w).as_posix(): int(n) for (p, w), n in
                 prospects.groupby(["province_code", "ward_code"]).size().items()})
    tables = (CHANGES_CSV.relative(), FEEDBACK_REPORT_CSV.relative(), LINKS_CSV.relative(), REVIEW_CSV.relative(),
              SUMMARY_CSV.relative(),
              *(QUARANTINE_CSV.relative(r) for r in read_registers(ctx)))
    for name in tables:
        rows[name] = _csv_rows(output / name)
    missing = [path for path in rows if not (output / path).is_file()]
    if missing:
        raise CovgapError(f"{output}: outputs missing before the manifest: {', '.join(missing[:5])}")
    manifest: dict[str, Any] = {
        "as_of": ctx.as_of.isoformat(),
        "code_version": code_version(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "registers": _registers(ctx),
        # Text cells of the CSV files that a spreadsheet would run as a formula (OWASP) carry a
        # leading ' (pipelines.files.neutralise): remove one leading ' from any text value to read it.
        "csv_text_escape": {"prefix": ESCAPE, "before": [*FORMULA_START, ESCAPE]},
        "stages": {"standardise": read_standardise(ctx), "link": read_summary(ctx, "link"),
                   "prospects": read_summary(ctx, "prospects")},
        "outputs": {path: {"rows": n, "sha256": sha256_of(output / path)} for path, n in sorted(rows.items())},
    }
    # The audit report (written just before) and the settings copy are listed when present.
    for path in (AUDIT_HTML.relative(), AUDIT_JSON.relative(), SETTINGS.relative()):
        if (output / path).is_file():
            manifest["outputs"][path] = {"rows": None, "sha256": sha256_of(output / path)}
    if SETTINGS.path(ctx).is_file():
        manifest["settings"] = {"file": SETTINGS.relative(), "version": ctx.settings.version,
                                "sha256": sha256_of(SETTINGS.path(ctx))}
    manifest["outputs"] = dict(sorted(manifest["outputs"].items()))
    with atomic_open(MANIFEST.path(ctx)) as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return {"files": len(rows) + 1}
