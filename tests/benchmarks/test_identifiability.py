"""The identifiability ceilings: ties found where they should be, and nowhere on a clean world."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.identifiability import READ, ceiling, load, score
from benchmarks.ties_persons import explained_records, person_keys, record_keys, stuck_records
from benchmarks.ties_units import stuck_units
from sample_data.generator import generate
from sample_data.truth import expected_prospects

AS_OF = date(2026, 7, 1)


def _population(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """(person_id, full_name, date_of_birth, ward_code) residents, the rest defaulted."""
    df = pd.DataFrame(rows, columns=["person_id", "full_name", "date_of_birth", "ward_code"])
    df["sex"], df["household_id"], df["address"] = "M", df["person_id"], "Thôn 3"
    return df


def _records(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """(declared ID, full_name, date_of_birth, ward_code, true person) insured rows."""
    df = pd.DataFrame(rows, columns=["person_id", "full_name", "date_of_birth", "ward_code", "_person_id"])
    df["sex"], df["address"] = "M", "Thôn 3"
    return record_keys(df, "person_id", "full_name", "date_of_birth", "sex", df["ward_code"], "address")


POP = _population(("001085000001", "Nguyễn Văn Nam", "1985-03-02", "00004"),
                  ("001085000002", "Nguyễn Văn Nam", "1985-03-02", "00004"),
                  ("001085000003", "Trần Văn Hùng", "1985-03-02", "00004"))


def test_namesakes_without_an_id_are_stuck_and_an_id_places_them() -> None:
    rec = _records(("", "Nguyen Van Nam", "1985", "00004", "001085000001"),
                   ("001085000001", "Nguyễn Văn Nam", "1985-03-02", "00004", "001085000001"),
                   ("001085000011", "Nguyễn Văn Nam", "1985-03-02", "00004", "001085000001"),  # one digit off
                   ("", "Trần Văn Hùng", "1985-03-02", "00004", "001085000003"))
    assert stuck_records(rec, person_keys(POP), pd.Series(dtype=int)).tolist() == [True, False, False, False]


def test_a_record_that_fits_its_owner_better_is_not_stuck() -> None:
    rec = _records(("", "Nguyễn Văn Nam", "1985-03-02", "00004", "001085000001"))
    other = POP.copy()
    other.loc[1, "date_of_birth"] = "1986-07-09"
    assert not stuck_records(rec, person_keys(other), pd.Series(dtype=int)).any()


def test_an_outsiders_record_is_taken_for_the_one_resident_it_fits() -> None:
    rec = _records(("", "Trần Văn Hùng", "1985", "00004", ""),  # fits resident 3 perfectly
                   ("", "Nguyễn Văn Nam", "1985", "00004", ""),  # fits two: nobody
                   ("079085123456", "Trần Văn Hùng", "1985", "00004", ""))  # its own ID rules 3 out
    assert explained_records(rec, person_keys(POP)).tolist() == ["001085000003", "", ""]


def test_units_tied_between_two_organisations_are_stuck() -> None:
    orgs = pd.DataFrame({"tax_code": ["0100109106", "0300588569"], "name": ["CÔNG TY TNHH AN PHÁT"] * 2,
                         "ward_code": ["00004", "00004"], "address": ["Số 1 đường Lê Lợi", "Số 9 đường Lê Lợi"]})
    units = pd.DataFrame({"unit_code": ["A", "B", "C"], "tax_code": ["", "0100109106", "100109106"],
                          "name": ["CTY TNHH AN PHAT"] * 3, "ward_code": ["00004"] * 3, "address": [""] * 3,
                          "_tax_code": ["0100109106"] * 3})
    assert stuck_units(units, orgs).tolist() == [True, False, False]


@pytest.fixture(scope="module")
def hard_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hard")
    generate(out, 3000, 17, "hard", AS_OF)
    return out


def test_the_truths_own_links_give_back_the_truth(hard_world: Path) -> None:
    truth = pd.read_csv(hard_world / "truth" / "prospects.csv", **READ)
    table = score(expected_prospects(load(hard_world), AS_OF), truth)
    assert (table[["precision", "recall"]] == 1.0).all().all(), table


def test_a_clean_world_has_no_ceiling_below_one(tmp_path: Path) -> None:
    generate(tmp_path, 1500, 3, "none", AS_OF)
    table, counts = ceiling(tmp_path)
    assert (table[["precision", "recall"]] == 1.0).all().all(), table
    assert all(v == 0 for v in counts.values()), counts


def test_a_hard_world_has_ceilings_in_range(hard_world: Path) -> None:
    table, counts = ceiling(hard_world)
    assert table["f1"].between(0.9, 1.0).all(), table
    assert counts["insured_stuck"] > 0
