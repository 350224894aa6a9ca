"""Fault injection: kill ``covgap run`` (SIGKILL to the main process, or to its whole group) after
stages and at every step of the publish, over a fresh folder and over a complete older run.

After each kill the published folder holds the old complete set or the new complete set, consistent
with its manifest, and no process of the run is left. The kill points are ``pipelines/faults.py``'s.
One small world, two real runs (one published, one killed just before its switch, whose finished
build the publish-step tests reuse); the other kills are cheap.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.faults import ENV, HOW
from pipelines.files import sha256_of
from pipelines.output_folder import build_folder, workspace_of
from sample_data.generator import generate

OLD, NEW = "2026-07-01", "2026-07-02"
REPO = Path(__file__).resolve().parents[2]


def _covgap(world: Path, out: Path, as_of: str, point: str | None = None, how: str = "") -> subprocess.Popen[str]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", ENV: point or "", HOW: how}
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", "--input", str(world), "--output",
                             str(out), "--as-of", as_of], cwd=REPO, env=env, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _python(code: str, point: str, how: str = "") -> subprocess.Popen[str]:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", ENV: point, HOW: how}
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, start_new_session=True, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _killed(process: subprocess.Popen[str]) -> None:
    """The process died of SIGKILL, and within seconds nothing of its process group is alive."""
    _, err = process.communicate(timeout=600)
    assert process.returncode == -9, err[-2000:]
    deadline = time.monotonic() + 3
    while (alive := _alive_in_group(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive == [], f"processes of the killed run still alive: {alive}"


def _alive_in_group(pgid: int) -> list[int]:
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state not in ("Z", "X"):
            alive.append(int(stat.parent.name))
    return alive


def _consistent(out: Path) -> str:
    """The published set is complete and is what its manifest says; returns its as-of."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for path, entry in manifest["outputs"].items():
        assert sha256_of(out / path) == entry["sha256"], path
    workbooks = {p.relative_to(out).as_posix() for p in (out / "by_ward").rglob("*.xlsx")}
    assert workbooks == {p for p in manifest["outputs"] if p.startswith("by_ward/")}
    quality = json.loads((out / "quality" / "summary.json").read_text(encoding="utf-8"))
    assert quality["as_of"] == manifest["as_of"] and (out / "quality" / "data_docs" / "index.html").is_file()
    assert not list(out.rglob("*.tmp"))
    return str(manifest["as_of"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fault_world")
    generate(folder, persons=150, seed=5, noise="none", as_of=dt.date(2026, 7, 1))
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, world: Path) -> Path:
    """A complete older run, owner-only through and through (Data Docs included)."""
    out = tmp_path_factory.mktemp("published") / "out"
    assert main(["run", "--input", str(world), "--output", str(out), "--as-of", OLD]) == 0
    assert _consistent(out) == OLD
    modes = {oct(p.stat().st_mode & 0o777) for p in out.rglob("*")}
    assert modes <= {"0o600", "0o700"}, modes
    return out


@pytest.fixture(scope="module")
def new_build(tmp_path_factory: pytest.TempPathFactory, world: Path, published: Path) -> Path:
    """A full newer run over a copy of the published one, killed (group) just before its switch: the
    copy still holds the old set; the finished build it left is kept for the publish-step tests."""
    out = tmp_path_factory.mktemp("killed_full") / "out"
    shutil.copytree(published, out)
    _killed(_covgap(world, out, NEW, "publish:before-switch", "group"))
    assert _consistent(out) == OLD
    builds = sorted(workspace_of(out).glob("build-*"))
    assert len(builds) == 1 and _consistent(builds[0]) == NEW
    kept = tmp_path_factory.mktemp("new_build") / "build"
    shutil.copytree(builds[0], kept)
    return kept


def _over(published: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(published, out)
    return out


@pytest.mark.parametrize(("point", "how"), [("after:settings", "group"), ("after:ingest", "")])
def test_a_run_killed_after_a_stage_leaves_the_older_run_and_the_next_run_cleans_up(
        world: Path, published: Path, tmp_path: Path, point: str, how: str) -> None:
    out = _over(published, tmp_path)
    _killed(_covgap(world, out, NEW, point, how))
    assert _consistent(out) == OLD
    assert list(workspace_of(out).glob("build-*"))  # what the killed run left
    with build_folder(out, dt.date(2026, 7, 2)) as build:  # the next run: leftovers go first
        assert [p.name for p in workspace_of(out).glob("build-*")] == [build.name]


def test_a_run_killed_into_a_fresh_folder_publishes_nothing(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    _killed(_covgap(world, out, NEW, "after:ingest", "group"))
    assert not out.exists()


def test_the_full_run_killed_before_its_switch_left_the_old_set(new_build: Path) -> None:
    assert _consistent(new_build) == NEW  # (the assertions are in the fixture; this runs it)


_SWITCH = ("from pathlib import Path; import pipelines.output_folder as o; "
           "{patch}o.switch(Path({build!r}), Path({out!r}))")


def _build_beside(out: Path, new_build: Path) -> Path:
    build = workspace_of(out) / "build-1"
    workspace_of(out).mkdir(exist_ok=True)
    shutil.copytree(new_build, build)
    return build


def test_killed_after_the_exchange_the_new_set_is_published_and_the_old_one_cleaned_next(
        published: Path, new_build: Path, tmp_path: Path) -> None:
    out = _over(published, tmp_path)
    build = _build_beside(out, new_build)
    _killed(_python(_SWITCH.format(patch="", build=str(build), out=str(out)), "publish:after-exchange"))
    assert _consistent(out) == NEW and _consistent(build) == OLD  # swapped in one step; old not yet removed
    with build_folder(out, dt.date(2026, 7, 3)):
        assert not build.exists()


def test_killed_between_the_two_renames_the_next_run_puts_the_old_set_back(
        published: Path, new_build: Path, tmp_path: Path) -> None:
    out = _over(published, tmp_path)
    build = _build_beside(out, new_build)
    code = _SWITCH.format(patch="o.exchange = lambda a, b: False; ", build=str(build), out=str(out))
    _killed(_python(code, "publish:between-renames", "group"))
    assert not out.exists()  # the one moment without a set: the next run undoes it first
    with build_folder(out, dt.date(2026, 7, 3)):
        assert _consistent(out) == OLD


def test_killed_before_the_switch_into_a_fresh_folder_nothing_is_published(new_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "fresh"
    build = _build_beside(out, new_build)
    _killed(_python(_SWITCH.format(patch="", build=str(build), out=str(out)), "publish:before-switch"))
    assert not out.exists()


def test_workbook_processes_die_with_the_main_process(new_build: Path, tmp_path: Path) -> None:
    """A worker kills the main process (as kill -9 of it would) and then goes on writing: it must die too."""
    out = tmp_path / "run"
    shutil.copytree(new_build, out)
    province = sorted(p.name for p in (out / "by_ward").iterdir())[0]
    code = ("from pipelines.context import RunContext; from pipelines.run import run_stage; "
            f"run_stage(RunContext.create({str(REPO / 'sample_data' / 'small')!r}, {str(out)!r}, {NEW!r}), "
            f"'write_province', items=[{province!r}, {province!r}], workers=2)")
    process = _python(code, "worker", "parent")
    _killed(process)


def test_a_second_run_into_a_folder_in_use_is_refused_naming_the_holder(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "busy"
    with build_folder(out, dt.date(2026, 7, 1)):
        process = _covgap(world, out, NEW)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 3 and f"in use by covgap run pid {os.getpid()}" in err, err
    assert not out.exists()


def test_os_errors_end_with_a_message_naming_the_path(world: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "prospects.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    assert main(["run", "--input", str(world), "--output", str(a_file), "--as-of", NEW]) == 1
    assert f"{a_file}: the output path is a file" in capsys.readouterr().err
    assert main(["run", "--input", str(world), "--output", str(a_file / "out"), "--as-of", NEW]) == 1
    error = capsys.readouterr().err
    assert str(a_file) in error and "Traceback" not in error and "nothing was published" in error
