"""Records a person holds one of at a time: reasoning over a set of namesakes, not record by record.

A valid health-insurance card, an active social-insurance participation: a person holds one at a
time (duplicates happen, at a rate the data tells). When two namesakes each have a record of that
kind and one record plainly belongs to the first, the other record is the second's, even if on
its own it fits both equally. Record-by-record probabilities miss this: they would leave both
namesakes half covered, and list both.

Each record may belong to some *kinds* (bits of ``kinds``); for a pair ``(r, p)`` and each kind
``k`` of ``r``, the probability that ``p`` already holds another record of kind ``k`` is
``O = 1 − Π_{r' ≠ r} (1 − P(r' → p))``, and the pair's weight is multiplied by
``1 − (1 − δ_k)·O``, where ``δ_k`` is the share of persons who hold two (measured on the sure
links, so no labels are needed). Probabilities are then recomputed with the candidates competing
(:func:`matching.linkage.assign.competing_probability`) and the step repeated, damped, until it
settles: mean-field message passing on the bipartite graph of records and persons.

>>> r, p = np.array([0, 0, 1]), np.array([0, 1, 1])
>>> weight = np.array([0.0, 0.0, 10.0])  # record 0 fits persons 0 and 1 alike; record 1 is person 1's
>>> out = exclusive_weights(r, p, weight, np.array([1, 1]), np.full(3, -10.0), duplicate_share={1: 0.001})
>>> bool(out[0] > out[1])  # record 0 now leans to person 0, whom no other record covers
True
"""

from __future__ import annotations

import numpy as np

from matching.linkage.assign import competing_probability

__all__ = ["duplicate_shares", "exclusive_weights"]

# A sure link: what the duplicate rate is measured on.
_SURE = 0.99
# The least duplicate rate assumed, however few the data show: a hard zero would forbid a second record.
_MIN_DUPLICATES = 0.001


def duplicate_shares(r: np.ndarray, p: np.ndarray, probability: np.ndarray, kinds: np.ndarray) -> dict[int, float]:
    """Per kind bit: among persons with a sure record of that kind, the share with two or more.

    >>> duplicate_shares(np.array([0, 1, 2]), np.array([5, 5, 6]), np.array([1.0, 1.0, 1.0]), np.array([1, 1, 1]))
    {1: 0.5}
    """
    out: dict[int, float] = {}
    for bit in _bits(kinds):
        sure = (probability >= _SURE) & ((kinds[r] & bit) > 0)
        if not sure.any():
            out[bit] = _MIN_DUPLICATES
            continue
        holders, count = np.unique(p[sure], return_counts=True)
        out[bit] = max(float(np.mean(count >= 2)), _MIN_DUPLICATES)
    return out


def _bits(kinds: np.ndarray) -> list[int]:
    present = int(np.bitwise_or.reduce(kinds)) if len(kinds) else 0
    return [1 << i for i in range(present.bit_length()) if present & (1 << i)]


def _claimed_twice(r: np.ndarray, p: np.ndarray, kinds: np.ndarray, shares: dict[int, float]) -> np.ndarray:
    """Pairs whose person another record of the same kind also claims (the only pairs that change)."""
    keep = np.zeros(len(r), dtype=bool)
    for bit in shares:
        mine = np.flatnonzero((kinds & bit) > 0)
        persons, first, count = np.unique(p[mine], return_index=True, return_counts=True)
        shared = persons[count >= 2]
        keep[mine[np.isin(p[mine], shared)]] = True
    # a record with one such pair competes on all of its live pairs
    records = np.unique(r[keep])
    return np.isin(r, records)


def exclusive_weights(r: np.ndarray, p: np.ndarray, weight: np.ndarray, kinds: np.ndarray, none: np.ndarray, *,
                      duplicate_share: dict[int, float] | None = None, rounds: int = 12,
                      damping: float = 0.5, floor: float = 1e-3) -> np.ndarray:
    """The pairs' log2 weights with each person's other records of a kind accounted for.

    ``r`` (sorted) and ``p``: the pairs' record and person rows; ``weight``: their log2 weights
    (prior included); ``kinds``: per *record*, a bitmask of the kinds it belongs to (0: none, the
    record is left as it is); ``none``: per pair, the log2 weight of "none of these".
    Pairs less likely than ``floor`` neither send nor receive (they change nothing), and only the
    records with a candidate that another record of its kind might also belong to change at all
    (a person no other record claims holds nothing else): the rounds run on those alone.
    """
    pair_kinds = kinds[r]
    involved = np.flatnonzero(pair_kinds > 0)
    if len(involved) == 0:
        return weight
    prob = competing_probability(r, weight, none)
    shares = duplicate_share or duplicate_shares(r, p, prob, kinds)
    live = involved[prob[involved] >= floor]
    live = live[_claimed_twice(r[live], p[live], pair_kinds[live], shares)]
    if len(live) == 0:
        return weight
    sub_r, sub_p, sub_kinds = r[live], p[live], pair_kinds[live]
    # Every pair of the records involved competes again, the others keep their weight.
    records = np.unique(sub_r)
    rows = np.flatnonzero(np.isin(r, records))
    adjusted = weight.copy()
    at = np.searchsorted(rows, live)
    current = prob[live].copy()
    persons, person_of = np.unique(sub_p, return_inverse=True)
    for _ in range(rounds):
        factor = np.zeros(len(live))
        for bit, share in shares.items():
            mine = (sub_kinds & bit) > 0
            log_free = np.log1p(-np.minimum(current, 1 - 1e-12)) * mine
            held = np.bincount(person_of, weights=log_free, minlength=len(persons))
            other = 1.0 - np.exp(held[person_of] - log_free)  # P(p holds another record of this kind)
            factor += np.where(mine, np.log2(np.maximum(1.0 - (1.0 - share) * other, 1e-12)), 0.0)
        trial = weight[rows].copy()
        trial[at] += factor
        fresh = competing_probability(r[rows], trial, none[rows])[at]
        change = float(np.abs(fresh - current).max()) if len(fresh) else 0.0
        current = damping * current + (1 - damping) * fresh
        adjusted[rows] = trial
        if change < 1e-4:
            break
    return adjusted
