"""Pairs a clerk decided (review.csv read back): a match is linked whatever the model says, a non-match is
never linked, and both are labels the EM holds fixed, so the model's m moves."""

from __future__ import annotations

import pandas as pd
import pytest

from matching.linkage import PersonLinkSettings, link_persons
from matching.linkage.link import REVIEW_METHOD, REVIEW_REASON
from tests.support.linkage_world import toy_world
from tests.unit.matching.linkage.test_compare import frames, person

HUNG_A = person(person_id="001085000111", full_name="Nguyễn Văn Hùng", dob="1985-04-12", sex="M", ward_code="90001",
                province_code="90")
HUNG_B = person(person_id="001085000222", full_name="Nguyễn Văn Hùng", dob="1985-09-30", sex="M", ward_code="90001",
                province_code="90")
CASES = {
    "insured:c2": person(person_id=None, full_name="Nguyễn Văn Hùng", dob="1985", sex="M", ward_code="90001",
                         province_code="90"),  # namesakes, year only: the model cannot tell, review
    "insured:c6": person(person_id="001085000111", full_name="Nguyễn Văn Hùng", dob="1985-04-12", sex="M",
                         ward_code="90001", province_code="90"),  # exact ID: the model links it to HUNG_A
    "insured:c7": person(person_id=None, full_name="Phạm Thị Ngọc Ánh", dob="1972-03-15", sex="F",
                         ward_code="90004", province_code="90"),  # nobody like her: no candidate at all
}
SETTINGS = PersonLinkSettings(u_pairs=200_000)


def _decisions(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_key", "person_id", "decision"])


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    base = toy_world(2000, seed=11, noise="normal")
    rec, pop = frames(list(CASES.values()), [HUNG_A, HUNG_B])
    rec["record_key"] = list(CASES)
    return {"records": pd.concat([base["records"], rec], ignore_index=True),
            "population": pd.concat([base["population"], pop], ignore_index=True)}


@pytest.fixture(scope="module")
def unlabelled(world):  # type: ignore[no-untyped-def]
    return link_persons(world["records"], world["population"], SETTINGS)


@pytest.fixture(scope="module")
def labelled(world):  # type: ignore[no-untyped-def]
    decisions = _decisions(("insured:c2", HUNG_B["person_id"], "match"),
                           ("insured:c6", HUNG_A["person_id"], "non_match"),
                           ("insured:c7", HUNG_A["person_id"], "match"),  # blocking never proposed it
                           ("insured:gone", HUNG_A["person_id"], "match"))  # not in tonight's records
    return link_persons(world["records"], world["population"], SETTINGS, decisions)


def test_without_decisions_the_model_decides(unlabelled) -> None:  # type: ignore[no-untyped-def]
    links = unlabelled.links.set_index("record_key")
    assert "insured:c2" not in links.index and "insured:c2" in set(unlabelled.review["record_key"])
    assert links.loc["insured:c6", "person_id"] == HUNG_A["person_id"]
    assert "insured:c7" not in links.index
    assert REVIEW_METHOD not in set(unlabelled.links["method"]) and unlabelled.labels == {}


def test_a_match_is_linked_by_review_and_leaves_review(labelled) -> None:  # type: ignore[no-untyped-def]
    links = labelled.links.set_index("record_key")
    for key, resident in (("insured:c2", HUNG_B), ("insured:c7", HUNG_A)):
        assert links.loc[key, "person_id"] == resident["person_id"], key
        assert links.loc[key, "method"] == REVIEW_METHOD and links.loc[key, "match_probability"] == 1.0
        assert str(links.loc[key, "reason"]).startswith(REVIEW_REASON)
    assert "insured:c2" not in set(labelled.review["record_key"])
    # one record, one resident: the other namesake is no longer a likely candidate of c2
    c2 = labelled.candidates[labelled.candidates["record_key"] == "insured:c2"]
    assert c2["person_id"].tolist() == [HUNG_B["person_id"]]


def test_a_non_match_is_never_linked_even_with_an_exact_id(labelled) -> None:  # type: ignore[no-untyped-def]
    assert "insured:c6" not in set(labelled.links["record_key"])
    pairs = labelled.candidates[(labelled.candidates["record_key"] == "insured:c6")
                                & (labelled.candidates["person_id"] == HUNG_A["person_id"])]
    assert pairs.empty
    assert "insured:c6" not in set(labelled.review["record_key"])


def test_labels_are_counted_and_move_the_model(labelled, unlabelled) -> None:  # type: ignore[no-untyped-def]
    assert labelled.labels == {"match": 2, "non_match": 1, "not_applied": 1}
    keys = ["stratum", "comparison", "level"]
    both = unlabelled.model.merge(labelled.model, on=keys, suffixes=("_before", "_after"))
    assert len(both) == len(unlabelled.model)
    assert (both["m_after"] - both["m_before"]).abs().max() > 1e-4  # the labelled vectors count in m
    assert both["u_after"].equals(both["u_before"])  # u is sampled from random pairs: labels leave it


def test_a_record_decided_a_match_with_two_residents_is_decided_with_neither(world, unlabelled) -> None:  # type: ignore[no-untyped-def]
    both = _decisions(("insured:c2", HUNG_A["person_id"], "match"), ("insured:c2", HUNG_B["person_id"], "match"))
    result = link_persons(world["records"], world["population"], SETTINGS, both)
    assert result.labels == {"match": 0, "non_match": 0, "not_applied": 2}
    assert result.links.equals(unlabelled.links)
