"""Run the Airflow CLI and small Python probes in a fresh process, with a throwaway ``AIRFLOW_HOME``."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from tests.support.required import requires

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
DAG_FILE = DAGS / "coverage_gap_nightly.py"
AIRFLOW = Path(sys.executable).with_name("airflow")
# Checked without importing Airflow into the test process (slow, and it would read its own config).
requires_airflow = requires(find_spec("airflow") is not None, "Airflow is not installed: pip install -e '.[airflow]'")


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment of an isolated Airflow: its own home and SQLite database, this repo's DAGs only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    })
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)


def python(code: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-c", code], env, timeout)
