"""Administrative geography the generator draws from (vietnam-provinces 2026.9.0).

Kept separate from the generator so the (slow-ish) package walk runs once per process and the
rest of the code sees plain numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from vietnam_provinces import Province, Ward
from vietnam_provinces import legacy as old
from vietnam_provinces._ward_conversion_2025 import NEW_TO_OLD, OLD_TO_NEW

__all__ = ["Geography", "Csr", "load_geography", "PROVINCE_POPULATION_M", "CITIES"]

#: The two large cities of the ``cities`` profile: Hà Nội and Hồ Chí Minh City.
CITIES = (1, 79)

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
class Csr:
    """Lists of codes per current ward position, flat: ward i owns ``codes[ptr[i]:ptr[i + 1]]``."""

    ptr: np.ndarray
    codes: np.ndarray

    def count(self, ward_i: np.ndarray) -> np.ndarray:
        return self.ptr[ward_i + 1] - self.ptr[ward_i]

    def pick(self, ward_i: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One code of each ward's list (uniform by ``u`` in [0, 1)), -1 where the list is empty."""
        c = self.count(ward_i)
        if len(self.codes) == 0:
            return np.full(len(ward_i), -1, dtype=np.int64)
        at = self.ptr[ward_i] + np.minimum((u * c).astype(np.int64), np.maximum(c - 1, 0))
        return np.where(c > 0, self.codes[np.minimum(at, len(self.codes) - 1)], -1)


def _csr(lists: list[list[int]]) -> Csr:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    flat = np.array([c for x in lists for c in x], dtype=np.int64)
    return Csr(ptr=ptr, codes=flat)


def _legacy_parts() -> dict[int, tuple[str, str, str, str, str, str]]:
    """Pre-2025 commune code -> (type, name) of its ward, district and province, real names."""
    def split(name: str, kind: str) -> tuple[str, str]:
        label = {"thành phố trung ương": "Thành phố"}.get(kind, kind[:1].upper() + kind[1:])
        return label, name[len(label):].strip() if name.startswith(label) else name
    districts = {int(d.code): split(d.name, str(d.division_type)) for d in old.District.iter_all()}
    provinces = {int(p.code): split(p.name, str(p.division_type)) for p in old.Province.iter_all()}
    out = {}
    for w in old.Ward.iter_all():
        out[int(w.code)] = (*split(w.name, str(w.division_type)), *districts[int(w.district_code)],
                            *provinces[int(w.province_code)])
    return out


@dataclass(frozen=True)
class Geography:
    """Current communes, their provinces and the pre-July-2025 codes that map onto them."""

    ward_codes: np.ndarray  # int64, sorted, the 3,321 current communes
    ward_names: np.ndarray  # object, e.g. "Phường Ba Đình"
    ward_province: np.ndarray  # int64 current province code
    ward_kind: np.ndarray  # int8: 0 xã, 1 phường, 2 đặc khu
    ward_old_province: np.ndarray  # int64: old (63-province) code, for the personal-ID prefix
    province_names: dict[int, str]
    old_province_codes: np.ndarray  # the 63 old province codes
    current_set: frozenset[int]
    old_set: frozenset[int]
    old_whole: Csr  # old codes (not current) mapping to this ward alone
    old_split: Csr  # old codes (not current) split between this ward and others
    old_any: Csr  # every pre-2025 commune that (partly) became this ward, for address tails
    split_targets: dict[int, tuple[int, ...]]  # split old code -> its current candidates
    legacy_parts: dict[int, tuple[str, str, str, str, str, str]]

    def ward_index(self, codes: np.ndarray) -> np.ndarray:
        """Positions of current ward codes in ``ward_codes``."""
        return np.searchsorted(self.ward_codes, codes)


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    """Read the package once.

    Old codes that are also current codes are never offered (the contract reads a current code
    as current). ``old_whole`` holds the codes the official table maps to one commune (so no
    address is needed to place them), ``old_split`` those of old communes split between several
    current ones: the truth then keeps the true current commune, one of ``split_targets``.
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
    split_by_ward: dict[int, list[int]] = {}
    targets: dict[int, tuple[int, ...]] = {}
    for old_code in sorted(OLD_TO_NEW):
        e = OLD_TO_NEW[old_code]
        if old_code in current:
            continue
        new = tuple(sorted(int(w.code) for w in e.new_wards))
        if len(new) == 1:
            by_ward.setdefault(new[0], []).append(int(old_code))
        elif len(new) > 1:
            targets[int(old_code)] = new
            for target in new:
                split_by_ward.setdefault(target, []).append(int(old_code))
    any_old = [sorted(int(o.code) for o in NEW_TO_OLD[int(c)].old_wards) if int(c) in NEW_TO_OLD else []
               for c in codes]
    return Geography(
        ward_codes=codes,
        ward_names=np.array([w.name for w in wards], dtype=object),
        ward_province=np.array([int(w.province_code) for w in wards], dtype=np.int64),
        ward_kind=np.array([kinds.get(w.division_type.value, 0) for w in wards], dtype=np.int8),
        ward_old_province=np.array(old_province, dtype=np.int64),
        province_names={int(p.code): p.name for p in Province.iter_all()},
        old_province_codes=np.array(
            sorted({int(e.old_ward.province_code) for e in OLD_TO_NEW.values()}), dtype=np.int64
        ),
        current_set=current,
        old_set=frozenset(int(k) for k in OLD_TO_NEW),
        old_whole=_csr([by_ward.get(int(c), []) for c in codes]),
        old_split=_csr([split_by_ward.get(int(c), []) for c in codes]),
        old_any=_csr(any_old),
        split_targets=targets,
        legacy_parts=_legacy_parts(),
    )
