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

__all__ = ["GroupQuality", "WorkplaceAgreement", "any_probability", "expected_quality", "record_probability",
           "uncovered_probability", "unplaced_cover", "workplace_agreement"]


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


def any_probability(pairs: pd.DataFrame, keys: list[str], *, sort: bool = True) -> pd.Series:
    """``1 − Π (1 − P)`` over the rows of ``pairs`` sharing ``keys``: the probability that at least
    one of them holds (e.g. that some manager row of an organisation is this person's). ``sort``:
    the keys in order (False: in order of first appearance, without sorting a million strings).

    >>> pairs = pd.DataFrame({"tax_code": ["T", "T"], "person_id": ["A", "A"], "match_probability": [0.5, 0.5]})
    >>> any_probability(pairs, ["tax_code", "person_id"]).tolist()
    [0.75]
    """
    prob = np.clip(pairs["match_probability"].to_numpy(dtype=float), 0.0, 1 - 1e-12)
    rest = pd.Series(np.log1p(-prob), index=pairs.index)
    return 1.0 - np.exp(rest.groupby([pairs[key] for key in keys], sort=sort).sum())


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


@dataclass(frozen=True)
class WorkplaceAgreement:
    """How much a covering record naming the employer a resident holds a contract with says that
    the record is theirs, read off the run's own candidate pairs (:func:`workplace_agreement`)."""

    m: float  # P(the record's employer is one the person works for | the record is theirs)
    u: float  # the same, of a candidate record that is not theirs
    matches: int  # sure pairs m was read off
    non_matches: int  # sure non-pairs u was read off
    raised: int  # candidate pairs whose probability the agreement changed

    @property
    def ratio(self) -> float:
        return self.m / self.u if self.u > 0 else 1.0

    def as_dict(self) -> dict[str, float]:
        return {"m": round(self.m, 5), "u": round(self.u, 7), "likelihood_ratio": round(self.ratio, 1),
                "matches": self.matches, "non_matches": self.non_matches, "pairs_raised": self.raised}


def workplace_agreement(candidates: pd.DataFrame, record_employers: pd.DataFrame, person_employers: pd.DataFrame,
                        *, sure: float = 0.99, min_pairs: int = 50, min_non_pairs: int = 20
                        ) -> tuple[pd.DataFrame, WorkplaceAgreement]:
    """``candidates`` with the probability of each covering record raised where its employer is
    one its candidate person holds a contract with.

    A worker's compulsory SI is declared by the employer holding their contract (Law on SI
    41/2024, Art. 2(1)(a)), and a namesake is rarely insured by that very employer: a record's
    employer agreeing with the person's is evidence the linkage's fields do not hold. Fellegi-Sunter
    weighs it as one more comparison, ``λ = m / u``, with ``m`` and ``u`` read off this run's
    candidate pairs of persons with a sure employer and records with a sure one: ``m`` among the
    sure pairs (``P ≥ sure``), ``u`` among the sure non-pairs (``P ≤ 1 − sure``). Not by EM with
    the pairs' probabilities held fixed: the pairs in between agree far more often than their
    probabilities say (the very records this corrects), and EM would read that as a high ``u``.
    The agreement itself is uncertain (``g``: the record's employer link times the person's
    contract), so a pair's odds against "none" are multiplied by ``g·λ + (1 − g)`` and the record's
    candidates renormalised. A disagreeing employer changes nothing: a worker may be insured by
    another employer they also work for, or be between jobs.
    With fewer than ``min_pairs`` sure pairs or ``min_non_pairs`` sure non-pairs, nothing changes.

    ``record_employers``: ``record_key, tax_code, probability`` (a covering record's employer);
    ``person_employers``: ``person_id, tax_code, probability`` (a contract in force with it).

    >>> cands = pd.DataFrame({"record_key": ["insured:1", "insured:2", "insured:3", "insured:3"],
    ...                       "person_id": ["A", "A", "A", "B"], "match_probability": [1.0, 0.0, 0.3, 0.3]})
    >>> at = pd.DataFrame({"record_key": ["insured:1", "insured:2", "insured:3"], "tax_code": ["0101", "0202", "0101"],
    ...                    "probability": [1.0, 1.0, 1.0]})
    >>> jobs = pd.DataFrame({"person_id": ["A"], "tax_code": ["0101"], "probability": [1.0]})
    >>> out, agreement = workplace_agreement(cands, at, jobs, min_pairs=1, min_non_pairs=1)
    >>> round(agreement.ratio, 3), out["match_probability"].round(3).tolist()  # m 1, u (0 + ½) / (1 + 1)
    (4.0, [1.0, 0.0, 0.632, 0.158])
    """
    # Integer codes for every key: millions of candidate pairs join and sum in seconds.
    record, records = pd.factorize(candidates["record_key"])
    person, persons = pd.factorize(candidates["person_id"])
    _, taxes = pd.factorize(pd.concat([record_employers["tax_code"], person_employers["tax_code"]]))
    at = pd.DataFrame({"r": pd.Index(records).get_indexer(record_employers["record_key"]),
                       "t": pd.Index(taxes).get_indexer(record_employers["tax_code"]),
                       "a": record_employers["probability"].to_numpy(dtype=float)})
    jobs = pd.DataFrame({"p": pd.Index(persons).get_indexer(person_employers["person_id"]),
                         "t": pd.Index(taxes).get_indexer(person_employers["tax_code"]),
                         "q": person_employers["probability"].to_numpy(dtype=float)})
    at, jobs = at[at["r"] >= 0], jobs[jobs["p"] >= 0]
    prob = candidates["match_probability"].to_numpy(dtype=float)
    covering = np.isin(record, at["r"].to_numpy())
    pairs = pd.DataFrame({"pair": np.flatnonzero(covering), "r": record[covering], "p": person[covering]})
    pairs = pairs.merge(at, on="r").merge(jobs, on=["p", "t"])
    each = np.clip(pairs["a"].to_numpy() * pairs["q"].to_numpy(), 0.0, 1 - 1e-12)
    # P(some employer of the record is one of the person's), per candidate pair
    agree = 1.0 - np.exp(np.bincount(pairs["pair"].to_numpy(), weights=np.log1p(-each), minlength=len(candidates)))
    employed = jobs.loc[jobs["q"] >= sure, "p"].unique()
    placed = at.loc[at["a"] >= sure, "r"].unique()
    at_work = np.isin(person, employed) & np.isin(record, placed)
    matched, unmatched = agree[at_work & (prob >= sure)], agree[at_work & (prob <= 1 - sure)]
    m = float(matched.mean()) if len(matched) else 0.0
    u = (float(unmatched.sum()) + 0.5) / (len(unmatched) + 1)  # none in a few dozen is not zero chance
    if len(matched) < min_pairs or len(unmatched) < min_non_pairs or m <= u:
        return candidates, WorkplaceAgreement(m, u, len(matched), len(unmatched), 0)
    factor = agree * (m / u) + (1.0 - agree)
    agreement = WorkplaceAgreement(m, u, len(matched), len(unmatched), int((factor > 1.0).sum()))
    return candidates.assign(match_probability=_renormalised(record, prob, factor)), agreement


def _renormalised(record: np.ndarray, prob: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Candidate probabilities with each pair's odds against "none" times ``factor``, per record
    (``record``: integer codes; records none of whose pairs changed keep their values exactly)."""
    weighted = prob * factor
    none = np.clip(1.0 - np.bincount(record, weights=prob)[record], 0.0, None)
    total = np.bincount(record, weights=weighted)[record]
    touched = np.bincount(record, weights=(factor > 1.0).astype(float))[record] > 0
    out: np.ndarray = np.where(touched, weighted / np.maximum(none + total, 1e-300), prob)
    return out
