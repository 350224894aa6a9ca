"""Administrative geography the generator draws from (vietnam-provinces 2026.9.0).

Kept separate from the generator so the (slow-ish) package walk runs once per process and the
rest of the code sees plain numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from vietnam_provinces import Province, Ward
from vietnam_provinces._ward_conversion_2025 import NEW_TO_OLD, OLD_TO_NEW

__all__ = ["Geography", "load_geography", "PROVINCE_POPULATION_M"]

#: Approximate resident population (millions) of each of the 34 current provinces, summed from
#: the pre-2025 provinces they absorbed. Only used as sampling weights, so rough is fine.
PROVINCE_POPULATION_M: dict[int, float] = {
    1: 8.7, 4: 0.55, 8: 1.8, 11: 0.65, 12: 0.48, 14: 1.3, 15: 1.7, 19: 1.7, 20: 0.8, 22: 1.4,
    24: 3.5, 25: 4.0, 31: 4.1, 33: 3.2, 37: 3.8, 38: 3.7, 40: 3.4, 42: 1.3, 44: 1.6, 46: 1.2,
    48: 3.1, 51: 1.8, 52: 3.1, 56: 1.9, 66: 2.8, 68: 3.3, 75: 4.3, 79: 14.0, 80: 3.0, 82: 3.4,
    86: 3.4, 91: 3.7, 92: 3.2, 96: 2.1,
}

#: Two-digit tax-office prefix used for enterprise codes registered in each current province.
#: Illustrative (Hà Nội 01, HCMC 03, Hải Phòng 02, Đà Nẵng 04 are real; the rest are plausible).
TAX_PREFIX: dict[int, int] = {
    1: 1, 79: 3, 31: 2, 48: 4, 4: 48, 8: 50, 11: 56, 12: 62, 14: 55, 15: 53, 19: 46, 20: 49,
    22: 57, 24: 23, 25: 26, 33: 9, 37: 27, 38: 28, 40: 29, 42: 30, 44: 31, 46: 33, 51: 43,
    52: 41, 56: 42, 66: 60, 68: 58, 75: 36, 80: 11, 82: 12, 86: 13, 91: 17, 92: 18, 96: 20,
}


@dataclass(frozen=True)
class Geography:
    """Current communes, their provinces and the pre-July-2025 codes that map onto them."""

    ward_codes: np.ndarray  # int64, sorted, the 3,321 current communes
    ward_names: np.ndarray  # object, e.g. "Phường Ba Đình"
    ward_province: np.ndarray  # int64 current province code
    ward_kind: np.ndarray  # int8: 0 xã, 1 phường, 2 đặc khu
    ward_old_province: np.ndarray  # int64: old (63-province) code, for the personal-ID prefix
    province_names: dict[int, str]
    old_codes_by_ward: dict[int, np.ndarray]  # current code -> usable old codes (see below)
    old_province_codes: np.ndarray  # the 63 old province codes
    current_set: frozenset[int]
    old_set: frozenset[int]

    def ward_index(self, codes: np.ndarray) -> np.ndarray:
        """Positions of current ward codes in ``ward_codes``."""
        return np.searchsorted(self.ward_codes, codes)


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    """Read the package once.

    ``old_codes_by_ward`` only holds old codes that (a) are not also a current code (a current
    code is read as current by the contract), (b) map to exactly one new commune and (c) were
    not partly merged. So every old code the generator writes resolves to one commune without
    needing the address, and the truth can name that commune with certainty.
    """
    wards = sorted(Ward.iter_all(), key=lambda w: int(w.code))
    codes = np.array([int(w.code) for w in wards], dtype=np.int64)
    kinds = {"xã": 0, "phường": 1, "đặc khu": 2}
    current = frozenset(int(c) for c in codes)
    old_province = []
    for w in wards:
        entry = NEW_TO_OLD.get(int(w.code))
        prov = int(w.province_code)
        if entry is not None and entry.old_wards:
            whole = [o for o in entry.old_wards if not o.is_partly_merged] or list(entry.old_wards)
            prov = int(whole[0].province_code)
        old_province.append(prov)
    by_ward: dict[int, list[int]] = {}
    for old_code in sorted(OLD_TO_NEW):
        e = OLD_TO_NEW[old_code]
        if old_code in current or len(e.new_wards) != 1 or e.old_ward.is_partly_merged:
            continue
        by_ward.setdefault(int(e.new_wards[0].code), []).append(int(old_code))
    return Geography(
        ward_codes=codes,
        ward_names=np.array([w.name for w in wards], dtype=object),
        ward_province=np.array([int(w.province_code) for w in wards], dtype=np.int64),
        ward_kind=np.array([kinds.get(w.division_type.value, 0) for w in wards], dtype=np.int8),
        ward_old_province=np.array(old_province, dtype=np.int64),
        province_names={int(p.code): p.name for p in Province.iter_all()},
        old_codes_by_ward={k: np.array(v, dtype=np.int64) for k, v in by_ward.items()},
        old_province_codes=np.array(
            sorted({int(e.old_ward.province_code) for e in OLD_TO_NEW.values()}), dtype=np.int64
        ),
        current_set=current,
        old_set=frozenset(int(k) for k in OLD_TO_NEW),
    )
