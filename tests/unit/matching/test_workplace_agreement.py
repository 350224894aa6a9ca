"""A covering record from the employer a resident has a labour contract with: evidence that the
record is theirs (``matching.coverage.workplace_agreement``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.coverage import workplace_agreement

CONTRACT_EMPLOYER = "0101234567"  # CÔNG TY TNHH MAY MẶC XUÂN HÒA
OTHER_EMPLOYER = "0309876543"


def _world(sure_pairs: int = 60, sure_non_pairs: int = 30, agreeing_non_pairs: int = 0) -> tuple[pd.DataFrame, ...]:
    """Sure pairs of workers with their records at their employer, sure non-pairs at another
    employer (``agreeing_non_pairs`` of them at the worker's own), and the case in question:
    Nguyễn Thị Nhung, a contract at the company, and a record "Nguyễn Thị Nhunng" of the company
    in her old commune that the linkage gave 0.41 (a namesake Nguyễn Thị Nhung elsewhere 0.2)."""
    cands, employers, jobs = [], [], []
    for i in range(sure_pairs):
        cands.append((f"insured:{i}", f"W{i}", 1.0))
        employers.append((f"insured:{i}", CONTRACT_EMPLOYER, 1.0))
        jobs.append((f"W{i}", CONTRACT_EMPLOYER, 1.0))
    for i in range(sure_non_pairs):
        key = f"insured:n{i}"
        cands.append((key, f"W{i}", 0.001))
        employers.append((key, CONTRACT_EMPLOYER if i < agreeing_non_pairs else OTHER_EMPLOYER, 1.0))
    cands += [("insured:nhung", "NHUNG", 0.41), ("insured:nhung", "NAMESAKE", 0.2)]
    employers.append(("insured:nhung", CONTRACT_EMPLOYER, 1.0))
    jobs.append(("NHUNG", CONTRACT_EMPLOYER, 1.0))
    return (pd.DataFrame(cands, columns=["record_key", "person_id", "match_probability"]),
            pd.DataFrame(employers, columns=["record_key", "tax_code", "probability"]),
            pd.DataFrame(jobs, columns=["person_id", "tax_code", "probability"]))


def _probability(frame: pd.DataFrame, record: str, person: str) -> float:
    row = frame[(frame["record_key"] == record) & (frame["person_id"] == person)]
    return float(row["match_probability"].iloc[0])


def test_a_record_of_her_own_employer_becomes_hers() -> None:
    cands, employers, jobs = _world()
    out, agreement = workplace_agreement(cands, employers, jobs)
    assert agreement.m == pytest.approx(1.0) and agreement.u == pytest.approx(0.5 / 31)
    odds = 0.41 * agreement.ratio
    assert _probability(out, "insured:nhung", "NHUNG") == pytest.approx(odds / (0.39 + odds + 0.2))
    assert _probability(out, "insured:nhung", "NHUNG") > 0.95
    assert _probability(out, "insured:nhung", "NAMESAKE") < 0.2  # the record's other candidates give way
    assert agreement.raised == 60 + 1


def test_namesakes_insured_by_the_same_employer_weaken_the_evidence() -> None:
    cands, employers, jobs = _world(agreeing_non_pairs=10)
    weak, agreement = workplace_agreement(cands, employers, jobs)
    assert agreement.u == pytest.approx(10.5 / 31)
    strong, _ = workplace_agreement(*_world())
    assert 0.41 < _probability(weak, "insured:nhung", "NHUNG") < _probability(strong, "insured:nhung", "NHUNG")


def test_nothing_changes_without_enough_sure_pairs_to_learn_from() -> None:
    for world in (_world(sure_pairs=10), _world(sure_non_pairs=5)):
        out, agreement = workplace_agreement(*world)
        assert out is world[0] and agreement.raised == 0


def test_an_uncertain_contract_counts_for_what_it_is_worth() -> None:
    cands, employers, jobs = _world()
    sure, _ = workplace_agreement(cands, employers, jobs)
    jobs.loc[jobs["person_id"] == "NHUNG", "probability"] = 0.5
    half, _ = workplace_agreement(cands, employers, jobs)
    assert 0.41 < _probability(half, "insured:nhung", "NHUNG") < _probability(sure, "insured:nhung", "NHUNG")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 4), st.floats(0.0, 1.0), st.booleans()),
                min_size=1, max_size=30))
def test_probabilities_stay_probabilities_and_only_agreeing_records_move(rows: list) -> None:
    """Per record the candidates sum to at most one; a record with no agreeing pair keeps its
    values exactly; an agreeing pair's probability never falls."""
    frame = pd.DataFrame([(f"insured:{r}", f"P{p}", prob) for r, p, prob, _ in rows],
                         columns=["record_key", "person_id", "match_probability"]
                         ).drop_duplicates(["record_key", "person_id"]).reset_index(drop=True)
    total = frame.groupby("record_key")["match_probability"].transform("sum")
    frame["match_probability"] = frame["match_probability"] / np.maximum(total, 1.0)
    at = {f"insured:{r}" for r, _, _, agrees in rows if agrees}
    employers = pd.DataFrame({"record_key": sorted(at), "tax_code": CONTRACT_EMPLOYER, "probability": 1.0})
    jobs = pd.DataFrame({"person_id": [f"P{p}" for p in range(3)], "tax_code": CONTRACT_EMPLOYER, "probability": 1.0})
    out, _ = workplace_agreement(frame, employers, jobs, min_pairs=0, min_non_pairs=0)
    got = out["match_probability"].to_numpy()
    assert np.all(got >= 0) and np.all(out.groupby("record_key")["match_probability"].sum() <= 1 + 1e-9)
    untouched = ~frame["record_key"].isin(at).to_numpy()
    assert np.array_equal(got[untouched], frame["match_probability"].to_numpy()[untouched])
    agreeing = frame["record_key"].isin(at).to_numpy() & frame["person_id"].isin(jobs["person_id"]).to_numpy()
    assert np.all(got[agreeing] >= frame["match_probability"].to_numpy()[agreeing] - 1e-12)
