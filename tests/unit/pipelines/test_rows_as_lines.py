"""Rows as the file has them: stray quotes, line breaks, control characters, long values, Parquet types.

Every data line ends in exactly one place, with its own line number: the ledger
``lines_read = rows_read + lines_continued + lines_blank`` and ``rows_read = rows + malformed``.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings

from contract.registers import REGISTERS
from pipelines.context import RunContext
from pipelines.exceptions import RegisterError, RegisterErrors
from pipelines.ingest import ReadResult, read_register
from pipelines.validate import check_rows

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data" / "small" / "population.csv"
POPULATION = REGISTERS["population"]


def _sample_lines(n: int) -> list[str]:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    return lines[: n + 1]


def _read(tmp_path: Path, text: str | bytes, name: str = "population.csv") -> ReadResult:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return read_register(path, REGISTERS[path.stem])


def _balanced(result: ReadResult) -> bool:
    return (result.lines_read == result.rows_read + result.lines_continued + result.lines_blank
            and result.rows_read == len(result.rows) + len(result.malformed))


def _stray_quote(line: str) -> str:
    """A quote opened at the start of the name and never closed, as a typist leaves it."""
    fields = line.split(",", 2)
    return f'{fields[0]},"{fields[1]},{fields[2]}'


def test_two_stray_quotes_far_apart_swallow_nobody(tmp_path: Path) -> None:
    lines = _sample_lines(300)
    lines[10], lines[260] = _stray_quote(lines[10]), _stray_quote(lines[260])
    result = _read(tmp_path, "\n".join(lines) + "\n")
    assert result.lines_read == result.rows_read == 300 and _balanced(result)
    assert result.malformed["row_number"].tolist() == [10, 260]  # their true data lines
    assert "stray quote" in result.malformed["reason"].iloc[0]
    rows = result.rows.set_index("row_number")
    assert len(rows) == 298 and rows["full_name"].str.len().max() < 60
    expected = next(csv.reader([lines[11]]))  # the line after the first stray quote, read on its own
    assert rows.loc[11, "person_id"] == expected[0] and rows.loc[11, "full_name"] == expected[1]
    assert rows.loc[300, "person_id"] == next(csv.reader([lines[300]]))[0]


def test_a_single_stray_quote_shifts_no_later_row_number(tmp_path: Path) -> None:
    lines = _sample_lines(40)
    lines[5] = _stray_quote(lines[5])
    result = _read(tmp_path, "\n".join(lines) + "\n")
    rows = result.rows.set_index("row_number")
    for number in (4, 6, 20, 40):
        assert rows.loc[number, "person_id"] == next(csv.reader([lines[number]]))[0]
    assert result.malformed["row_number"].tolist() == [5] and _balanced(result)


def test_an_address_over_two_lines_is_one_row_and_the_next_keeps_its_line(tmp_path: Path) -> None:
    lines = _sample_lines(5)
    lines[2] = lines[2].replace('"366 Phan Đình Phùng,Khu phố 5"', '"366 Phan Đình Phùng\nKhu phố 5"')
    result = _read(tmp_path, "\n".join(lines) + "\n")
    assert result.lines_read == 6 and result.rows_read == 5 and result.lines_continued == 1 and _balanced(result)
    rows = result.rows.set_index("row_number")
    assert rows.loc[2, "address"] == "366 Phan Đình Phùng\nKhu phố 5"
    assert rows.loc[4, "person_id"] == next(csv.reader([lines[3]]))[0]  # data line 4 is the old line 3


def test_a_line_break_inside_a_name_or_a_date_is_malformed(tmp_path: Path) -> None:
    header = ",".join(POPULATION.columns)
    text = (f"{header}\n"
            '001090123456,"Nguyễn Văn\nAn",1990-01-01,M,HD1,Chủ hộ,00004,,,\n'
            "001090123457,Trần Thị Bình,1991-02-02,F,HD1,Vợ,00004,,,\n")
    result = _read(tmp_path, text)
    # Both lines of the broken name go to quarantine, each with its line; the next line is read as it is.
    assert result.malformed["row_number"].tolist() == [1, 2] and "full_name" in result.malformed["reason"].iloc[0]
    assert result.rows["row_number"].tolist() == [3] and result.rows["full_name"].tolist() == ["Trần Thị Bình"]
    assert result.lines_read == 3 and _balanced(result)


def test_a_value_longer_than_any_real_one_is_malformed_and_cut_in_quarantine(tmp_path: Path) -> None:
    header = ",".join(POPULATION.columns)
    text = (f"{header}\n001090123456,{'Nguyễn ' * 300},1990-01-01,M,HD1,,00004,,,\n"
            "001090123457,An,1990,M,HD2,,00004,,,\n")
    result = _read(tmp_path, text)
    assert result.malformed["row_number"].tolist() == [1]
    assert "'full_name' longer than 1000 characters" in result.malformed["reason"].iloc[0]
    assert len(result.malformed["raw"].iloc[0]) < 1100 and result.rows["person_id"].tolist() == ["001090123457"]


def test_nul_bom_and_bidi_characters_never_reach_a_value(tmp_path: Path) -> None:
    header = ",".join(POPULATION.columns)
    text = f"\ufeff{header}\n0010901\x0023456,Nguy\ufeffễn Thị\u202e Mai,1990-01-01,M,HD1,,00004,,09\u200b12,\n"
    result = _read(tmp_path, text)
    row = result.rows.iloc[0]
    assert (row["person_id"], row["full_name"], row["phone"]) == ("001090123456", "Nguyễn Thị Mai", "0912")
    assert result.controls_removed == 4


def test_parquet_numbers_are_their_text_and_nested_columns_are_refused(tmp_path: Path) -> None:
    base = {"person_id": [1090123456.0], "full_name": ["Lê Văn Tám"], "date_of_birth": ["1990-01-01"], "sex": ["M"],
            "household_id": [704959623.0], "ward_code": [4], "phone": [912345678.0]}
    pq.write_table(pa.table(base), tmp_path / "population.parquet")
    row = read_register(tmp_path / "population.parquet", POPULATION).rows.iloc[0]
    assert (row["person_id"], row["household_id"], row["ward_code"], row["phone"]) == (
        "001090123456", "704959623", "00004", "912345678")
    pq.write_table(pa.table({**base, "address": [["Thôn 1", "Xã A"]]}), tmp_path / "population.parquet")
    with pytest.raises(RegisterError, match=r"population\.parquet, column 'address': column holds list"):
        read_register(tmp_path / "population.parquet", POPULATION)


# The fuzz test: CSV bytes a hostile or broken export makes. Never a traceback, always a balanced ledger.
_PIECES = st.sampled_from(['"', '""', ",", "\n", "\r\n", "\r", "\x00", "\ufeff", "Nguyễn", "Thị", " ", "=1+1",
                           "0123456789", "1985-07-01", "07/01/1985", "'", "\t", ";", "\u2028"])
_FIELD = st.lists(_PIECES, max_size=4).map("".join)
_LINE = st.lists(_FIELD, min_size=1, max_size=5).map(",".join)


@st.composite
def _csv_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(_LINE, max_size=12))
    text = "si_code,full_name,date_of_birth\n" + "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))
    data = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]))
    raw = text.encode(data, errors="replace")
    return raw[: draw(st.integers(len(raw) // 2, len(raw)))] if draw(st.booleans()) else raw


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_csv_bytes())
def test_fuzz_any_bytes_give_a_balanced_ledger_or_a_named_error(tmp_path: Path, data: bytes) -> None:
    try:
        result = _read(tmp_path, data, "insured.csv")
    except (RegisterError, RegisterErrors) as error:
        assert "insured.csv" in str(error)
        return
    assert _balanced(result)
    numbers = [*result.rows["row_number"], *result.malformed["row_number"]]
    assert len(set(numbers)) == len(numbers) and all(1 <= n <= result.lines_read for n in numbers)
    body = pd.concat([result.rows.drop(columns="row_number").stack(), result.malformed["raw"]]).astype(str)
    assert not body.str.contains("[\x00\ufeff\u2028]").any()
    usable, quarantined = check_rows(result.rows, REGISTERS["insured"],
                                     RunContext(tmp_path, tmp_path / "out", dt.date(2026, 7, 1)))
    assert len(usable) + len(quarantined) == len(result.rows)


def test_a_stray_quote_near_the_end_is_confined_but_one_on_the_last_line_stops(tmp_path: Path) -> None:
    text = 'si_code,full_name,date_of_birth\n0123456789,"Nguyễn,1985\n0123456788,Thị,1985\n'
    result = _read(tmp_path, text, "insured.csv")
    assert result.malformed["row_number"].tolist() == [1] and result.rows["row_number"].tolist() == [2]
    with pytest.raises(RegisterError, match=r"insured\.csv, row 3: file is cut off or badly quoted"):
        _read(tmp_path, text + '0123456787,"Mai,1985\n', "insured.csv")


def test_an_unreadable_register_is_an_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "population.csv"
    path.write_text(",".join(POPULATION.columns) + "\n", encoding="utf-8")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # as root no file is unreadable: the OS's answer, forced
    with pytest.raises(RegisterError, match=r"population\.csv: cannot be read \(Permission denied\)"):
        read_register(path, POPULATION)
