"""Reading clerks' review decisions back (``pipelines.review_feedback``) from hand-made ``review*.csv`` files
and a hand-made store, on SQLite and PostgreSQL: each check names the file, row and problem, the rest is
still read, the store keeps each pair once (re-reading is idempotent), and a night reads only earlier ones."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from contract.reviews import DECISION_LABELS, DECISIONS, decision_code
from pipelines.feedback import CHECKS, Problem
from pipelines.review_feedback import read_decisions
from pipelines.state_store import CHANGE_COLUMNS, OPEN_COLUMNS, Store
from tests.support.services import throwaway_database

D1, D2, D3 = dt.date(2026, 7, 1), dt.date(2026, 7, 2), dt.date(2026, 7, 3)
HEADER = ["record_key", "record_id", "person_id", "weight", "probability", "reason", "source", "row_number",
          "decision"]
# Pairs night D1 listed for review (record_id, person_id); made-up IDs, real Vietnamese names and roles.
HUNG_A, HUNG_B, LAN = "001085000111", "001085000222", "001301000444"
PAIRS = [("insured:0101234567", HUNG_A), ("insured:0101234567", HUNG_B),
         ("managers:0101234567:nguyen van hung:giam doc", HUNG_A), ("household_businesses:01A8001234", LAN)]


def _night(store: Store, day: dt.date, pairs: list[tuple[str, str]], decisions: pd.DataFrame | None = None) -> None:
    store.record(day, pd.DataFrame(columns=list(OPEN_COLUMNS)), pd.DataFrame(columns=list(CHANGE_COLUMNS)),
                 review=pd.DataFrame(pairs, columns=["record_id", "person_id"]), decisions=decisions)


def _review_csv(path: Path, rows: list[tuple[str, str, str]], *, bom: bool = True) -> Path:
    """A review.csv as a clerk saves it: (record_id, person_id, decision) filled in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i, (record, resident, decision) in enumerate(rows):
            writer.writerow([f"insured:{i + 1}", record, resident, "1.5", "0.3", "họ tên trùng khớp, cùng năm sinh",
                             record.split(":")[0], i + 1, decision])
    return path


def _report(problems: list[tuple[str, int | None, str, str]]) -> list[tuple[str, int | None, str]]:
    return [(f, r, c) for f, r, c, _ in problems]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store whose night D1 listed :data:`PAIRS` for review."""
    if request.param == "sqlite":
        store = Store(tmp_path / "state.sqlite")
        _night(store, D1, PAIRS)
        yield store
        return
    with throwaway_database("covgap_review") as url:
        store = Store(url)
        _night(store, D1, PAIRS)
        yield store


def test_the_decision_list_is_one_constant_with_stable_codes() -> None:
    assert [code for code, _ in DECISIONS] == ["match", "non_match"]
    assert DECISION_LABELS == {"match": "Khớp", "non_match": "Không khớp"}
    for typed, code in (("Khớp", "match"), ("KHỚP", "match"), ("khop", "match"), ("  Không   khớp ", "non_match"),
                        ("KHONG KHOP", "non_match"), ("non-match", "non_match"), ("Match", "match"),
                        ("Kho\u0302\u0301ng khơ\u0301p", "non_match")):  # decomposed accents as some keyboards type
        assert decision_code(typed) == code, typed
    for typed in ("có lẽ", "khớp?", "không", ""):
        assert decision_code(typed) is None, typed


def test_each_check_reports_its_row_and_the_rest_is_read(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "feedback"
    _review_csv(folder / "review.csv", [
        ("insured:0101234567", HUNG_A, "khớp"),                                   # row 2: kept
        ("insured:0101234567", HUNG_B, "Không khớp"),                             # row 3: kept
        ("insured:0101234567", HUNG_B, "khớp"),                                   # row 4: conflicts with row 3
        ("managers:0101234567:nguyen van hung:giam doc", HUNG_A, "chắc là đúng"),  # row 5: not a decision
        ("insured:0109999999", HUNG_A, "khớp"),                                   # row 6: never listed
        ("household_businesses:01A8001234", LAN, ""),                             # row 7: not decided, passed over
    ])
    _review_csv(folder / "tổ 2" / "review_phường_Ba_Đình.csv", [
        ("household_businesses:01A8001234", LAN, "KHONG KHOP"),                   # row 2: kept
        ("insured:0101234567", HUNG_B, "khớp"),                                   # row 3: a second match of one record
    ], bom=False)
    (folder / "review_hỏng.csv").write_bytes("record_id;person_id\nx;y\n".encode("cp1258"))
    decisions, problems = read_decisions(folder, store, D2)
    assert _report(problems) == [("review.csv", 4, "decision_conflict"), ("review.csv", 5, "unknown_decision"),
                                 ("review.csv", 6, "unknown_pair"), ("review_hỏng.csv", None, "unreadable"),
                                 ("tổ 2/review_phường_Ba_Đình.csv", 3, "decision_conflict")]
    assert "chắc là đúng" in problems[1][3]
    assert decisions[["record_id", "person_id", "decision", "source_file", "row_number"]].values.tolist() == [
        ["household_businesses:01A8001234", LAN, "non_match", "tổ 2/review_phường_Ba_Đình.csv", 2],
        ["insured:0101234567", HUNG_A, "match", "review.csv", 2],
        ["insured:0101234567", HUNG_B, "non_match", "review.csv", 3]]
    assert decisions["tonight"].all() and set(decisions["read_on"]) == {D2.isoformat()}
    # the report's row, in both languages
    record = Problem(problems[0][0], "", problems[0][1], "", problems[0][2], problems[0][3]).record()
    assert record["problem_vi"].startswith(CHECKS["decision_conflict"][0]) and "Khớp" in record["problem_vi"]
    assert record["problem_en"].startswith("another decision for the same pair")


def test_the_store_keeps_each_decision_once_and_later_nights_read_it(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "feedback"
    _review_csv(folder / "review.csv", [("insured:0101234567", HUNG_A, "Khớp")])
    decisions, problems = read_decisions(folder, store, D2)
    assert problems == [] and len(decisions) == 1
    _night(store, D2, PAIRS[:2], decisions[decisions["tonight"]])
    _night(store, D2, PAIRS[:2], decisions[decisions["tonight"]])  # a rerun of D2: the same store
    assert store.decisions(D2).empty  # a night never reads its own decisions
    # the same file still in the folder on D3: known, not new, not a conflict; the store is as it was
    again, problems = read_decisions(folder, store, D3)
    assert problems == [] and again[["record_id", "person_id", "decision"]].values.tolist() == [
        ["insured:0101234567", HUNG_A, "match"]]
    assert not again["tonight"].any()
    _night(store, D3, [], again[again["tonight"]])
    stored = store.decisions(D3 + dt.timedelta(days=1))
    assert stored[["record_id", "decision", "read_on", "source_file"]].values.tolist() == [
        ["insured:0101234567", "match", D2.isoformat(), "review.csv"]]
    # one already stored wins over a later, different decision of the same pair
    _review_csv(folder / "review_sau.csv", [("insured:0101234567", HUNG_A, "không khớp")])
    _, problems = read_decisions(folder, store, D3 + dt.timedelta(days=1))
    assert _report(problems) == [("review_sau.csv", 2, "decision_conflict")]


def test_pairs_are_known_from_nights_before_only(store: Store) -> None:
    asked = pd.DataFrame([("insured:0101234567", HUNG_A), ("insured:0101234567", LAN)],
                         columns=["record_id", "person_id"])
    assert store.review_pairs(asked, D1).empty  # D1's own pairs are not before D1
    assert store.review_pairs(asked, D2).values.tolist() == [["insured:0101234567", HUNG_A]]
