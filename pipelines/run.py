"""Running the flow (``pipelines/flow.py``): all of it for ``covgap run``, one stage per Airflow task.

Each computing stage records what it returned as ``_stages/<stage>/summary.json``. Whatever a stage
creates is owner-only (umask 077: the files hold personal data); a stage's worker processes die with
the process that started them, whatever kills it.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from pipelines import faults
from pipelines.context import RunContext
from pipelines.flow import FLOW, STAGE, STAGE_NAMES, Stage
from pipelines.summaries import write_summary

if TYPE_CHECKING:
    from pipelines.progress import Progress

__all__ = ["run_pipeline", "run_stage"]

log = logging.getLogger(__name__)


def _each(ctx: RunContext, stage: Stage, items: list[str], workers: int | None) -> list[Any]:
    """A stage run once per item; in parallel processes (one per core at most) when there are several,
    as the DAG runs one mapped task per item."""
    workers = workers or min(len(items), os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            return list(pool.map(_run_item, [stage.name] * len(items), [ctx] * len(items), items))
    return [stage.run(ctx, item) for item in items]


def _run_item(name: str, ctx: RunContext, item: str) -> Any:
    faults.point("worker")
    return STAGE[name].run(ctx, item)


def die_with_parent(parent: int) -> None:
    """In a worker process: be killed (SIGKILL) when the process that started it dies, however it
    dies (Linux ``prctl(PR_SET_PDEATHSIG)``); a parent already gone ends the worker at once."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def run_stage(ctx: RunContext, name: str, *, items: list[str] | None = None, workers: int | None = None) -> Any:
    """Run one stage (a stage that runs over another's items computes them first unless given)."""
    if name not in STAGE:
        raise ValueError(f"unknown stage {name!r}; stages are {', '.join(STAGE_NAMES)}")
    stage = STAGE[name]
    os.umask(0o077)  # every file and folder the stage makes is owner-only
    started = time.perf_counter()
    log.info("stage %s started", name)  # with the line below: the timed lines of an Airflow task's log
    if stage.over is not None:
        result = _each(ctx, stage, run_stage(ctx, stage.over) if items is None else items, workers)
    else:
        result = stage.run(ctx)
    if stage.summary:
        write_summary(ctx, name, result)
    log.info("stage %s done in %.1f s", name, time.perf_counter() - started)
    faults.point(f"after:{name}")
    return result


def run_pipeline(ctx: RunContext, workers: int | None = None, progress: Progress | None = None,
                 stages: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Run every stage in order (or the first ones, ``stages``); the first failure stops the run
    before anything is published. ``progress`` reports each stage as it runs."""
    results: dict[str, Any] = {}
    for stage in FLOW if stages is None else [s for s in FLOW if s.name in stages]:
        items = results[stage.over] if stage.over is not None else None
        with progress.stage(stage.name) if progress is not None else nullcontext():
            results[stage.name] = run_stage(ctx, stage.name, items=items, workers=workers)
    if progress is not None:
        progress.finish()
    return results
