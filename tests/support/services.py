"""The machine's PostgreSQL and Redis, as tests use them: a throwaway database, a reachable broker."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.required import missing

__all__ = ["REDIS", "postgres_user", "redis_answers", "throwaway_database"]

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


def postgres_user() -> str | None:
    """A user the local server lets in without a password, or None when no server answers."""
    try:
        import psycopg
    except ImportError:
        return None
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(host=POSTGRES[0], port=POSTGRES[1], user=user, dbname="postgres",
                                 connect_timeout=3):
                return user
        except psycopg.OperationalError:
            continue
    return None


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new, uniquely named database (its ``postgresql://`` URL), dropped afterwards."""
    user = postgres_user()
    if user is None:
        missing(f"no PostgreSQL server answers on {POSTGRES[0]}:{POSTGRES[1]} with trust auth for user postgres "
                "or root")
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = {"host": POSTGRES[0], "port": POSTGRES[1], "user": user, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql://{user}@{POSTGRES[0]}:{POSTGRES[1]}/{name}"
    finally:
        with psycopg.connect(**admin) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def redis_answers() -> bool:
    """Whether a Redis server answers PING on the local port."""
    try:
        with socket.create_connection(REDIS, timeout=3) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False
