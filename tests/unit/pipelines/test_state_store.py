"""The state store: migrations applied once and in order, a night reads only the nights before it,
writing a night replaces its earlier record in one transaction; SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipelines.state_store import CHANGE_COLUMNS, MIGRATIONS, OPEN_COLUMNS, SCHEMA_VERSION, StateStoreError, Store
from tests.support.services import throwaway_database

D1, D2, D3 = dt.date(2026, 7, 1), dt.date(2026, 7, 2), dt.date(2026, 7, 3)


def _open(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(prospect_id, ward_code, since) of voluntary prospects."""
    return pd.DataFrame([{"prospect_id": p, "group": "voluntary_si_prospect", "ward_code": w,
                          "person_id": f"0010900000{i:02d}", "tax_code": None, "business_id": None, "since": s}
                         for i, (p, w, s) in enumerate(rows)], columns=list(OPEN_COLUMNS))


def _changes(*rows: tuple[str, str]) -> pd.DataFrame:
    """(prospect_id, change)."""
    return pd.DataFrame([{"prospect_id": p, "group": "voluntary_si_prospect", "ward_code": "00004", "person_id": None,
                          "tax_code": None, "business_id": None, "change": c, "reason": "Mới vào danh sách",
                          "record": None} for p, c in rows], columns=list(CHANGE_COLUMNS))


def _exercise(store: Store) -> None:
    assert store.previous(D1).as_of is None and store.previous(D1).open.empty  # nothing yet, nothing created
    store.record(D1, _open(("A", "00004", "2026-07-01")), _changes(("A", "new")))
    store.record(D2, _open(("A", "00004", "2026-07-01"), ("B", "00004", "2026-07-02")), _changes(("B", "new")))
    night = store.previous(D3)
    assert night.as_of == D2 and night.open["prospect_id"].tolist() == ["A", "B"]
    assert night.open.loc[night.open["prospect_id"] == "A", "since"].item() == "2026-07-01"
    assert store.previous(D2).as_of == D1 and store.previous(D2).open["prospect_id"].tolist() == ["A"]
    # a rerun of D1 after D2: replaces D1's record, and still reads nothing before it
    store.record(D1, _open(("C", "00008", "2026-07-01")), _changes(("C", "new")))
    assert store.previous(D1).as_of is None
    assert store.previous(D2).open["prospect_id"].tolist() == ["C"]
    assert store.changes(D1)["prospect_id"].tolist() == ["C"]
    assert store.nights() == [D1, D2]
    # a failed write changes nothing: the transaction is rolled back
    broken = _open(("D", "00004", "2026-07-03"), ("D", "00004", "2026-07-03"))  # the same row twice
    with pytest.raises(Exception):  # noqa: B017 -- the driver's own integrity error
        store.record(D3, broken, _changes())
    assert store.nights() == [D1, D2]
    assert store.version() == SCHEMA_VERSION


def test_sqlite_store(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "state.sqlite"
    store = Store(path)
    assert store.version() == 0 and not path.exists()  # reading never creates it
    _exercise(store)
    assert path.stat().st_mode & 0o077 == 0  # personal data: owner-only


def test_migrations_are_numbered_in_order_and_applied_once(tmp_path: Path) -> None:
    numbers = [number for number, _, _ in MIGRATIONS]
    assert numbers == list(range(1, len(MIGRATIONS) + 1))
    store = Store(tmp_path / "state.sqlite")
    assert store.migrate() == SCHEMA_VERSION
    assert store.migrate() == SCHEMA_VERSION  # again: nothing to do, nothing fails
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        assert [v for (v,) in db.execute("SELECT version FROM schema_version ORDER BY version")] == numbers


def test_a_store_from_a_newer_covgap_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite")
    store.migrate()
    with sqlite3.connect(tmp_path / "state.sqlite") as db:
        db.execute("INSERT INTO schema_version (version, name) VALUES (?, 'from the future')", (SCHEMA_VERSION + 1,))
    with pytest.raises(StateStoreError, match=r"schema version \d+ is newer"):
        store.previous(D1)


def test_an_unreachable_server_is_named_without_its_password() -> None:
    store = Store("postgresql://covgap:s3cret@127.0.0.1:1/nowhere")
    with pytest.raises(StateStoreError, match=r"postgresql://covgap:\*\*\*@127.0.0.1:1/nowhere") as error:
        store.previous(D1)
    assert "s3cret" not in str(error.value)


@pytest.fixture
def database() -> Iterator[str]:
    """A uniquely named, empty PostgreSQL database; dropped afterwards."""
    with throwaway_database("covgap_state") as url:
        yield url


def test_postgresql_store(database: str) -> None:
    store = Store(database)
    assert store.version() == 0
    _exercise(store)


def _outcomes(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(prospect_id, outcome_date, code) read back from a workbook of D1."""
    return pd.DataFrame([{"prospect_id": p, "outcome_date": d, "listed_on": D1.isoformat(),
                          "group": "voluntary_si_prospect", "ward_code": "00004", "code": c, "note": "Đã gặp tại nhà",
                          "source_file": "00004.xlsx", "sheet": "BHXH tự nguyện", "row_number": 5 + i,
                          "evidence": "4fa36297c0ac17dd", "confidence": 0.8} for i, (p, d, c) in enumerate(rows)])


def _exercise_outcomes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store of schema 1 with a night in it is brought to the current one, keeping the night; outcomes are
    read only by later nights, and one already stored for its prospect and date is never stored twice."""
    import pipelines.state_store as module

    with monkeypatch.context() as old:
        old.setattr(module, "MIGRATIONS", MIGRATIONS[:1])
        old.setattr(module, "SCHEMA_VERSION", 1)
        old.setattr(module, "OPEN_COLUMNS", OPEN_COLUMNS[:7])  # before evidence and confidence
        store.record(D1, _open(("A", "00004", "2026-07-01"), ("B", "00004", "2026-07-01")), _changes(("A", "new")))
        assert store.version() == 1
    assert store.listings(["A"], D2).empty  # schema 1: nothing to look up yet
    assert store.previous(D2).open["prospect_id"].tolist() == ["A", "B"]  # schema 2 reads schema 1's rows
    store.record(D2, store.previous(D2).open, _changes(), _outcomes(("A", "2026-07-02", "wrong_person")))
    assert store.version() == SCHEMA_VERSION
    assert store.previous(D2).open["prospect_id"].tolist() == ["A", "B"]  # kept through the migration
    assert store.listings(["A", "Z"], D3)[["as_of", "prospect_id"]].values.tolist() == [["2026-07-01", "A"],
                                                                                         ["2026-07-02", "A"]]
    assert store.outcomes(D2).empty  # a night never reads its own outcomes
    store.record(D3, store.previous(D3).open, _changes(),
                 _outcomes(("A", "2026-07-02", "wrong_person"), ("B", "2026-07-03", "joined")))
    store.record(D2, store.previous(D2).open, _changes(), _outcomes(("A", "2026-07-02", "wrong_person")))  # rerun
    later = store.outcomes(D3 + dt.timedelta(days=1))
    assert later[["prospect_id", "read_on", "code", "note"]].values.tolist() == [
        ["A", "2026-07-02", "wrong_person", "Đã gặp tại nhà"], ["B", "2026-07-03", "joined", "Đã gặp tại nhà"]]
    assert store.outcomes(D3)["prospect_id"].tolist() == ["A"]


def test_sqlite_outcomes_and_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _exercise_outcomes(Store(tmp_path / "state.sqlite"), monkeypatch)


def test_postgresql_outcomes_and_migration(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _exercise_outcomes(Store(database), monkeypatch)
