"""``covgap check`` on the world with injected faults: each quarantined fault is named with its row,
in a fresh interpreter that prints no third-party log line; and ``covgap --version``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import main
from tests.quality.conftest import AS_OF, _read, _write


@pytest.fixture(scope="module")
def checked(faulty_run: dict) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "check", "--input", str(faulty_run["world"]),
                           "--as-of", AS_OF.isoformat()], capture_output=True, text=True, env=env, timeout=600,
                          check=False, cwd=Path(__file__).parents[2])


def test_check_names_each_quarantined_fault_with_its_row(faulty_run: dict,
                                                         checked: subprocess.CompletedProcess[str]) -> None:
    assert checked.returncode == 0, checked.stderr[-2000:]
    report = checked.stdout
    for fault in faulty_run["injected"]:
        if fault["rule"]:
            line = next((x for x in report.splitlines() if fault["rule"] in x), "")
            assert str(fault["row_number"]) in line, (fault, report)
    assert "population.csv:" in report and "would be quarantined" in report
    assert not list(faulty_run["world"].glob("_stages")), "check writes nothing into the input folder"


def test_check_is_quiet_but_for_its_progress(checked: subprocess.CompletedProcess[str]) -> None:
    lines = checked.stderr.splitlines()
    assert lines and all(" covgap [" in x or "covgap all 4 stages" in x for x in lines), lines[:20]
    assert "great_expectations" not in checked.stderr and "INFO" not in checked.stderr
    assert [x.split("] ")[1] for x in lines if x.endswith("...")] == [
        "settings ...", "ingest ...", "validate ...", "quality ..."]


def test_check_of_a_register_that_cannot_be_used(faulty_run: dict, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    world = tmp_path / "in"
    world.mkdir()
    for path in faulty_run["world"].glob("*.csv"):
        (world / path.name).write_bytes(path.read_bytes())
    _write(_read(world, "insured").drop(columns=["si_code"]), world, "insured")
    assert main(["check", "--input", str(world), "--as-of", AS_OF.isoformat()]) == 1
    assert "insured.csv, column 'si_code': required column is missing" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("covgap 0.")
