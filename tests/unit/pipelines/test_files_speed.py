"""The fast paths of ``pipelines.files`` give what the plain ones give, value for value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.files import _neutralised, neutralise, read_columns, write_parquet

_ODD = ["=1+1", "+84", "-5", "@SUM", "\tTab", "\rCR", "'q", "''", "ok", "", " =x", "a=b", "Nguyễn", "\n=1"]


@pytest.mark.parametrize("values", [
    pd.Series([*_ODD, None, np.nan], dtype=object),
    pd.Series([*_ODD, None], dtype="string"),
    pd.Series(["=1", 3, 2.5, None], dtype=object),  # mixed: value by value
    pd.Series([None, None], dtype=object),
    pd.Series(["plain", "text"], dtype=object),
])
def test_a_column_is_neutralised_as_each_of_its_values_is(values: pd.Series) -> None:
    fast, slow = _neutralised(values), values.map(neutralise, na_action="ignore")
    assert fast.dtype == slow.dtype and fast.index.equals(slow.index)
    assert [_seen(v) for v in fast] == [_seen(v) for v in slow]


def _seen(value: object) -> tuple[type, object]:
    """A value as the CSV writer sees it (its type, and itself unless missing)."""
    return type(value), None if pd.isna(value) else value


def test_read_columns_reads_what_the_whole_table_has(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": pd.array([1, None], dtype="Int64"), "d": [None, None]})
    write_parquet(frame, tmp_path / "t.parquet")
    whole = pd.read_parquet(tmp_path / "t.parquet")
    for columns in (["b", "a"], ["d", "c", "missing"], ["missing"]):
        pd.testing.assert_frame_equal(read_columns(tmp_path / "t.parquet", columns),
                                      whole[[c for c in columns if c in whole]])
