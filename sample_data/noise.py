"""What each kind of noise is (``Rates``), and how rates become per-record decisions.

A world's rates come from a profile (``sample_data.profiles``); here they are only numbers.
Noise that comes together is modelled with one latent flag per person-copy record, *stale* (an
old record, not updated since about the ID-card change): for the kinds tied to it, a stale
record carries the noise ``factor`` times as often as a fresh one, while the share over all
records stays the drawn rate (``conditional``). Nothing here can make a row unusable: dates never
move into the future, and a swapped day/month is always valid one way round (bad rows are made on
purpose in badrows.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

__all__ = ["Rates", "fold", "conditional", "exclusive", "pick"]


@dataclass(frozen=True)
class Rates:
    """Per-record probability of each kind of noise in one register (0 where it does not apply).

    ``stale_*`` are factors (>= 1), ``moved_other_province``, ``ward_split`` and
    ``hkd_shophouse`` are shares of the records a parent kind selected.
    """

    # who the record is, and how old it is
    non_resident: float = 0.0  # the person is not in the population extract
    stale: float = 0.0  # share of stale records
    stale_moved: float = 1.0  # factors: stale / fresh rate of the kind
    stale_id: float = 1.0  # ID missing and legacy
    stale_dob: float = 1.0  # partial date and placeholder
    stale_name: float = 1.0  # folded (whole or partly) and upper-case names
    stale_ward_old: float = 1.0  # old commune code and old three-tier address suffix
    # personal ID (exclusive kinds)
    id_missing: float = 0.0
    id_legacy: float = 0.0  # the person's 9-digit CMND (missing for those who never had one)
    id_mistyped: float = 0.0  # one digit changed, two swapped, one dropped or doubled
    id_household: float = 0.0  # another member of the household's real ID
    # date of birth (exclusive kinds)
    dob_missing: float = 0.0
    dob_partial: float = 0.0  # YYYY or YYYY-MM
    dob_placeholder: float = 0.0  # YYYY-01-01: only the year was known
    dob_swap: float = 0.0  # day and month swapped (where that is a real date)
    dob_year: float = 0.0  # a year off
    dob_year_typo: float = 0.0  # one digit of the year mistyped
    # name (independent kinds)
    name_fold: float = 0.0  # no diacritics
    name_fold_partial: float = 0.0  # some words without diacritics
    name_upper: float = 0.0
    name_space: float = 0.0  # a doubled space
    name_nfd: float = 0.0  # decomposed Unicode
    name_eth: float = 0.0  # of names with Đ: typed as U+00D0
    name_drop_thi_van: float = 0.0  # of names with Thị/Văn as a middle name
    name_middle: float = 0.0  # another middle name, or none
    name_variant: float = 0.0  # of names with such a syllable: Hoà/Hòa, Sỹ/Sĩ
    name_typo: float = 0.0  # a wrong tone, a dropped or doubled letter
    sex_missing: float = 0.0
    # where
    moved: float = 0.0  # the record holds an earlier home (commune and address)
    moved_other_province: float = 0.0  # of moves
    ward_missing: float = 0.0  # where the column is optional
    ward_old: float = 0.0  # a pre-July-2025 commune code
    ward_split: float = 0.0  # of old codes, where the commune has one: an old commune that was split
    addr_variant: float = 0.0  # abbreviations and re-typing
    addr_fold: float = 0.0
    addr_upper: float = 0.0
    addr_suffix: float = 0.0  # ", P. <old ward>, Q. <old district>, TP. <province>"
    addr_no_number: float = 0.0
    addr_missing: float = 0.0
    hkd_shophouse: float = 0.0  # of businesses away from home: at a resident household's address
    # employers
    tax_missing: float = 0.0
    tax_mistyped: float = 0.0
    tax_no_suffix: float = 0.0  # of branch codes: the parent's code
    tax_no_dash: float = 0.0  # of branch codes
    tax_lost_zero: float = 0.0  # of codes starting with 0
    org_abbrev: float = 0.0
    org_fold: float = 0.0
    org_title: float = 0.0
    org_typo: float = 0.0
    org_branch_cn: float = 0.0  # of branches: named "CN ..."


def conditional(rate: float, share: float, factor: float, stale: np.ndarray) -> np.ndarray:
    """Per-record probability: ``factor`` times higher on stale records, ``rate`` over all.

    With q stale records, fresh ones get r / (1 + q (f - 1)); where that would push a stale
    record above 1, stale records get 1 and fresh ones the rest.

    >>> p = conditional(0.2, 0.25, 4.0, np.array([True, False, False, False]))
    >>> p.round(4).tolist(), float(p.mean().round(4))
    ([0.4571, 0.1143, 0.1143, 0.1143], 0.2)
    """
    fresh = rate / (1.0 + share * (factor - 1.0))
    hot = fresh * factor
    if hot > 1.0:
        hot, fresh = 1.0, (rate - share) / (1.0 - share)
    return np.where(stale, hot, fresh)


def exclusive(rng: np.random.Generator, probs: list[np.ndarray | float], n: int) -> np.ndarray:
    """For each record, which of several exclusive kinds it gets (index) or -1 for none.

    Per-record probabilities that add up to more than 1 are scaled down to 1.

    >>> exclusive(np.random.default_rng(0), [0.0, 1.0], 3).tolist()
    [1, 1, 1]
    """
    p = np.stack([np.broadcast_to(np.asarray(x, dtype=float), (n,)) for x in probs]) if probs else np.zeros((0, n))
    total = p.sum(axis=0)
    p = p / np.maximum(total, 1.0)
    cum = np.cumsum(p, axis=0)
    u = rng.random(n)
    kind = (u[None, :] >= cum).sum(axis=0)
    return np.where(kind < len(probs), kind, -1)


def pick(rng: np.random.Generator, n: int, p: float | np.ndarray) -> np.ndarray:
    """Independent Bernoulli draws (always ``n`` draws, so streams stay aligned)."""
    return rng.random(n) < p


def fold(s: str) -> str:
    """Strip Vietnamese diacritics (đ -> d), as a keyboard without Telex/VNI would type it.

    >>> fold("Đặng Thị Ngọc Ánh")
    'Dang Thi Ngoc Anh'
    """
    s = s.replace("Đ", "D").replace("đ", "d").replace("Ð", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
