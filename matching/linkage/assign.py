"""Assignment: which person each record belongs to (at most one), from scored candidate pairs.

A record's candidates compete: the probability that it belongs to candidate ``i`` is
``2^w_i / (2^none + Σ_j 2^w_j)`` (``2^none``: "none of them", :func:`none_weight`), so two
namesakes who fit a record equally well share the probability and neither is linked: the pair
goes to review instead of hiding an uninsured namesake. A person may own several records
(duplicates).

An exact, valid personal ID is taken as is unless the name or the date of birth contradicts
it (an ID typo can land on another real person): then the record competes like any other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matching.linkage.compare import COMPARISONS

COMPARISON = {comp.name: comp for comp in COMPARISONS}

__all__ = ["competing_probability", "none_weight", "id_veto", "assign"]


def competing_probability(record: np.ndarray, weight: np.ndarray,
                          none_weight: float | np.ndarray = 0.0) -> np.ndarray:
    """``2^w_i / (2^none + Σ_j 2^w_j)`` over the pairs of each record (``record`` sorted or not).

    ``none_weight`` is the log2 mass of "none of these candidates": the record belongs to no
    resident, or to one that blocking did not propose (:func:`none_weight`); one value, or one
    per pair (the same for every pair of a record).

    >>> competing_probability(np.array([0, 0, 1]), np.array([10.0, 10.0, 10.0])).round(3).tolist()
    [0.5, 0.5, 0.999]
    >>> competing_probability(np.array([0, 1]), np.array([0.0, 0.0]), none_weight=-3.0).round(3).tolist()
    [0.889, 0.889]
    >>> competing_probability(np.array([0, 1]), np.array([0.0, 0.0]), np.array([-3.0, 0.0])).round(3).tolist()
    [0.889, 0.5]
    """
    none = np.broadcast_to(np.asarray(none_weight, dtype=float), np.shape(weight))
    if len(record) and np.all(record[1:] >= record[:-1]):  # sorted: segment reductions, no groupby
        start = np.flatnonzero(np.r_[True, record[1:] != record[:-1]])
        size = np.diff(np.r_[start, len(record)])
        # In place, the same operations in the same order: three arrays of pairs at a time, not six
        # (a pair array is over a hundred megabytes at a million residents).
        top = np.repeat(np.maximum(np.maximum.reduceat(weight, start), none[start]), size)
        scaled = np.subtract(weight, top)
        np.exp2(scaled, out=scaled)
        rest = np.subtract(none, top, out=top)  # 2^(none - top) + Σ: the denominator, where top was
        np.exp2(rest, out=rest)
        rest += np.repeat(np.add.reduceat(scaled, start), size)
        sorted_out: np.ndarray = np.divide(scaled, rest, out=scaled)
        return sorted_out
    frame = pd.DataFrame({"r": record, "w": weight})
    top = np.maximum(frame.groupby("r")["w"].transform("max").to_numpy(), none)
    total = pd.Series(np.exp2(weight - top)).groupby(record).transform("sum").to_numpy()
    out: np.ndarray = np.exp2(weight - top) / (np.exp2(none - top) + total)
    return out


def none_weight(match_share: float, blocking_miss: float) -> float:
    """log2 of the prior mass left to "none of the candidates".

    A record belongs to nobody in the population (``1 - ρ``), or to someone blocking did not
    propose (``ρ · miss``); every resident outside the candidates is one whose comparison would
    say "not them" (their likelihood ratios are tiny), so their mass is the blocking miss.

    >>> round(none_weight(0.5, 0.0), 3), round(none_weight(0.99, 0.01), 3)
    (-1.0, -5.651)
    """
    return float(np.log2(max((1 - match_share) + match_share * blocking_miss, 1e-12)))


_NAME_DIFFERENT = COMPARISON["full_name"].labels.index("different")
_NAME_FUZZY = COMPARISON["full_name"].labels.index("jw_high")
_DOB_DIFFERENT = COMPARISON["dob"].labels.index("different")


def id_veto(id_level: np.ndarray, name_level: np.ndarray, dob_level: np.ndarray) -> np.ndarray:
    """Exact-ID pairs whose name or date of birth says "another person"."""
    name_off = name_level == _NAME_DIFFERENT
    dob_off = (dob_level == _DOB_DIFFERENT) & (name_level >= _NAME_FUZZY)
    vetoed: np.ndarray = (id_level == 0) & (name_off | dob_off)
    return vetoed


def assign(pairs: pd.DataFrame, *, link_probability: float, review_probability: float) -> pd.DataFrame:
    """Per pair: ``linked`` (the record's best pair, when sure enough or a non-vetoed exact ID),
    ``review`` (not linked, but likely enough for an officer to look) and ``probability``.

    ``pairs`` needs ``r, p, weight, probability, exact_id`` (a non-vetoed exact-ID pair); the
    result has one row per pair, in the same order (its columns only: millions of pairs).
    """
    r = pairs["r"].to_numpy()
    exact = pairs["exact_id"].to_numpy(dtype=bool)
    weight = pairs["weight"].to_numpy()
    probability = pairs["probability"].to_numpy()
    p = pairs["p"].to_numpy()
    if len(r) and np.all(r[1:] >= r[:-1]) and np.all((r[1:] > r[:-1]) | (p[1:] > p[:-1])):
        # Sorted by (r, p): per record, the first pair holding the best (exact ID first, then weight).
        score = np.where(exact, 1e9, 0.0) + weight
        start = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        best = np.repeat(np.maximum.reduceat(score, start), np.diff(np.r_[start, len(r)]))
        top = np.flatnonzero(score == best)
        del score, best
        first = top[np.r_[True, r[top][1:] != r[top][:-1]]]
    else:
        order = np.lexsort((pairs["p"].to_numpy(), -weight, ~exact, r))  # per record: exact ID, weight, person
        first = order[np.r_[True, r[order][1:] != r[order][:-1]]] if len(r) else order
    chosen = first[exact[first] | (probability[first] >= link_probability)]
    linked = np.zeros(len(pairs), dtype=bool)
    linked[chosen] = True
    return pd.DataFrame({"probability": probability, "linked": linked,
                         "review": ~linked & (probability >= review_probability)})
