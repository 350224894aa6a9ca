"""Data-entry noise for the copies of people and organisations held by other registers.

Rates are per record and independent; ``hard`` roughly doubles ``normal`` (legacy IDs triple).
The string edits are Python-level but only run on the few rows a rate selects, so a million
records stay fast. Nothing here can make a row unusable: dates never move into the future and a
swapped day/month is always valid one way round (bad rows are made on purpose in badrows.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date

import numpy as np
import pandas as pd

__all__ = ["Rates", "rates_for", "fold", "noisy_ids", "noisy_names", "noisy_dobs", "abbreviate_org",
           "mistype_tax_codes", "old_codes_for"]


@dataclass(frozen=True)
class Rates:
    """Probabilities of each kind of noise, per record, at the ``normal`` level."""

    id_missing: float = 0.06
    id_legacy: float = 0.03
    id_mistyped: float = 0.015
    name_fold: float = 0.06
    name_upper: float = 0.05
    name_space: float = 0.02
    name_nfd: float = 0.03
    name_eth: float = 0.12  # of names that contain Đ
    name_drop_thi_van: float = 0.04  # of names that contain Thị/Văn as a middle name
    name_typo: float = 0.015
    dob_partial: float = 0.03
    dob_swap: float = 0.02
    dob_year: float = 0.01
    dob_missing: float = 0.0
    sex_missing: float = 0.02
    ward_outdated: float = 0.04
    ward_old: float = 0.06
    tax_missing: float = 0.05
    tax_mistyped: float = 0.03
    org_abbrev: float = 0.3
    org_fold: float = 0.1


_NORMAL = {
    "insured": Rates(),
    "managers": Rates(id_missing=0.12, id_legacy=0.06, id_mistyped=0.02, name_upper=0.12, dob_partial=0.05,
                      dob_swap=0.0, dob_missing=0.05, sex_missing=0.05),
    "household_businesses": Rates(id_missing=0.10, id_legacy=0.0, id_mistyped=0.02, dob_partial=0.04,
                                  dob_swap=0.0, dob_missing=0.08, ward_old=0.12),
    "employers": Rates(ward_old=0.10),
}


def rates_for(register: str, level: str) -> Rates:
    """Rates for one register at ``none`` (all zero), ``normal`` or ``hard`` (about double)."""
    base = _NORMAL[register]
    if level == "none":
        return Rates(**{f.name: 0.0 for f in fields(Rates)})
    if level == "normal":
        return base
    doubled = {f.name: min(0.5, getattr(base, f.name) * 2) for f in fields(Rates)}
    doubled["id_legacy"] = min(0.3, base.id_legacy * 3)
    return replace(base, **doubled)


def fold(s: str) -> str:
    """Strip Vietnamese diacritics (đ -> d), as a keyboard without Telex/VNI would type it.

    >>> fold("Đặng Thị Ngọc Ánh")
    'Dang Thi Ngoc Anh'
    """
    s = s.replace("Đ", "D").replace("đ", "d").replace("Ð", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def _pick(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    return rng.random(n) < p


# IDs -------------------------------------------------------------------------------------------

def _mistype_one(s: str, pos: int, digit: int, transpose: bool) -> str:
    """One digit changed, or two adjacent (different) digits swapped."""
    if transpose:
        for k in range(len(s) - 1):
            i = (pos + k) % (len(s) - 1)
            if s[i] != s[i + 1]:
                return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    new = str((int(s[pos]) + 1 + digit % 9) % 10)
    return s[:pos] + new + s[pos + 1:]


def noisy_ids(rng: np.random.Generator, true_ids: np.ndarray, legacy: np.ndarray, rates: Rates,
              all_ids: np.ndarray) -> np.ndarray:
    """The personal ID as recorded: sometimes missing, a legacy CMND, or mistyped.

    A mistyped ID never equals somebody else's real ID (it would then be a different,
    genuinely wrong person, which the pipeline cannot be expected to undo).
    """
    n = len(true_ids)
    out = true_ids.copy()
    u = rng.random(n)
    miss = u < rates.id_missing
    leg = (u >= rates.id_missing) & (u < rates.id_missing + rates.id_legacy)
    typo = (u >= rates.id_missing + rates.id_legacy) & (u < rates.id_missing + rates.id_legacy + rates.id_mistyped)
    out[miss] = ""
    out[leg] = legacy[leg]  # empty for the young, who never held a CMND: recorded as missing
    idx = np.flatnonzero(typo)
    pos = rng.integers(0, 12, len(idx))
    dig = rng.integers(0, 9, len(idx))
    tr = rng.random(len(idx)) < 0.4
    typed = np.array([_mistype_one(out[i], int(p), int(d), bool(t))
                      for i, p, d, t in zip(idx, pos, dig, tr, strict=True)], dtype=object)
    clash = pd.Series(typed, dtype=object).isin(pd.Index(all_ids)).to_numpy()
    typed[clash] = ""
    out[idx] = typed
    return out


def mistype_tax_codes(rng: np.random.Generator, codes: np.ndarray, rates: Rates) -> np.ndarray:
    """Employer tax codes as recorded: some missing, some with one digit of the 10 changed."""
    n = len(codes)
    out = codes.copy()
    u = rng.random(n)
    out[u < rates.tax_missing] = ""
    idx = np.flatnonzero((u >= rates.tax_missing) & (u < rates.tax_missing + rates.tax_mistyped))
    pos = rng.integers(0, 10, len(idx))
    dig = rng.integers(0, 9, len(idx))
    for i, p, d in zip(idx, pos, dig, strict=True):
        out[i] = _mistype_one(out[i], int(p), int(d), False)
    return out


# Names ----------------------------------------------------------------------------------------

_TONES = ["\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]


def _typo(s: str, r1: float, r2: float) -> str:
    """A plausible typing slip: a wrong tone mark (Nguyễn -> Nguyển) or a dropped letter."""
    d = unicodedata.normalize("NFD", s)
    tones = [i for i, c in enumerate(d) if c in _TONES]
    if tones and r1 < 0.6:
        i = tones[int(r2 * len(tones))]
        others = [t for t in _TONES if t != d[i]]
        d = d[:i] + others[int(r2 * 97) % len(others)] + d[i + 1:]
        return unicodedata.normalize("NFC", d)
    letters = [i for i, c in enumerate(s) if c.isalpha() and i > 0 and s[i - 1] != " "]
    if not letters:
        return s
    i = letters[int(r2 * len(letters))]
    return s[:i] + s[i + 1:]


def _drop_thi_van(s: str) -> str:
    words = s.split(" ")
    for i in range(1, len(words) - 1):
        if words[i] in ("Thị", "Văn"):
            return " ".join(words[:i] + words[i + 1:])
    return s


def noisy_names(rng: np.random.Generator, names: np.ndarray, rates: Rates) -> np.ndarray:
    """Full names as typed by a clerk: each kind of noise applied independently."""
    out = names.copy()
    n = len(out)
    has_mid = np.array([(" Thị " in s) or (" Văn " in s[s.find(" "):]) for s in out]) if n else np.zeros(0, bool)
    for i in np.flatnonzero(has_mid & _pick(rng, n, rates.name_drop_thi_van)):
        out[i] = _drop_thi_van(out[i])
    sel = np.flatnonzero(_pick(rng, n, rates.name_typo))
    r1, r2 = rng.random(len(sel)), rng.random(len(sel))
    for i, a, b in zip(sel, r1, r2, strict=True):
        out[i] = _typo(out[i], float(a), float(b))
    folded = _pick(rng, n, rates.name_fold)
    for i in np.flatnonzero(folded):
        out[i] = fold(out[i])
    for i in np.flatnonzero(_pick(rng, n, rates.name_upper)):
        out[i] = out[i].upper()
    has_d = np.array(["Đ" in s or "đ" in s for s in out]) if n else np.zeros(0, bool)
    for i in np.flatnonzero(has_d & _pick(rng, n, rates.name_eth)):
        out[i] = out[i].replace("Đ", "\u00d0")
    sel = np.flatnonzero(_pick(rng, n, rates.name_space))
    r = rng.random(len(sel))
    for i, a in zip(sel, r, strict=True):
        spaces = [k for k, c in enumerate(out[i]) if c == " "]
        if spaces:
            k = spaces[int(a * len(spaces))]
            out[i] = out[i][:k] + "  " + out[i][k + 1:]
    for i in np.flatnonzero(_pick(rng, n, rates.name_nfd) & ~folded):
        out[i] = unicodedata.normalize("NFD", out[i])
    return out


def abbreviate_org(name: str, r: float) -> str:
    """Register-clerk abbreviations of organisation names (CÔNG TY TNHH MTV, CTY CP, UBND ...)."""
    table = [("CÔNG TY TNHH MỘT THÀNH VIÊN", ["CTY TNHH MTV", "CÔNG TY TNHH MTV"]),
             ("CÔNG TY CỔ PHẦN", ["CTY CP", "CÔNG TY CP", "CTY CỔ PHẦN"]),
             ("CÔNG TY TNHH", ["CTY TNHH", "CT TNHH"]),
             ("DOANH NGHIỆP TƯ NHÂN", ["DNTN", "DN TƯ NHÂN"]),
             ("HỢP TÁC XÃ", ["HTX"]),
             ("ỦY BAN NHÂN DÂN", ["UBND"]),
             ("TRƯỜNG TRUNG HỌC CƠ SỞ", ["TRƯỜNG THCS"]),
             ("CHI NHÁNH", ["CN"]),
             ("THƯƠNG MẠI VÀ DỊCH VỤ", ["TM & DV", "TM-DV"]),
             ("THƯƠNG MẠI", ["TM"]), ("DỊCH VỤ", ["DV"]), ("XÂY DỰNG", ["XD"]),
             ("XUẤT NHẬP KHẨU", ["XNK"]), ("SẢN XUẤT", ["SX"])]
    for long, shorts in table:
        if long in name:
            return name.replace(long, shorts[int(r * len(shorts))], 1)
    return name


# Dates ----------------------------------------------------------------------------------------

def noisy_dobs(rng: np.random.Generator, full: np.ndarray, rates: Rates, as_of: date) -> np.ndarray:
    """Dates of birth as recorded: partial, day/month swapped, a year off, or missing.

    Never produces a date after as-of, and a swap is only made where the swapped text still
    names a real date one way round (it always does: the source date is real).
    """
    out = full.copy()
    n = len(out)
    u = rng.random(n)
    limit = as_of.isoformat()
    c1 = rates.dob_missing
    c2 = c1 + rates.dob_partial
    c3 = c2 + rates.dob_swap
    c4 = c3 + rates.dob_year
    out[u < c1] = ""
    part = np.flatnonzero((u >= c1) & (u < c2))
    short = rng.random(len(part)) < 0.6
    for i, s in zip(part, short, strict=True):
        out[i] = out[i][:4] if s else out[i][:7]
    for i in np.flatnonzero((u >= c2) & (u < c3)):
        y, m, d = out[i].split("-")
        swapped = f"{y}-{d}-{m}"
        if m != d and (int(d) > 12 or swapped <= limit):
            out[i] = swapped
    sel = np.flatnonzero((u >= c3) & (u < c4))
    sign = np.where(rng.random(len(sel)) < 0.5, -1, 1)
    for i, sg in zip(sel, sign, strict=True):
        y, m, d = out[i].split("-")
        yy = int(y) + int(sg)
        if m == "02" and d == "29":
            d = "28"
        cand = f"{yy:04d}-{m}-{d}"
        out[i] = cand if cand <= limit else f"{int(y) - 1:04d}-{m}-{d}"
    return out


# Communes -------------------------------------------------------------------------------------

def old_codes_for(rng: np.random.Generator, wards: np.ndarray, old_by_ward: dict[int, np.ndarray]
                  ) -> np.ndarray:
    """A pre-July-2025 code that maps to each given current ward, or -1 if it has none usable."""
    out = np.full(len(wards), -1, dtype=np.int64)
    r = rng.random(len(wards))
    for k, (w, x) in enumerate(zip(wards.tolist(), r, strict=True)):
        cands = old_by_ward.get(w)
        if cands is not None:
            out[k] = cands[int(x * len(cands))]
    return out
