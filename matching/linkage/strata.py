"""Record strata: which kind of record a record is, for the model's m and u.

Noise comes together: a record that was never brought up to date has more often a legacy ID or
none, a partial date of birth, and an earlier commune and address. A single m per comparison
would price a moved, ID-less record's different commune as if it were a clean record's; m is
therefore estimated per stratum (with shrinkage to the source and to all records, see
:mod:`matching.linkage.model`). Strata are what a record visibly is, so they need no labels:

* its source (``insured``, ``managers``, ``household_businesses``; FEBRL-like inputs: one);
* its ID: ``id`` (digits to compare with the spine's), ``legacy`` (a 9-digit CMND only), ``none``;
* its date of birth: ``full``, ``partial`` (year, or year and month), ``none``.

u for the date of birth is also taken per date kind: among random pairs, a year-only record
agrees "on the year" with one resident in sixty, not with one in sixty times the share of
year-only records.

>>> from matching.linkage.features import Features
>>> kinds = record_kinds(np.array(["001085012345", "012345678", ""], dtype=object),
...                      np.array([False, True, False]), np.array([1985, 1990, -1]),
...                      np.array([3, -1, -1]), np.array([25, -1, -1]))
>>> [ID_KINDS[i] for i in kinds[0]], [DOB_KINDS[d] for d in kinds[1]]
(['id', 'legacy', 'none'], ['full', 'partial', 'none'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DOB_KINDS", "ID_KINDS", "Strata", "record_kinds", "record_strata"]

ID_KINDS = ("id", "legacy", "none")
DOB_KINDS = ("full", "partial", "none")


def record_kinds(id_text: np.ndarray, legacy: np.ndarray, year: np.ndarray, month: np.ndarray,
                 day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per record: the index of its ID kind and of its date kind."""
    has_digits = np.fromiter((len(s) >= 5 for s in id_text), dtype=bool, count=len(id_text))
    id_kind = np.where(legacy, 1, np.where(has_digits, 0, 2)).astype(np.int8)
    dob_kind = np.where(year < 0, 2, np.where((month < 0) | (day < 0), 1, 0)).astype(np.int8)
    return id_kind, dob_kind


@dataclass(frozen=True)
class Strata:
    """Each record's stratum and source, and the strata's names (``source/id/dob``)."""

    of_record: np.ndarray  # int16 per record
    source_of_record: np.ndarray  # int8 per record
    dob_kind_of_record: np.ndarray  # int8 per record
    sources: tuple[str, ...]
    labels: tuple[str, ...]  # one per stratum

    @property
    def source_of_stratum(self) -> np.ndarray:
        return np.arange(len(self.labels)) // (len(ID_KINDS) * len(DOB_KINDS))

    @property
    def dob_kind_of_stratum(self) -> np.ndarray:
        return np.arange(len(self.labels)) % len(DOB_KINDS)

    def __len__(self) -> int:
        return len(self.labels)


def record_strata(source: np.ndarray | None, id_text: np.ndarray, legacy: np.ndarray, year: np.ndarray,
                  month: np.ndarray, day: np.ndarray) -> Strata:
    """The strata of records (``source`` None: every record of one source, ``records``).

    >>> s = record_strata(np.array(["insured", "managers"], dtype=object), np.array(["", "012345678"], dtype=object),
    ...                   np.array([False, True]), np.array([1980, -1]), np.array([1, -1]), np.array([2, -1]))
    >>> [s.labels[i] for i in s.of_record]
    ['insured/none/full', 'managers/legacy/none']
    """
    if source is None:
        sources: tuple[str, ...] = ("records",)
        source_index = np.zeros(len(id_text), dtype=np.int8)
    else:
        names, inverse = np.unique(np.asarray(source, dtype=str), return_inverse=True)
        sources = tuple(str(n) for n in names)
        source_index = inverse.astype(np.int8)
    id_kind, dob_kind = record_kinds(id_text, legacy, year, month, day)
    per_source = len(ID_KINDS) * len(DOB_KINDS)
    stratum = (source_index.astype(np.int16) * per_source + id_kind * len(DOB_KINDS) + dob_kind).astype(np.int16)
    labels = tuple(f"{src}/{i}/{d}" for src in sources for i in ID_KINDS for d in DOB_KINDS)
    return Strata(stratum, source_index, dob_kind, sources, labels)
