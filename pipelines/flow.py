"""The flow, written once: every stage of a run, in order, with what it reads and writes.

``covgap run`` runs :data:`FLOW` top to bottom (``pipelines/run.py``); the nightly DAG makes one
Airflow task per stage from it (``dags/coverage_gap_nightly.py``), with the stage's timeout and
retry class, and one mapped task per item for a stage that runs ``over`` another's result.

    settings -> feedback -> ingest -> validate -> quality -> standardise -> link -> prospects -> changes
      -> write_lists -> provinces -> write_province (per province) -> write_audit -> write_manifest

Light on purpose: the DAG file imports this module while Airflow parses it, so each ``run``
imports its stage module (pandas, DuckDB, Great Expectations) only when it is called.

>>> [stage.name for stage in FLOW][:4]
['settings', 'feedback', 'ingest', 'validate']
>>> STAGE["write_province"].over, [s.name for s in upstream(STAGE["write_manifest"])]
('provinces', ['write_province', 'write_audit'])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pipelines import catalogue as c

if TYPE_CHECKING:
    from pipelines.context import RunContext

__all__ = ["FLOW", "STAGE", "STAGE_NAMES", "Stage", "markdown", "upstream"]

# How a failed task is retried. "data": a register that cannot be used (CovgapError) fails at once,
# anything else is retried once; "reading": as "data", but reading from outside covgap (a folder on
# a share, a database) is retried with exponential backoff.
Retry = Literal["data", "reading"]


@dataclass(frozen=True)
class Stage:
    """One step of the flow.

    ``run(ctx)`` does it (``run(ctx, item)`` for each item of the stage named by ``over``);
    ``inputs`` and ``outputs`` are artifacts of the catalogue; ``after`` names the stages it waits
    for (default: the stage before it); ``summary``: its result is recorded as
    ``_stages/<stage>/summary.json`` (see ``pipelines.summaries``).
    """

    name: str
    run: Callable[..., Any]
    doc: str
    inputs: tuple[c.Artifact, ...]
    outputs: tuple[c.Artifact, ...]
    timeout: dt.timedelta
    retry: Retry = "data"
    after: tuple[str, ...] | None = None
    over: str | None = None
    summary: bool = False


def _settings(ctx: RunContext) -> Any:
    from pipelines import checks, settings

    recorded = settings.record(ctx)
    checks.check_as_of(ctx)
    return recorded


def _feedback(ctx: RunContext) -> Any:
    from pipelines import feedback

    return feedback.run(ctx)


def _ingest(ctx: RunContext) -> Any:
    from pipelines import ingest

    return ingest.run(ctx)


def _validate(ctx: RunContext) -> Any:
    from pipelines import validate

    return validate.run(ctx)


def _quality(ctx: RunContext) -> Any:
    from pipelines import quality

    return quality.run(ctx)


def _standardise(ctx: RunContext) -> Any:
    from pipelines import standardise

    return standardise.run(ctx)


def _link(ctx: RunContext) -> Any:
    from pipelines import link

    return link.run(ctx)


def _prospects(ctx: RunContext) -> Any:
    from pipelines import prospects

    return prospects.run(ctx)


def _changes(ctx: RunContext) -> Any:
    from pipelines import changes

    return changes.run(ctx)


def _write_lists(ctx: RunContext) -> Any:
    from pipelines import publish

    return publish.write_lists(ctx)


def _provinces(ctx: RunContext) -> list[str]:
    from pipelines import publish

    return publish.plan_provinces(ctx)


def _write_province(ctx: RunContext, province_code: str) -> Any:
    from pipelines import publish

    return publish.write_province(ctx, province_code)


def _write_audit(ctx: RunContext) -> Any:
    from pipelines import audit

    return audit.write_audit(ctx)


def _write_manifest(ctx: RunContext) -> Any:
    from pipelines import manifest

    return manifest.write_manifest(ctx)


_HOUR = dt.timedelta(hours=1)
_SUMMARIES = c.SUMMARIES
_STANDARDISED = tuple(c.STANDARDISED.values())  # labour's only when the register is given
_LINKED = (c.PERSON_LINKS, c.REVIEW, c.BEST_UNLINKED, c.MODEL, c.CANDIDATES, c.ORG_LINKS, c.ORG_CANDIDATES,
           c.ORG_MODEL, c.LABOUR_EMPLOYERS)

FLOW: tuple[Stage, ...] = (
    Stage("settings", _settings, "checks the settings file and the as-of date; records a copy of the settings",
          (), (c.SETTINGS,), dt.timedelta(minutes=5)),
    Stage("feedback", _feedback, "reads back the filled-in workbooks and `review*.csv` of the feedback folder: checks "
          "each outcome and review decision, reports what it cannot use, keeps the rest (recorded in the store "
          "once published)",
          (), (c.FEEDBACK_OUTCOMES, c.FEEDBACK_DECISIONS, c.FEEDBACK_REPORT_CSV, _SUMMARIES["feedback"]), _HOUR,
          retry="reading", summary=True),
    Stage("ingest", _ingest, "reads each register, every value as text; stops on a file that cannot be used",
          (), (c.INGESTED, c.MALFORMED, _SUMMARIES["ingest"]), 2 * _HOUR, retry="reading", summary=True),
    Stage("validate", _validate, "quarantines rows that break the contract's rules, with their reason",
          (c.INGESTED, c.MALFORMED), (c.VALIDATED, c.QUARANTINED, _SUMMARIES["validate"]), 2 * _HOUR, summary=True),
    Stage("quality", _quality, "one Great Expectations suite per register, Data Docs; stops on a critical failure",
          (c.INGESTED, _SUMMARIES["ingest"], _SUMMARIES["validate"], c.SETTINGS),
          (c.QUALITY_SUMMARY, c.QUALITY_VALIDATIONS, c.DATA_DOCS, _SUMMARIES["quality"]), 2 * _HOUR, summary=True),
    Stage("standardise", _standardise, "normalises names, dates, IDs; maps old commune codes",
          (c.VALIDATED,), (*_STANDARDISED, _SUMMARIES["standardise"]), 2 * _HOUR, summary=True),
    Stage("link", _link, "links insured, managers, owners to residents (as clerks decided reviewed pairs) and "
          "units to organisations",
          (*_STANDARDISED, c.FEEDBACK_DECISIONS, c.SETTINGS), (*_LINKED, _SUMMARIES["link"]), 6 * _HOUR, summary=True),
    Stage("prospects", _prospects, "applies the rules of the prospect groups",
          (*_STANDARDISED, c.PERSON_LINKS, c.ORG_LINKS, c.BEST_UNLINKED, c.CANDIDATES, c.ORG_CANDIDATES,
           c.LABOUR_EMPLOYERS, c.FEEDBACK_OUTCOMES, c.SETTINGS),
          (c.PROSPECTS, c.PROSPECTS_TO_VERIFY, c.SUPPRESSED, c.ESTIMATES, _SUMMARIES["prospects"]), _HOUR,
          summary=True),
    Stage("changes", _changes, "compares the lists with the previous night in the state store: new, resolved, gone",
          (c.PROSPECTS, c.PROSPECTS_TO_VERIFY, c.SUPPRESSED, c.SETTINGS, c.STANDARDISED["population"],
           c.STANDARDISED["insured"],
           c.STANDARDISED["organisations"], c.STANDARDISED["household_businesses"], c.PERSON_LINKS, c.ORG_LINKS),
          (c.OPEN_PROSPECTS, c.CHANGES, _SUMMARIES["changes"]), _HOUR, retry="reading", summary=True),
    Stage("write_lists", _write_lists,
          "`prospects.csv`, `prospects_to_verify.csv`, `changes.csv`, `links.csv`, `review.csv`, `quarantine/`, "
          "`summary.csv`",
          (c.PROSPECTS, c.PROSPECTS_TO_VERIFY, c.CHANGES, c.PERSON_LINKS, c.ORG_LINKS, c.REVIEW,
           c.STANDARDISED["employers"], c.QUARANTINED, _SUMMARIES["ingest"], _SUMMARIES["validate"]),
          (c.PROSPECTS_CSV, c.PROSPECTS_TO_VERIFY_CSV, c.CHANGES_CSV, c.LINKS_CSV, c.REVIEW_CSV, c.QUARANTINE_CSV,
           c.SUMMARY_CSV), _HOUR),
    Stage("provinces", _provinces, "provinces with prospects (removes workbooks of provinces that have none now)",
          (c.PROSPECTS, c.PROSPECTS_TO_VERIFY), (), dt.timedelta(minutes=30), after=("changes",)),
    Stage("write_province", _write_province, "one per province (34 at most): its commune workbooks",
          (c.PROSPECTS, c.PROSPECTS_TO_VERIFY, c.ESTIMATES, c.OPEN_PROSPECTS, c.CHANGES, c.STANDARDISED["population"],
           c.STANDARDISED["managers"], c.VALIDATED, c.SETTINGS), (c.WORKBOOK,), _HOUR, over="provinces"),
    Stage("write_audit", _write_audit, "`audit.html` and `audit.json`: ledger, quality, matching, prospects",
          (_SUMMARIES["ingest"], _SUMMARIES["validate"], _SUMMARIES["link"], c.QUALITY_SUMMARY, c.PERSON_LINKS,
           c.REVIEW, c.MODEL, c.ORG_LINKS, c.PROSPECTS, c.CHANGES, _SUMMARIES["changes"], c.FEEDBACK_OUTCOMES,
           _SUMMARIES["feedback"], c.QUARANTINED,
           *_STANDARDISED),
          (c.AUDIT_JSON, c.AUDIT_HTML), dt.timedelta(minutes=30), after=("write_lists",)),
    Stage("write_manifest", _write_manifest, "`manifest.json`: every input row accounted for, every output hashed",
          (c.PROSPECTS, c.PROSPECTS_CSV, c.CHANGES_CSV, c.FEEDBACK_REPORT_CSV,
           c.LINKS_CSV, c.REVIEW_CSV, c.SUMMARY_CSV, c.QUARANTINE_CSV,
           c.WORKBOOK, c.AUDIT_JSON, c.AUDIT_HTML, c.SETTINGS, _SUMMARIES["ingest"], _SUMMARIES["validate"],
           _SUMMARIES["standardise"], _SUMMARIES["link"], _SUMMARIES["prospects"]),
          (c.MANIFEST,), dt.timedelta(minutes=30), after=("write_province", "write_audit")),
)
STAGE: dict[str, Stage] = {stage.name: stage for stage in FLOW}
STAGE_NAMES: tuple[str, ...] = tuple(STAGE)


def upstream(stage: Stage) -> tuple[Stage, ...]:
    """The stages ``stage`` waits for: those it names in ``after`` (or runs over), else the one before it."""
    if stage.after is not None:
        return tuple(STAGE[name] for name in stage.after)
    if stage.over is not None:
        return (STAGE[stage.over],)
    position = FLOW.index(stage)
    return (FLOW[position - 1],) if position else ()


def markdown() -> str:
    """The flow as the Markdown table in ``docs/architecture.md`` (a test keeps them equal)."""

    def files(artifacts: tuple[c.Artifact, ...]) -> str:
        return ", ".join(f"`{a.relative(c.PER_REGISTER) if a.per_register else a.relative()}`" for a in artifacts)

    lines = ["| stage | does | waits for | reads | writes | timeout | retry |", "|---|---|---|---|---|---|---|"]
    for stage in FLOW:
        waits = ", ".join(f"`{s.name}`" for s in upstream(stage)) + (f" (one run per item of `{stage.over}`)"
                                                                      if stage.over else "")
        lines.append(f"| `{stage.name}` | {stage.doc} | {waits} | {files(stage.inputs)} | {files(stage.outputs)} | "
                     f"{stage.timeout} | {stage.retry} |")
    return "\n".join(lines) + "\n"
