"""The nightly DAG, run for real with ``airflow dags test``, publishes exactly what ``covgap run`` does.

One throwaway Airflow (SQLite metadata database) serves every run of this module; a generated world
of 1,500 residents is the input, from a folder and from PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.registers import REGISTERS
from pipelines.cli import main
from pipelines.state_store import Store
from sample_data.generator import generate
from tests.dags.airflow_env import AIRFLOW, airflow_env, requires_airflow, run
from tests.support.outputs import digests
from tests.support.services import throwaway_database

pytestmark = [pytest.mark.slow, requires_airflow]

AS_OF = dt.date(2026, 7, 1)
DAG_ID = "coverage_gap_nightly"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    generate(folder, persons=1500, seed=5, noise="normal", as_of=AS_OF)
    return folder


@pytest.fixture(scope="module")
def reference(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``covgap run`` publishes for the world: the DAG must publish the same."""
    out = tmp_path_factory.mktemp("cli")
    assert main(["run", "--input", str(world), "--output", str(out), "--as-of", AS_OF.isoformat()]) == 0
    return out


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow_home")
    done = run([str(AIRFLOW), "db", "migrate"], airflow_env(home))
    assert done.returncode == 0, done.stderr[-3000:]
    return home


def dag_test(home: Path, input: str, output: Path, as_of: str, state: str | None = None, **env: str) -> tuple[int, str]:
    conf = json.dumps({"input": input, "output": str(output), "as_of": as_of, **({"state": state} if state else {})})
    done = run([str(AIRFLOW), "dags", "test", DAG_ID, as_of, "-c", conf], airflow_env(home, **env), timeout=300)
    # the task logs stay readable: no Great Expectations decorator lines, each stage's timed lines
    assert "great_expectations._docs_decorators" not in done.stdout + done.stderr
    assert "Skipping registering function" not in done.stdout + done.stderr
    return done.returncode, done.stdout[-4000:] + done.stderr[-4000:]


@pytest.fixture(scope="module")
def folder_run(home: Path, world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root of the runs after one successful nightly run of AS_OF from the world's folder."""
    root = tmp_path_factory.mktemp("runs")
    code, log = dag_test(home, str(world), root, AS_OF.isoformat())
    assert code == 0, log
    return root


def test_folder_run_publishes_what_covgap_run_publishes(folder_run: Path, reference: Path) -> None:
    run_dir = folder_run / AS_OF.isoformat()
    assert (run_dir / "prospects.csv").read_bytes() == (reference / "prospects.csv").read_bytes()
    assert digests(run_dir, stages=False) == digests(reference, stages=False)
    assert any(name.startswith("by_ward/") for name in digests(run_dir, stages=False))
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    expected = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["registers"] == expected["registers"]
    assert manifest["outputs"] == expected["outputs"]
    latest = folder_run / "latest"
    assert latest.is_symlink() and run_dir.is_symlink()
    assert latest.resolve() == run_dir.resolve()
    assert Store(folder_run / "state.sqlite").nights() == [AS_OF]  # recorded once published, beside the dated folders


def test_rerun_of_a_date_is_byte_identical(folder_run: Path, home: Path, world: Path) -> None:
    run_dir = folder_run / AS_OF.isoformat()
    before = digests(run_dir)
    code, log = dag_test(home, str(world), folder_run, AS_OF.isoformat())
    assert code == 0, log
    assert digests(run_dir) == before
    assert (folder_run / "latest").resolve() == run_dir.resolve()
    assert len(list((folder_run / ".runs" / AS_OF.isoformat()).iterdir())) == 1  # the earlier run is gone


def test_failed_run_leaves_latest_alone_and_writes_an_alert(folder_run: Path, home: Path, world: Path,
                                                           tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in world.glob("*.csv"):
        (broken / name.name).write_bytes(name.read_bytes())
    with open(broken / "insured.csv", "rb+") as handle:  # cut off mid-row: the file cannot be used
        handle.truncate(handle.seek(0, os.SEEK_END) - 7)
    failed_date = (AS_OF + dt.timedelta(days=1)).isoformat()
    code, log = dag_test(home, str(broken), folder_run, failed_date)
    assert code != 0, log
    assert (folder_run / "latest").resolve() == (folder_run / AS_OF.isoformat()).resolve()
    assert not (folder_run / failed_date).exists()  # readers never see the failed run
    alerts = sorted((folder_run / ".runs" / failed_date).glob("*/alerts/*.json"))
    assert [a.name for a in alerts] == ["ingest-try1.json"]  # a data problem: failed at once, no retry
    alert = json.loads(alerts[0].read_text(encoding="utf-8"))
    assert alert["dag_id"] == DAG_ID and alert["task_id"] == "ingest" and alert["as_of"] == failed_date
    assert "insured.csv" in alert["exception"] and "cut off" in alert["exception"]
    assert alert["run_id"]
    assert Store(folder_run / "state.sqlite").nights() == [AS_OF]  # a failed night does not advance the store


# --- PostgreSQL ----------------------------------------------------------------------------------

def _load_registers(world: Path, url: str) -> None:
    """The registers as an agency would hold them: one table each, text columns, and the row's
    position in the extract as ``row_number``."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        for path in sorted(world.glob("*.csv")):
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.reader(handle))
            header, body = rows[0], rows[1:]
            table = sql.Identifier(path.stem)
            columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in header)
            cursor.execute(sql.SQL("CREATE TABLE {} (row_number integer PRIMARY KEY, {})").format(table, columns))
            names = sql.SQL(", ").join(sql.Identifier(c) for c in ["row_number", *header])
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
                for number, values in enumerate(body, start=1):
                    copy.write_row([number, *(v if v != "" else None for v in values)])


@pytest.fixture(scope="module")
def database(world: Path) -> Iterator[str]:
    """A uniquely named database holding the world's registers; dropped afterwards."""
    with throwaway_database("covgap_test") as url:
        _load_registers(world, url)
        yield url


def test_database_run_publishes_what_covgap_run_publishes(database: str, home: Path, reference: Path,
                                                         tmp_path: Path) -> None:
    # the state store in the same server (its own tables beside the registers')
    code, log = dag_test(home, "covgap_test", tmp_path, AS_OF.isoformat(), state=database,
                         AIRFLOW_CONN_COVGAP_TEST=database)
    assert code == 0, log
    assert Store(database).nights() == [AS_OF] and not (tmp_path / "state.sqlite").exists()
    run_dir = tmp_path / AS_OF.isoformat()
    assert (run_dir / "prospects.csv").read_bytes() == (reference / "prospects.csv").read_bytes()
    assert digests(run_dir, stages=False) == digests(reference, stages=False)
    exported = sorted(p.name for p in (run_dir / "_stages" / "extract").iterdir())
    assert exported == sorted(f"{name}.csv" for name in REGISTERS)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    expected = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in expected["registers"].items():  # the same rows, read from another file
        assert {k: v for k, v in manifest["registers"][name].items() if k != "sha256"} == \
            {k: v for k, v in entry.items() if k != "sha256"}
    assert (tmp_path / "latest").resolve() == run_dir.resolve()
