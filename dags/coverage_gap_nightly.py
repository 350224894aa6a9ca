"""
# covgap nightly: who social and health insurance do not yet cover

Reads the seven registers, links them, and publishes the prospect lists of every commune:
exactly what `covgap run --input ... --output ... --as-of ...` publishes, one task per stage of
`pipelines/flow.py` (the table below is made from it), between `extract` (find the registers:
the `input` folder as is, or the seven tables of the database behind Airflow connection `input`
copied to CSV) and `publish_latest` (point `{output}/{as_of}` and then `{output}/latest` at this
run's folder, each atomically, only now that all succeeded).

**Params.** `input`: a folder, or an Airflow connection id (an existing folder wins);
`output`: root of the runs (env `COVGAP_OUTPUT`, else `~/covgap-runs`); `as_of`: the reference
date, `YYYY-MM-DD` (default: the logical date, in Viet Nam time). A run writes only into
`{output}/{as_of}/`; rerunning a date replaces its files (identical when the inputs are).
`state`: the state store (an SQLite file or a database URL; default `{output}/state.sqlite`): the
`changes` task reads the previous night from it (the latest night before `as_of`, never the folder
listing), and `publish_latest` records this night in it once published.
`feedback`: the folder of filled-in workbooks the `feedback` task reads back (default `{output}/feedback`).

**When a task fails** its alert is written to the run's own folder,
`{output}/.runs/{as_of}/{run_id}/alerts/<task>-try<n>.json` (and
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

from contract.registers import OPTIONAL_REGISTERS, REGISTER_NAMES  # pure Python: parsing the DAG stays light
from pipelines.flow import FLOW, Stage, upstream  # names, timeouts, retry classes; no stage is imported

log = logging.getLogger(__name__)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # no I/O: path arithmetic only
DEFAULT_INPUT = os.path.join(REPO, "sample_data", "small")
DEFAULT_OUTPUT = os.environ.get("COVGAP_OUTPUT", "~/covgap-runs")

REGISTER_ASSETS = [Asset(name=f"covgap_register_{name}", uri=f"x-covgap://registers/{name}", group="covgap")
                   for name in (*REGISTER_NAMES, *OPTIONAL_REGISTERS)]  # labour too: read when given
PROSPECT_LISTS = Asset(name="covgap_prospect_lists", uri="x-covgap://prospect-lists/latest", group="covgap")

# A data problem (a register that cannot be used) fails at once; anything else retries.
DATA_PROBLEMS = ExceptionRetryPolicy(rules=[RetryRule(
    exception="pipelines.exceptions.CovgapError", action=RetryAction.FAIL,
    reason="a register cannot be used: retrying will not fix the data")])
READING: dict[str, Any] = {"retries": 3, "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": 2.0,
           "max_retry_delay": dt.timedelta(minutes=30)}  # tasks that read from outside covgap


def _run() -> dict[str, str]:
    """This run's ``output`` (its dated folder), ``as_of`` and ``root``, from params and logical date."""
    from pipelines.nightly import feedback_location, plan_run, resolve_as_of, state_location

    context = get_current_context()
    params = context["params"]
    as_of = resolve_as_of(params.get("as_of"), context.get("logical_date"))
    run_dir = plan_run(params["output"], as_of, context["run_id"])
    return {"root": params["output"], "output": str(run_dir), "as_of": as_of, "settings": params.get("settings") or "",
            "state": state_location(params["output"], params.get("state")),
            "feedback": feedback_location(params["output"], params.get("feedback"))}


def _ctx(run: dict[str, str]):  # -> RunContext (imported at run time)
    from pipelines.context import RunContext

    # published: where readers find the run once complete, and so where the previous run is looked for
    return RunContext.create(run["input"], run["output"], run["as_of"], run.get("settings") or None,
                             published=os.path.join(run["root"], run["as_of"]), state=run["state"],
                             feedback=run.get("feedback") or None)


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
    doc_md=(__doc__ or "") + "\n| task | does | timeout |\n|---|---|---|\n" + "".join(
        f"| `{s.name}` | {s.doc}{' (one task per item of ' + s.over + ')' if s.over else ''} | {s.timeout} |\n"
        for s in FLOW),
    tags=["covgap"],
    params={
        "input": Param(DEFAULT_INPUT, type="string", minLength=1,
                       description="folder with the seven registers, or an Airflow connection id"),
        "output": Param(DEFAULT_OUTPUT, type="string", minLength=1,
                        description="root of the runs: each run writes {output}/{as_of}/"),
        "as_of": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                       description="reference date YYYY-MM-DD; empty: the logical date"),
        "settings": Param(None, type=["null", "string"],
                          description="settings file (TOML); empty: the shipped pipelines/settings.toml"),
        "state": Param(None, type=["null", "string"],
                       description="state store: an SQLite file or a database URL; empty: {output}/state.sqlite"),
        "feedback": Param(None, type=["null", "string"],
                          description="folder of filled-in workbooks read back; empty: {output}/feedback"),
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

    def stage_task(stage: Stage) -> Any:
        """One task for one stage of the flow: its timeout, its retry class, one call into pipelines/."""
        options: dict[str, Any] = {**(READING if stage.retry == "reading" else {}), "execution_timeout": stage.timeout}
        if stage.over is not None:
            @task(task_id=stage.name, max_active_tis_per_dagrun=16, **options)
            def run_each(run: dict[str, str], item: str) -> Any:
                from pipelines.run import run_stage

                return run_stage(_ctx(run), stage.name, items=[item], workers=1)[0]  # counts only

            return run_each
        # After a mapped task that expanded to nothing (no province has prospects): skipped, not failed.
        mapped_before = any(before.over is not None for before in upstream(stage))

        @task(task_id=stage.name, trigger_rule="none_failed" if mapped_before else "all_success", **options)
        def run_one(run: dict[str, str]) -> Any:
            from pipelines.run import run_stage

            result = run_stage(_ctx(run), stage.name)
            # XCom carries paths and counts, never tables: the items a later stage maps over, else the paths.
            return result if any(later.over == stage.name for later in FLOW) else run

        return run_one

    @task(outlets=[PROSPECT_LISTS], execution_timeout=dt.timedelta(minutes=5))
    def publish_latest(run: dict[str, str]) -> str:
        from pipelines.nightly import publish_night

        return str(publish_night(_ctx(run), run["root"]))  # then the store moves on to this night

    run: Any = extract()  # an XComArg: the run's paths (never tables), handed to every task
    tasks: dict[str, Any] = {}
    for stage in FLOW:
        if stage.over is not None:
            tasks[stage.name] = stage_task(stage).partial(run=run).expand(item=tasks[stage.over])
        else:
            tasks[stage.name] = stage_task(stage)(run)
        for before in upstream(stage):
            tasks[before.name] >> tasks[stage.name]
    tasks[FLOW[-1].name] >> publish_latest(run)


coverage_gap_nightly()
