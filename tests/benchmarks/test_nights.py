"""benchmarks.nights's pure parts: stability, change agreement, precision, officers' outcomes, a filled workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from benchmarks import nights as bn
from contract.outcomes import OUTCOME_LABELS
from pipelines.officer_sheets import sheet_of


def _prospects(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """(prospect_id, group, person_id, ward_code) rows."""
    frame = pd.DataFrame(rows, columns=["prospect_id", "group", "person_id", "ward_code"])
    return frame.assign(tax_code="", business_id="", province_code="01")


def test_stability_counts_only_truth_prospects_listed_both_nights() -> None:
    before = _prospects(("A", "hi_prospect", "1", "w"), ("B", "hi_prospect", "2", "w"), ("C", "hi_prospect", "3", "w"))
    after = _prospects(("A", "hi_prospect", "1", "w"), ("X", "hi_prospect", "2", "v"), ("D", "hi_prospect", "4", "w"))
    truth = _prospects(("", "hi_prospect", "1", "w"), ("", "hi_prospect", "2", "w"), ("", "hi_prospect", "4", "w"))
    assert bn.stability(before, after, truth, truth) == (1, 2)  # 2 renamed, 3 not in the truth, 4 not listed before


def test_change_agreement_compares_group_key_and_commune() -> None:
    covgap = _prospects(("A", "hi_prospect", "1", "w"), ("B", "hi_prospect", "2", "w")).assign(change=["new", "gone"])
    truth = _prospects(("", "hi_prospect", "1", "w"), ("", "hi_prospect", "2", "v")).assign(change=["new", "gone"])
    table = bn.change_agreement(covgap, truth).set_index("change")
    assert table.loc["new"].tolist() == [1, 1, 1] and table.loc["gone"].tolist() == [1, 1, 0]


def test_list_precision_and_what_erring_officers_report() -> None:
    listed = _prospects(("A", "hi_prospect", "1", "w"), ("B", "hi_prospect", "2", "w"))
    assert bn.list_precision(listed, _prospects(("", "hi_prospect", "1", "v"))) == 0.5
    assert bn.as_reported(1.0) == 1 - bn.MISTAKE and bn.as_reported(0.5) == 0.5


def test_officers_write_the_truth_but_for_their_mistakes() -> None:
    rng = np.random.default_rng(1)
    right = [bn.outcome_for(True, False, rng) for _ in range(4000)]
    assert abs(sum(o in ("wrong_person", "insured_elsewhere") for o in right) / 4000 - bn.MISTAKE) < 0.01
    assert {bn.outcome_for(False, True, rng) for _ in range(200)} >= {"insured_elsewhere"}
    assert "wrong_person" in {bn.outcome_for(False, False, rng) for _ in range(200)}


def test_interval_agreement_reads_the_audits_cells() -> None:
    audit = {"by_commune_and_group": [
        {"ward_code": "w", "group": "hi_prospect", "decisive": 10, "precision": 0.9, "precision_low": 0.6,
         "precision_high": 0.98},
        {"ward_code": "v", "group": "hi_prospect", "decisive": 0}]}
    offered = pd.DataFrame({"ward_code": ["w", "w", "v"], "group": "hi_prospect", "true": [True, True, False]})
    cells = bn.interval_agreement(audit, offered)
    assert cells[["ward_code", "true", "inside", "inside_as_reported"]].values.tolist() == [["w", 1.0, False, True]]


def test_fill_workbooks_writes_outcomes_on_the_group_sheet(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(bn, "COMMUNE_SHARE", 1.0)
    monkeypatch.setattr(bn, "ROW_SHARE", 1.0)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_of("hi_prospect").name
    for col, title in enumerate(("STT", "Mã đối tượng", "Kết quả", "Ngày"), start=1):
        sheet.cell(bn.HEADER_ROW, col, title)
    for row, pid in enumerate(("A", "B", "C"), start=bn.HEADER_ROW + 1):
        sheet.cell(row, 2, pid)
    (tmp_path / "out" / "by_ward" / "01").mkdir(parents=True)
    book.save(tmp_path / "out" / "by_ward" / "01" / "w.xlsx")
    listed = _prospects(("A", "hi_prospect", "1", "w"), ("B", "hi_prospect", "2", "w"), ("C", "hi_prospect", "3", "w"))
    truth = _prospects(("", "hi_prospect", "1", "w"), ("", "hi_prospect", "3", "w"))
    reported = {"C"}
    rows = bn.fill_workbooks(tmp_path / "out", listed, truth, {"2"}, reported, dt.date(2026, 7, 1),
                             tmp_path / "feedback", np.random.default_rng(0))
    assert rows["prospect_id"].tolist() == ["A", "B"] and reported == {"A", "B", "C"}
    filled = openpyxl.load_workbook(tmp_path / "feedback" / "01_w.xlsx")[sheet_of("hi_prospect").name]
    written = {filled.cell(r, 2).value: filled.cell(r, 3).value for r in range(bn.HEADER_ROW + 1, bn.HEADER_ROW + 4)}
    assert written["C"] is None and written["A"] in {OUTCOME_LABELS[c] for c in ("joined", "appointment", "not_met",
                                                                                  "wrong_person")}
    outcome_of_b = rows.set_index("prospect_id").at["B", "outcome"]
    assert written["B"] == OUTCOME_LABELS[outcome_of_b] and outcome_of_b in {"insured_elsewhere", "appointment",
                                                                             "joined", "not_met"}
    assert dt.datetime(2026, 7, 2) <= filled.cell(bn.HEADER_ROW + 1, 4).value <= dt.datetime(2026, 7, 6)
