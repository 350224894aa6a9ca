"""Commune codes as registers write them: old (pre-July-2025) codes, split ones, earlier homes."""

from __future__ import annotations

import numpy as np

from sample_data.reference import PROVINCE_POPULATION_M, Geography
from sample_data.util import sample_in_groups

__all__ = ["old_codes", "earlier_wards", "old_ward_for_tail"]


def old_codes(rng: np.random.Generator, geo: Geography, ward_i: np.ndarray, p_split: float) -> np.ndarray:
    """A pre-July-2025 code for each current ward (positions ``ward_i``), -1 where it has none.

    Where the ward has codes of old communes that were split between it and others, one of
    those is taken with probability ``p_split``; otherwise a code that maps to this ward alone.
    """
    n = len(ward_i)
    u, v = rng.random(n), rng.random(n)
    whole = geo.old_whole.pick(ward_i, u)
    split = geo.old_split.pick(ward_i, u)
    use_split = (split >= 0) & ((v < p_split) | (whole < 0))
    return np.where(use_split, split, whole)


def old_ward_for_tail(rng: np.random.Generator, geo: Geography, ward_i: np.ndarray, written: np.ndarray
                      ) -> np.ndarray:
    """The pre-2025 commune an old three-tier address tail names: the one the record's code
    names where that code is old, else one of the old communes the current ward came from."""
    return np.where(written >= 0, written, geo.old_any.pick(ward_i, rng.random(len(ward_i))))


def earlier_wards(rng: np.random.Generator, geo: Geography, ward_i: np.ndarray, populated: np.ndarray,
                  p_other_province: float) -> np.ndarray:
    """An earlier home commune (position) for each mover: another commune of the same province,
    or, with probability ``p_other_province``, a commune of another province.

    Within the province a populated commune is preferred (people move between the communes of
    the world); across provinces any commune of the country, provinces weighted by population.
    """
    n = len(ward_i)
    prov = geo.ward_province[ward_i]
    out = sample_in_groups(rng, populated, geo.ward_province[populated], prov)
    # where the province has one populated commune only, any other commune of it
    lone = out == ward_i
    if lone.any():
        every = np.arange(len(geo.ward_codes))
        for _ in range(4):
            out[lone] = sample_in_groups(rng, every, geo.ward_province, prov[lone])
            lone = out == ward_i
            if not lone.any():
                break
    far = np.flatnonzero(rng.random(n) < p_other_province)
    if len(far):
        provs = np.array(sorted(PROVINCE_POPULATION_M), dtype=np.int64)
        w = np.array([PROVINCE_POPULATION_M[int(p)] for p in provs])
        want = provs[rng.choice(len(provs), len(far), p=w / w.sum())]
        same = want == prov[far]
        want[same] = provs[(np.searchsorted(provs, want[same]) + 1) % len(provs)]
        every = np.arange(len(geo.ward_codes))
        out[far] = sample_in_groups(rng, every, geo.ward_province, want)
    return out
