"""The pieces around the stages that the nightly DAG uses: run folder, ``latest``, alerts, provinces."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from pipelines.catalogue import PROSPECTS, PROSPECTS_TO_VERIFY
from pipelines.context import RunContext
from pipelines.exceptions import CovgapError
from pipelines.nightly import (
    plan_run,
    prepare_input,
    promote_latest,
    publish_run,
    resolve_as_of,
    send_alert_email,
    write_alert,
)
from pipelines.publish import plan_provinces
from pipelines.sources import export_query


def finished_run(root: Path, as_of: str) -> Path:
    run_dir = root / as_of
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text("{}")
    return run_dir


def test_latest_moves_only_to_a_complete_run(tmp_path: Path) -> None:
    first = finished_run(tmp_path, "2026-07-01")
    assert promote_latest(tmp_path, first) == tmp_path / "latest"
    assert os.readlink(tmp_path / "latest") == "2026-07-01"  # relative: the tree can move
    second = finished_run(tmp_path, "2026-07-02")
    promote_latest(tmp_path, second)
    assert os.readlink(tmp_path / "latest") == "2026-07-02"
    unfinished = tmp_path / "2026-07-03"
    unfinished.mkdir()
    with pytest.raises(FileNotFoundError, match="not complete"):
        promote_latest(tmp_path, unfinished)
    assert os.readlink(tmp_path / "latest") == "2026-07-02"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-07-01", "2026-07-02", "2026-07-03", "latest"]


def test_a_rerun_of_a_date_switches_both_links_and_drops_the_earlier_folder(tmp_path: Path) -> None:
    first = plan_run(str(tmp_path), "2026-07-01", "scheduled__1")
    first.mkdir(parents=True)
    (first / "manifest.json").write_text("first")
    publish_run(tmp_path, first, "2026-07-01")
    second = plan_run(str(tmp_path), "2026-07-01", "manual__2")
    second.mkdir(parents=True)
    (second / "manifest.json").write_text("second")
    # while the rerun writes, readers still see the first run, complete
    assert (tmp_path / "2026-07-01" / "manifest.json").read_text() == "first"
    assert (tmp_path / "latest" / "manifest.json").read_text() == "first"
    publish_run(tmp_path, second, "2026-07-01")
    assert (tmp_path / "2026-07-01" / "manifest.json").read_text() == "second"
    assert (tmp_path / "latest").resolve() == second.resolve()
    assert not first.exists()


def test_latest_never_replaces_a_real_folder(tmp_path: Path) -> None:
    (tmp_path / "latest").mkdir()
    with pytest.raises(FileExistsError, match="not a symlink"):
        promote_latest(tmp_path, finished_run(tmp_path, "2026-07-01"))


@pytest.mark.parametrize(("requested", "logical", "expected"), [
    ("2026-07-01", None, "2026-07-01"),
    (None, dt.datetime(2026, 6, 30, 18, 30, tzinfo=dt.UTC), "2026-07-01"),  # 01:30 in Hà Nội
    (None, dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC), "2026-07-01"),
    ("", dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC), "2026-07-01"),
])
def test_as_of_is_the_param_else_the_logical_day_in_viet_nam(requested: str | None, logical: dt.datetime | None,
                                                             expected: str) -> None:
    assert resolve_as_of(requested, logical) == expected


def test_as_of_must_be_a_date() -> None:
    with pytest.raises(ValueError):
        resolve_as_of("2026-13-01", None)
    with pytest.raises(ValueError, match="logical date"):
        resolve_as_of(None, None)


def test_run_folder_is_the_date_under_the_root(tmp_path: Path) -> None:
    assert plan_run(str(tmp_path), "2026-07-01") == tmp_path / "2026-07-01"
    assert plan_run("~/runs", "2026-07-01") == Path.home() / "runs" / "2026-07-01"


def test_an_existing_folder_is_read_as_is(tmp_path: Path) -> None:
    assert prepare_input(str(tmp_path), tmp_path / "run") == tmp_path
    assert not (tmp_path / "run").exists()


def test_a_missing_folder_is_not_mistaken_for_a_connection(tmp_path: Path) -> None:
    with pytest.raises(CovgapError, match="input folder not found"):
        prepare_input(str(tmp_path / "typo"), tmp_path / "run")


def test_alert_record_is_written_into_the_run_folder(tmp_path: Path) -> None:
    record = {"dag_id": "d", "task_id": "write_province", "map_index": 3, "try_number": 2, "as_of": "2026-07-01",
              "exception": "Lỗi: tệp bị cắt"}
    path = write_alert(tmp_path, record)
    assert path == tmp_path / "alerts" / "write_province-3-try2.json"
    assert json.loads(path.read_text(encoding="utf-8")) == record


def test_no_alert_email_without_recipients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COVGAP_ALERT_EMAIL", raising=False)
    assert send_alert_email({"task_id": "ingest"}) is False


def test_provinces_without_prospects_lose_their_old_workbooks(tmp_path: Path) -> None:
    ctx = RunContext.create(tmp_path / "in", tmp_path / "out", "2026-07-01")
    target = PROSPECTS.path(ctx)
    target.parent.mkdir(parents=True)
    pd.DataFrame({"province_code": ["79", "01", "79", None]}).to_parquet(target)
    # a province with rows to verify only still gets its workbooks (a sheet of its own)
    pd.DataFrame({"province_code": ["48"]}).to_parquet(PROSPECTS_TO_VERIFY.path(ctx))
    for province in ("01", "48", "79", "92"):
        (ctx.output / "by_ward" / province).mkdir(parents=True)
        (ctx.output / "by_ward" / province / "00001.xlsx").write_bytes(b"old")
    assert plan_provinces(ctx) == ["01", "48", "79"]
    assert sorted(p.name for p in (ctx.output / "by_ward").iterdir()) == ["01", "48", "79"]


def test_export_order_is_the_row_number_else_the_key_bytewise() -> None:
    by_row = export_query("s", "population", ["person_id", "row_number", "full_name"], "person_id")
    assert '"row_number"::text' not in by_row and by_row.count("ORDER BY \"row_number\")") == 1
    by_key = export_query("s", "managers", ["org_tax_code", "person_id"], None)
    assert 'ORDER BY "org_tax_code" COLLATE "C", "person_id" COLLATE "C"' in by_key
