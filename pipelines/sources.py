"""Registers held as database tables: copied to the contract's CSV files, then ingested as usual.

Some agencies expose their register as a PostgreSQL table rather than a file. Rather than a second
reading path, :func:`export_registers` copies the seven tables, as one consistent snapshot, to
``<register>.csv`` files in a folder, and the ordinary ingest reads that folder: the same checks,
quarantine and row numbers apply whatever the source.

What a table must look like:

- named after its register (``population``, ``enterprises``, ...) in one schema (``public`` by
  default), with the contract's columns (any SQL type: every value is exported as text, dates as
  ``YYYY-MM-DD``; keep identifiers as text, an integer column loses leading zeros);
- ideally an integer ``row_number`` column, the row's position in the agency's extract (1, 2, ...):
  rows are exported in that order and the column itself is not exported, so row numbers in
  quarantine, links and ``source_rows`` are the extract's. A table without it is exported in the
  order of its unique key (``managers``: of all its columns), compared byte by byte (``COLLATE
  "C"``), so two exports of the same table are identical whatever the server's locale. A table has
  no order of its own, so without ``row_number`` the "first copy of a duplicate key wins" rule
  keeps the copy that sorts first.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from contract.registers import ALL_REGISTERS, OPTIONAL_REGISTERS, REGISTERS
from pipelines.exceptions import RegisterError, RegisterErrors
from pipelines.files import atomic_path

__all__ = ["ORDER_COLUMN", "export_query", "export_registers"]

log = logging.getLogger(__name__)
# The column that carries a row's position in the agency's extract; used to order, not exported.
ORDER_COLUMN = "row_number"


def _quote(identifier: str) -> str:
    """A SQL identifier, quoted.

    >>> _quote('full_name'), _quote('we"ird')
    ('"full_name"', '"we""ird"')
    """
    return '"' + identifier.replace('"', '""') + '"'


def export_query(schema: str, table: str, columns: list[str], unique_key: str | None) -> str:
    """The ``COPY`` statement that writes one table as the contract's CSV, in a fixed row order.

    >>> print(export_query("public", "employers", ["row_number", "unit_code", "name"], "unit_code"))
    ... # doctest: +NORMALIZE_WHITESPACE
    COPY (SELECT "unit_code"::text AS "unit_code", "name"::text AS "name" FROM "public"."employers"
    ORDER BY "row_number") TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')
    >>> print(export_query("public", "employers", ["unit_code", "name"], "unit_code"))  # doctest: +ELLIPSIS
    COPY (... ORDER BY "unit_code" COLLATE "C", "name" COLLATE "C") TO STDOUT ...
    """
    exported = [c for c in columns if c != ORDER_COLUMN]
    select = ", ".join(f"{_quote(c)}::text AS {_quote(c)}" for c in exported)
    if ORDER_COLUMN in columns:
        order = _quote(ORDER_COLUMN)
    else:
        keys = ([unique_key] if unique_key in exported else []) + [c for c in exported if c != unique_key]
        order = ", ".join(f'{_quote(c)} COLLATE "C"' for c in keys)
    return (f"COPY (SELECT {select} FROM {_quote(schema)}.{_quote(table)} ORDER BY {order}) "
            "TO STDOUT WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')")


def export_registers(conn_id: str, target_dir: Path, schema: str = "public") -> dict[str, int]:
    """Copy the seven register tables of Airflow connection ``conn_id`` to ``target_dir/<register>.csv``
    (and an optional one, ``labour``, when the schema has its table; an earlier export of it is
    removed when it has not).

    One read-only, repeatable-read transaction: the seven files are one snapshot even while the
    agency loads new rows. A missing table is a :class:`RegisterErrors` naming every one at once.
    Returns the bytes written per register.
    """
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    connection: Any = PostgresHook(postgres_conn_id=conn_id).get_conn()  # psycopg 3 or psycopg2
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL DateStyle TO ISO, YMD")
            columns = _table_columns(cursor, schema)
            missing = [name for name in REGISTERS if name not in columns]
            if missing:
                raise RegisterErrors([RegisterError(f"{conn_id}: table {schema}.{name}",
                                                    f"register table '{name}' not found") for name in missing])
            written = {}
            for name in OPTIONAL_REGISTERS:
                if name not in columns:
                    (target_dir / f"{name}.csv").unlink(missing_ok=True)
            for name, spec in ((n, s) for n, s in ALL_REGISTERS.items() if n in columns):
                _warn_on_gaps(cursor, schema, name, columns[name])
                sql = export_query(schema, name, columns[name], spec.unique_key)
                with atomic_path(target_dir / f"{name}.csv") as tmp:
                    written[name] = _copy_out(cursor, sql, tmp)
                log.info("exported %s.%s: %d bytes", schema, name, written[name])
        connection.rollback()  # read only: nothing to commit
    finally:
        connection.close()
    for stale in target_dir.glob("*.parquet"):  # a folder holds one file per register
        stale.unlink()
    return written


def _table_columns(cursor: Any, schema: str) -> dict[str, list[str]]:
    """Each register table's columns, in the table's own order."""
    cursor.execute("SELECT table_name, column_name FROM information_schema.columns "
                   "WHERE table_schema = %s ORDER BY table_name, ordinal_position", (schema,))
    columns: dict[str, list[str]] = {}
    for table, column in cursor.fetchall():
        if table in ALL_REGISTERS:
            columns.setdefault(table, []).append(column)
    return columns


def _warn_on_gaps(cursor: Any, schema: str, table: str, columns: list[str]) -> None:
    """Ingest numbers rows 1..N in export order; say so when ``row_number`` is not already that."""
    if ORDER_COLUMN not in columns:
        log.warning("%s.%s has no %s column: rows exported in key order", schema, table, ORDER_COLUMN)
        return
    column = _quote(ORDER_COLUMN)
    cursor.execute(f"SELECT count(*), count(DISTINCT {column}), min({column})::text, max({column})::text "
                   f"FROM {_quote(schema)}.{_quote(table)}")
    rows, distinct, low, high = cursor.fetchone()
    if rows and (distinct != rows or low != "1" or high != str(rows)):
        log.warning("%s.%s: %s is not 1..%d without gaps (min %s, max %s, %d distinct): row numbers in "
                    "the outputs count rows in that order instead", schema, table, ORDER_COLUMN, rows,
                    low, high, distinct)


def _copy_out(cursor: Any, sql: str, target: Path) -> int:
    """Run ``COPY ... TO STDOUT`` into a file with psycopg 3 or psycopg2, whichever the hook uses."""
    with open(target, "wb") as handle:
        if hasattr(cursor, "copy_expert"):  # psycopg2
            cursor.copy_expert(sql, handle)
        else:  # psycopg 3
            with cursor.copy(sql) as copy:
                for chunk in copy:
                    handle.write(chunk)
        return handle.tell()
