"""Atomic, deterministic file writing: a crash never leaves half a file behind."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd

__all__ = ["atomic_open", "atomic_path", "sha256_of", "write_csv", "write_parquet"]


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text()
    'hello'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_open(target: Path, mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """Open a temporary file for writing; it replaces ``target`` when the block ends cleanly."""
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as handle:  # type: ignore[call-overload]
        yield handle


def write_csv(frame: pd.DataFrame, target: Path, *, bom: bool = False) -> None:
    """Write ``frame`` as UTF-8 CSV (a BOM on request, so Excel shows Vietnamese right), atomically."""
    with atomic_open(target, "w", encoding="utf-8-sig" if bom else "utf-8") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """Write ``frame`` as Parquet, atomically."""
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
