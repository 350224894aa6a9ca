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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

from contract.registers import ALL_REGISTERS, LINE_BREAKS_ALLOWED, OPTIONAL_REGISTERS, RegisterSpec
from pipelines.catalogue import INGESTED, MALFORMED
from pipelines.context import RunContext
from pipelines.csv_lines import CONTROL, clean_text, cut, physical_lines, read_lines
from pipelines.encoding import UnrecognisedEncoding, decode_register
from pipelines.exceptions import RegisterError, RegisterErrors
from pipelines.files import sha256_of, write_parquet
from pipelines.summaries import IngestSummary

__all__ = ["DEFAULT_LIMITS", "Limits", "ReadResult", "find_register_file", "read_register", "run"]

log = logging.getLogger(__name__)
# Width of identifiers that a Parquet writer may have stored as integers, losing leading zeros.
_ID_WIDTHS = {"person_id": 12, "owner_person_id": 12, "ward_code": 5, "si_code": 10}


@dataclass(frozen=True)
class Limits:
    """How far a value or record may stretch (``[checks]`` in the settings): beyond, a row is malformed."""

    max_value_chars: int = 1000
    max_record_lines: int = 5


DEFAULT_LIMITS = Limits()


class ReadResult:
    """A register as read: its rows, its malformed rows and facts about the file.

    The ledger of its lines: ``lines_read`` (data lines after the header) = ``rows_read`` (records:
    rows + malformed) + ``lines_continued`` (lines a record with a line break in a value took after
    its first) + ``lines_blank`` (empty lines, skipped). A Parquet file's "lines" are its rows.
    """

    def __init__(self, rows: pd.DataFrame, malformed: pd.DataFrame, path: Path, encoding: str, *,
                 lines_read: int | None = None, lines_continued: int = 0, lines_blank: int = 0,
                 controls_removed: int = 0) -> None:
        self.rows, self.malformed, self.path, self.encoding = rows, malformed, path, encoding
        self.lines_read = self.rows_read if lines_read is None else lines_read
        self.lines_continued, self.lines_blank, self.controls_removed = lines_continued, lines_blank, controls_removed

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


def read_register(path: Path, spec: RegisterSpec, limits: Limits = DEFAULT_LIMITS) -> ReadResult:
    """Read one register file; raise :class:`RegisterError` if it cannot be used at all."""
    try:
        if path.suffix == ".parquet":
            result = ReadResult(_read_parquet(path), _empty_malformed(), path, "parquet")
        else:
            result = _read_csv(path, spec, limits)
    except OSError as error:  # unreadable (permissions, a folder named like a file, an I/O error)
        raise RegisterError(str(path), f"cannot be read ({error.strerror or error}): check the file and its "
                                       "permissions") from None
    result.rows = _conform_columns(result.rows, path, spec)
    result.rows, rejected = _values_too_odd(result.rows, spec, limits)
    if len(rejected):
        result.malformed = pd.concat([result.malformed, rejected], ignore_index=True).sort_values(
            "row_number", kind="stable").reset_index(drop=True)
    return result


def _read_csv(path: Path, spec: RegisterSpec, limits: Limits) -> ReadResult:
    """Lines first: control characters out, then each data line to one record (or to malformed).
    A file whose every line is one record (the usual case) is parsed with pyarrow's C++ reader (a
    1M-row register in seconds); one with a quote that runs past a line, or blank lines, is read line
    by line (``pipelines.csv_lines``), so that each line keeps its own number and fate."""
    try:
        text, encoding = decode_register(path.read_bytes())
    except UnrecognisedEncoding as error:
        raise RegisterError(str(path), str(error)) from None
    text, controls = clean_text(text)
    if not text.strip():
        raise RegisterError(str(path), "file is empty (no header row)")
    header_line = text.split("\n", 1)[0]
    header = [name.strip().lower() for name in next(csv.reader([header_line]))]
    if len(set(header)) < len(header):
        twice = next(name for name in header if header.count(name) > 1)
        raise RegisterError(str(path), "column appears twice in the header", column=twice)
    lines = physical_lines(text)
    body = lines[1:]
    simple = not any(line.count('"') % 2 or not line for line in body)
    if simple:
        rows, bad = _parse_simple(text, header)
        continued = blank = 0
    else:
        multiline = {i for i, name in enumerate(header) if name in LINE_BREAKS_ALLOWED or name not in spec.columns}
        read = read_lines(text, width=len(header), multiline=multiline, max_lines=limits.max_record_lines,
                          max_chars=limits.max_value_chars, header=header)
        rows = pd.DataFrame([fields for _, fields in read.records], columns=header, dtype=object)
        rows = rows.where(rows != "", None) if len(rows) else rows
        rows.insert(0, "row_number", [number for number, _ in read.records])
        bad = read.malformed
        continued, blank = read.continued, read.blank
        if read.open_at_end is not None:
            raise RegisterError(str(path), "file is cut off or badly quoted: a quoted value opened on this line is "
                                           "never closed before the end of the file", row=read.open_at_end)
    if body and not text.endswith("\n") and bad and bad[-1][0] == len(body) and _short(body[-1], len(header)):
        raise RegisterError(str(path), f"file is cut off mid-row: the last line has fewer than the "
                                       f"{len(header)} fields of the header and no line end", row=len(body))
    malformed = pd.DataFrame(bad, columns=["row_number", "reason", "raw"]) if bad else _empty_malformed()
    return ReadResult(rows, malformed, path, encoding, lines_read=len(body), lines_continued=continued,
                      lines_blank=blank, controls_removed=controls)


def _short(line: str, width: int) -> bool:
    """A last line that stops before its last field (or inside a quoted value)."""
    fields = list(csv.reader([line]))
    return line.count('"') % 2 == 1 or not fields or len(fields[0]) < width


def _parse_simple(text: str, header: list[str]) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Every data line one record: pyarrow, with rows of the wrong field count set aside."""
    bad: list[tuple[int, str, str]] = []

    def set_aside(row: pa_csv.InvalidRow) -> str:
        bad.append((row.number - 1, f"malformed row: {row.actual_columns} fields where the header has "
                                    f"{len(header)}", row.text))  # number counts the header as 1
        return "skip"

    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(use_threads=False, column_names=header, skip_rows=1),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False, invalid_row_handler=set_aside),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                  strings_can_be_null=True, null_values=[""]),
        )
    except pa.ArrowInvalid:  # a line pyarrow reads otherwise than csv does: the careful reader decides
        return _parse_by_line(text, header)
    rows = table.to_pandas()
    bad_numbers = {number for number, _, _ in bad}
    rows.insert(0, "row_number", [n for n in range(1, len(rows) + len(bad) + 1) if n not in bad_numbers])
    return rows, bad


def _parse_by_line(text: str, header: list[str]) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    read = read_lines(text, width=len(header), multiline=set(), max_lines=1, max_chars=DEFAULT_LIMITS.max_value_chars,
                      header=header)
    rows = pd.DataFrame([fields for _, fields in read.records], columns=header, dtype=object)
    rows = rows.where(rows != "", None) if len(rows) else rows
    rows.insert(0, "row_number", [number for number, _ in read.records])
    return rows, read.malformed


def _empty_malformed() -> pd.DataFrame:
    return pd.DataFrame({"row_number": pd.Series(dtype="int64"), "reason": pd.Series(dtype=object),
                         "raw": pd.Series(dtype=object)})


def _values_too_odd(rows: pd.DataFrame, spec: RegisterSpec, limits: Limits) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with a value longer than any real one, or a line break in a name, ID, code or date, set aside
    as malformed (they are what a stray quote makes: many lines glued into one value)."""
    reasons = pd.Series("", index=rows.index, dtype=object)
    for column in rows.columns:
        if column == "row_number" or rows[column].dtype != object:
            continue
        values = rows[column].astype("string[pyarrow]")
        lengths = values.str.len()
        if (lengths > limits.max_value_chars).any():
            too_long = (lengths > limits.max_value_chars).fillna(False).to_numpy(dtype=bool)
            reasons[too_long] += (f"; value in '{column}' longer than {limits.max_value_chars} characters "
                                  "(no real value is this long: a stray quote?)")
        if column in spec.columns and column not in LINE_BREAKS_ALLOWED:
            broken = values.str.contains("\n", regex=False).fillna(False).to_numpy(dtype=bool)
            if broken.any():
                reasons[broken] += f"; line break inside '{column}'"
    bad = (reasons != "").to_numpy(dtype=bool)
    if not bad.any():
        return rows, _empty_malformed()
    raws = [cut(",".join("" if v is None else str(v) for v in values), limits.max_value_chars)
            for values in rows.loc[bad].drop(columns="row_number").itertuples(index=False)]
    rejected = pd.DataFrame({"row_number": rows.loc[bad, "row_number"].astype("int64").to_numpy(),
                             "reason": ("malformed row: " + reasons[bad].str.removeprefix("; ")).to_numpy(),
                             "raw": raws})
    return rows.loc[~bad].reset_index(drop=True), rejected


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, ValueError) as error:
        raise RegisterError(str(path), f"not a readable Parquet file ({error})") from None
    for item in table.schema:
        if pa.types.is_nested(item.type) or pa.types.is_dictionary(item.type) and pa.types.is_nested(
                item.type.value_type):
            raise RegisterError(str(path), f"column holds {item.type} values (lists or structures), not text: "
                                           "export one value per cell", column=str(item.name))
    frame = table.to_pandas()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in frame.columns:
        frame[column] = _as_text(frame[column], _ID_WIDTHS.get(column))
    frame.insert(0, "row_number", range(1, len(frame) + 1))
    return frame


def _as_text(values: pd.Series, width: int | None) -> pd.Series:
    """Every value as text, as the contract says: integer IDs get their leading zeros back, a whole
    number stored as a float is written without ``.0`` (``704959623.0`` is ``704959623``), control
    characters go as in a CSV file.

    >>> _as_text(pd.Series([704959623.0, None, 1.5]), None).tolist()
    ['704959623', None, '1.5']
    >>> _as_text(pd.Series([1090123456.0]), 12).tolist()
    ['001090123456']
    """
    if pd.api.types.is_bool_dtype(values):
        text = values.astype("string").str.lower()
    elif pd.api.types.is_integer_dtype(values):
        text = values.astype("Int64").astype("string")
    elif pd.api.types.is_float_dtype(values):
        whole = values.notna() & (values % 1 == 0) & (values.abs() < 2 ** 63)
        text = values.astype("string")
        text[whole] = values[whole].astype("int64").astype("string")
    elif pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    else:
        text = values.map(_one_text, na_action="ignore").astype("string")
    if width and (pd.api.types.is_integer_dtype(values) or pd.api.types.is_float_dtype(values)):
        text = text.str.zfill(width)
    text = text.str.replace(CONTROL, "", regex=True)
    return text.astype(object).where(text.notna() & (text != ""), None)


def _one_text(value: object) -> str:
    """One value of an object column (text, bytes, a date, a Decimal) as text."""
    import datetime as dt
    import decimal

    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)


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
    checks = ctx.settings.checks
    limits = Limits(max_value_chars=checks.max_value_chars, max_record_lines=checks.max_record_lines)
    for name, spec in ALL_REGISTERS.items():
        if name in OPTIONAL_REGISTERS and not _given(ctx.input, name):
            for stale in (INGESTED.path(ctx, name), MALFORMED.path(ctx, name)):  # an earlier run's
                stale.unlink(missing_ok=True)
            continue
        try:
            results[name] = read_register(find_register_file(ctx.input, name), spec, limits)
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
            "lines_read": result.lines_read,
            "lines_continued": result.lines_continued,
            "lines_blank": result.lines_blank,
            "control_characters_removed": result.controls_removed,
        }
        log.info("ingest %s: %d rows read (%s)", name, result.rows_read, result.encoding)
    return summary
