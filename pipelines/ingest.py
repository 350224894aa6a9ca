"""Stage 1, ingest: read the seven registers (and the optional ones given) from a folder, every value as text.

A register that cannot be used at all (missing file or required column, unreadable encoding,
a file cut off mid-row) stops the run with every such problem named at once. A row whose field
count does not match the header is quarantined as malformed; nothing is dropped silently.
Output: ``_stages/ingest/<register>.parquet`` (``row_number`` + the contract's columns + any
extra columns) and ``<register>.malformed.parquet``.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

from contract.registers import ALL_REGISTERS, OPTIONAL_REGISTERS, RegisterSpec
from pipelines.catalogue import INGESTED, MALFORMED
from pipelines.context import RunContext
from pipelines.encoding import UnrecognisedEncoding, decode_register
from pipelines.exceptions import RegisterError, RegisterErrors
from pipelines.files import sha256_of, write_parquet
from pipelines.summaries import IngestSummary

__all__ = ["ReadResult", "find_register_file", "read_register", "run"]

log = logging.getLogger(__name__)
# Width of identifiers that a Parquet writer may have stored as integers, losing leading zeros.
_ID_WIDTHS = {"person_id": 12, "owner_person_id": 12, "ward_code": 5, "si_code": 10}


class ReadResult:
    """A register as read: its rows, its malformed rows and facts about the file."""

    def __init__(self, rows: pd.DataFrame, malformed: pd.DataFrame, path: Path, encoding: str) -> None:
        self.rows, self.malformed, self.path, self.encoding = rows, malformed, path, encoding

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.malformed)


def find_register_file(folder: Path, name: str) -> Path:
    """``<name>.csv`` or ``<name>.parquet`` in ``folder``; the error names what was looked for."""
    found = [folder / f"{name}{suffix}" for suffix in (".csv", ".parquet") if (folder / f"{name}{suffix}").is_file()]
    if not found:
        raise RegisterError(str(folder / f"{name}.csv"), f"register '{name}' not found (expected {name}.csv "
                                                         f"or {name}.parquet)")
    if len(found) > 1:
        raise RegisterError(str(found[0]), f"both {found[0].name} and {found[1].name} exist: keep one")
    return found[0]


def read_register(path: Path, spec: RegisterSpec) -> ReadResult:
    """Read one register file; raise :class:`RegisterError` if it cannot be used at all."""
    if path.suffix == ".parquet":
        rows, encoding = _read_parquet(path), "parquet"
        malformed = _empty_malformed()
    else:
        rows, malformed, encoding = _read_csv(path)
    rows = _conform_columns(rows, path, spec)
    return ReadResult(rows, malformed, path, encoding)


def _read_csv(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Parse with pyarrow's C++ reader (a 1M-row register in seconds); rows whose field count
    differs from the header's are set aside as malformed with their row number."""
    try:
        text, encoding = decode_register(path.read_bytes())
    except UnrecognisedEncoding as error:
        raise RegisterError(str(path), str(error)) from None
    if not text.strip():
        raise RegisterError(str(path), "file is empty (no header row)")
    data = text.encode("utf-8")
    if data.count(b'"') % 2:
        raise RegisterError(str(path), "file is cut off or badly quoted (a quoted value is never closed)")
    header_line = text.split("\n", 1)[0]
    header = [name.strip().lower() for name in next(csv.reader([header_line]))]
    if len(set(header)) < len(header):
        twice = next(name for name in header if header.count(name) > 1)
        raise RegisterError(str(path), "column appears twice in the header", column=twice)
    bad: list[tuple[int, int, str]] = []

    def set_aside(row: pa_csv.InvalidRow) -> str:
        bad.append((row.number - 1, row.actual_columns, row.text))  # number counts the header as 1
        return "skip"

    table = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(use_threads=False, column_names=header, skip_rows=1),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=set_aside),
        convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                              strings_can_be_null=True, null_values=[""]),
    )
    rows = table.to_pandas()
    records = len(rows) + len(bad)
    if bad and bad[-1][0] == records and bad[-1][1] < len(header) and not text.endswith(("\n", "\r")):
        raise RegisterError(str(path), f"file is cut off mid-row: the last row has {bad[-1][1]} of "
                                       f"{len(header)} fields and no line end", row=records)
    malformed_numbers = {number for number, _, _ in bad}
    rows.insert(0, "row_number", [n for n in range(1, records + 1) if n not in malformed_numbers])
    malformed = pd.DataFrame(
        [(n, f"malformed row: {fields} fields where the header has {len(header)}", raw) for n, fields, raw in bad],
        columns=["row_number", "reason", "raw"]) if bad else _empty_malformed()
    return rows, malformed, encoding


def _empty_malformed() -> pd.DataFrame:
    return pd.DataFrame({"row_number": pd.Series(dtype="int64"), "reason": pd.Series(dtype=object),
                         "raw": pd.Series(dtype=object)})


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise RegisterError(str(path), f"not a readable Parquet file ({error})") from None
    frame = table.to_pandas()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in frame.columns:
        frame[column] = _as_text(frame[column], _ID_WIDTHS.get(column))
    frame.insert(0, "row_number", range(1, len(frame) + 1))
    return frame


def _as_text(values: pd.Series, width: int | None) -> pd.Series:
    """Every value as text, as the contract says; integer IDs get their leading zeros back."""
    if pd.api.types.is_integer_dtype(values) and width:
        text = values.astype("Int64").astype("string").str.zfill(width)
    elif pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.astype("string")
    return text.astype(object).where(text.notna() & (text != ""), None)


def _conform_columns(rows: pd.DataFrame, path: Path, spec: RegisterSpec) -> pd.DataFrame:
    """Check required columns; add absent optional ones as empty; keep extras after the contract's."""
    missing = [c for c in spec.required if c not in rows.columns]
    if missing:
        raise RegisterErrors([RegisterError(str(path), "required column is missing", column=c) for c in missing])
    duplicated = rows.columns[rows.columns.duplicated()].tolist()
    if duplicated:
        raise RegisterError(str(path), "column appears twice in the header", column=duplicated[0])
    for column in spec.optional:
        if column not in rows.columns:
            rows[column] = None
    extras = [c for c in rows.columns if c not in spec.columns and c != "row_number"]
    return rows[["row_number", *spec.columns, *extras]]


def _given(folder: Path, name: str) -> bool:
    """Whether an optional register is in the folder (absent: the run is as if it did not exist)."""
    return any((folder / f"{name}{suffix}").exists() for suffix in (".csv", ".parquet"))


def run(ctx: RunContext) -> IngestSummary:
    """Read every register; raise :class:`RegisterErrors` naming all unusable files at once."""
    results: dict[str, ReadResult] = {}
    errors: list[RegisterError] = []
    for name, spec in ALL_REGISTERS.items():
        if name in OPTIONAL_REGISTERS and not _given(ctx.input, name):
            for stale in (INGESTED.path(ctx, name), MALFORMED.path(ctx, name)):  # an earlier run's
                stale.unlink(missing_ok=True)
            continue
        try:
            results[name] = read_register(find_register_file(ctx.input, name), spec)
        except RegisterErrors as many:
            errors.extend(many.errors)
        except RegisterError as error:
            errors.append(error)
    if errors:
        raise RegisterErrors(errors)
    summary: IngestSummary = {}
    for name, result in results.items():
        write_parquet(result.rows, INGESTED.path(ctx, name))
        write_parquet(result.malformed, MALFORMED.path(ctx, name))
        summary[name] = {
            "file": result.path.name,
            "format": "parquet" if result.path.suffix == ".parquet" else "csv",
            "encoding": result.encoding,
            "sha256": sha256_of(result.path),
            "rows_read": result.rows_read,
            "rows_malformed": len(result.malformed),
        }
        log.info("ingest %s: %d rows read (%s)", name, result.rows_read, result.encoding)
    return summary
