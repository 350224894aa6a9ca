"""Fellegi–Sunter model estimated without labels: u from random pairs, m and the prior by EM.

* ``u`` (how often a non-match shows each level) comes from comparing seeded random
  (record, person) pairs: practically all of them are non-matches.
* ``m`` (how often a match shows each level) comes from EM with ``u`` held fixed, run as Splink
  does: one session per training blocking rule, leaving out the comparisons that rule fixes
  (inside a block they agree by construction); each m is the mean over the sessions where its
  comparison was free. EM on the whole union of blocks with free u and prior is what collapses
  (recordlinkage's ECM: F1 0.51). EM runs over distinct comparison vectors with their counts.
* The prior is per *record*: the share ρ of records that belong to someone in the population,
  spread over N persons (``log2(ρ/N)``), estimated by EM over all records; what is left,
  ``1 − ρ`` plus what blocking misses, is the mass of "none of the candidates".
* Addresses: agreeing on an address weighs ``log2(m / f)`` with ``f`` its share of the
  resident's commune (a `Thôn 3` is shared by hundreds, a street number by one household).
* Term frequency: agreeing on a name weighs ``log2(m / f)`` where ``f`` is that name's share of
  the population, so `Nguyễn Văn Hùng` counts for less than `Âu Dương Thoả`.

The match weight of a pair is ``log2(ρ / N) + Σ weights``; the record's candidates then compete
for it (:func:`matching.linkage.assign.competing_probability`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.linkage.compare import COMPARISONS, NULL, compare_pairs
from matching.linkage.features import Features

__all__ = ["FittedModel", "address_shares", "estimate_u", "estimate_m", "estimate_m_sessions", "estimate_match_share", "fit_model",
           "pair_weights", "pair_evidence", "term_frequencies", "TRAINING"]

_FLOOR = 1e-7


@dataclass(frozen=True)
class FittedModel:
    """Estimated parameters: ``m[c]``/``u[c]`` arrays indexed by level of comparison ``c``."""

    prior: float
    m: tuple[np.ndarray, ...]
    u: tuple[np.ndarray, ...]
    iterations: int
    tf: dict[int, np.ndarray]  # comparison index -> share of the population per value code
    # Per population row: the share of its commune's residents, and of all residents, at its address.
    address_share: tuple[np.ndarray, np.ndarray] | None = None

    def level_weights(self) -> list[np.ndarray]:
        """log2(m/u) per level, made non-increasing: a weaker agreement never outweighs a stronger
        one (a one-edit ID can look rarer than an exact one among random pairs)."""
        raw = [np.log2(np.maximum(m, _FLOOR) / np.maximum(u, _FLOOR))
               for m, u in zip(self.m, self.u, strict=True)]
        return [np.minimum.accumulate(w) for w in raw]

    def table(self) -> pd.DataFrame:
        """Tidy table for the audit report: comparison, level, label, m, u, weight."""
        rows = []
        for c, (comp, weights) in enumerate(zip(COMPARISONS, self.level_weights(), strict=True)):
            for level, label in enumerate(comp.labels):
                rows.append({"comparison": comp.name, "level": level, "label": label, "m": float(self.m[c][level]),
                             "u": float(self.u[c][level]), "weight": float(weights[level]),
                             "tf_adjusted": level in comp.tf_levels})
        return pd.DataFrame(rows)


def _level_shares(gamma: np.ndarray, counts: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, ...]:
    """Share of each level among non-null values, counts-weighted, with add-one smoothing."""
    shares = []
    for c, n in enumerate(sizes):
        known = gamma[:, c] != NULL
        tally = np.bincount(gamma[known, c], weights=counts[known], minlength=n)[:n]
        shares.append((tally + 1.0) / (tally.sum() + n))
    return tuple(shares)


def estimate_u(rec: Features, pop: Features, *, n_pairs: int, seed: int, workers: int) -> tuple[np.ndarray, ...]:
    """u probabilities from ``n_pairs`` seeded random (record, person) pairs."""
    rng = np.random.default_rng(seed)
    r = rng.integers(0, len(rec), n_pairs)
    p = rng.integers(0, len(pop), n_pairs)
    gamma = compare_pairs(rec, pop, r, p, workers=workers)
    return _level_shares(gamma, np.ones(len(gamma)), [len(comp.labels) for comp in COMPARISONS])


def _likelihood(patterns: np.ndarray, probs: tuple[np.ndarray, ...]) -> np.ndarray:
    out = np.ones(len(patterns))
    for c, prob in enumerate(probs):
        level = patterns[:, c]
        out *= np.where(level == NULL, 1.0, prob[np.maximum(level, 0)])
    return out


def _patterns(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct comparison vectors and their counts (one integer code per row: fast at scale)."""
    code = np.zeros(len(gamma), dtype=np.int64)
    for c in range(gamma.shape[1]):
        code = code * 8 + (gamma[:, c].astype(np.int64) + 1)
    uniq, first, counts = np.unique(code, return_index=True, return_counts=True)
    return gamma[first], counts.astype(float)


def estimate_m(gamma: np.ndarray, u: tuple[np.ndarray, ...], *, iterations: int = 100,
               tolerance: float = 1e-7) -> tuple[float, tuple[np.ndarray, ...], int]:
    """EM for the in-block match share and ``m`` over comparison vectors, ``u`` fixed.

    Columns set to NULL throughout (the blocking rule's own comparisons) are left out.
    """
    patterns, counts = _patterns(gamma)
    # Start: matches mostly agree (level 0), non-matches as u.
    m = tuple(np.r_[0.9, np.full(len(x) - 1, 0.1 / max(len(x) - 1, 1))] for x in u)
    prior = 0.5
    done = 0
    while done < iterations:
        done += 1
        lm, lu = prior * _likelihood(patterns, m), (1 - prior) * _likelihood(patterns, u)
        g = lm / np.maximum(lm + lu, 1e-300)
        new_prior = float((g * counts).sum() / counts.sum())
        new_m = _level_shares(patterns, g * counts, [len(x) for x in u])
        change = max(abs(new_prior - prior),
                     *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)))
        prior, m = new_prior, new_m
        if change < tolerance:
            break
    return prior, m, done


# EM sessions: pairs proposed by one blocking rule, with the comparisons that rule fixes left
# out (within a block they agree by construction, so random-pair u would not describe them).
TRAINING = (
    ("name1_year", ("full_name", "given_name", "dob")),
    ("dob_ward", ("dob", "ward")),
    ("id_exact", ("person_id",)),
)


def estimate_m_sessions(gamma: np.ndarray, rule_bits: np.ndarray, rule_names: list[str],
                        u: tuple[np.ndarray, ...], iterations: int) -> tuple[tuple[np.ndarray, ...], int]:
    """m per comparison: the mean of the sessions' estimates where that comparison was free."""
    names = [comp.name for comp in COMPARISONS]
    sums = [np.zeros(len(x)) for x in u]
    seen = np.zeros(len(u))
    total_iterations = 0
    for rule, fixed in TRAINING:
        if rule not in rule_names:
            continue
        rows = (rule_bits & (1 << rule_names.index(rule))) > 0
        if rows.sum() < 10:
            continue
        sub = gamma[rows].copy()
        free = [c for c, name in enumerate(names) if name not in fixed]
        sub[:, [c for c in range(len(names)) if c not in free]] = NULL
        _, m, done = estimate_m(sub, u, iterations=iterations)
        total_iterations += done
        for c in free:
            sums[c] += m[c]
            seen[c] += 1
    m = tuple(s / n if n else np.full(len(s), 1.0 / len(s)) for s, n in zip(sums, seen, strict=True))
    return m, total_iterations


def estimate_match_share(r: np.ndarray, lr_weight: np.ndarray, n_records: int, n_pop: int, blocking_miss: float,
                         iterations: int = 50) -> float:
    """Share ρ of records that belong to a population person (EM for the mixing weight).

    A record belongs to candidate ``i`` with probability ``(ρ/N)·LRᵢ / (none + Σⱼ (ρ/N)·LRⱼ)``
    where ``none = 1 - ρ + ρ·miss`` (:func:`matching.linkage.assign.none_weight`). ρ is the mean
    over all records of the probability of belonging to someone: a candidate, or (a share
    ``ρ·miss / none`` of the rest) a resident that blocking did not propose.
    """
    from matching.linkage.assign import competing_probability, none_weight

    rho = 0.9  # registers link mostly: fewer rounds from here than from 0.5
    for _ in range(iterations):
        prior_weight = np.log2(rho / n_pop)
        none = none_weight(rho, blocking_miss)
        found = float(competing_probability(r, lr_weight + prior_weight, none).sum())
        new = (found + (n_records - found) * rho * blocking_miss / 2.0**none) / max(n_records, 1)
        new = min(max(new, 1e-6), 1 - 1e-6)
        if abs(new - rho) < 1e-5:
            return new
        rho = new
    return rho


def term_frequencies(pop: Features) -> dict[int, np.ndarray]:
    """Population share of each name code, for the comparisons that adjust by term frequency."""
    names = {c: comp.name for c, comp in enumerate(COMPARISONS)}
    codes = {"full_name": pop.core, "given_name": pop.given}
    out = {}
    for c, name in names.items():
        if name in codes:
            values = codes[name]
            tally = np.bincount(values[values >= 0], minlength=int(values.max()) + 1 if len(values) else 0)
            out[c] = tally / max(len(values), 1)
    return out


def address_shares(pop: Features) -> tuple[np.ndarray, np.ndarray] | None:
    """Per population row, the share of residents at its address: within its commune, and overall.

    An address agreement among namesakes in one commune is as telling as the address is rare
    *there* (a rural `Thôn 3` holds hundreds of people; a street number, one household).
    """
    if pop.address is None or len(pop) == 0:
        return None
    known = pop.address >= 0
    overall = np.zeros(len(pop))
    in_ward = np.zeros(len(pop))
    codes = pop.address[known].astype(np.int64)
    _, inverse, count = np.unique(codes, return_inverse=True, return_counts=True)
    overall[known] = count[inverse] / len(pop)
    wards = np.maximum(pop.ward, 0).astype(np.int64)
    pair = wards[known] * (int(pop.address.max()) + 1) + codes
    _, inverse, count = np.unique(pair, return_inverse=True, return_counts=True)
    ward_size = np.bincount(wards, minlength=int(wards.max()) + 1)
    in_ward[known] = count[inverse] / ward_size[wards[known]]
    return in_ward, overall


def fit_model(rec: Features, pop: Features, gamma: np.ndarray, rule_bits: np.ndarray, rule_names: list[str], *,
              u_pairs: int, seed: int, iterations: int, workers: int) -> FittedModel:
    """u by random sampling, m by EM sessions, term frequencies from the population.

    ``prior`` is filled in later by :func:`estimate_match_share` (it needs the weights).
    """
    u = estimate_u(rec, pop, n_pairs=u_pairs, seed=seed, workers=workers)
    m, done = estimate_m_sessions(gamma, rule_bits, rule_names, u, iterations)
    return FittedModel(prior=float("nan"), m=m, u=u, iterations=done, tf=term_frequencies(pop),
                       address_share=address_shares(pop))


_WARD = [comp.name for comp in COMPARISONS].index("ward")


def _column_weight(model: FittedModel, level_weights: list[np.ndarray], c: int, gamma: np.ndarray, pop: Features,
                   p: np.ndarray) -> np.ndarray:
    comp = COMPARISONS[c]
    level = gamma[:, c]
    out = np.where(level == NULL, 0.0, level_weights[c][np.maximum(level, 0)])
    if comp.name == "address" and model.address_share is not None:
        rows = np.flatnonzero(level == 0)
        in_ward, overall = model.address_share
        same_ward = gamma[rows, _WARD] == 0
        share = np.where(same_ward, in_ward[p[rows]], overall[p[rows]])
        share = np.maximum(share, 1.0 / max(len(pop), 1))
        out[rows] = np.maximum(np.log2(max(float(model.m[c][0]), _FLOOR) / share), level_weights[c][1])
    elif c in model.tf and comp.tf_levels:
        codes = (pop.core if comp.name == "full_name" else pop.given)[p]
        tf_rows = np.isin(level, comp.tf_levels) & (codes >= 0)
        share = np.maximum(model.tf[c][codes[tf_rows]], 1.0 / max(len(pop), 1))
        m_level = np.maximum(model.m[c][level[tf_rows]], _FLOOR)
        # A very common name still weighs at least what the next, looser level does.
        floor = level_weights[c][max(comp.tf_levels) + 1]
        out[tf_rows] = np.maximum(np.log2(m_level / share), floor)
    return out


def pair_weights(model: FittedModel, gamma: np.ndarray, pop: Features, p: np.ndarray) -> np.ndarray:
    """Each comparison's weight for each pair (float matrix); null levels weigh 0."""
    level_weights = model.level_weights()
    out = np.zeros(gamma.shape, dtype=np.float64)
    for c in range(len(COMPARISONS)):
        out[:, c] = _column_weight(model, level_weights, c, gamma, pop, p)
    return out


def pair_evidence(model: FittedModel, gamma: np.ndarray, pop: Features, p: np.ndarray) -> np.ndarray:
    """``pair_weights(...).sum(axis=1)`` without the matrix (one column at a time: millions of pairs)."""
    level_weights = model.level_weights()
    total = np.zeros(len(gamma), dtype=np.float64)
    for c in range(len(COMPARISONS)):
        total += _column_weight(model, level_weights, c, gamma, pop, p)
    return total
