"""Fellegi–Sunter model estimated from the run's own records, without labels.

* ``u`` (how often a non-match shows each level) comes from comparing seeded random
  (record, person) pairs: practically all of them are non-matches. The date of birth's u is
  taken per record date kind (:mod:`matching.linkage.strata`); the rest over all records.
* ``m`` (how often a match shows each level) is estimated **per record stratum** (source, ID
  kind, date kind) by EM over records, not over pairs: each record belongs to one of its
  candidates or to nobody, with the probabilities of
  :func:`matching.linkage.assign.competing_probability`; m is the share of each level among the
  candidates, weighted by those probabilities. A stratum's counts are shrunk towards its
  source's, and those towards all records', so small strata borrow strength. EM starts from
  Splink-style sessions (one per training blocking rule, the rule's own comparisons left out).
* The prior is per source: the share ρ of records that belong to someone in the population,
  spread over N persons (``log2(ρ/N)``); what is left, ``1 − ρ`` plus what blocking misses, is
  the mass of "none of the candidates". ρ is estimated in the same EM.
* Addresses: agreeing on an address weighs ``log2(m / f)`` with ``f`` its share of the
  resident's commune (a `Thôn 3` is shared by hundreds, a street number by one household), or
  of the whole population where the communes differ.
* Term frequency: agreeing on a name weighs ``log2(m / f)`` where ``f`` is that name's share of
  the population, so `Nguyễn Văn Hùng` counts for less than `Âu Dương Thoả`.
* A given name one edit away weighs ``log2(m / g)`` where ``g`` is the share of residents whose
  given name is one edit from the record's: `Minh` is one edit from `Linh` and `Vinh`, common
  names both, so a record's `Minh` one edit from a resident's `Vinh` is weak evidence (never more
  than the share over all random pairs would make it).

The match weight of a pair is ``log2(ρ / N) + Σ weights``; the record's candidates then compete
for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import OSA

from matching.linkage.assign import competing_probability, none_weight
from matching.linkage.blocking import name_neighbours
from matching.linkage.compare import COMPARISONS, NAME_CUTS, NULL, compare_pairs
from matching.linkage.features import Features
from matching.linkage.strata import DOB_KINDS, Strata

__all__ = ["FittedModel", "address_shares", "estimate_u", "estimate_m", "estimate_m_sessions", "fit_model",
           "fit_record_em", "near_shares", "pair_weights", "pair_evidence", "term_frequencies", "TRAINING"]

_FLOOR = 1e-7
_ID = [comp.name for comp in COMPARISONS].index("person_id")
_NAME = [comp.name for comp in COMPARISONS].index("full_name")
_GIVEN = [comp.name for comp in COMPARISONS].index("given_name")
_DOB = [comp.name for comp in COMPARISONS].index("dob")
_WARD = [comp.name for comp in COMPARISONS].index("ward")
# Soft count of matches a level needs in a stratum before it takes part in the ordering of weights.
_SUPPORT = 0.5


@dataclass(frozen=True)
class FittedModel:
    """Estimated parameters.

    ``m[c]``: ``(stratum, class, level)`` of comparison ``c``; ``u[c]``: ``(stratum, level)``;
    ``class_share``: ``(stratum, class)``, the share of each latent class among a stratum's
    matches; ``prior[k]``: the share of source ``k``'s records that belong to a resident.
    Arrays with fewer axes (one stratum, one class) are accepted and expanded.
    """

    prior: np.ndarray
    m: tuple[np.ndarray, ...]
    u: tuple[np.ndarray, ...]
    iterations: int
    tf: dict[int, np.ndarray]  # comparison index -> share of the population per value code
    # Per population row: the share of its commune's residents, and of all residents, at its address.
    address_share: tuple[np.ndarray, np.ndarray] | None = None
    strata: tuple[str, ...] = ("records/id/full",)
    sources: tuple[str, ...] = ("records",)
    class_share: np.ndarray | None = None
    # Levels seen among a stratum's matches (the others keep their weight but do not bound the rest).
    support: tuple[np.ndarray, ...] | None = None
    counts: tuple[np.ndarray, ...] = field(default=())  # soft match counts per (stratum, class, level)
    # comparison index -> per value code, the share of the population one edit from it (near_shares)
    near: dict[int, np.ndarray] = field(default_factory=dict)
    # (full-name level, given-name level): the given name's u at each level of the full name (given_by_name)
    given_by_name: np.ndarray | None = None

    def __post_init__(self) -> None:
        m = tuple(_three(x) for x in self.m)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "u", tuple(np.atleast_2d(np.asarray(x, dtype=float)) for x in self.u))
        object.__setattr__(self, "prior", np.atleast_1d(np.asarray(self.prior, dtype=float)))
        n_strata, n_classes = m[0].shape[0], m[0].shape[1]
        share = np.full((n_strata, n_classes), 1.0 / n_classes) if self.class_share is None else self.class_share
        object.__setattr__(self, "class_share", np.atleast_2d(share))
        if self.support is not None:
            object.__setattr__(self, "support", tuple(_three(x).astype(bool) for x in self.support))
        if self.counts:
            object.__setattr__(self, "counts", tuple(_three(x) for x in self.counts))

    @property
    def classes(self) -> int:
        return int(self.m[0].shape[1])

    def level_weights(self) -> list[np.ndarray]:
        """log2(m/u) per stratum, class and level, made non-increasing along each comparison's
        chains of levels: a weaker agreement never outweighs a stronger one (a one-edit ID can
        look rarer than an exact one among random pairs)."""
        out = []
        for c, comp in enumerate(COMPARISONS):
            m, u = self.m[c], self.u[c]
            raw = np.log2(np.maximum(m, _FLOOR) / np.maximum(u, _FLOOR)[:, None, :])
            support = np.ones_like(raw, dtype=bool) if self.support is None else self.support[c]
            weights = raw.copy()
            for chain in comp.ordered():
                bound = np.full(raw.shape[:2], np.inf)
                for level in chain:
                    seen = support[:, :, level]
                    capped = np.minimum(weights[:, :, level], bound)
                    weights[:, :, level] = capped
                    bound = np.where(seen, capped, bound)
            out.append(weights)
        return out

    def marginal_m(self) -> tuple[np.ndarray, ...]:
        """m per stratum and level with the classes summed out (their shares as weights)."""
        share = self._shares()
        return tuple(np.einsum("sk,skl->sl", share, m) for m in self.m)

    def _shares(self) -> np.ndarray:
        if self.class_share is None:  # set in __post_init__; None only before it runs
            raise ValueError("class_share is not set")
        return self.class_share

    def table(self) -> pd.DataFrame:
        """Tidy table for the audit report: stratum, comparison, level, label, m (classes summed
        out), m of each class, u, weight (log2 m/u), soft match count."""
        rows = []
        marginal = self.marginal_m()
        for c, comp in enumerate(COMPARISONS):
            u = self.u[c]
            counts = self.counts[c].sum(axis=1) if self.counts else np.zeros_like(u)
            for s, stratum in enumerate(self.strata[: u.shape[0]]):
                for level, label in enumerate(comp.labels):
                    m = float(marginal[c][s, level])
                    row = {"stratum": stratum, "comparison": comp.name, "level": level, "label": label, "m": m,
                           "u": float(u[s, level]), "weight": float(np.log2(max(m, _FLOOR) / max(u[s, level], _FLOOR))),
                           "matches": float(counts[s, level]),
                           "tf_adjusted": level in comp.tf_levels + comp.near_levels}
                    for k in range(self.classes):
                        row[f"m_class{k}"] = float(self.m[c][s, k, level])
                    rows.append(row)
        return pd.DataFrame(rows)


def _three(x: np.ndarray) -> np.ndarray:
    """An m-like array as ``(stratum, class, level)``."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        return x[None, None, :]
    if x.ndim == 2:
        return x[:, None, :]
    return x


def _log2_sum_exp2(a: np.ndarray) -> np.ndarray:
    """log2 Σ 2^a over the last axis."""
    top = a.max(axis=-1)
    out: np.ndarray = top + np.log2(np.exp2(a - top[..., None]).sum(axis=-1))
    return out


def _sizes() -> list[int]:
    return [len(comp.labels) for comp in COMPARISONS]


def _level_shares(gamma: np.ndarray, counts: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, ...]:
    """Share of each level among non-null values, counts-weighted, with add-one smoothing."""
    shares = []
    for c, n in enumerate(sizes):
        known = gamma[:, c] != NULL
        tally = np.bincount(gamma[known, c], weights=counts[known], minlength=n)[:n]
        shares.append((tally + 1.0) / (tally.sum() + n))
    return tuple(shares)


def estimate_u(rec: Features, pop: Features, strata: Strata, *, n_pairs: int, seed: int, workers: int,
               name_cuts: tuple[float, float] = NAME_CUTS) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """u per stratum from ``n_pairs`` seeded random (record, person) pairs: one distribution per
    comparison over all records, except the date of birth's, one per record date kind; and the
    given name's u per level of the full name (:func:`given_by_name`)."""
    rng = np.random.default_rng(seed)
    r = rng.integers(0, len(rec), n_pairs)
    p = rng.integers(0, len(pop), n_pairs)
    gamma = compare_pairs(rec, pop, r, p, workers=workers, name_cuts=name_cuts)
    # A random pair is a match once in N: with few residents that is not "practically never", and
    # an ID that agrees with the name too is the record's own; such pairs say nothing about u.
    own = (gamma[:, _ID] == 0) & (gamma[:, _NAME] >= 0) & (gamma[:, _NAME] <= 2)
    gamma, r = gamma[~own], r[~own]
    shares = _level_shares(gamma, np.ones(len(gamma)), _sizes())
    out = [np.tile(share, (len(strata), 1)) for share in shares]
    kind = strata.dob_kind_of_record[r]
    for k in range(len(DOB_KINDS)):
        rows = kind == k
        if rows.sum() >= 1000:
            dob_u = _level_shares(gamma[rows][:, [_DOB]], np.ones(int(rows.sum())), [len(COMPARISONS[_DOB].labels)])[0]
            out[_DOB][strata.dob_kind_of_stratum == k] = dob_u
    return tuple(out), given_by_name(gamma)


def given_by_name(gamma: np.ndarray) -> np.ndarray:
    """``(full-name level, given-name level)``: the given name's level shares among random pairs at
    each level of the full name (rows of the exact levels, where the given name is not compared:
    the marginal shares). Two names one letter apart in the given name are also near as full names:
    counted as two independent agreements, `Nguyễn Văn Vinh` for a record's `Nguyễn Văn Minh`
    outweighed the exact namesake.

    >>> g = np.array([[-1, 3, 1], [-1, 3, 1], [-1, 3, 2], [-1, 5, 2]] * 10, dtype=np.int8)
    >>> given_by_name(g)[3].round(3).tolist(), given_by_name(g)[5].round(3).tolist()
    ([0.002, 0.65, 0.347], [0.005, 0.113, 0.882])
    """
    n_name, n_given = (len(COMPARISONS[c].labels) for c in (_NAME, _GIVEN))
    known = (gamma[:, _GIVEN] != NULL) & (gamma[:, _NAME] != NULL)
    name, given = gamma[known, _NAME].astype(np.int64), gamma[known, _GIVEN].astype(np.int64)
    tally = np.bincount(name * n_given + given, minlength=n_name * n_given).reshape(n_name, n_given)
    marginal = (tally.sum(axis=0) + 1.0) / (tally.sum() + n_given)
    # Laplace-smoothed towards the marginal: a level a few random pairs reach is not estimated from those alone.
    out: np.ndarray = (tally + n_given * marginal) / (tally.sum(axis=1, keepdims=True) + n_given)
    out[tally.sum(axis=1) == 0] = marginal
    return out


def _likelihood(patterns: np.ndarray, probs: tuple[np.ndarray, ...]) -> np.ndarray:
    out = np.ones(len(patterns))
    for c, prob in enumerate(probs):
        level = patterns[:, c]
        out *= np.where(level == NULL, 1.0, prob[np.maximum(level, 0)])
    return out


def _patterns(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct comparison vectors and their counts (one integer code per row: fast at scale)."""
    code = _codes(gamma)
    uniq, first, counts = np.unique(code, return_index=True, return_counts=True)
    return gamma[first], counts.astype(float)


def _codes(gamma: np.ndarray) -> np.ndarray:
    code = np.zeros(len(gamma), dtype=np.int64)
    for c in range(gamma.shape[1]):
        code = code * 10 + (gamma[:, c].astype(np.int64) + 1)
    return code


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
# They give the record-level EM its starting point.
TRAINING = (
    ("name_year", ("full_name", "given_name", "dob")),
    ("dob_ward", ("dob", "ward", "address")),
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


def _shrunk(counts: np.ndarray, strata: Strata, shrinkage: float) -> np.ndarray:
    """m per stratum and class from soft match counts ``(stratum, class, level)``: each class's
    counts shrunk stratum -> source -> all records."""
    n_levels = counts.shape[-1]
    overall = (counts.sum(axis=0) + 1.0) / (counts.sum(axis=(0, 2))[:, None] + n_levels)  # (class, level)
    source = strata.source_of_stratum
    out = np.empty_like(counts, dtype=float)
    for k in np.unique(source):
        rows = source == k
        pooled = counts[rows].sum(axis=0)  # (class, level)
        by_source = (pooled + shrinkage * overall) / (pooled.sum(axis=1, keepdims=True) + shrinkage)
        out[rows] = (counts[rows] + shrinkage * by_source[None]) / (counts[rows].sum(axis=2, keepdims=True) + shrinkage)
    return out


def _shrunk_shares(mass: np.ndarray, strata: Strata, shrinkage: float) -> np.ndarray:
    """Class shares per stratum from soft counts ``(stratum, class)``, shrunk to the source's."""
    overall = (mass.sum(axis=0) + 1.0) / (mass.sum() + mass.shape[1])
    out = np.empty_like(mass, dtype=float)
    source = strata.source_of_stratum
    for k in np.unique(source):
        rows = source == k
        pooled = mass[rows].sum(axis=0)
        by_source = (pooled + shrinkage * overall) / (pooled.sum() + shrinkage)
        out[rows] = (mass[rows] + shrinkage * by_source) / (mass[rows].sum(axis=1, keepdims=True) + shrinkage)
    return out


@dataclass(frozen=True)
class PairTable:
    """Candidate pairs as the EM sees them: distinct (stratum, comparison vector) patterns."""

    r: np.ndarray  # record row of each pair (sorted)
    inverse: np.ndarray  # pattern of each pair
    pattern_stratum: np.ndarray
    pattern_gamma: np.ndarray
    delta: np.ndarray  # per pair: term-frequency adjustment of the weight (log2 u/f)
    # Per pair: its posterior where a person decided it (1: the record is this resident; 0: it is not),
    # NaN where the EM estimates it. None: no pair is decided.
    fixed: np.ndarray | None = None


def _pair_table(r: np.ndarray, gamma: np.ndarray, stratum: np.ndarray, delta: np.ndarray,
                fixed: np.ndarray | None = None) -> PairTable:
    code = stratum.astype(np.int64) * 10 ** gamma.shape[1] + _codes(gamma)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return PairTable(r, inverse.ravel(), stratum[first], gamma[first], delta, fixed)


def _class_weights(weights: list[np.ndarray], class_share: np.ndarray, stratum: np.ndarray,
                   gamma: np.ndarray) -> np.ndarray:
    """Per row and latent class: log2 share + Σ_c log2(m/u) (null levels weigh nothing)."""
    total: np.ndarray = np.log2(np.maximum(class_share[stratum], _FLOOR))
    for c, w in enumerate(weights):
        level = gamma[:, c]
        known = level != NULL
        add = w[stratum, :, np.maximum(level, 0)]
        total += np.where(known[:, None], add, 0.0)
    return total


def fit_record_em(table: PairTable, strata: Strata, records_per_source: np.ndarray, n_pop: int,
                  u: tuple[np.ndarray, ...], m_start: tuple[np.ndarray, ...], blocking_miss: float, *,
                  iterations: int, tolerance: float = 1e-4, classes: int = 2, shrinkage: float = 20.0,
                  name_m_by_source: frozenset[str] = frozenset()
                  ) -> tuple[tuple[np.ndarray, ...], np.ndarray, tuple[np.ndarray, ...], np.ndarray, int]:
    """EM over records: m ``(stratum, class, level)``, class shares, soft match counts, ρ per
    source, and the rounds run.

    Matches are a mixture of ``classes`` latent kinds (with two: records kept up to date, and
    stale ones, whose commune and address disagree *together*: :data:`BY_CLASS`); within a class
    the comparisons are independent. ``records_per_source`` counts every record of the sample, with
    or without candidates. For the sources in ``name_m_by_source``, the names' m (:data:`NAMES`) is
    one per source, not per stratum (:func:`_by_source`).
    """
    n_strata = len(strata)
    m = tuple(np.stack([_start_class(np.asarray(start, dtype=float), k) for k in range(classes)])[None]
              .repeat(n_strata, axis=0) for start in m_start)
    share = np.tile(np.r_[0.7, np.full(classes - 1, 0.3 / max(classes - 1, 1))][:classes], (n_strata, 1))
    share /= share.sum(axis=1, keepdims=True)
    rho = np.full(len(strata.sources), 0.9)
    source_of_pair = strata.source_of_record[table.r]
    counts: tuple[np.ndarray, ...] = tuple(np.zeros_like(x) for x in m)
    support: tuple[np.ndarray, ...] | None = None
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007 (the count is returned)
        model = FittedModel(prior=rho, m=m, u=u, iterations=0, tf={}, strata=strata.labels,
                            sources=strata.sources, class_share=share, support=support)
        per_class = _class_weights(model.level_weights(), share, table.pattern_stratum, table.pattern_gamma)
        evidence = _log2_sum_exp2(per_class)
        responsibility = np.exp2(per_class - evidence[:, None])
        none = np.array([none_weight(x, blocking_miss) for x in rho])
        total = np.log2(rho / n_pop)[source_of_pair] + evidence[table.inverse] + table.delta
        prob = competing_probability(table.r, total, none[source_of_pair])
        if table.fixed is not None:  # labelled pairs: evidence of a known weight, not an estimate
            prob = np.where(np.isnan(table.fixed), prob, table.fixed)
        mass = np.bincount(table.inverse, weights=prob, minlength=len(table.pattern_stratum))
        mass_k = mass[:, None] * responsibility  # (pattern, class)
        new_counts = []
        for c in range(len(COMPARISONS)):
            level = table.pattern_gamma[:, c]
            known = level != NULL
            n_levels = len(COMPARISONS[c].labels)
            flat = np.zeros(n_strata * classes * n_levels)
            for k in range(classes):
                index = (table.pattern_stratum[known].astype(np.int64) * classes + k) * n_levels + level[known]
                flat += np.bincount(index, weights=mass_k[known, k], minlength=len(flat))
            new_counts.append(flat.reshape(n_strata, classes, n_levels))
        counts = tuple(_by_source(x, strata, name_m_by_source) if COMPARISONS[c].name in NAMES else x
                       for c, x in enumerate(new_counts))
        support = tuple(x >= _SUPPORT for x in counts)
        new_m = tuple(m[c] if COMPARISONS[c].name in ANCHORED else
                      _shrunk(x if COMPARISONS[c].name in BY_CLASS else _pooled(x), strata, shrinkage)
                      for c, x in enumerate(counts))
        class_mass = np.zeros((n_strata, classes))
        np.add.at(class_mass, table.pattern_stratum.astype(np.int64), mass_k)
        new_share = _shrunk_shares(class_mass, strata, shrinkage)
        found = np.bincount(source_of_pair, weights=prob, minlength=len(rho))
        rest = np.maximum(records_per_source - found, 0.0)
        new_rho = (found + rest * rho * blocking_miss / np.exp2(none)) / np.maximum(records_per_source, 1)
        new_rho = np.clip(new_rho, 1e-6, 1 - 1e-6)
        change = max(float(np.abs(new_rho - rho).max()), float(np.abs(new_share - share).max()),
                     *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)))
        m, rho, share = new_m, new_rho, new_share
        if change < tolerance:
            break
    return m, share, counts, rho, done


# The comparisons whose m differs between the latent classes: where a record says its person
# lives and works. A stale record is above all an earlier home; letting the names and dates differ
# too lets a class settle on near-namesakes (non-matches) instead.
BY_CLASS = frozenset({"ward", "workplace", "address"})


# Comparisons whose m stays where the sessions put it. How often a record's own ID differs from
# its person's is learnt where the name, date and commune vouch for the pair (the sessions); over
# all candidates, an outsider's namesake with another ID would teach EM that a different ID is
# common among matches, and then link more outsiders.
ANCHORED = frozenset({"person_id"})


# How a source writes a name. For a source whose records carry little besides the name (a labour
# contract: no home commune, no address, often no ID or date), the strata without an ID or a full
# date have nothing to tell a namesake from the person: EM there takes near-namesakes (one letter
# of the given name apart) for matches, and links them. How a register spells names does not
# depend on whether the row has an ID, so such a source learns the names' m over all its strata.
NAMES = frozenset({"full_name", "given_name"})


def _by_source(counts: np.ndarray, strata: Strata, sources: frozenset[str]) -> np.ndarray:
    """Counts ``(stratum, class, level)`` with each stratum of a source in ``sources`` given its
    source's total (one m for all that source's strata); other strata as they are.

    >>> from matching.linkage.strata import record_strata
    >>> s = record_strata(np.array(["labour", "labour"], dtype=object), np.array(["001085012345", ""], dtype=object),
    ...                   np.array([False, False]), np.array([1985, -1]), np.array([3, -1]), np.array([25, -1]))
    >>> counts = np.zeros((len(s), 1, 2)); counts[0, 0] = [9, 1]; counts[8, 0] = [1, 9]
    >>> _by_source(counts, s, frozenset({"labour"}))[8, 0].tolist(), _by_source(counts, s, frozenset())[8, 0].tolist()
    ([10.0, 10.0], [1.0, 9.0])
    """
    out = counts.copy()
    for k, name in enumerate(strata.sources):
        if name in sources:
            rows = strata.source_of_stratum == k
            out[rows] = counts[rows].sum(axis=0)
    return out


def _pooled(counts: np.ndarray) -> np.ndarray:
    """Counts ``(stratum, class, level)`` summed over the classes, repeated for each class."""
    return np.repeat(counts.sum(axis=1, keepdims=True), counts.shape[1], axis=1)


def _start_class(start: np.ndarray, k: int) -> np.ndarray:
    """Where class ``k`` starts: the sessions' m, flattened for the later (stale) classes."""
    flat = start ** (1.0 / (1 + k))
    return flat / flat.sum()


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


def near_shares(rec: Features, pop: Features, workers: int = 1) -> dict[int, np.ndarray]:
    """Per given-name code the records hold, the population's share whose given name is one edit
    from it (OSA on the folded text, the ``one_edit`` level of the comparison; itself left out).

    Distinct names only: pairs sharing a deletion (:func:`matching.linkage.blocking.name_neighbours`,
    every pair one edit apart and a few two apart), kept where OSA says one.

    >>> from types import SimpleNamespace as F
    >>> texts = np.array(["minh", "minh", "linh", "vinh", "hoa"], dtype=object)
    >>> pop = F(given=np.array([0, 0, 1, 2, 3]), given_text=texts)
    >>> rec = F(given=np.array([0, 4, -1]), given_text=np.array(["minh", "mnh", ""], dtype=object))
    >>> near_shares(rec, pop)[_GIVEN].round(2).tolist()  # minh: linh, vinh; mnh: minh twice
    [0.4, 0.0, 0.0, 0.0, 0.4]
    """
    size = int(max(rec.given.max(initial=-1), pop.given.max(initial=-1))) + 1
    out = np.zeros(size)
    if size == 0 or not (pop.given >= 0).any() or not (rec.given >= 0).any():
        return {_GIVEN: out}
    pairs = name_neighbours(rec.given, rec.given_text, pop.given, pop.given_text, threads=workers)
    a, b = pairs["a"].to_numpy(np.int64), pairs["b"].to_numpy(np.int64)
    text = np.empty(size, dtype=object)
    for codes, texts in ((pop.given, pop.given_text), (rec.given, rec.given_text)):
        known = codes >= 0
        text[codes[known]] = texts[known]
    one = (a != b) & (np.asarray(process.cpdist(text[a].tolist(), text[b].tolist(), scorer=OSA.distance,
                                                workers=workers)) == 1)
    share = np.bincount(pop.given[pop.given >= 0], minlength=size) / len(pop.given)
    out += np.bincount(a[one], weights=share[b[one]], minlength=size)
    return {_GIVEN: out}


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


def _value_share(model: FittedModel, c: int, level: np.ndarray, gamma: np.ndarray, pop: Features,
                 p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows (of ``level``) whose weight is priced by the value's frequency, and that frequency."""
    comp = COMPARISONS[c]
    n_pop = max(len(pop), 1)
    if comp.name == "address":
        if model.address_share is None:
            return np.empty(0, dtype=np.int64), np.empty(0)
        in_ward, overall = model.address_share
        rows = np.flatnonzero(np.isin(level, comp.tf_levels))
        same_ward = gamma[rows, _WARD] == 0
        share = np.where(same_ward, in_ward[p[rows]], overall[p[rows]])
        return rows, np.maximum(share, 1.0 / n_pop)
    if c in model.tf and comp.tf_levels:
        codes = (pop.core if comp.name == "full_name" else pop.given)[p]
        rows = np.flatnonzero(np.isin(level, comp.tf_levels) & (codes >= 0))
        return rows, np.maximum(model.tf[c][codes[rows]], 1.0 / n_pop)
    return np.empty(0, dtype=np.int64), np.empty(0)


def _floor_levels(c: int) -> np.ndarray:
    """Per level of comparison ``c``: the first looser level of its chain whose weight is not
    priced by frequency (itself when there is none): a common value's floor."""
    comp = COMPARISONS[c]
    out = np.arange(len(comp.labels))
    for chain in comp.ordered():
        for i, level in enumerate(chain):
            after = [x for x in chain[i + 1:] if x not in comp.tf_levels]
            if level in comp.tf_levels and after:
                out[level] = after[0]
    return out


def tf_delta(model: FittedModel, gamma: np.ndarray, pop: Features, p: np.ndarray, s: np.ndarray,
             by_column: bool = False, given: np.ndarray | None = None) -> np.ndarray:
    """Per pair (or pair and comparison): what pricing an agreement by the value's frequency adds
    to its plain weight: ``log2 u/f`` (u replaced by the value's share ``f``), but never so much
    less that the agreement weighs below the next, looser level. ``given``: per pair, the
    record's given-name code, by which a near given name is priced (:func:`_near_delta`)."""
    out = np.zeros(gamma.shape if by_column else len(gamma))
    marginal = model.marginal_m()
    parts = [_near_delta(model, gamma, marginal, given, s, len(pop))] if given is not None and _GIVEN in model.near \
        else []
    if model.given_by_name is not None:
        parts.append(_given_dependence(model, gamma, s))
    for rows, delta in parts:  # rows are distinct within a part
        if by_column:
            out[rows, _GIVEN] += delta
        else:
            out[rows] += delta
    for c in range(len(COMPARISONS)):
        level = gamma[:, c]
        rows, share = _value_share(model, c, level, gamma, pop, p)
        if not len(rows):
            continue
        u, m = model.u[c], marginal[c]
        at, st = level[rows], s[rows]
        plain = np.log2(np.maximum(m[st, at], _FLOOR) / np.maximum(u[st, at], _FLOOR))
        floor_level = _floor_levels(c)[at]
        floor = np.log2(np.maximum(m[st, floor_level], _FLOOR) / np.maximum(u[st, floor_level], _FLOOR))
        priced = np.log2(np.maximum(m[st, at], _FLOOR) / share)
        delta = np.maximum(priced, floor) - plain
        if by_column:
            out[rows, c] += delta
        else:
            out[rows] += delta
    return out


def _near_delta(model: FittedModel, gamma: np.ndarray, marginal: tuple[np.ndarray, ...], given: np.ndarray,
                s: np.ndarray, n_pop: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows at a near level of the given name, and what pricing them by the record value's
    neighbourhood adds: ``log2 m/g`` (``g``: :func:`near_shares`) in place of ``log2 m/u``, where
    that is less, but not below the weight of the next, looser level. Only less: a sparse
    neighbourhood's raise would rest on the population alone (a world where every given name is
    one edit from every other taught EM that such pairs are the matches, once they weighed more)."""
    comp = COMPARISONS[_GIVEN]
    level = gamma[:, _GIVEN]
    rows = np.flatnonzero(np.isin(level, comp.near_levels) & (given >= 0))
    if not len(rows):
        return rows, np.empty(0)
    m, u = marginal[_GIVEN], model.u[_GIVEN]
    at, st = level[rows].astype(np.int64), s[rows]

    def weight(lv: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.log2(np.maximum(m[st, lv], _FLOOR) / np.maximum(u[st, lv], _FLOOR))
        return out

    plain = weight(at)
    share = np.maximum(model.near[_GIVEN][given[rows]], 1.0 / max(n_pop, 1))
    priced = np.log2(np.maximum(m[st, at], _FLOOR) / share)
    looser = np.minimum(at + 1, len(comp.labels) - 1)  # one chain: exact, one edit, different
    delta = np.minimum(np.maximum(priced, weight(looser)), plain) - plain
    return rows, delta


def _given_dependence(model: FittedModel, gamma: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows where both names are compared, and what the given name's u at the full name's level
    (``given_by_name``) in place of its u over all pairs adds to their weight."""
    assert model.given_by_name is not None
    name, given = gamma[:, _NAME], gamma[:, _GIVEN]
    rows = np.flatnonzero((given != NULL) & (name != NULL))
    at_name, at_given = name[rows].astype(np.int64), given[rows].astype(np.int64)
    u = model.u[_GIVEN][s[rows], at_given]
    joint = model.given_by_name[at_name, at_given]
    delta: np.ndarray = np.log2(np.maximum(u, _FLOOR) / np.maximum(joint, _FLOOR))
    return rows, delta


# Pairs scored at a time by :func:`pair_evidence`: the temporaries (codes, their sort, the frequency
# terms) of a million pairs, not of all of them (15 M at a million residents: over a gigabyte at once).
# A pair's evidence is its own, so the figures are the same whatever the chunk.
EVIDENCE_CHUNK = 1 << 20


def pair_evidence(model: FittedModel, gamma: np.ndarray, pop: Features, p: np.ndarray,
                  s: np.ndarray | None = None, given: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """log2 likelihood ratio of each pair: the mixture over classes, priced by frequency.
    ``given``: the records' given-name codes and each pair's record (see :func:`tf_delta`), gathered
    a chunk at a time (an array per pair is a few hundred megabytes at a million residents)."""
    s = np.zeros(len(gamma), dtype=np.int64) if s is None else s
    weights, shares = model.level_weights(), model._shares()
    evidence = np.empty(len(gamma))
    for start in range(0, len(gamma), EVIDENCE_CHUNK):
        rows = slice(start, start + EVIDENCE_CHUNK)
        evidence[rows] = _chunk_evidence(model, weights, shares, gamma[rows], pop, p[rows], s[rows],
                                         None if given is None else given[0][given[1][rows]])
    return evidence


def _chunk_evidence(model: FittedModel, weights: list[np.ndarray], shares: np.ndarray, gamma: np.ndarray,
                    pop: Features, p: np.ndarray, s: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    # Pairs repeat a few thousand comparison vectors per stratum: the mixture is worked out once
    # per distinct (stratum, vector), then spread to the pairs.
    code = s.astype(np.int64) * 10 ** gamma.shape[1] + _codes(gamma)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    del code
    per_class = _class_weights(weights, shares, s[first], gamma[first])
    evidence: np.ndarray = _log2_sum_exp2(per_class)[inverse.ravel()] + tf_delta(model, gamma, pop, p, s,
                                                                              given=given)
    return evidence


def pair_weights(model: FittedModel, gamma: np.ndarray, pop: Features, p: np.ndarray,
                 s: np.ndarray | None = None, given: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Each comparison's weight for each pair, and in a last column what the comparisons add
    *together* (the latent classes): the columns sum to :func:`pair_evidence`.

    A comparison's weight is ``log2 m̃/u`` with ``m̃`` the pair's m given its class posterior.
    ``given``: as :func:`pair_evidence`'s.
    """
    s = np.zeros(len(gamma), dtype=np.int64) if s is None else s
    weights = model.level_weights()
    per_class = _class_weights(weights, model._shares(), s, gamma)
    evidence = _log2_sum_exp2(per_class)
    post = np.exp2(per_class - evidence[:, None])  # (pair, class)
    out = np.zeros((len(gamma), len(COMPARISONS) + 1))
    for c in range(len(COMPARISONS)):
        level = gamma[:, c]
        known = level != NULL
        m = np.einsum("nk,nk->n", post, model.m[c][s, :, np.maximum(level, 0)])
        u = model.u[c][s, np.maximum(level, 0)]
        out[:, c] = np.where(known, np.log2(np.maximum(m, _FLOOR) / np.maximum(u, _FLOOR)), 0.0)
    priced = tf_delta(model, gamma, pop, p, s, by_column=True, given=None if given is None else given[0][given[1]])
    out[:, : len(COMPARISONS)] += priced
    total = evidence + priced.sum(axis=1)
    out[:, -1] = total - out[:, : len(COMPARISONS)].sum(axis=1)
    return out


def fit_model(rec: Features, pop: Features, strata: Strata, r: np.ndarray, p: np.ndarray, gamma: np.ndarray,
              rule_bits: np.ndarray, rule_names: list[str], blocking_miss: float, *, u_pairs: int, seed: int,
              iterations: int, workers: int, rounds: int = 40, tolerance: float = 1e-3, em_records: int = 150_000,
              classes: int = 2, shrinkage: float = 20.0, name_cuts: tuple[float, float] = NAME_CUTS,
              name_m_by_source: frozenset[str] = frozenset(), fixed: np.ndarray | None = None) -> FittedModel:
    """u by random sampling, m by record-level EM (started from sessions), ρ per source.

    EM runs on at most ``em_records`` records (a seeded sample; every record of a small stratum
    is kept, and every record with a decided pair): m needs thousands of matches per stratum, not millions.
    ``fixed`` (per pair, NaN where not decided): a decided pair's posterior, held at 1 or 0 in every
    round, so a labelled match adds its whole comparison vector to the m counts (and to ρ).
    """
    u, given_u = estimate_u(rec, pop, strata, n_pairs=u_pairs, seed=seed, workers=workers, name_cuts=name_cuts)
    start, done = estimate_m_sessions(gamma, rule_bits, rule_names, tuple(x[0] for x in u), iterations)
    tiled = tuple(np.tile(x, (len(strata), 1)) for x in start)
    base = FittedModel(prior=np.full(len(strata.sources), 0.9), m=tiled, u=u, iterations=done,
                       tf=term_frequencies(pop), address_share=address_shares(pop), strata=strata.labels,
                       sources=strata.sources, near=near_shares(rec, pop, workers), given_by_name=given_u)
    keep = _em_sample(strata, em_records, seed)
    if fixed is not None:
        keep[r[~np.isnan(fixed)]] = True
    rows = np.flatnonzero(keep[r])
    stratum_of_pair = strata.of_record[r[rows]]
    delta = tf_delta(base, gamma[rows], pop, p[rows], stratum_of_pair, given=rec.given[r[rows]])
    table = _pair_table(r[rows], gamma[rows], stratum_of_pair, delta, None if fixed is None else fixed[rows])
    per_source = np.bincount(strata.source_of_record[keep], minlength=len(strata.sources)).astype(float)
    m, share, counts, rho, rounds = fit_record_em(table, strata, per_source, len(pop), u, start, blocking_miss,
                                                  iterations=rounds, tolerance=tolerance, classes=classes,
                                                  shrinkage=shrinkage, name_m_by_source=name_m_by_source)
    support = tuple(x >= _SUPPORT for x in counts)
    return FittedModel(prior=rho, m=m, u=u, iterations=done + rounds, tf=base.tf, address_share=base.address_share,
                       strata=strata.labels, sources=strata.sources, class_share=share, support=support,
                       counts=counts, near=base.near, given_by_name=given_u)


def _em_sample(strata: Strata, limit: int, seed: int) -> np.ndarray:
    """Records the EM runs on: all of them up to ``limit``; else a seeded sample that keeps every
    record of strata too small to sample."""
    n = len(strata.of_record)
    if n <= limit:
        return np.ones(n, dtype=bool)
    sizes = np.bincount(strata.of_record, minlength=len(strata))
    small = sizes[strata.of_record] < 5000
    rng = np.random.default_rng(seed + 1)
    share = max(limit - int(small.sum()), 1) / max(int((~small).sum()), 1)
    kept: np.ndarray = small | (rng.random(n) < share)
    return kept
