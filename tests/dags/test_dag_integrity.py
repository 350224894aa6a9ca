"""The DAG file parses fast and light, loads without errors, and every task can retry and time out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract.registers import ALL_REGISTERS
from tests.dags.airflow_env import DAG_FILE, DAGS, airflow_env, python, requires_airflow

# Fresh interpreter: Airflow's own import (seconds) is timed apart from the DAG file's.
PARSE = f"""
import json, sys, time, runpy
import airflow.sdk
started = time.perf_counter()
runpy.run_path({str(DAG_FILE)!r})
print(json.dumps({{"seconds": time.perf_counter() - started, "modules": sorted(sys.modules)}}))
"""

INSPECT = f"""
import inspect, json
from airflow.dag_processing.dagbag import DagBag
# Airflow 3.3 dropped DagBag(include_examples=...): AIRFLOW__CORE__LOAD_EXAMPLES=False does its job.
options = {{"include_examples": False}} if "include_examples" in inspect.signature(DagBag).parameters else {{}}
bag = DagBag(dag_folder={str(DAGS)!r}, **options)
dag = bag.dags.get("coverage_gap_nightly")
tasks = {{}}
for t in (dag.tasks if dag else []):
    tasks[t.task_id] = {{
        "retries": t.retries, "timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
        "backoff": bool(t.retry_exponential_backoff), "upstream": sorted(t.upstream_task_ids),
        "mapped": any(c.__name__ == "MappedOperator" for c in type(t).__mro__),
        "inlets": [a.name for a in t.inlets], "outlets": [a.name for a in t.outlets],
        "failure_callback": bool(t.on_failure_callback),
    }}
print(json.dumps({{
    "import_errors": {{str(k): v for k, v in bag.import_errors.items()}},
    "dags": sorted(bag.dags), "tasks": tasks,
    "doc_md": dag.doc_md if dag else None,
    "params": sorted(dag.params.keys()) if dag else [],
    "timetable": repr(dag.timetable) if dag else None,
    "timezone": str(getattr(dag.timetable, "timezone", "")) if dag else None,
    "expression": getattr(dag.timetable, "expression", None) if dag else None,
}}))
"""

pytestmark = requires_airflow


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow_home")
    return airflow_env(home, COVGAP_OUTPUT=str(home / "never-created"))


@pytest.fixture(scope="module")
def inspected(env: dict[str, str]) -> dict:
    done = python(INSPECT, env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_parsing_is_fast_and_imports_nothing_heavy(env: dict[str, str]) -> None:
    done = python(PARSE, env)
    assert done.returncode == 0, done.stderr[-3000:]
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    heavy = [m for m in ("pandas", "great_expectations", "duckdb", "recordlinkage", "pyarrow", "psycopg",
                         "psycopg2") if m in parsed["modules"]]
    assert not heavy, f"importing the DAG file imported {heavy}"
    assert parsed["seconds"] < 1.0, f"parsing took {parsed['seconds']:.2f} s"
    assert not Path(env["COVGAP_OUTPUT"]).exists(), "parsing wrote to the output folder"


def test_dagbag_loads_without_import_errors(inspected: dict) -> None:
    assert inspected["import_errors"] == {}
    assert inspected["dags"] == ["coverage_gap_nightly"]


def test_every_task_retries_times_out_and_alerts(inspected: dict) -> None:
    tasks = inspected["tasks"]
    assert tasks
    for task_id, task in tasks.items():
        assert task["retries"] >= 1, f"{task_id} has no retries"
        assert task["timeout"], f"{task_id} has no execution_timeout"
        assert task["failure_callback"], f"{task_id} has no on_failure_callback"
    for reading in ("extract", "feedback", "ingest"):
        assert tasks[reading]["backoff"], f"{reading} reads from outside: it needs exponential backoff"


# The flow as the contract and the README describe it, written here independently of pipelines/flow.py.
EXPECTED_FLOW = ["settings", "feedback", "ingest", "validate", "quality", "standardise", "link", "prospects",
                 "changes", "write_lists", "provinces", "write_province", "write_audit", "write_manifest"]


def test_one_task_per_stage_in_order_with_provinces_fanned_out(inspected: dict) -> None:
    tasks = inspected["tasks"]
    chain = ["settings", "feedback", "ingest", "validate", "quality", "standardise", "link", "prospects", "changes"]
    assert tasks["settings"]["upstream"] == ["extract"]
    for before, after in zip(chain, chain[1:], strict=False):
        assert tasks[after]["upstream"] == sorted(["extract", before])
    assert tasks["write_province"]["mapped"]
    assert tasks["write_province"]["upstream"] == ["extract", "provinces"]
    assert tasks["provinces"]["upstream"] == ["changes", "extract"]
    assert tasks["write_lists"]["upstream"] == ["changes", "extract"]
    assert tasks["write_audit"]["upstream"] == ["extract", "write_lists"]
    assert tasks["write_manifest"]["upstream"] == ["extract", "write_audit", "write_province"]
    assert tasks["publish_latest"]["upstream"] == ["extract", "write_manifest"]


def test_the_dag_runs_every_stage_of_covgap_run(inspected: dict) -> None:
    """One flow: the DAG has a task for each stage covgap run runs and no other (but extract and
    publish_latest around them), and covgap run's order is one the DAG's dependencies allow."""
    from pipelines.flow import FLOW

    tasks = inspected["tasks"]
    assert sorted(tasks) == sorted(["extract", *EXPECTED_FLOW, "publish_latest"])
    for i, stage in enumerate(EXPECTED_FLOW):
        assert set(tasks[stage]["upstream"]) <= {"extract", *EXPECTED_FLOW[:i]}, f"{stage} waits for a later stage"
        if i:
            assert set(tasks[stage]["upstream"]) - {"extract"}, f"{stage} waits for no earlier stage"
    assert [stage.name for stage in FLOW] == EXPECTED_FLOW


def test_assets_params_schedule_and_docs(inspected: dict) -> None:
    tasks = inspected["tasks"]
    assert sorted(tasks["extract"]["inlets"]) == sorted(f"covgap_register_{name}" for name in ALL_REGISTERS)
    assert tasks["publish_latest"]["outlets"] == ["covgap_prospect_lists"]
    assert inspected["params"] == ["as_of", "feedback", "input", "output", "settings", "state"]
    assert inspected["timezone"] == "Asia/Ho_Chi_Minh"
    assert inspected["expression"] == "30 1 * * *"  # 01:30 in Viet Nam, every night
    assert "publish_latest" in inspected["doc_md"]
