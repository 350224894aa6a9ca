"""Officers' outcomes come back (issue 14 part 4), end to end on a tiny world.

Night 1 publishes the lists; an officer fills in a copy of the commune's workbook with openpyxl: four
good outcomes (not the right person, joined, will come back, already insured elsewhere) and one bad row
of each kind (an outcome not in the list, a date after the as-of date, an edited ID cell, an unknown
prospect ID, an outcome on the households sheet). Night 2, a week later on the same registers, reads
the folder: the bad rows are reported with their row, the good ones stored; the two reported wrong are
no longer listed (``suppressed`` in ``changes.csv``); the audit measures precision from the outcomes;
and a rerun of night 2 gives the same bytes and stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipelines.audit_outcomes import wilson
from pipelines.cli import main
from pipelines.state_store import Store
from sample_data.generator import generate
from tests.support.outputs import digests

NIGHT_1, NIGHT_2 = dt.date(2026, 7, 1), dt.date(2026, 7, 8)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


class World:
    def __init__(self, root: Path) -> None:
        self.root, self.input, self.state, self.feedback = root, root / "world", root / "state.sqlite", root / "ket-qua"
        self.out_1, self.out_2 = root / "night-1", root / "night-2"

    def run(self, out: Path, as_of: dt.date) -> None:
        assert main(["run", "--input", str(self.input), "--output", str(out), "--as-of", as_of.isoformat(),
                     "--state", str(self.state), "--feedback", str(self.feedback)]) == 0


def _fill(book_path: Path, target: Path, listed: pd.DataFrame) -> dict[str, object]:
    """Fill a copy of the workbook as an officer would; returns who got what and the bad rows' numbers."""
    voluntary = listed.loc[listed["group"] == "voluntary_si_prospect", "prospect_id"].tolist()
    hi = listed.loc[listed["group"] == "hi_prospect", "prospect_id"].tolist()
    book = openpyxl.load_workbook(book_path)
    filled: dict[str, object] = {"wrong": voluntary[0], "joined": voluntary[1], "later": voluntary[2],
                                 "elsewhere": hi[0], "bad": {}}

    def fill(sheet_name: str, prospect: str, outcome: str, when: object, **edits: str) -> int:
        sheet = book[sheet_name]
        header = [c.value for c in sheet[4]]
        at = next(r[0].row for r in sheet.iter_rows(min_row=5) if r[header.index("Mã đối tượng")].value == prospect)
        for name, value in {"Kết quả": outcome, "Ngày": when, **edits}.items():
            sheet.cell(at, header.index(name) + 1, value)
        return at

    fill("BHXH tự nguyện", voluntary[0], "Không đúng người", dt.datetime(2026, 7, 3), **{"Ghi chú": "Trùng tên"})
    fill("BHXH tự nguyện", voluntary[1], "Đã tham gia", dt.datetime(2026, 7, 4))
    fill("BHXH tự nguyện", voluntary[2], "Hẹn lại", "05/07/2026")
    fill("BHYT", hi[0], "Đã có BHXH nơi khác", dt.datetime(2026, 7, 2))
    bad = filled["bad"]
    assert isinstance(bad, dict)
    bad["unknown_outcome"] = fill("BHXH tự nguyện", voluntary[3], "Có thể", dt.datetime(2026, 7, 3))
    bad["bad_date"] = fill("BHXH tự nguyện", voluntary[4], "Không gặp", dt.datetime(2026, 9, 1))
    bad["edited_cell"] = fill("BHXH tự nguyện", voluntary[5], "Không gặp", dt.datetime(2026, 7, 3),
                              **{"Số định danh (đã che)": "001*****0000"})
    bad["unknown_prospect"] = fill("BHXH tự nguyện", voluntary[6], "Không gặp", dt.datetime(2026, 7, 3),
                                   **{"Mã đối tượng": "ABCDEFGHIJKLMNOPQRST"})
    households = book["Theo hộ gia đình"]  # one row per person, under household bands: no Mã đối tượng
    first = next(r[0].row for r in households.iter_rows(min_row=5) if isinstance(r[0].value, int))
    households.cell(first, [c.value for c in households[4]].index("Kết quả") + 1, "Đã tham gia")
    bad["unread_sheet"] = first
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return filled


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, dict[str, object]]:
    world = World(tmp_path_factory.mktemp("feedback"))
    generate(world.input, persons=150, seed=5, noise="none", as_of=NIGHT_1)
    world.run(world.out_1, NIGHT_1)
    listed = _csv(world.out_1 / "prospects.csv")
    ward = listed[["province_code", "ward_code"]].iloc[0]
    workbook = world.out_1 / "by_ward" / ward["province_code"] / f"{ward['ward_code']}.xlsx"
    filled = _fill(workbook, world.feedback / "xa" / workbook.name, listed)
    world.run(world.out_2, NIGHT_2)
    return world, filled


def test_the_workbook_offers_the_outcome_list_and_a_date(world: tuple[World, dict[str, object]]) -> None:
    w, _ = world
    listed = _csv(w.out_1 / "prospects.csv")
    ward = listed[["province_code", "ward_code"]].iloc[0]
    sheet = openpyxl.load_workbook(w.out_1 / "by_ward" / ward["province_code"] / f"{ward['ward_code']}.xlsx")["BHYT"]
    kinds = {v.type: v for v in sheet.data_validations.dataValidation}
    assert kinds["list"].formula1 == ('"Đã tham gia,Hẹn lại,Không gặp,Không đúng người,Đã có BHXH nơi khác,'
                                      'Chuyển đi,Đã mất"')
    assert kinds["date"].operator in (None, "between") and kinds["list"].showErrorMessage


def test_every_bad_row_is_reported_and_the_rest_read(world: tuple[World, dict[str, object]]) -> None:
    w, filled = world
    report = _csv(w.out_2 / "feedback_report.csv")
    bad = filled["bad"]
    assert isinstance(bad, dict)
    assert sorted(zip(report["check"], report["row"].astype(int), strict=True)) == sorted(bad.items())
    assert set(report["file"]) == {f"xa/{next(iter((w.feedback / 'xa').glob('*.xlsx'))).name}"}
    assert report["problem_vi"].str.len().gt(0).all() and report["problem_en"].str.len().gt(0).all()
    stored = Store(w.state).outcomes(NIGHT_2 + dt.timedelta(days=1))
    assert sorted(stored["code"]) == ["appointment", "insured_elsewhere", "joined", "wrong_person"]
    assert set(stored["read_on"]) == {NIGHT_2.isoformat()} and set(stored["listed_on"]) == {NIGHT_1.isoformat()}


def test_the_wrong_ones_are_held_back(world: tuple[World, dict[str, object]]) -> None:
    w, filled = world
    after = _csv(w.out_2 / "prospects.csv")
    assert not {filled["wrong"], filled["elsewhere"]} & set(after["prospect_id"])
    changes = _csv(w.out_2 / "changes.csv")
    closed_otherwise = set(changes.loc[changes["change"].isin(["gone", "resolved"]), "prospect_id"])
    assert {filled["joined"], filled["later"]} <= set(after["prospect_id"]) | closed_otherwise  # not held back
    held = changes[changes["change"] == "suppressed"].set_index("prospect_id")["reason"]
    assert sorted(held.index) == sorted([filled["wrong"], filled["elsewhere"]])
    assert held[filled["wrong"]].startswith('Cán bộ báo "Không đúng người" ngày 03/07/2026')
    assert held[filled["elsewhere"]].startswith('Cán bộ báo "Đã có BHXH nơi khác" ngày 02/07/2026')
    ward = after[["province_code", "ward_code"]].iloc[0]
    book = openpyxl.load_workbook(w.out_2 / "by_ward" / ward["province_code"] / f"{ward['ward_code']}.xlsx")
    listed_cells = {c.value for name in ("BHXH tự nguyện", "BHYT") for row in book[name].iter_rows() for c in row}
    assert not {filled["wrong"], filled["elsewhere"]} & listed_cells and filled["joined"] in listed_cells
    closed = {c.value for row in book["Đã giải quyết, không còn"].iter_rows() for c in row}
    assert {filled["wrong"], filled["elsewhere"], "Theo kết quả đã báo"} <= closed  # the officer sees it was read


def test_the_audit_measures_precision_beside_the_estimate(world: tuple[World, dict[str, object]]) -> None:
    w, filled = world
    outcomes = json.loads((w.out_2 / "audit.json").read_text(encoding="utf-8"))["outcomes"]
    total = outcomes["total"]
    assert (total["decisive"], total["right"], total["precision"]) == (4, 2, 0.5)
    assert (total["precision_low"], total["precision_high"]) == wilson(2, 4)
    listed = _csv(w.out_1 / "prospects.csv").set_index("prospect_id")["confidence"].astype(float)
    mine = [listed[str(filled[k])] for k in ("wrong", "joined", "later", "elsewhere")]
    assert total["model_estimate"] == round(sum(mine) / 4, 5)
    assert outcomes["suppressed"] == 2 and outcomes["new_tonight"] == 4
    assert outcomes["by_group"]["voluntary_si_prospect"]["decisive"] == 3
    assert "Officers' outcomes" in (w.out_2 / "audit.html").read_text(encoding="utf-8")


def test_a_rerun_of_night_2_gives_the_same_bytes(world: tuple[World, dict[str, object]]) -> None:
    w, _ = world
    before = digests(w.out_2)
    w.run(w.out_2, NIGHT_2)
    assert digests(w.out_2) == before
    assert len(Store(w.state).outcomes(NIGHT_2 + dt.timedelta(days=1))) == 4  # nothing stored twice
