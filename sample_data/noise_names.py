"""Names as clerks type them: people's full names and organisations' names.

Every edit is Python-level, but runs only on the rows a rate selects, so a million records stay
fast. Kinds are independent of each other (the staleness factor ties folding and capitals to old
records), applied in the order a record would have suffered them.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from sample_data.noise import Rates, conditional, fold, pick

__all__ = ["noisy_names", "tone_variant", "typo", "abbreviate_org", "noisy_org_names"]

_TONES = ["\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_COMPOUND = ("Tôn Thất", "Tôn Nữ", "Âu Dương")
_MIDDLE = {True: ["Văn", "Đức", "Hữu", "Công", "Quang", "Minh", "Đình", "Quốc"],
           False: ["Thị", "Ngọc", "Thanh", "Kim", "Thu", "Minh", "Hồng", "Phương"]}
# i/y spellings that both occur for one name (Sỹ/Sĩ); each maps to the other.
_IY = {"Sỹ": "Sĩ", "Kỳ": "Kì", "Lý": "Lí", "Mỹ": "Mĩ", "Quý": "Quí"}
_IY.update({v: k for k, v in list(_IY.items())})
_TWO_VOWELS = re.compile(r"(?i)(?<!q)(o[ae]|uy)$")


def tone_variant(word: str) -> str:
    """The other tone placement of oa/oe/uy syllables without a final consonant (Hòa <-> Hoà,
    Thủy <-> Thuỷ), or the other i/y spelling (Sỹ <-> Sĩ); else the word itself.

    >>> tone_variant("Hòa"), tone_variant("Hoà"), tone_variant("Thủy"), tone_variant("Sỹ"), tone_variant("Quý")
    ('Hoà', 'Hòa', 'Thuỷ', 'Sĩ', 'Quí')
    """
    if word in _IY:
        return _IY[word]
    nfd = unicodedata.normalize("NFD", word)
    tones = [i for i, c in enumerate(nfd) if c in _TONES]
    if len(tones) != 1:
        return word
    i = tones[0]
    bare = unicodedata.normalize("NFC", nfd[:i] + nfd[i + 1:])
    if not _TWO_VOWELS.search(bare):
        return word
    # the two vowels carry no other mark, so the tone is on the last one iff it ends the NFD text
    if i == len(nfd) - 1:
        return unicodedata.normalize("NFC", bare[:-1] + nfd[i] + bare[-1])
    return unicodedata.normalize("NFC", bare + nfd[i])


def typo(s: str, r1: float, r2: float) -> str:
    """A typing slip: a wrong tone mark (Nguyễn -> Nguyển), a dropped or a doubled letter."""
    d = unicodedata.normalize("NFD", s)
    tones = [i for i, c in enumerate(d) if c in _TONES]
    if tones and r1 < 0.45:
        i = tones[int(r2 * len(tones))]
        others = [t for t in _TONES if t != d[i]]
        return unicodedata.normalize("NFC", d[:i] + others[int(r2 * 97) % len(others)] + d[i + 1:])
    letters = [i for i, c in enumerate(s) if c.isalpha() and i > 0 and s[i - 1] != " "]
    if not letters:
        return s
    i = letters[int(r2 * len(letters))]
    return s[:i] + s[i + 1:] if r1 < 0.75 else s[:i] + s[i] + s[i:]


def _middle(s: str, male: bool, r: float) -> str:
    """Another middle name, or none (when the name has one that is not part of the surname)."""
    words = s.split(" ")
    lead = 2 if any(s.startswith(c + " ") for c in _COMPOUND) else 1
    if len(words) - lead < 2:
        return s
    if r < 0.5:
        return " ".join(words[:lead] + words[-1:])
    options = [m for m in _MIDDLE[male] if m not in words]
    return " ".join(words[:lead] + [options[int(r * 97) % len(options)]] + words[-1:])


def _drop_thi_van(s: str) -> str:
    words = s.split(" ")
    for i in range(1, len(words) - 1):
        if words[i] in ("Thị", "Văn"):
            return " ".join(words[:i] + words[i + 1:])
    return s


def _fold_some(s: str, r: float) -> str:
    words = s.split(" ")
    keep = [w for w in words if not w.isascii()]
    if len(keep) < 2:
        return fold(s)
    k = 1 + int(r * (len(keep) - 1))  # fold k of the accented words, never all of them
    chosen = set(keep[:k]) if r < 0.5 else set(keep[-k:])
    return " ".join(fold(w) if w in chosen else w for w in words)


def noisy_names(rng: np.random.Generator, names: np.ndarray, male: np.ndarray, rates: Rates,
                stale: np.ndarray) -> np.ndarray:
    """Full names as typed by a clerk (the population register uses the same with its own rates)."""
    out = names.copy()
    n = len(out)
    r = rates
    for i in np.flatnonzero(pick(rng, n, r.name_middle)):
        out[i] = _middle(out[i], bool(male[i]), float(rng.random()))
    for i in np.flatnonzero(pick(rng, n, r.name_drop_thi_van)):
        out[i] = _drop_thi_van(out[i])
    for i in np.flatnonzero(pick(rng, n, r.name_variant)):
        out[i] = " ".join(tone_variant(w) for w in out[i].split(" "))
    sel = np.flatnonzero(pick(rng, n, r.name_typo))
    for i, a, b in zip(sel, rng.random(len(sel)), rng.random(len(sel)), strict=True):
        out[i] = typo(out[i], float(a), float(b))
    folded = pick(rng, n, conditional(r.name_fold, r.stale, r.stale_name, stale))
    for i in np.flatnonzero(folded):
        out[i] = fold(out[i])
    some = np.flatnonzero(pick(rng, n, conditional(r.name_fold_partial, r.stale, r.stale_name, stale)) & ~folded)
    for i, a in zip(some, rng.random(len(some)), strict=True):
        out[i] = _fold_some(out[i], float(a))
    for i in np.flatnonzero(pick(rng, n, conditional(r.name_upper, r.stale, r.stale_name, stale))):
        out[i] = out[i].upper()
    for i in np.flatnonzero(pick(rng, n, r.name_eth)):
        out[i] = out[i].replace("Đ", "\u00d0")  # a no-op for names without Đ: the rate is of those with it
    sel = np.flatnonzero(pick(rng, n, r.name_space))
    for i, a in zip(sel, rng.random(len(sel)), strict=True):
        spaces = [k for k, c in enumerate(out[i]) if c == " "]
        if spaces:
            k = spaces[int(a * len(spaces))]
            out[i] = out[i][:k] + "  " + out[i][k + 1:]
    for i in np.flatnonzero(pick(rng, n, r.name_nfd) & ~folded):
        out[i] = unicodedata.normalize("NFD", out[i])
    return out


# Organisations -------------------------------------------------------------------------------

_ABBREV = [("CÔNG TY TNHH MỘT THÀNH VIÊN", ["CTY TNHH MTV", "CÔNG TY TNHH MTV"]),
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


def abbreviate_org(name: str, r: float) -> str:
    """Register-clerk abbreviations of organisation names (CÔNG TY TNHH MTV, CTY CP, UBND ...).

    >>> abbreviate_org("CÔNG TY CỔ PHẦN XÂY DỰNG AN PHÁT", 0.0)
    'CTY CP XÂY DỰNG AN PHÁT'
    """
    for long, shorts in _ABBREV:
        if long in name:
            return name.replace(long, shorts[int(r * len(shorts))], 1)
    return name


def _branch_cn(name: str, r: float) -> str:
    """``CHI NHÁNH X TẠI P`` as ``CN X TẠI P`` or ``CN P - X``."""
    if not name.startswith("CHI NHÁNH "):
        return name
    body = name[len("CHI NHÁNH "):]
    if r < 0.5 or " TẠI " not in body:
        return "CN " + body
    org, place = body.rsplit(" TẠI ", 1)
    return f"CN {place} - {org}"


def noisy_org_names(rng: np.random.Generator, names: np.ndarray, rates: Rates) -> np.ndarray:
    """Unit names as recorded: a branch as ``CN ...``, abbreviated, with a typo, folded, title case."""
    out = names.copy()
    n = len(out)
    sel = np.flatnonzero(pick(rng, n, rates.org_branch_cn))
    for i, a in zip(sel, rng.random(len(sel)), strict=True):
        out[i] = _branch_cn(out[i], float(a))
    sel = np.flatnonzero(pick(rng, n, rates.org_abbrev))
    for i, a in zip(sel, rng.random(len(sel)), strict=True):
        out[i] = abbreviate_org(out[i], float(a))
    sel = np.flatnonzero(pick(rng, n, rates.org_typo))
    for i, a, b in zip(sel, rng.random(len(sel)), rng.random(len(sel)), strict=True):
        out[i] = typo(out[i], float(a), float(b))
    for i in np.flatnonzero(pick(rng, n, rates.org_fold)):
        out[i] = fold(out[i])
    for i in np.flatnonzero(pick(rng, n, rates.org_title)):
        out[i] = out[i].title()
    return out
