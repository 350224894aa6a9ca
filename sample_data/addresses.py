"""Street addresses: how households' addresses look, and how other registers re-type them.

An address holds what is below the commune (house number, alley, street, hamlet or residential
group); the commune itself is ``ward_code``. Regions differ (domain.md section 4): the North
writes ``ngõ`` and ``Tổ dân phố``, the Centre ``kiệt``, the South ``hẻm``, ``Khu phố`` and ``Ấp``.
Copies in other registers are abbreviated and re-typed (``Số``/``số``/nothing, ``đường``/``Đ.``,
``TDP``, ``KP``, ``ng.``, ``hẻm``/``kiệt``, ``123/45``), lose diacritics, go upper case, drop the
house number or vanish, and some carry the old three-tier tail
(``, P. Phúc Xá, Q. Ba Đình, TP. Hà Nội``) with the real pre-2025 names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sample_data.noise import Rates, conditional, fold, pick
from sample_data.util import STREETS, choose, zfill

__all__ = ["region_of", "home_addresses", "street_addresses", "noisy_addresses", "three_tier"]

_HAMLETS = ["Tân Hòa", "Phú Lợi", "Bình An", "Long Thạnh", "Mỹ Hưng", "An Lạc", "Thạnh Phú", "Hòa Bình",
            "Tân Quý", "Phước Lộc", "Đông Hòa", "Trung Lương", "An Thạnh", "Phú Mỹ"]


def region_of(province: np.ndarray) -> np.ndarray:
    """0 North, 1 Centre (Quảng Trị to Gia Lai), 2 South (Khánh Hòa southwards), by current code.

    >>> region_of(np.array([1, 48, 79])).tolist()
    [0, 1, 2]
    """
    p = np.asarray(province)
    return np.where(p >= 56, 2, np.where(p >= 44, 1, 0))


def _numbers(rng: np.random.Generator, n: int, top: int) -> np.ndarray:
    return np.array([str(x) for x in rng.integers(1, top, n)], dtype=object)


def home_addresses(rng: np.random.Generator, kinds: np.ndarray, province: np.ndarray) -> np.ndarray:
    """House number, alley, street and hamlet / residential group of households in communes of
    the given kind (0 xã, 1 phường, 2 đặc khu) and province."""
    n = len(kinds)
    region = region_of(province)
    num = _numbers(rng, n, 400)
    street = choose(rng, STREETS, n)
    group = zfill(rng.integers(1, 30, n), 2)
    alley_word = np.array(["ngõ", "kiệt", "hẻm"], dtype=object)[region]
    alley = rng.random(n) < 0.3
    urban = np.where(alley, "Số " + num + " " + alley_word + " " + _numbers(rng, n, 200) + ", đường " + street,
                     "Số " + num + " đường " + street)
    urban = urban + np.where(region == 2, ", Khu phố " + np.array([g.lstrip("0") for g in group], dtype=object),
                             ", Tổ dân phố " + group)
    hamlet = choose(rng, _HAMLETS, n)
    rural = np.select([region == 2, region == 1],
                      ["Ấp " + hamlet, "Thôn " + hamlet],
                      np.where(rng.random(n) < 0.5, "Thôn " + group, "Xóm " + group))
    rural = np.where(rng.random(n) < 0.4, "Số " + num + ", " + rural, rural)
    return np.where(kinds == 1, urban, rural)


def street_addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    """``Số N đường X``: offices, and shops found at no household's address."""
    return "Số " + _numbers(rng, n, 500) + " đường " + choose(rng, STREETS, n)


# (pattern, replacements): each is applied, with probability 0.6, to an address chosen for
# re-typing, the replacement drawn uniformly. Literal text, first occurrence only.
_VARIANTS: list[tuple[str, list[str]]] = [
    ("Số ", ["số ", "SN ", ""]),
    ("đường ", ["Đ. ", "", "Đường ", "đ."]),
    ("Tổ dân phố ", ["TDP ", "Tổ ", "tổ dân phố ", "TDP."]),
    ("Khu phố ", ["KP ", "KP.", "khu phố ", "Kp "]),
    ("Thôn ", ["thôn ", "Th. "]),
    ("Xóm ", ["xóm "]),
    ("Ấp ", ["ấp ", "Ấp. "]),
    ("ngõ ", ["ng. ", "Ngõ ", "ngõ số "]),
    ("hẻm ", ["kiệt ", "h. ", "Hẻm "]),
    ("kiệt ", ["hẻm ", "K. ", "Kiệt "]),
    (", ", [" ", ","]),
]


def _retype(s: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Abbreviations and re-typing, vectorised per pattern."""
    s = s.copy()
    for pat, reps in _VARIANTS:
        u = rng.random(len(s))
        alt = rng.integers(0, len(reps), len(s))
        for k, rep in enumerate(reps):
            m = (u < 0.6) & (alt == k)
            if m.any():
                s[m] = s[m].str.replace(pat, rep, n=1, regex=False)
    u = rng.random(len(s))
    # residential groups without the leading zero; a southern alley as "123/45 Street"
    m = u < 0.5
    s[m] = s[m].str.replace(r"\b0(\d)\b", r"\1", regex=True)
    m = u > 0.7
    s[m] = s[m].str.replace(r"^[Ss]ố (\d+) hẻm (\d+),? đường ", r"\2/\1 ", regex=True)
    return s


def three_tier(parts: tuple[str, str, str, str, str, str], style: float) -> str:
    """The old ward, district and province as an address tail, abbreviated or in full.

    >>> three_tier(("Phường", "Phúc Xá", "Quận", "Ba Đình", "Thành phố", "Hà Nội"), 0.5)
    ', P. Phúc Xá, Q. Ba Đình, TP. Hà Nội'
    >>> three_tier(("Xã", "An Bình", "Huyện", "Dĩ An", "Tỉnh", "Bình Dương"), 0.9)
    ', Xã An Bình, Huyện Dĩ An, Tỉnh Bình Dương'
    """
    wt, wn, dt, dn, pt, pn = parts
    if style >= 0.7:
        return f", {wt} {wn}, {dt} {dn}, {pt} {pn}"
    short = {"Phường": "P.", "Xã": "X.", "Thị trấn": "TT.", "Quận": "Q.", "Huyện": "H.", "Thị xã": "TX.",
             "Thành phố": "TP.", "Tỉnh": "T."}
    province = f"{short[pt]} {pn}"
    if pn == "Hồ Chí Minh" and style < 0.3:
        province = ["TP.HCM", "TPHCM", "HCM"][int(style * 10) % 3]
    elif pn == "Hà Nội" and style < 0.2:
        province = "HN"
    return f", {short[wt]} {wn}, {short[dt]} {dn}, {province}"


def noisy_addresses(rng: np.random.Generator, addresses: np.ndarray, old_ward: np.ndarray,
                    legacy_parts: dict[int, tuple[str, str, str, str, str, str]], rates: Rates,
                    stale: np.ndarray) -> np.ndarray:
    """Addresses as another register typed them. ``old_ward`` is, per row, the pre-2025 commune
    whose names the three-tier tail would carry (-1: none known)."""
    n = len(addresses)
    r = rates
    s = pd.Series(addresses, dtype=object)
    m = pick(rng, n, r.addr_no_number)
    s[m] = s[m].str.replace(r"^(?:Số )?\d+[^ ,]*[ ,]+", "", regex=True)
    m = pick(rng, n, r.addr_variant)
    if m.any():
        s[m] = _retype(s[m], rng)
    sel = np.flatnonzero(pick(rng, n, conditional(r.addr_suffix, r.stale, r.stale_ward_old, stale)))
    style = rng.random(len(sel))
    tails = [three_tier(legacy_parts[int(old_ward[i])], float(st)) if old_ward[i] in legacy_parts else ""
             for i, st in zip(sel, style, strict=True)]
    s.iloc[sel] = s.iloc[sel] + pd.Series(tails, index=s.index[sel], dtype=object)
    m = pick(rng, n, r.addr_fold)
    s[m] = s[m].map(fold)
    m = pick(rng, n, r.addr_upper)
    s[m] = s[m].str.upper()
    out = s.to_numpy(dtype=object)
    out[pick(rng, n, r.addr_missing)] = ""
    return out
