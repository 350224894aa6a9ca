"""Stage 2b, quality: one Great Expectations suite per register, run on every row as read.

Runs after ``validate`` on ``_stages/ingest/<register>.parquet`` (all rows, so the faults show),
with one GX checkpoint per register whose ``UpdateDataDocsAction`` writes Data Docs (HTML) to
``{output}/quality/data_docs/``; the validation results go to ``{output}/quality/validations/``
and a summary (counts per expectation, and how they agree with the quarantine reasons) to
``{output}/quality/summary.json``. A failed *critical* expectation (a required column missing,
an empty spine, a register that collapsed since the previous run, key columns mostly malformed)
stops the run with :class:`QualityError` after the docs are written, before anything is published;
the others are warnings.

The previous run, for the volume check, is found in this order: the ``previous_manifest``
argument, the ``COVGAP_PREVIOUS_MANIFEST`` environment variable, the run this one will replace when
its as-of is earlier (``ctx.published``: ``covgap run`` builds apart from the folder it publishes;
a rerun of the same date compares with none, so that it stays byte-identical), else the dated
folder ``{published}/../YYYY-MM-DD/`` of the latest night before this one that the state store
recorded (the nightly layout: ``pipelines.state_store``), else the newest such folder dated before
this run's as-of (runs from before the store).
Outputs are deterministic: fixed run id (the as-of date), no random ids, no wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from expectations import Lookups, Thresholds, suite_module
from matching.ids import normalise_tax_codes
from pipelines.catalogue import DATA_DOCS, INGESTED, QUALITY_SUMMARY, QUALITY_VALIDATIONS, QUARANTINED, SUMMARIES
from pipelines.checks import quarantine_problems
from pipelines.context import RunContext
from pipelines.data_docs import offline_docs
from pipelines.exceptions import CovgapError
from pipelines.files import atomic_open
from pipelines.progress import quiet_third_party
from pipelines.summaries import (
    QualityRegister,
    QualitySummary,
    ValidateSummary,
    read_ingest,
    read_registers,
    read_validate,
)

__all__ = ["QualityError", "find_previous_manifest", "run"]

log = logging.getLogger(__name__)
# No unexpected_index_column_names: GX then looks up every unexpected row one by one (minutes at 1M
# rows); the prepared tables are indexed by row_number instead, so the index *is* the input row.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 10}


class QualityError(CovgapError):
    """A critical expectation failed: the register is too broken to publish anything from it."""

    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        super().__init__("critical data-quality check failed; nothing was published:\n" + "\n".join(failures))


def find_previous_manifest(ctx: RunContext, explicit: str | Path | None = None) -> Path | None:
    """The previous run's ``manifest.json`` (see the module docstring), or None."""
    for candidate in (explicit, os.environ.get("COVGAP_PREVIOUS_MANIFEST")):
        if candidate:
            path = Path(candidate)
            return path if path.is_file() else None
    here = Path(ctx.published or ctx.output)
    if here != ctx.output and "" < _as_of_of(here / "manifest.json") < ctx.as_of.isoformat():
        return here / "manifest.json"  # the published run this one replaces (a rerun of its date compares with none)
    night = _night_before(ctx)  # the nightly DAG: the previous night the state store recorded, in its dated folder
    if night is not None and (here.parent / night.isoformat() / "manifest.json").is_file():
        return here.parent / night.isoformat() / "manifest.json"
    earlier = [folder for folder in here.parent.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]")
               if folder.name < ctx.as_of.isoformat() and (folder / "manifest.json").is_file()]
    return max(earlier, key=lambda f: f.name) / "manifest.json" if earlier else None


def _night_before(ctx: RunContext) -> dt.date | None:
    """The latest night before this one in the state store; None when there is none or the store cannot be read
    now (the ``changes`` stage reads it again, with retries, and stops the run if it still cannot)."""
    from pipelines.state_store import StateStoreError, Store

    try:
        return Store(ctx.state_location).night_before(ctx.as_of)
    except StateStoreError as error:
        log.warning("previous run: %s; looking for it among the dated folders", error)
        return None


def _as_of_of(manifest: Path) -> str:
    """The as-of of a run's manifest ("" when there is none to read)."""
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("as_of", ""))
    except (OSError, ValueError):
        return ""


def _previous_rows(path: Path | None) -> dict[str, int]:
    if path is None:
        return {}
    registers = json.loads(path.read_text(encoding="utf-8")).get("registers", {})
    return {name: int(entry["rows_read"]) for name, entry in registers.items() if "rows_read" in entry}


def _lookups(ctx: RunContext) -> Lookups:
    """The keys cross-register checks look up (read from the three registers that hold them, those
    columns only)."""
    orgs = pd.concat([normalise_tax_codes(pd.read_parquet(INGESTED.path(ctx, r), columns=["tax_code"])["tax_code"])
                      ["tax_code"] for r in ("enterprises", "cooperatives")])
    units = pd.read_parquet(INGESTED.path(ctx, "employers"), columns=["unit_code"])["unit_code"]
    units = units.astype("string").str.strip()
    return Lookups(org_tax_codes=frozenset(orgs.dropna()), unit_codes=frozenset(units.dropna()))


def _context(docs: Path) -> Any:
    quiet_third_party()  # before the import: GX's decorators log hundreds of INFO lines as it loads
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    quiet_third_party()  # after: some GX modules set their own level when imported

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in list(context.get_site_names()):
        context.delete_data_docs_site(site)
    context.add_data_docs_site("covgap", {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    return context


def _validate(context: Any, register: str, frame: pd.DataFrame, suite: Any, run_time: dt.datetime) -> dict:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    source = context.data_sources.get("registers") if "registers" in context.data_sources.all() \
        else context.data_sources.add_pandas("registers")
    batch = source.add_dataframe_asset(register).add_batch_definition_whole_dataframe("every row as read")
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=register, data=batch, suite=suite))
    # One checkpoint per register (a checkpoint's definitions share one dataframe); Data Docs are
    # built once for all of them at the end (see _build_docs): rendering per checkpoint costs seconds.
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"covgap-{register}", validation_definitions=[definition], actions=[], result_format=RESULT_FORMAT))
    result = checkpoint.run(batch_parameters={"dataframe": frame},
                            run_id=RunIdentifier(run_name=f"covgap {run_time.date().isoformat()}", run_time=run_time))
    return next(iter(result.run_results.values())).to_json_dict()


def _sanitise(result: dict) -> dict:
    """Drop what differs between two runs of the same inputs (random ids, load time)."""
    meta = result.get("meta", {})
    for key in ("validation_id", "checkpoint_id"):
        meta.pop(key, None)
    meta.get("batch_markers", {}).pop("ge_load_time", None)
    for item in result.get("results", []):
        item.get("expectation_config", {}).pop("id", None)
    result.pop("id", None)
    return result


def _expectation_rows(result: dict) -> list[dict]:
    rows = []
    for item in result["results"]:
        config, outcome = item["expectation_config"], item.get("result") or {}
        meta = config.get("meta") or {}
        samples = outcome.get("partial_unexpected_index_list") or []
        rows.append({
            "expectation": config["type"], "column": meta.get("column"), "checked": config["kwargs"].get("column"),
            "severity": config.get("severity", "critical"), "kind": meta.get("kind"), "rule": meta.get("rule"),
            "description": config.get("description"), "success": bool(item["success"]),
            "unexpected_count": outcome.get("unexpected_count"),
            "unexpected_percent": outcome.get("unexpected_percent"),
            "observed_value": outcome.get("observed_value"),
            "sample_rows": [int(s["row"]) if isinstance(s, dict) else int(s) for s in samples
                            if isinstance(s, dict | int)][:10],
            "error": (item.get("exception_info") or {}).get("exception_message"),
        })
    return rows


def _agreement(expectations: list[dict], quarantine: dict[str, int]) -> dict[str, dict]:
    """Each row rule: rows GX flags vs rows quarantined for it. Unique keys are not one-to-one
    (GX counts every copy, quarantine every later copy of a usable row), so they are shown, not compared."""
    table = {}
    for row in expectations:
        if row["kind"] == "row_rule" and row["rule"]:
            unique = row["expectation"] == "expect_column_values_to_be_unique"
            found = row["unexpected_count"] or 0
            kept = quarantine.get(row["rule"], 0)
            table[row["rule"]] = {"expectation": row["expectation"], "flagged_by_expectation": found,
                                  "quarantined": kept, "agrees": None if unique else found == kept}
    return table


def _critical_failures(register: str, file: str, expectations: list[dict]) -> list[str]:
    out = []
    for row in expectations:
        if row["severity"] == "critical" and not row["success"]:
            detail = row["error"] or (f"{row['unexpected_percent']:.1f}% of values fail"
                                      if row["unexpected_percent"] is not None else f"observed {row['observed_value']}")
            column = f", column '{row['column']}'" if row["column"] else ""
            out.append(f"{file}{column}: expectation {row['expectation']} failed ({row['description']}): {detail}")
    return out


def run(ctx: RunContext, previous_manifest: str | Path | None = None,
        thresholds: Thresholds | None = None) -> QualitySummary:
    """Validate every register as read; write Data Docs and results; raise on critical failures."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    thresholds = thresholds or ctx.settings.quality
    root = QUALITY_SUMMARY.path(ctx).parent
    shutil.rmtree(root, ignore_errors=True)  # this run's docs only, never an earlier run's
    ingest = read_ingest(ctx)
    validated: ValidateSummary = read_validate(ctx) if SUMMARIES["validate"].path(ctx).is_file() else {}
    previous_path = find_previous_manifest(ctx, previous_manifest)
    previous = _previous_rows(previous_path)
    lookups = _lookups(ctx)
    context = _context(DATA_DOCS.path(ctx).parent)
    run_time = dt.datetime.combine(ctx.as_of, dt.time(), tzinfo=dt.UTC)
    summary: QualitySummary = {"as_of": ctx.as_of.isoformat(), "previous_manifest": str(previous_path or "") or None,
                               "data_docs": DATA_DOCS.relative(), "registers": {}, "critical_failures": []}
    for name in read_registers(ctx):  # one register in memory at a time
        rows = pd.read_parquet(INGESTED.path(ctx, name))
        frame, suite = suite_module(name).build(rows, ctx.as_of, lookups, previous.get(name), thresholds)
        del rows
        result = _sanitise(_validate(context, name, frame, suite.build(), run_time))
        with atomic_open(QUALITY_VALIDATIONS.path(ctx, name)) as handle:
            json.dump(result, handle, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        expectations = _expectation_rows(result)
        file = ingest[name]["file"]
        failures = _critical_failures(name, file, expectations)
        # Malformed rows never reach a suite (ingest set them aside): counted here so the ledger closes.
        reasons = validated[name]["quarantine_reasons"] if name in validated else {}
        summary["registers"][name] = QualityRegister(
            file=file, rows_checked=len(frame), rows_malformed=ingest[name]["rows_malformed"],
            previous_rows=previous.get(name), success=bool(result["success"]), evaluated=len(expectations),
            failed=sum(not e["success"] for e in expectations), critical_failed=len(failures),
            expectations=expectations, rule_agreement=_agreement(expectations, reasons))
        summary["critical_failures"].extend(failures)
        met = len(expectations) - summary["registers"][name]["failed"]
        log.info("quality %s: %d of %d expectations met", name, met, len(expectations))
    quarantined = {name: pd.read_parquet(QUARANTINED.path(ctx, name)) for name in validated}
    summary["critical_failures"].extend(quarantine_problems(ingest, validated, quarantined, ctx.settings.checks,
                                                            ctx.as_of))
    context.build_data_docs(site_names=["covgap"])
    offline_docs(DATA_DOCS.path(ctx).parent, summary)
    with atomic_open(QUALITY_SUMMARY.path(ctx)) as handle:
        json.dump(summary, handle, ensure_ascii=False, indent=2, default=str)
    if summary["critical_failures"]:
        raise QualityError(summary["critical_failures"])
    return summary
