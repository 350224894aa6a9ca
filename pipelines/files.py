"""Atomic, deterministic file writing: a crash never leaves half a file behind."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd

__all__ = ["ESCAPE", "FORMULA_START", "atomic_open", "atomic_path", "neutralise", "read_columns", "read_where",
           "sha256_of", "unneutralise", "write_csv", "write_parquet"]


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


# OWASP's CSV-injection rule: a cell that starts with one of these is a formula to a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise(value: object) -> object:
    """A text value a spreadsheet would run as a formula, with ``'`` put before it; a value that
    already starts with ``'`` gets one too, so a machine reader undoes it exactly by removing one
    leading ``'`` from any value that has one (:func:`unneutralise`).

    >>> neutralise("=1+1"), neutralise("-5"), neutralise("'a"), neutralise("Mai"), neutralise(3)
    ("'=1+1", "'-5", "''a", 'Mai', 3)
    >>> all(unneutralise(neutralise(v)) == v for v in ["=1+1", "'", "''x", "@SUM", "Nguyễn"])
    True
    """
    if isinstance(value, str) and value.startswith((*FORMULA_START, ESCAPE)):
        return ESCAPE + value
    return value


_NEEDS_ESCAPE = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in (*FORMULA_START, ESCAPE)) + "]"


def _neutralised(values: pd.Series) -> pd.Series:
    """:func:`neutralise` of every value of a column: a column of text (and missing values) is
    searched in one Arrow pass and only the few values that need it are touched; any other column
    value by value."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return values.map(neutralise, na_action="ignore")
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values.astype(object), type=pa.string(), from_pandas=True)
    hits = pc.fill_null(pc.match_substring_regex(text, _NEEDS_ESCAPE), False).to_numpy(zero_copy_only=False)
    values = values.astype(object)  # as the value-by-value path gives it
    if hits.any():
        values[hits] = ESCAPE + values[hits]
    return values


def unneutralise(value: str) -> str:
    """The value as it was before :func:`neutralise`."""
    return value[1:] if value.startswith(ESCAPE) else value


def write_csv(frame: pd.DataFrame, target: Path, *, bom: bool = False) -> None:
    """Write ``frame`` as UTF-8 CSV (a BOM on request, so Excel shows Vietnamese right), atomically.

    People open these files in Excel: text that would run as a formula is neutralised (:func:`neutralise`)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            frame[column] = _neutralised(frame[column])
    with atomic_open(target, "w", encoding="utf-8-sig" if bom else "utf-8") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    """Write ``frame`` as Parquet, atomically."""
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def read_columns(path: Path, columns: list[str]) -> pd.DataFrame:
    """Those of ``columns`` a Parquet file has, in that order, read without the file's other columns
    (a stage table can be wide: reading all of it to keep two columns costs seconds at 1M rows).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_parquet(pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, None]}), path)
    >>> read_columns(path, ["c", "a", "z"]).to_dict("list")
    {'c': [0.5, nan], 'a': [1, 2]}
    """
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    wanted = [c for c in columns if c in present]
    if not wanted:  # no column asked for: the rows, none of their columns
        return pd.read_parquet(path)[[]]
    return pd.read_parquet(path, columns=wanted)[wanted]


def read_where(path: Path, column: str, values: Collection[str], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows of a Parquet file whose text ``column`` is one of ``values``, in file order (the index
    numbers them from 0), as ``frame[frame[column].isin(values)]`` of the whole file would give them;
    Arrow skips the other rows as it reads (one province's rows of a country's table).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> write_parquet(pd.DataFrame({"province_code": ["01", "79", None, "01"], "n": [1, 2, 3, 4]}), path)
    >>> read_where(path, "province_code", {"01"})["n"].tolist(), len(read_where(path, "province_code", set()))
    ([1, 4], 0)
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if pq.read_schema(path).field(column).type != pa.string():  # e.g. no rows, or no value: null-typed
        frame = pd.read_parquet(path, columns=columns)
        return frame[frame[column].isin(list(values))].reset_index(drop=True)
    wanted = pc.field(column).isin(pa.array(sorted(values), type=pa.string()))
    return pd.read_parquet(path, columns=columns, filters=wanted)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
