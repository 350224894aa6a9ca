"""
# covgap nightly: who social and health insurance do not yet cover

Reads the seven registers, links them, and publishes the prospect lists of every commune:
exactly what `covgap run --input ... --output ... --as-of ...` publishes, one task per stage.

| task | does | calls |
|---|---|---|
| `extract` | finds the registers: the `input` folder as is, or the seven tables of the database behind Airflow connection `input` copied to CSV | `pipelines.nightly.prepare_input` |
| `ingest` | reads each register, every value as text; stops on a file that cannot be used at all | `pipelines.run.run_stage(ctx, "ingest")` |
| `validate` | quarantines rows that break the contract's rules, with their reason | `run_stage(ctx, "validate")` |
| `quality` | runs one Great Expectations suite per register, writes Data Docs; stops on a critical failure | `run_stage(ctx, "quality")` |
| `standardise` | normalises names, dates, IDs; maps old commune codes | `run_stage(ctx, "standardise")` |
| `link` | links insured, managers, owners to residents and units to organisations | `run_stage(ctx, "link")` |
| `prospects` | applies the six rules | `run_stage(ctx, "prospects")` |
| `write_lists` | `prospects.csv`, `links.csv`, `quarantine/`, `summary.csv` | `pipelines.publish.write_lists` |
| `provinces` | provinces that have prospects (removes workbooks of provinces that no longer do) | `pipelines.nightly.workbook_provinces` |
| `write_province` | one mapped task per province (34 at most): its commune workbooks `by_ward/<province>/` | `pipelines.publish.write_province` |
| `write_audit` | `audit.html` and `audit.json`: ledger, matching quality, prospects per commune | `pipelines.audit.write_audit` |
| `write_manifest` | `manifest.json`: every input row accounted for, every output hashed | `pipelines.publish.write_manifest` |
| `publish_latest` | points `{output}/{as_of}` and then `{output}/latest` at this run's folder, each atomically, only now that all succeeded | `pipelines.nightly.publish_run` |

**Params.** `input`: a folder, or an Airflow connection id (an existing folder wins);
`output`: root of the runs (env `COVGAP_OUTPUT`, else `~/covgap-runs`); `as_of`: the reference
date, `YYYY-MM-DD` (default: the logical date, in Viet Nam time). A run writes only into
`{output}/{as_of}/`; rerunning a date replaces its files (identical when the inputs are).

**When a task fails** its alert is written to `{output}/{as_of}/alerts/<task>-try<n>.json` (and
e-mailed to `COVGAP_ALERT_EMAIL` through connection `smtp_default` when both exist); `latest` keeps
pointing at the last complete run. A register that cannot be used (a data problem, `CovgapError`)
fails at once: retrying would not fix the data. Reading tasks retry other errors (a database that
is down) with exponential backoff.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

from airflow.sdk import (
    Asset,
    CronTriggerTimetable,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    dag,
    get_current_context,
    task,
)

log = logging.getLogger(__name__)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # no I/O: path arithmetic only
DEFAULT_INPUT = os.path.join(REPO, "sample_data", "small")
DEFAULT_OUTPUT = os.environ.get("COVGAP_OUTPUT", "~/covgap-runs")
REGISTERS = ("population", "enterprises", "cooperatives", "managers", "household_businesses", "insured",
             "employers")  # as pipelines.registers.REGISTERS, repeated so parsing imports nothing

REGISTER_ASSETS = [Asset(name=f"covgap_register_{name}", uri=f"x-covgap://registers/{name}", group="covgap")
                   for name in REGISTERS]
PROSPECT_LISTS = Asset(name="covgap_prospect_lists", uri="x-covgap://prospect-lists/latest", group="covgap")

# A data problem (a register that cannot be used) fails at once; anything else retries.
DATA_PROBLEMS = ExceptionRetryPolicy(rules=[RetryRule(
    exception="pipelines.exceptions.CovgapError", action=RetryAction.FAIL,
    reason="a register cannot be used: retrying will not fix the data")])
READING: dict[str, Any] = {"retries": 3, "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": 2.0,
           "max_retry_delay": dt.timedelta(minutes=30)}  # tasks that read from outside covgap


def _run() -> dict[str, str]:
    """This run's ``output`` (its dated folder), ``as_of`` and ``root``, from params and logical date."""
    from pipelines.nightly import plan_run, resolve_as_of

    context = get_current_context()
    params = context["params"]
    as_of = resolve_as_of(params.get("as_of"), context.get("logical_date"))
    run_dir = plan_run(params["output"], as_of, context["run_id"])
    return {"root": params["output"], "output": str(run_dir), "as_of": as_of}


def _ctx(run: dict[str, str]):  # -> RunContext (imported at run time)
    from pipelines.context import RunContext

    return RunContext.create(run["input"], run["output"], run["as_of"])


def _alert(context: dict) -> None:
    """on_failure_callback: write a JSON alert into the run folder, e-mail it if configured.

    A callback that raises would hide the task's own error, so every step is guarded.
    """
    try:
        from pipelines.nightly import plan_run, resolve_as_of, send_alert_email, write_alert

        ti, params = context.get("ti"), context.get("params") or {}
        error = context.get("exception")
        as_of = resolve_as_of(params.get("as_of"), context.get("logical_date"))
        record = {
            "dag_id": getattr(ti, "dag_id", None), "task_id": getattr(ti, "task_id", None),
            "map_index": getattr(ti, "map_index", None), "run_id": context.get("run_id"),
            "try_number": getattr(ti, "try_number", None), "as_of": as_of, "input": params.get("input"),
            "exception_type": type(error).__name__ if error is not None else None,
            "exception": str(error) if error is not None else None,
            "failed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        path = write_alert(plan_run(params.get("output", DEFAULT_OUTPUT), as_of, context.get("run_id")), record)
        log.error("covgap alert written to %s", path)
    except Exception:  # noqa: BLE001 -- never let the callback mask the task's failure
        log.exception("covgap: could not write the failure alert")
        return
    try:
        send_alert_email(record)
    except Exception:  # noqa: BLE001 -- SMTP down or misconfigured: the JSON alert is already written
        log.exception("covgap: could not e-mail the failure alert")


@dag(
    dag_id="coverage_gap_nightly",
    schedule=CronTriggerTimetable("30 1 * * *", timezone="Asia/Ho_Chi_Minh"),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["covgap"],
    params={
        "input": Param(DEFAULT_INPUT, type="string", minLength=1,
                       description="folder with the seven registers, or an Airflow connection id"),
        "output": Param(DEFAULT_OUTPUT, type="string", minLength=1,
                        description="root of the runs: each run writes {output}/{as_of}/"),
        "as_of": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                       description="reference date YYYY-MM-DD; empty: the logical date"),
    },
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=5), "retry_policy": DATA_PROBLEMS,
                  "execution_timeout": dt.timedelta(hours=2), "on_failure_callback": _alert},
)
def coverage_gap_nightly() -> None:
    @task(inlets=REGISTER_ASSETS, execution_timeout=dt.timedelta(hours=2), **READING)
    def extract() -> dict[str, str]:
        from pipelines.nightly import prepare_input

        run = _run()
        return {**run, "input": str(prepare_input(get_current_context()["params"]["input"], run["output"]))}

    @task(execution_timeout=dt.timedelta(hours=2), **READING)
    def ingest(run: dict[str, str]) -> dict[str, str]:
        from pipelines.run import run_stage

        run_stage(_ctx(run), "ingest")
        return run

    def stage_task(stage: str, hours: float):
        @task(task_id=stage, execution_timeout=dt.timedelta(hours=hours))
        def run_one(run: dict[str, str]) -> dict[str, str]:
            from pipelines.run import run_stage

            run_stage(_ctx(run), stage)
            return run

        return run_one

    @task(execution_timeout=dt.timedelta(hours=1))
    def write_lists(run: dict[str, str]) -> dict:
        from pipelines.publish import write_lists

        return write_lists(_ctx(run))

    @task(execution_timeout=dt.timedelta(minutes=30))
    def provinces(run: dict[str, str]) -> list[str]:
        from pipelines.nightly import workbook_provinces

        return workbook_provinces(_ctx(run))

    @task(execution_timeout=dt.timedelta(hours=1), max_active_tis_per_dagrun=16)
    def write_province(run: dict[str, str], province_code: str) -> dict:
        from pipelines.publish import write_province

        return write_province(_ctx(run), province_code)

    @task(execution_timeout=dt.timedelta(minutes=30))
    def write_audit(run: dict[str, str]) -> dict:
        from pipelines.audit import write_audit

        return write_audit(_ctx(run))

    @task(execution_timeout=dt.timedelta(minutes=30), trigger_rule="none_failed")
    def write_manifest(run: dict[str, str]) -> dict:
        from pipelines.publish import write_manifest

        return write_manifest(_ctx(run))

    @task(outlets=[PROSPECT_LISTS], execution_timeout=dt.timedelta(minutes=5))
    def publish_latest(run: dict[str, str]) -> str:
        from pipelines.nightly import publish_run

        return str(publish_run(run["root"], run["output"], run["as_of"]))

    run: Any = extract()  # an XComArg: the run's paths, handed from task to task
    run = ingest(run)
    for stage, hours in (("validate", 2), ("quality", 2), ("standardise", 2), ("link", 6), ("prospects", 1)):
        run = stage_task(stage, hours)(run)
    lists = write_lists(run)
    workbooks = write_province.partial(run=run).expand(province_code=provinces(run))
    audit = write_audit(run)
    manifest = write_manifest(run)
    lists >> audit
    [audit, workbooks] >> manifest
    manifest >> publish_latest(run)


coverage_gap_nightly()
