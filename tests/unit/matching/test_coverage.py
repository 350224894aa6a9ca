"""How sure a prospect is: products of link probabilities, and the records no candidate explains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matching.coverage import any_probability, expected_quality, uncovered_probability, unplaced_cover


def _candidates(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_key", "person_id", "match_probability"])


def test_a_person_is_uncovered_when_no_covering_record_is_theirs() -> None:
    cands = _candidates(("insured:1", "A", 0.9), ("insured:2", "A", 0.5), ("insured:3", "B", 0.99),
                        ("insured:4", "C", 0.8))
    covering = pd.Series({"insured:1": True, "insured:2": True, "insured:3": False, "insured:4": True})
    got = uncovered_probability(cands, covering, ["A", "B", "C", "D"])
    assert got.to_dict() == pytest.approx({"A": 0.1 * 0.5, "B": 1.0, "C": 0.2, "D": 1.0})


def test_some_row_of_a_key_is_the_persons() -> None:
    pairs = pd.DataFrame({"tax_code": ["T", "T", "U"], "person_id": ["A", "A", "A"],
                          "match_probability": [0.6, 0.5, 0.3]})
    got = any_probability(pairs, ["tax_code", "person_id"])
    assert got.loc[("T", "A")] == pytest.approx(0.8) and got.loc[("U", "A")] == pytest.approx(0.3)


def test_records_no_candidate_explains_beyond_the_outsiders_lower_the_uncovered() -> None:
    uncovered = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    eligible = np.ones(5, dtype=bool)
    # Ten covering records; one outsider expected among them; three have nobody to go to.
    none = np.r_[np.ones(3), np.zeros(7)]
    got = unplaced_cover(uncovered, eligible, none, outsider_share=0.1)
    assert got[:4] == pytest.approx(np.exp(-2 / 4)) and got[4] == 0
    assert np.array_equal(unplaced_cover(uncovered, eligible, none, outsider_share=0.3), uncovered)  # all outsiders


def test_expected_quality_of_a_list() -> None:
    q = expected_quality(np.array([1.0, 0.5]), np.array([0.5]))
    assert (q.precision, q.recall) == (0.75, 0.75)
