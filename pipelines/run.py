"""The whole flow, written once: ingest → validate → quality → standardise → link → prospects → publish.

``covgap run`` calls :func:`run_pipeline`; the Airflow DAG calls :func:`run_stage` per task.
Each stage writes its files and a ``summary.json`` under ``_stages/<stage>/``.
"""

from __future__ import annotations

import importlib
import json
import logging
import time

from pipelines.context import RunContext
from pipelines.files import atomic_open

__all__ = ["STAGES", "run_pipeline", "run_stage"]

log = logging.getLogger(__name__)
# Each is a module of this package with a ``run(ctx) -> dict``; imported when the stage runs.
# "quality" (issue 5): Great Expectations suites on every row as read; critical failures stop the run.
STAGES: tuple[str, ...] = ("ingest", "validate", "quality", "standardise", "link", "prospects", "publish")


def run_stage(ctx: RunContext, stage: str) -> dict:
    """Run one stage and record its summary beside its files."""
    started = time.perf_counter()
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    summary = importlib.import_module(f"pipelines.{stage}").run(ctx)
    if stage != "publish":
        with atomic_open(ctx.stage_path(stage, "summary.json")) as handle:
            json.dump(summary, handle, ensure_ascii=False, indent=2)
    log.info("stage %s done in %.1f s", stage, time.perf_counter() - started)
    return summary


def run_pipeline(ctx: RunContext) -> dict[str, dict]:
    """Run every stage in order; the first failure stops the run before anything is published."""
    return {stage: run_stage(ctx, stage) for stage in STAGES}
