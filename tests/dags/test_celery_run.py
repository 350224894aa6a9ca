"""The nightly DAG on a real Airflow cluster: scheduler, API server, DAG processor and two Celery
workers, Redis as the broker, PostgreSQL as the metadata database, publishes what ``covgap run`` does.

The world is small but spread over all 34 provinces, so the per-province publishing tasks are spread
over both workers. Every process runs in its own session and is stopped at the end; the Celery queue
and the metadata database are this module's own, so nothing else on the machine is disturbed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib.util import find_spec
from pathlib import Path

import pytest

from pipelines.cli import main
from sample_data.generator import generate
from sample_data.profiles import profile_named
from tests.dags.airflow_env import AIRFLOW, airflow_env, requires_airflow, run
from tests.dags.test_nightly_dag_runs import DAG_ID
from tests.support.outputs import digests
from tests.support.required import missing, requires
from tests.support.services import REDIS, redis_answers, throwaway_database

pytestmark = [pytest.mark.slow, requires_airflow,
              requires(find_spec("airflow.providers.celery") is not None,
                       "the Celery provider is not installed: pip install -e '.[airflow]'")]

AS_OF = "2026-07-01"
WORKERS = ("w1", "w2")
STARTUP_S = 120
RUN_S = 600


@dataclass
class Cluster:
    env: dict[str, str]
    logs: Path
    processes: list[subprocess.Popen[bytes]]
    database: str  # the metadata database's postgresql:// URL

    def airflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run([str(AIRFLOW), *args], self.env, timeout=120)

    def query(self, statement: str, *params: str) -> list[tuple[object, ...]]:
        """Rows of a read of the metadata database. Polling this way costs a query, where each
        ``airflow`` command costs seconds of CPU that the workers need."""
        import psycopg

        with psycopg.connect(self.database, connect_timeout=5) as connection:
            return connection.execute(statement, params).fetchall()

    def worker_log(self, name: str) -> str:
        return (self.logs / f"worker-{name}.log").read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group (Airflow's and Celery's children included), then SIGKILL stragglers."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_for(what: str, ready, processes: list[subprocess.Popen[bytes]], logs: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        dead = [p.args for p in processes if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            tails = {log.name: log.read_text(errors="replace")[-2000:] for log in sorted(logs.glob("*.log"))}
            pytest.fail(f"{what}: {'exited: ' + str(dead) if dead else 'timed out'}\n{json.dumps(tails, indent=1)}")
        time.sleep(2)


def _api_healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world34")
    spread = replace(profile_named("normal"), geography="provinces")
    generate(folder, persons=1500, seed=5, noise=spread, as_of=dt.date.fromisoformat(AS_OF))
    return folder


@pytest.fixture(scope="module")
def reference(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli34")
    assert main(["run", "--input", str(world), "--output", str(out), "--as-of", AS_OF]) == 0
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not redis_answers():
        missing(f"no Redis server answers on {REDIS[0]}:{REDIS[1]}")
    home = tmp_path_factory.mktemp("airflow_celery")
    logs = home / "logs"
    logs.mkdir()
    port, queue, secret = _free_port(), f"covgap_test_{uuid.uuid4().hex[:8]}", secrets.token_hex(16)
    with throwaway_database("covgap_airflow") as url:
        sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg2://", 1)
        env = airflow_env(
            home,
            AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlalchemy_url,
            AIRFLOW__CELERY__BROKER_URL=f"redis://{REDIS[0]}:{REDIS[1]}/0",
            AIRFLOW__CELERY__RESULT_BACKEND=f"db+{sqlalchemy_url}",
            AIRFLOW__OPERATORS__DEFAULT_QUEUE=queue,  # this module's queue: no other worker takes its tasks
            AIRFLOW__API__PORT=str(port),
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
            AIRFLOW__API_AUTH__JWT_SECRET=secret,
            AIRFLOW__API__SECRET_KEY=secret,
            AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",  # only the triggered run, no catch-up of the cron
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        )
        migrated = run([str(AIRFLOW), "db", "migrate"], env)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        processes = [
            _start([str(AIRFLOW), "api-server", "--port", str(port)], env, logs / "api-server.log"),
            _start([str(AIRFLOW), "scheduler"], env, logs / "scheduler.log"),
            _start([str(AIRFLOW), "dag-processor"], env, logs / "dag-processor.log"),
            *(_start([str(AIRFLOW), "celery", "worker", "--concurrency", "1", "--queues", queue,
                      "--celery-hostname", f"{name}-{queue}@%h", "--skip-serve-logs"], env,
                     logs / f"worker-{name}.log") for name in WORKERS),
        ]
        try:
            _wait_for("the API server", lambda: _api_healthy(port), processes, logs, STARTUP_S)
            for name in WORKERS:
                _wait_for(f"worker {name}", lambda name=name: " ready." in (logs / f"worker-{name}.log").read_text(
                    errors="replace"), processes, logs, STARTUP_S)
            cluster = Cluster(env, logs, processes, url)
            _wait_for("the DAG in the metadata database",
                      lambda: bool(cluster.query("SELECT 1 FROM dag WHERE dag_id = %s", DAG_ID)),
                      processes, logs, STARTUP_S)
            unpaused = cluster.airflow("dags", "unpause", DAG_ID)
            assert unpaused.returncode == 0, unpaused.stderr[-3000:]
            yield cluster
        finally:
            _stop(processes)


def _state(cluster: Cluster, run_id: str) -> str | None:
    rows = cluster.query("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", DAG_ID, run_id)
    return str(rows[0][0]) if rows else None


def test_celery_workers_publish_what_covgap_run_publishes(cluster: Cluster, world: Path, reference: Path,
                                                         tmp_path: Path) -> None:
    run_id = f"celery_test_{uuid.uuid4().hex[:8]}"
    conf = json.dumps({"input": str(world), "output": str(tmp_path), "as_of": AS_OF})
    triggered = cluster.airflow("dags", "trigger", DAG_ID, "--run-id", run_id, "--conf", conf)
    assert triggered.returncode == 0, triggered.stderr[-3000:]
    deadline, state = time.monotonic() + RUN_S, None
    while time.monotonic() < deadline and (state := _state(cluster, run_id)) not in ("success", "failed"):
        time.sleep(2)
    scheduler_log = (cluster.logs / "scheduler.log").read_text(errors="replace")[-3000:]
    assert state == "success", f"run {run_id} is {state}\n{scheduler_log}"

    run_dir = tmp_path / AS_OF
    assert (run_dir / "prospects.csv").read_bytes() == (reference / "prospects.csv").read_bytes()
    assert digests(run_dir, stages=False) == digests(reference, stages=False)
    provinces = sorted(p.name for p in (run_dir / "by_ward").iterdir() if p.is_dir())
    assert len(provinces) == 34  # every province's workbooks, each written by a mapped task
    for name in WORKERS:  # the work was shared: each worker ran tasks of this run, and none failed
        log = cluster.worker_log(name)
        assert "succeeded in" in log, f"worker {name} ran no task:\n{log[-2000:]}"
        assert "final_state=failed" not in log
