"""What the workbooks look up beyond the prospects: household heads, organisations' representative
(a register's own column first, else the highest manager role) and phone (the organisation's
register, else its social security unit's)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipelines.catalogue import STANDARDISED, VALIDATED
from pipelines.context import RunContext
from pipelines.officer_directory import directory_for


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)


def test_directory_reads_heads_representatives_and_phones(tmp_path: Path) -> None:
    ctx = RunContext(tmp_path / "in", tmp_path / "out", dt.date(2026, 7, 1))
    _write(pd.DataFrame({"row_number": [1, 2, 3], "household_id": ["HK1", "HK1", "HK9"],
                         "relation_to_head": ["Con", "Chủ hộ", "Chủ hộ"],
                         "full_name": ["Lê Văn Tú", "Lê Văn Hải", "Đỗ Thị Lan"],
                         "address": ["Thôn 2", "Số 4 Thôn 2", "Thôn 5"]}), STANDARDISED["population"].path(ctx))
    _write(pd.DataFrame({"row_number": [1, 2, 3], "org_tax_code": ["0101234567", "0101234567", "0309876543"],
                         "full_name": ["Trần An", "Phạm Bình", "Ngô Cúc"],
                         "role": ["Thành viên HĐTV", "Giám đốc", "Tổng giám đốc"]}),
           STANDARDISED["managers"].path(ctx))
    _write(pd.DataFrame({"row_number": [1], "tax_code": ["0309876543"], "legal_representative": ["Vũ Minh Đức"],
                         "phone": ["028 3822 1111"]}), VALIDATED.path(ctx, "enterprises"))
    _write(pd.DataFrame({"row_number": [1], "unit_code": ["TA0001"], "tax_code": ["0101234567"],
                         "phone": ["024 3733 2222"]}), VALIDATED.path(ctx, "employers"))
    prospects = pd.DataFrame({"household_id": ["HK1", None], "tax_code": ["0101234567", "0309876543"]})
    directory = directory_for(ctx, prospects)
    assert directory.households == {"HK1": ("Lê Văn Hải", "Số 4 Thôn 2")}  # only the households asked for
    assert directory.organisations == {"0101234567": ("Phạm Bình (Giám đốc)", "024 3733 2222"),
                                       "0309876543": ("Vũ Minh Đức", "028 3822 1111")}
    assert "BHXH" in directory.contact
