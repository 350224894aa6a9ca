"""The state store: what each published night listed and what changed, kept between nights.

One code path (SQLAlchemy Core) for the embedded default, an SQLite file beside the runs, and for
PostgreSQL when a connection URL is given (``postgresql://user@host/db``). The schema is versioned:
:data:`MIGRATIONS` is an ordered list of numbered SQL steps, each applied once, in order, and
recorded in ``schema_version``; a store made by a newer covgap is refused rather than misread.

Tables: ``nights`` (one row per published night: counts), ``open_prospects`` (per night, every
listed prospect, its commune, since when it is listed there, a hash of its evidence and its confidence),
``changes`` (per night, the rows of ``changes.csv``), ``review_pairs`` (per night, the pairs of
``review.csv``), ``review_decisions`` (what clerks decided of a pair, one row per pair, with the night
that read it) and ``outcomes`` (what officers wrote back, one
row per prospect and visit date, with the night that read it, ``read_on``, and the night whose
workbook it was written in, ``listed_on``). A night ``D`` reads only nights before ``D`` (:meth:`Store.previous`), and
writing ``D`` replaces whatever an earlier run of ``D`` recorded, in one transaction
(:meth:`Store.record`): a rerun of a date reads and writes the same, and a run that fails before it
is published records nothing.

The store holds personal IDs (the key columns) as the outputs do: an SQLite file is owner-only.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipelines.exceptions import CovgapError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = ["CHANGE_COLUMNS", "DECISION_COLUMNS", "MIGRATIONS", "OPEN_COLUMNS", "OUTCOME_COLUMNS", "REVIEW_PAIR_COLUMNS",
           "Night", "StateStoreError", "Store", "describe", "store_url"]

#: Columns of a night's open prospects, as :meth:`Store.previous` returns them and :meth:`Store.record` takes them.
OPEN_COLUMNS = ("prospect_id", "group", "ward_code", "person_id", "tax_code", "business_id", "since", "evidence",
                "confidence")
#: Columns of an officer's outcome (``pipelines.feedback``), as :meth:`Store.outcomes` returns them.
OUTCOME_COLUMNS = ("prospect_id", "outcome_date", "read_on", "listed_on", "group", "ward_code", "code", "note",
                   "source_file", "sheet", "row_number", "evidence", "confidence")
#: Columns of a clerk's review decision (``pipelines.review_feedback``), as :meth:`Store.decisions` returns them.
DECISION_COLUMNS = ("record_id", "person_id", "decision", "read_on", "source_file", "row_number")
#: Columns of a night's review pairs (those of ``review.csv`` that name a pair).
REVIEW_PAIR_COLUMNS = ("record_id", "person_id")
#: Columns of a night's changes (those of ``changes.csv`` the store keeps).
CHANGE_COLUMNS = ("prospect_id", "group", "ward_code", "person_id", "tax_code", "business_id", "change", "reason",
                  "record")

# Numbered, applied in order, never edited once released: a new need is a new step at the end.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "nights, open prospects and changes", (
        """CREATE TABLE nights (
            as_of VARCHAR(10) PRIMARY KEY,
            listed INTEGER NOT NULL,
            new INTEGER NOT NULL,
            resolved INTEGER NOT NULL,
            gone INTEGER NOT NULL)""",
        """CREATE TABLE open_prospects (
            as_of VARCHAR(10) NOT NULL REFERENCES nights (as_of) ON DELETE CASCADE,
            prospect_id VARCHAR(32) NOT NULL,
            group_name VARCHAR(64) NOT NULL,
            ward_code VARCHAR(5) NOT NULL,
            person_id VARCHAR(32),
            tax_code VARCHAR(32),
            business_id VARCHAR(64),
            since VARCHAR(10) NOT NULL,
            PRIMARY KEY (as_of, prospect_id, ward_code))""",
        """CREATE TABLE changes (
            as_of VARCHAR(10) NOT NULL REFERENCES nights (as_of) ON DELETE CASCADE,
            prospect_id VARCHAR(32) NOT NULL,
            group_name VARCHAR(64) NOT NULL,
            ward_code VARCHAR(5) NOT NULL,
            person_id VARCHAR(32),
            tax_code VARCHAR(32),
            business_id VARCHAR(64),
            change VARCHAR(16) NOT NULL,
            reason TEXT NOT NULL,
            record VARCHAR(128),
            PRIMARY KEY (as_of, prospect_id, ward_code, change))""",
    )),
    (2, "officers' outcomes; what each listed prospect's evidence was", (
        "ALTER TABLE open_prospects ADD COLUMN evidence VARCHAR(64)",
        "ALTER TABLE open_prospects ADD COLUMN confidence FLOAT",
        """CREATE TABLE outcomes (
            prospect_id VARCHAR(32) NOT NULL,
            outcome_date VARCHAR(10) NOT NULL,
            read_on VARCHAR(10) NOT NULL,
            listed_on VARCHAR(10) NOT NULL,
            group_name VARCHAR(64) NOT NULL,
            ward_code VARCHAR(5) NOT NULL,
            code VARCHAR(32) NOT NULL,
            note TEXT NOT NULL,
            source_file TEXT NOT NULL,
            sheet VARCHAR(31) NOT NULL,
            row_number INTEGER NOT NULL,
            evidence VARCHAR(64),
            confidence FLOAT,
            PRIMARY KEY (prospect_id, outcome_date))""",
        "CREATE INDEX outcomes_read_on ON outcomes (read_on)",
    )),
    (3, "review pairs each night listed; clerks' review decisions", (
        """CREATE TABLE review_pairs (
            as_of VARCHAR(10) NOT NULL REFERENCES nights (as_of) ON DELETE CASCADE,
            record_id VARCHAR(300) NOT NULL,
            person_id VARCHAR(32) NOT NULL,
            PRIMARY KEY (as_of, record_id, person_id))""",
        "CREATE INDEX review_pairs_pair ON review_pairs (record_id, person_id)",
        """CREATE TABLE review_decisions (
            record_id VARCHAR(300) NOT NULL,
            person_id VARCHAR(32) NOT NULL,
            decision VARCHAR(16) NOT NULL,
            read_on VARCHAR(10) NOT NULL,
            source_file TEXT NOT NULL,
            row_number INTEGER NOT NULL,
            PRIMARY KEY (record_id, person_id))""",
        "CREATE INDEX review_decisions_read_on ON review_decisions (read_on)",
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StateStoreError(CovgapError):
    """The state store cannot be used (unreachable, or made by a newer covgap); the message names it."""


@dataclass(frozen=True)
class Night:
    """The night a run follows: its date (None: no earlier night) and what it listed."""

    as_of: dt.date | None
    open: pd.DataFrame  # OPEN_COLUMNS


def store_url(location: str | Path) -> str:
    """A database URL from ``--state``: a URL as given (``postgresql://`` uses psycopg), else an SQLite file.

    >>> store_url("/runs/state.sqlite")
    'sqlite:////runs/state.sqlite'
    >>> store_url("postgresql://postgres@127.0.0.1:5432/covgap")
    'postgresql+psycopg://postgres@127.0.0.1:5432/covgap'
    """
    text = str(location)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().absolute()}"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def describe(location: str | Path) -> str:
    """The store named for messages, without a password.

    >>> describe("postgresql://u:secret@db:5432/covgap")
    'postgresql://u:***@db:5432/covgap'
    """
    from sqlalchemy.engine import make_url

    text = str(location)
    return make_url(text).render_as_string(hide_password=True) if "://" in text else text


class Store:
    """One state store, opened from a path (SQLite) or a URL."""

    def __init__(self, location: str | Path) -> None:
        self.location = str(location)
        self.url = store_url(location)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def exists(self) -> bool:
        """Whether there is anything to read: a server is asked; an SQLite file that is not there is an empty store
        (reading never creates it)."""
        return not self.is_sqlite or Path(self.url.removeprefix("sqlite:///")).is_file()

    @contextmanager
    def _engine(self) -> Iterator[Engine]:
        from sqlalchemy import create_engine, event

        if self.is_sqlite:
            path = Path(self.url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # personal data: owner-only from the start
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = create_engine(self.url, future=True)
        if self.is_sqlite:
            @event.listens_for(engine, "connect")
            def _foreign_keys(connection: Any, _: Any) -> None:
                connection.execute("PRAGMA foreign_keys = ON")
        try:
            yield engine
        finally:
            engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        from sqlalchemy.exc import OperationalError

        try:
            with self._engine() as engine, engine.begin() as connection:
                yield connection
        except OperationalError as error:
            raise StateStoreError(f"state store {describe(self.location)}: cannot be used: "
                                  f"{str(error.orig).strip() or error}") from None

    def _rows_before(self, since_version: int, query: Any, before: dt.date) -> list[tuple[Any, ...]]:
        """The rows of ``query`` (``:d`` bound to ``before``); none while the schema is older than
        ``since_version`` (the table does not exist yet)."""
        if self.version() < since_version:
            return []
        with self._transaction() as connection:
            return [tuple(r) for r in connection.execute(query, {"d": before.isoformat()})]

    def _rows_among(self, since_version: int, query: Any, before: dt.date, ids: list[str]) -> list[tuple[Any, ...]]:
        """As :meth:`_rows_before`, for ``query`` with ``:ids`` expanded to ``ids``, 500 at a time (the
        bound parameters a statement may carry are limited, by SQLite most)."""
        if not ids or self.version() < since_version:
            return []
        found: list[tuple[Any, ...]] = []
        with self._transaction() as connection:
            for start in range(0, len(ids), 500):
                found += [tuple(r) for r in connection.execute(
                    query, {"d": before.isoformat(), "ids": ids[start:start + 500]})]
        return found

    def version(self) -> int:
        """The schema version the store is at (0: no schema yet)."""
        if not self.exists():
            return 0
        with self._transaction() as connection:
            return _version(connection)

    def migrate(self) -> int:
        """Bring the schema to :data:`SCHEMA_VERSION` (each missing step once, in order); returns the version."""
        with self._transaction() as connection:
            return _migrate(connection, self.location)

    def previous(self, as_of: dt.date) -> Night:
        """The latest night before ``as_of`` and its open prospects (none yet: an empty night)."""
        from sqlalchemy import text

        empty = Night(None, pd.DataFrame({c: pd.Series(dtype=object) for c in OPEN_COLUMNS}))
        if not self.exists():
            return empty
        with self._transaction() as connection:
            if _version(connection) == 0:
                return empty
            _check_version(_version(connection), self.location)
            day = connection.execute(text("SELECT max(as_of) FROM nights WHERE as_of < :d"),
                                     {"d": as_of.isoformat()}).scalar()
            if day is None:
                return empty
            kept = "evidence, confidence" if _version(connection) >= 2 else "NULL, NULL"  # schema 1 had neither
            rows = connection.execute(text(
                "SELECT prospect_id, group_name, ward_code, person_id, tax_code, business_id, since, "
                f"{kept} FROM open_prospects WHERE as_of = :d ORDER BY prospect_id, ward_code"), {"d": day}).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(OPEN_COLUMNS), dtype=object)
        return Night(dt.date.fromisoformat(day), frame)

    def night_before(self, as_of: dt.date) -> dt.date | None:
        """The latest night recorded before ``as_of`` (None: none)."""
        from sqlalchemy import text

        if self.version() == 0:
            return None
        with self._transaction() as connection:
            day = connection.execute(text("SELECT max(as_of) FROM nights WHERE as_of < :d"),
                                     {"d": as_of.isoformat()}).scalar()
        return dt.date.fromisoformat(day) if day else None

    def nights(self) -> list[dt.date]:
        """Every night recorded, oldest first."""
        from sqlalchemy import text

        if self.version() == 0:
            return []
        with self._transaction() as connection:
            return [dt.date.fromisoformat(d) for d in
                    connection.execute(text("SELECT as_of FROM nights ORDER BY as_of")).scalars()]

    def changes(self, as_of: dt.date) -> pd.DataFrame:
        """The changes recorded for night ``as_of``."""
        from sqlalchemy import text

        with self._transaction() as connection:
            rows = connection.execute(text(
                "SELECT prospect_id, group_name, ward_code, person_id, tax_code, business_id, change, reason, record "
                "FROM changes WHERE as_of = :d ORDER BY prospect_id, ward_code, change"), {"d": as_of.isoformat()})
            return pd.DataFrame([tuple(r) for r in rows], columns=list(CHANGE_COLUMNS), dtype=object)

    def listings(self, prospect_ids: list[str], before: dt.date) -> pd.DataFrame:
        """Every night before ``before`` that listed one of ``prospect_ids``: ``as_of`` and ``OPEN_COLUMNS``."""
        from sqlalchemy import bindparam, text

        columns = ["as_of", *OPEN_COLUMNS]
        query = text("SELECT as_of, prospect_id, group_name, ward_code, person_id, tax_code, business_id, since, "
                     "evidence, confidence FROM open_prospects WHERE as_of < :d AND prospect_id IN :ids"
                     ).bindparams(bindparam("ids", expanding=True))
        found = self._rows_among(2, query, before, sorted(prospect_ids))
        frame = pd.DataFrame(found, columns=columns, dtype=object)
        return frame.sort_values(["prospect_id", "as_of", "ward_code"], ignore_index=True)

    def outcomes(self, before: dt.date) -> pd.DataFrame:
        """The officers' outcomes read by nights before ``before`` (``OUTCOME_COLUMNS``)."""
        from sqlalchemy import text

        rows = self._rows_before(2, text(
            "SELECT prospect_id, outcome_date, read_on, listed_on, group_name, ward_code, code, note, "
            "source_file, sheet, row_number, evidence, confidence FROM outcomes WHERE read_on < :d "
            "ORDER BY prospect_id, outcome_date"), before)
        return pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS), dtype=object)

    def review_pairs(self, pairs: pd.DataFrame, before: dt.date) -> pd.DataFrame:
        """Which of ``pairs`` (``REVIEW_PAIR_COLUMNS``) a night before ``before`` listed for review: the
        distinct ones found, ``REVIEW_PAIR_COLUMNS``."""
        from sqlalchemy import bindparam, text

        records = sorted(set(pairs["record_id"].astype(str))) if len(pairs) else []
        query = text("SELECT DISTINCT record_id, person_id FROM review_pairs WHERE as_of < :d "
                     "AND record_id IN :ids").bindparams(bindparam("ids", expanding=True))
        found = self._rows_among(3, query, before, records)
        frame = pd.DataFrame(found, columns=list(REVIEW_PAIR_COLUMNS), dtype=object)
        return frame.merge(pairs[list(REVIEW_PAIR_COLUMNS)].drop_duplicates().astype(object),
                           on=list(REVIEW_PAIR_COLUMNS)).sort_values(list(REVIEW_PAIR_COLUMNS), ignore_index=True)

    def decisions(self, before: dt.date) -> pd.DataFrame:
        """The clerks' review decisions read by nights before ``before`` (``DECISION_COLUMNS``)."""
        from sqlalchemy import text

        rows = self._rows_before(3, text(
            "SELECT record_id, person_id, decision, read_on, source_file, row_number FROM review_decisions "
            "WHERE read_on < :d ORDER BY record_id, person_id"), before)
        return pd.DataFrame(rows, columns=list(DECISION_COLUMNS), dtype=object)

    def record(self, as_of: dt.date, open_prospects: pd.DataFrame, changes: pd.DataFrame,
               outcomes: pd.DataFrame | None = None, review: pd.DataFrame | None = None,
               decisions: pd.DataFrame | None = None) -> None:
        """Record night ``as_of`` (replacing an earlier record of it), in one transaction, with the
        outcomes it read (``OUTCOME_COLUMNS`` but ``read_on``; one already stored for its prospect and date is kept),
        the pairs it listed for review (``REVIEW_PAIR_COLUMNS``) and the review decisions it read
        (``DECISION_COLUMNS`` but ``read_on``; one already stored for its pair is kept)."""
        from sqlalchemy import text

        day = as_of.isoformat()
        counts = changes["change"].value_counts()
        with self._transaction() as connection:
            _migrate(connection, self.location)
            if _version(connection) >= 2:
                connection.execute(text("DELETE FROM outcomes WHERE read_on = :d"), {"d": day})
            reviews = _version(connection) >= 3  # a store kept at an older schema (its tests) has no review tables
            if reviews:
                connection.execute(text("DELETE FROM review_decisions WHERE read_on = :d"), {"d": day})
                connection.execute(text("DELETE FROM review_pairs WHERE as_of = :d"), {"d": day})
            if reviews and decisions is not None and len(decisions):
                columns = tuple(c for c in DECISION_COLUMNS if c != "read_on")
                rows = [{**{k: v for k, v in r.items() if k != "as_of"}, "read_on": day}
                        for r in _rows(decisions, columns, day)]
                connection.execute(text(
                    "INSERT INTO review_decisions (read_on, " + ", ".join(columns) + ") VALUES (:read_on, "
                    + ", ".join(f":{c}" for c in columns) + ") ON CONFLICT (record_id, person_id) DO NOTHING"), rows)
            if outcomes is not None and len(outcomes):
                columns = tuple(c for c in OUTCOME_COLUMNS if c != "read_on")
                names = ", ".join("group_name" if c == "group" else c for c in ("read_on", *columns))
                values = ", ".join(f":{c}" for c in ("read_on", *columns))
                rows = [{**{k: v for k, v in r.items() if k != "as_of"}, "read_on": day}
                        for r in _rows(outcomes, columns, day)]
                connection.execute(text(f"INSERT INTO outcomes ({names}) VALUES ({values}) "
                                        "ON CONFLICT (prospect_id, outcome_date) DO NOTHING"), rows)
            connection.execute(text("DELETE FROM open_prospects WHERE as_of = :d"), {"d": day})
            connection.execute(text("DELETE FROM changes WHERE as_of = :d"), {"d": day})
            connection.execute(text("DELETE FROM nights WHERE as_of = :d"), {"d": day})
            connection.execute(text(
                "INSERT INTO nights (as_of, listed, new, resolved, gone) VALUES (:d, :listed, :new, :resolved, :gone)"),
                {"d": day, "listed": len(open_prospects), **{k: int(counts.get(k, 0))
                                                            for k in ("new", "resolved", "gone")}})
            pairs = pd.DataFrame(columns=list(REVIEW_PAIR_COLUMNS)) if review is None or not reviews else \
                review.dropna(subset=list(REVIEW_PAIR_COLUMNS)).drop_duplicates(list(REVIEW_PAIR_COLUMNS))
            for table, frame, columns in (("open_prospects", open_prospects, OPEN_COLUMNS),
                                          ("changes", changes, CHANGE_COLUMNS),
                                          ("review_pairs", pairs, REVIEW_PAIR_COLUMNS)):
                rows = _rows(frame, columns, day)
                if rows:
                    names = ", ".join("group_name" if c == "group" else c for c in ("as_of", *columns))
                    values = ", ".join(f":{c}" for c in ("as_of", *columns))
                    connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), rows)


def _rows(frame: pd.DataFrame, columns: tuple[str, ...], day: str) -> list[dict[str, Any]]:
    part = frame[list(columns)].astype(object)
    part = part.where(part.notna(), None)
    return [{"as_of": day, **dict(zip(columns, values, strict=True))} for values in part.itertuples(index=False)]


def _version(connection: Connection) -> int:
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("schema_version"):
        return 0
    return int(connection.execute(text("SELECT coalesce(max(version), 0) FROM schema_version")).scalar() or 0)


def _check_version(version: int, location: str) -> None:
    if version > SCHEMA_VERSION:
        raise StateStoreError(f"state store {describe(location)}: schema version {version} is newer than this "
                              f"covgap's ({SCHEMA_VERSION}): run a covgap at least as new as the one that wrote it")


def _migrate(connection: Connection, location: str) -> int:
    from sqlalchemy import text

    version = _version(connection)
    _check_version(version, location)
    if version == 0:
        connection.execute(text("CREATE TABLE IF NOT EXISTS schema_version ("
                                "version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL)"))
    for number, name, steps in MIGRATIONS:
        if number <= version:
            continue
        for step in steps:
            connection.execute(text(step))
        connection.execute(text("INSERT INTO schema_version (version, name) VALUES (:v, :n)"),
                           {"v": number, "n": name})
    return SCHEMA_VERSION
