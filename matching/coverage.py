"""How sure a prospect is: the probability that a listed row is a true prospect, from the links'.

A person's insurance status is read from the records linked to them, but each record belongs to
them only with some probability. With ``P(r → p)`` the probability that record ``r`` is person
``p``'s (:class:`matching.linkage.PersonLinkResult` ``candidates``), and records taken as
independent, a person is uncovered with probability ``Π (1 − P(r → p))`` over the records that
would cover them (an HI card valid on the as-of date, an active SI record, ...). A linked covering
record makes that small: the person is not listed. A listed person's probability is below one
when a covering record *might* be theirs (a namesake's near miss).

So, without any truth:

* a listed row's ``confidence`` is its probability of being a true prospect;
* the expected number of true prospects in a list is the sum of its rows' confidences, and the
  expected precision their mean;
* the expected number of true prospects the list leaves out is the sum, over the rows *not*
  listed, of their probability of being a prospect all the same (:func:`expected_quality`).

>>> cands = pd.DataFrame({"record_key": ["insured:1", "insured:2"], "person_id": ["A", "A"],
...                       "match_probability": [0.2, 0.5]})
>>> uncovered_probability(cands, pd.Series({"insured:1": True, "insured:2": True}), ["A", "B"]).round(3).tolist()
[0.4, 1.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["GroupQuality", "any_probability", "expected_quality", "record_probability", "uncovered_probability",
           "unplaced_cover"]


def uncovered_probability(candidates: pd.DataFrame, covering: pd.Series, persons: pd.Index | list[str]
                          ) -> pd.Series:
    """Per person: ``Π (1 − P(r → p))`` over candidate records ``r`` for which ``covering[r]``.

    ``candidates``: ``record_key, person_id, match_probability``; ``covering``: bool by
    record_key (records not in it cover nobody). Persons with no covering candidate: 1.0.
    """
    index = pd.Index(persons)
    covers = candidates["record_key"].map(covering.astype(bool)).eq(True).to_numpy(dtype=bool)
    chosen = candidates[covers]
    prob = np.clip(chosen["match_probability"].to_numpy(dtype=float), 0.0, 1.0)
    log_rest = pd.Series(np.log1p(-np.minimum(prob, 1 - 1e-12)), index=chosen["person_id"].to_numpy())
    by_person = log_rest.groupby(level=0).sum()
    return pd.Series(np.exp(by_person.reindex(index).fillna(0.0).to_numpy()), index=index)


def unplaced_cover(uncovered: np.ndarray, eligible: np.ndarray, none: np.ndarray, outsider_share: float) -> np.ndarray:
    """``uncovered`` lowered by the covering records no candidate explains.

    The covering records' "none of these" mass (``none``, one per covering record) beyond the
    outsiders expected among them (``outsider_share`` of them) is records of residents the linkage
    did not find: most likely residents who look uncovered. Those ``L`` records are spread over the
    eligible residents in proportion to how uncovered they look, so a resident who looks surely
    uncovered is so with probability ``exp(−L / Σ uncovered)``.

    >>> cover = unplaced_cover(np.array([1.0, 1.0, 0.0]), np.array([True, True, True]), np.array([0.52, 0.02]), 0.02)
    >>> cover.round(3).tolist()
    [0.779, 0.779, 0.0]
    """
    none = np.asarray(none, dtype=float)
    lost = max(float(none.sum()) - outsider_share * len(none), 0.0)  # beyond the outsiders expected among them
    mass = float(np.asarray(uncovered, dtype=float)[eligible].sum())
    if lost <= 0 or mass <= 0:
        return uncovered
    return uncovered * np.exp(-lost * uncovered / mass)


def any_probability(pairs: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``1 − Π (1 − P)`` over the rows of ``pairs`` sharing ``keys``: the probability that at least
    one of them holds (e.g. that some manager row of an organisation is this person's).

    >>> pairs = pd.DataFrame({"tax_code": ["T", "T"], "person_id": ["A", "A"], "match_probability": [0.5, 0.5]})
    >>> any_probability(pairs, ["tax_code", "person_id"]).tolist()
    [0.75]
    """
    prob = np.clip(pairs["match_probability"].to_numpy(dtype=float), 0.0, 1 - 1e-12)
    rest = pd.Series(np.log1p(-prob), index=pd.MultiIndex.from_frame(pairs[keys]) if len(keys) > 1
                     else pd.Index(pairs[keys[0]]))
    return 1.0 - np.exp(rest.groupby(level=list(range(len(keys)))).sum())


def record_probability(candidates: pd.DataFrame, record_keys: pd.Series, person_ids: pd.Series) -> np.ndarray:
    """``P(r → p)`` of given (record, person) pairs: 0 where the pair is no candidate.

    >>> cands = pd.DataFrame({"record_key": ["managers:3"], "person_id": ["A"], "match_probability": [0.97]})
    >>> record_probability(cands, pd.Series(["managers:3", "managers:4"]), pd.Series(["A", "A"])).tolist()
    [0.97, 0.0]
    """
    table = candidates.set_index(["record_key", "person_id"])["match_probability"]
    table = table[~table.index.duplicated()]
    wanted = pd.MultiIndex.from_arrays([record_keys.to_numpy(dtype=object), person_ids.to_numpy(dtype=object)])
    found: np.ndarray = table.reindex(wanted).fillna(0.0).to_numpy(dtype=float)
    return found


@dataclass(frozen=True)
class GroupQuality:
    """What the model expects of one list, without truth."""

    listed: int
    expected_true: float  # Σ confidence of the listed rows
    expected_missed: float  # Σ P(prospect) of the rows not listed

    @property
    def precision(self) -> float:
        return self.expected_true / self.listed if self.listed else 1.0

    @property
    def recall(self) -> float:
        total = self.expected_true + self.expected_missed
        return self.expected_true / total if total > 0 else 1.0

    def as_dict(self) -> dict[str, float]:
        return {"listed": float(self.listed), "expected_true": round(self.expected_true, 3),
                "expected_missed": round(self.expected_missed, 3), "expected_precision": round(self.precision, 5),
                "expected_recall": round(self.recall, 5)}


def expected_quality(listed_confidence: np.ndarray, unlisted_probability: np.ndarray) -> GroupQuality:
    """Expected precision and recall of a list from its rows' confidences and the probabilities of
    the rows it leaves out.

    >>> q = expected_quality(np.array([1.0, 0.9, 0.5]), np.array([0.1, 0.0, 0.4]))
    >>> round(q.precision, 3), round(q.recall, 3)
    (0.8, 0.828)
    """
    return GroupQuality(len(listed_confidence), float(np.sum(listed_confidence)), float(np.sum(unlisted_probability)))
