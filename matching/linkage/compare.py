"""Comparisons: each candidate pair becomes a Fellegi–Sunter comparison vector of levels.

Level 0 is the strongest agreement; higher levels agree less; ``-1`` means "cannot compare"
(a value missing on either side) and weighs nothing. Everything is vectorised: integer code
equality, numpy date arithmetic, and rapidfuzz's ``cpdist`` on *distinct* text pairs only
(namesakes repeat the same pair of names many times).

The given name is compared only where the full names are not already equal (levels 0–2):
otherwise the same agreement would be counted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from matching.linkage.features import Features

__all__ = ["ADDRESS_ELSEWHERE", "Comparison", "COMPARISONS", "NAME_CUTS", "compare_pairs", "NULL"]

NULL = -1


@dataclass(frozen=True)
class Comparison:
    """A comparison's levels: machine label and Vietnamese phrase (empty: not worth saying).

    ``chains``: sequences of levels, each agreeing less than the one before, whose weights the
    model keeps non-increasing along the chain (default: all levels in order).
    """

    name: str
    labels: tuple[str, ...]
    phrases: tuple[str, ...]
    tf_levels: tuple[int, ...] = ()  # levels whose weight is adjusted by the value's frequency
    # levels whose weight is adjusted by how common values one edit from the record's are
    near_levels: tuple[int, ...] = ()
    chains: tuple[tuple[int, ...], ...] = ()

    def disagrees(self, level: int) -> bool:
        """Whether the level says the values differ (a reason names it after the agreements)."""
        return self.labels[level].startswith("different")

    def ordered(self) -> tuple[tuple[int, ...], ...]:
        """The chains of levels ordered by agreement."""
        return self.chains or (tuple(range(len(self.labels))),)


COMPARISONS: tuple[Comparison, ...] = (
    Comparison("person_id", ("exact", "one_edit", "different"),
               ("trùng số định danh", "số định danh lệch một chữ số", "số định danh khác")),
    Comparison("full_name", ("exact", "exact_folded", "exact_core", "jw_high", "jw_mid", "different"),
               ("trùng họ tên", "trùng họ tên không dấu", "trùng họ tên (bỏ Thị/Văn)", "họ tên gần giống",
                "họ tên hơi giống", "họ tên khác"), tf_levels=(0, 1, 2)),
    Comparison("given_name", ("exact", "one_edit", "different"),
               ("trùng tên", "tên gần giống", "tên khác"), tf_levels=(0,), near_levels=(1,)),
    Comparison("dob", ("exact", "same_partial", "swapped", "year_typo", "partial", "same_year", "year_pm1",
                       "different"),
               ("trùng ngày sinh", "trùng ngày sinh (đều không đầy đủ)", "ngày sinh đảo ngày/tháng",
                "trùng ngày tháng sinh, năm sinh lệch một chữ số", "trùng năm sinh (ngày sinh không đầy đủ)",
                "trùng năm sinh", "năm sinh lệch 1 năm", "ngày sinh khác"),
               chains=((0, 2, 5, 6, 7), (0, 3, 6, 7), (1, 4, 5, 6, 7))),
    Comparison("sex", ("same", "different"), ("", "khác giới tính")),
    Comparison("ward", ("same_ward", "same_province", "different"),
               ("cùng xã/phường", "cùng tỉnh", "khác tỉnh")),
    Comparison("workplace", ("same_ward", "same_province", "different"),
               ("làm việc tại xã/phường cư trú", "làm việc cùng tỉnh cư trú", "")),
    # The address is compared *given the commune*: a person recorded in another commune has
    # usually moved, and then a different address is what a true match shows, not a second
    # disagreement (levels 3-5 are the same agreements where the communes differ or one is unknown).
    Comparison("address", ("exact", "same_house", "different", "exact_elsewhere", "same_house_elsewhere",
                           "different_elsewhere"),
               ("trùng địa chỉ", "địa chỉ gần giống", "khác địa chỉ", "trùng địa chỉ", "địa chỉ gần giống",
                "khác địa chỉ"), tf_levels=(0, 3), chains=((0, 1, 2), (3, 4, 5))),
)
#: Levels of the address comparison where the communes agree come first; ``ADDRESS_ELSEWHERE``
#: is added where they do not.
ADDRESS_ELSEWHERE = 3


def _distinct_scores(a_codes: np.ndarray, b_codes: np.ndarray, a_text: np.ndarray, b_text: np.ndarray,
                     scorer: Callable[..., float], workers: int, score_cutoff: float | None = None) -> np.ndarray:
    """Score each distinct (a, b) code pair once and broadcast back to the pairs."""
    if len(a_codes) == 0:
        return np.empty(0)
    combined = a_codes.astype(np.int64) * (int(b_codes.max()) + 1) + b_codes
    uniq, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    scores = process.cpdist(a_text[first].tolist(), b_text[first].tolist(), scorer=scorer, workers=workers,
                            score_cutoff=score_cutoff)
    return np.asarray(scores)[inverse]


def _lengths(texts: np.ndarray) -> np.ndarray:
    return np.fromiter((len(s) for s in texts), dtype=np.int16, count=len(texts))


def _levels_person_id(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray, workers: int,
                      id_near: np.ndarray | None = None) -> np.ndarray:
    lengths = _lengths(rec.id_text)[r]
    pop_lengths = _lengths(pop.id_text)[p]
    # IDs of one kind: a legacy 9-digit CMND says nothing against a 12-digit number, and a
    # scrap of digits is not an ID; one digit dropped or doubled is still the same ID mistyped.
    comparable = (lengths >= 5) & (pop_lengths >= 5) & (np.abs(lengths - pop_lengths) <= 1) & ~rec.legacy[r]
    out = np.full(len(r), NULL, dtype=np.int8)
    exact = comparable & (rec.pid[r] == pop.pid[p]) & (rec.pid[r] >= 0) & (lengths == pop_lengths)
    out[comparable] = 2
    # id_near: the pairs that may be one edit apart (blocking's deletion neighbourhood); None: all.
    rest = np.flatnonzero(comparable & ~exact & (True if id_near is None else id_near))
    text = rec.id_text[r[rest]]
    if len(rest):
        dist = process.cpdist(text.tolist(), pop.id_text[p[rest]].tolist(), scorer=OSA.distance,
                              workers=workers)
        out[rest[np.asarray(dist) <= 1]] = 1
    out[exact] = 0
    return out


#: Jaro-Winkler of the folded names (Thị/Văn aside) for "họ tên gần giống" and "họ tên hơi giống"
#: (``PersonLinkSettings.name_jw_high`` / ``name_jw_mid``).
NAME_CUTS = (0.95, 0.88)


def _levels_full_name(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray, workers: int,
                      cuts: tuple[float, float] = NAME_CUTS) -> np.ndarray:
    out = np.full(len(r), 5, dtype=np.int8)
    a, b = rec.core[r], pop.core[p]
    rest = np.flatnonzero((a != b) & (a >= 0) & (b >= 0))
    jw = _distinct_scores(a[rest], b[rest], rec.core_text[r[rest]], pop.core_text[p[rest]],
                          JaroWinkler.normalized_similarity, workers)
    out[rest[jw >= cuts[1]]] = 4
    out[rest[jw >= cuts[0]]] = 3
    out[a == b] = 2
    out[rec.folded[r] == pop.folded[p]] = 1
    out[rec.canon[r] == pop.canon[p]] = 0
    out[(a < 0) | (b < 0)] = NULL
    return out


def _levels_given(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray, name_level: np.ndarray,
                  workers: int) -> np.ndarray:
    a, b = rec.given[r], pop.given[p]
    out = np.full(len(r), 2, dtype=np.int8)
    rest = np.flatnonzero((a != b) & (a >= 0) & (b >= 0))
    dist = _distinct_scores(a[rest], b[rest], rec.given_text[r[rest]], pop.given_text[p[rest]],
                            OSA.distance, workers)
    out[rest[dist <= 1]] = 1
    out[a == b] = 0
    out[(a < 0) | (b < 0) | ((name_level >= 0) & (name_level <= 2))] = NULL
    return out


_DOB = {label: level for level, label in enumerate(next(c for c in COMPARISONS if c.name == "dob").labels)}


def _levels_dob(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    ya, yb = rec.year[r].astype(np.int32), pop.year[p].astype(np.int32)
    ma, mb, da, db = rec.month[r], pop.month[p], rec.day[r], pop.day[p]
    full = (ma >= 0) & (mb >= 0) & (da >= 0) & (db >= 0)
    month_ok = (ma < 0) | (mb < 0) | (ma == mb)
    day_ok = (da < 0) | (db < 0) | (da == db)
    same_md = full & (ma == mb) & (da == db)
    out = np.full(len(r), _DOB["different"], dtype=np.int8)
    out[(np.abs(ya - yb) == 1) & month_ok & day_ok] = _DOB["year_pm1"]
    same_year = ya == yb
    out[same_year] = _DOB["same_year"]
    out[same_year & ~full & month_ok & day_ok] = _DOB["partial"]
    # Both dates known to the same part only (`1982` and `1982`): a resident whose date the
    # state never knew in full has it partial on every record; one known in full rarely does.
    out[same_year & ~full & (ma == mb) & (da == db)] = _DOB["same_partial"]
    # The whole day and month agree and the year is one keystroke off (1979/1978, 1987/1981,
    # 1980/1979): far rarer between strangers than "a year apart" with the day unknown.
    diff = np.abs(ya - yb)
    one_digit = ((diff < 10) & (ya // 10 == yb // 10)) | ((diff % 10 == 0) & (diff < 100) & (ya % 10 == yb % 10))
    out[full & same_md & ~same_year & ((diff == 1) | one_digit)] = _DOB["year_typo"]
    # `YYYY-01-01` is how a register writes a date it knows only the year of (domain: DOB
    # placeholders): against another full date of that year it is a year-only date, not a clash.
    placeholder = ((ma == 1) & (da == 1)) | ((mb == 1) & (db == 1))
    out[same_year & full & ~same_md & placeholder] = _DOB["partial"]
    out[same_year & full & (ma == db) & (da == mb) & (ma != da)] = _DOB["swapped"]
    out[same_year & same_md] = _DOB["exact"]
    out[(ya < 0) | (yb < 0)] = NULL
    return out


def _levels_simple(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.where(a == b, 0, 1).astype(np.int8)
    out[(a < 0) | (b < 0)] = NULL
    return out


def _levels_ward(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    wa, wb, pa, pb = rec.ward[r], pop.ward[p], rec.province[r], pop.province[p]
    out = np.full(len(r), 2, dtype=np.int8)
    out[(pa == pb) & (pa >= 0)] = 1
    out[(wa == wb) & (wa >= 0)] = 0
    out[(pa < 0) | (pb < 0)] = NULL
    return out


def _levels_workplace(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Where a record's person works (a manager's organisation) against where the resident lives."""
    if rec.work_ward is None or rec.work_province is None:
        return np.full(len(r), NULL, dtype=np.int8)
    wa, pa = rec.work_ward[r], rec.work_province[r]
    out = np.full(len(r), 2, dtype=np.int8)
    out[(pa == pop.province[p]) & (pa >= 0)] = 1
    out[(wa == pop.ward[p]) & (wa >= 0)] = 0
    out[(pa < 0) | (pop.province[p] < 0)] = NULL
    return out


def _levels_address(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray, workers: int) -> np.ndarray:
    """Exact key; the same house (house numbers not different, and one key's words within the
    other's: token-set ratio at least 90); different. A business address that differs from the
    home is not evidence (NULL)."""
    if (rec.address is None or pop.address is None or rec.house is None or pop.house is None
            or rec.address_text is None or pop.address_text is None or rec.address_home is None):
        return np.full(len(r), NULL, dtype=np.int8)
    a, b = rec.address[r], pop.address[p]
    out = np.full(len(r), 2, dtype=np.int8)
    ha, hb = rec.house[r], pop.house[p]
    # Only pairs whose house numbers agree (or one is missing) can be the same house: the fuzzy
    # score runs on those alone.
    rest = np.flatnonzero((a != b) & (a >= 0) & (b >= 0) & ((ha < 0) | (hb < 0) | (ha == hb)))
    ratio = _distinct_scores(a[rest], b[rest], rec.address_text[r[rest]], pop.address_text[p[rest]],
                             fuzz.token_set_ratio, workers, score_cutoff=90)
    out[rest[ratio >= 90]] = 1
    out[a == b] = 0
    out[(out == 2) & ~rec.address_home[r]] = NULL
    out[(a < 0) | (b < 0)] = NULL
    elsewhere = (out != NULL) & ~((rec.ward[r] == pop.ward[p]) & (rec.ward[r] >= 0))
    out[elsewhere] += ADDRESS_ELSEWHERE
    return out


def compare_pairs(rec: Features, pop: Features, r: np.ndarray, p: np.ndarray, *, workers: int = 2,
                  id_near: np.ndarray | None = None, name_cuts: tuple[float, float] = NAME_CUTS) -> np.ndarray:
    """The comparison vectors of pairs ``(r[i], p[i])``: an int8 matrix, one column per comparison.

    >>> from matching.linkage.features import build_features
    >>> import pandas as pd
    >>> row = dict(person_id="001085012345", full_name="Nguyễn Văn Hùng", dob_year=1985, dob_month=3,
    ...            dob_day=25, sex="M", ward_code="00004", province_code="01")
    >>> recs = pd.DataFrame([dict(row, record_key="insured:1", legacy_id=None, person_id_raw=row["person_id"])])
    >>> rec, pop = build_features(recs, pd.DataFrame([row]))
    >>> compare_pairs(rec, pop, np.array([0]), np.array([0])).tolist()
    [[0, 0, -1, 0, 0, 0, -1, -1]]
    """
    name_level = _levels_full_name(rec, pop, r, p, workers, name_cuts)
    columns = [
        _levels_person_id(rec, pop, r, p, workers, id_near),
        name_level,
        _levels_given(rec, pop, r, p, name_level, workers),
        _levels_dob(rec, pop, r, p),
        _levels_simple(rec.sex[r], pop.sex[p]),
        _levels_ward(rec, pop, r, p),
        _levels_workplace(rec, pop, r, p),
        _levels_address(rec, pop, r, p, workers),
    ]
    return np.column_stack(columns).astype(np.int8) if len(r) else np.empty((0, len(COMPARISONS)), np.int8)
