"""Critical checks: the run stops, saying why, before it publishes nonsense."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines.catalogue import QUARANTINED
from pipelines.checks import as_of_problems, list_shrink_problems, quarantine_problems
from pipelines.cli import main
from pipelines.context import RunContext
from pipelines.quality import find_previous_manifest
from pipelines.run import run_stage
from pipelines.settings import load_settings
from tests.support.world import World

CHECKS = load_settings().checks
AS_OF = dt.date(2026, 7, 1)


def _world(tmp_path: Path, dob: str, n: int = 40) -> Path:
    world = World()
    for i in range(1, n + 1):
        world.person(i)
        if i > 5:
            world.rows["population"][-1]["date_of_birth"] = dob
    return world.write(tmp_path / "in")


def _problems(tmp_path: Path, folder: Path) -> list[str]:
    ctx = RunContext(folder, tmp_path / "out", AS_OF)
    ingest, validate = run_stage(ctx, "ingest"), run_stage(ctx, "validate")
    quarantined = {name: pd.read_parquet(QUARANTINED.path(ctx, name)) for name in validate}
    return quarantine_problems(ingest, validate, quarantined, CHECKS, AS_OF)


def test_dates_written_dd_mm_yyyy_stop_the_run_with_a_hint(tmp_path: Path) -> None:
    problems = _problems(tmp_path, _world(tmp_path, "15/07/1985"))
    assert len(problems) == 1 and problems[0].startswith("population.csv: 35 of 40 rows quarantined (88%")
    assert "date_of_birth: not a real date" in problems[0] and "dates look like DD/MM/YYYY" in problems[0]


def test_a_few_bad_rows_are_quarantined_and_the_run_goes_on(tmp_path: Path) -> None:
    world = World()
    for i in range(1, 41):
        world.person(i)
        if i <= 3:
            world.rows["population"][-1]["date_of_birth"] = "15/07/1985"
    assert _problems(tmp_path, world.write(tmp_path / "in")) == []


def test_an_implausible_as_of_stops_before_anything_and_leaves_the_published_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"as_of": "2026-06-30"}', encoding="utf-8")
    folder = _world(tmp_path, "1985-03-02", n=3)
    for as_of in ("1900-01-01", "2999-01-01"):
        assert main(["run", "--input", str(folder), "--output", str(out), "--as-of", as_of]) == 1
        error = capsys.readouterr().err
        assert f"--as-of {as_of} is" in error and "nothing was published" in error
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    assert as_of_problems(dt.date(2025, 6, 30), CHECKS, dt.date(2026, 7, 1)) != []
    assert as_of_problems(dt.date(2025, 7, 1), CHECKS, dt.date(2026, 7, 1)) == []


def test_a_list_that_shrank_far_below_the_previous_run_stops(tmp_path: Path) -> None:
    published = tmp_path / "out"
    published.mkdir()
    manifest = {"as_of": "2026-06-30", "outputs": {"prospects.csv": {"rows": 1507}}}
    (published / "manifest.json").write_text(json.dumps(manifest))
    ctx = RunContext(tmp_path / "in", tmp_path / "build", AS_OF, published=published)
    assert find_previous_manifest(ctx) == published / "manifest.json"  # the run this one would replace
    rerun = RunContext(tmp_path / "in", tmp_path / "build", dt.date(2026, 6, 30), published=published)
    assert find_previous_manifest(rerun) is None  # a rerun of the same date compares with nothing
    fresh = RunContext(tmp_path / "in", tmp_path / "build", AS_OF, published=tmp_path / "new")
    assert find_previous_manifest(fresh) is None
    problems = list_shrink_problems(12, 1507, CHECKS, published / "manifest.json")
    assert problems and "12 rows, 1% of the 1,507" in problems[0] and "checks.list_shrink" in problems[0]
    assert list_shrink_problems(1000, 1507, CHECKS, None) == []
