"""Addresses as comparable keys: house number, lane, street and hamlet, spelt one way.

The same house is written many ways across registers: `Số 9 đường Nguyễn Huệ, Tổ dân phố 24`,
`9 Nguyễn Huệ, TDP 24`, `SN 9 Đ. Nguyen Hue, tổ 24`, `Số 009 ...`. :func:`address_key` folds the
diacritics, unifies the abbreviations of the unit words (`tổ dân phố`/`TDP`/`tổ`, `khu phố`/`KP`,
`ngõ`/`ng.`, `hẻm`/`kiệt`), drops words that carry no information (`số`, `đường`), strips leading
zeros, and cuts off a trailing commune / district / province part (the register's ward code says
that better). The first number left is the house number.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from matching.text import fold_series

__all__ = ["address_key", "address_keys", "house_number", "route_key", "route_keys"]

# Rewrites on folded text, in order (RE2, run by Arrow over every distinct address at once).
_REWRITES = (
    # "..., P. Bến Nghé, Q.1, TP.HCM": from the first comma-separated part that starts with a
    # commune / district / province word on, the register's ward code says it better.
    (r",\s*(?:phuong|p|xa|quan|q|huyen|tp|thanh pho|thi xa|thi tran|tx|tt|tinh)\b.*$", ""),
    (r"[^a-z0-9]+", " "),
    (r"\b(?:to dan pho|tdp)\b", "to"),
    (r"\b(?:khu pho|kp)\b", "kp"),
    (r"\b(?:khu dan cu|kdc)\b", "kdc"),
    (r"\b(?:so nha|so|sn|duong|dg|d)\b", " "),  # "number", "street": in every address
    (r"\bng\b", "ngo"),
    (r"\b(?:h|kiet)\b", "hem"),
    (r"\b0+(\d)", "\\1"),  # 068 -> 68
    (r" {2,}", " "),
)
_FIRST_NUMBER = re.compile(r"\d+")


def _keys_of_folded(folded: pa.Array) -> pa.Array:
    for pattern, replacement in _REWRITES:
        folded = pc.replace_substring_regex(folded, pattern, replacement)
    return pc.utf8_trim(folded, " ")


def address_keys(values: pd.Series | np.ndarray | list[str | None]) -> np.ndarray:
    """:func:`address_key` of many values (each distinct value worked out once); ``""`` where missing."""
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    folded = fold_series(series)
    codes, uniques = pd.factorize(folded, use_na_sentinel=True)
    keys = _keys_of_folded(pa.array(np.asarray(uniques, dtype=object), type=pa.string()))
    keys = np.asarray(keys.to_numpy(zero_copy_only=False), dtype=object)
    out = np.full(len(series), "", dtype=object)
    out[codes >= 0] = keys[codes[codes >= 0]]
    return out


def address_key(value: str | None) -> str:
    """The comparable form of one address.

    >>> address_key("Số 009 đường Nguyễn Huệ, Tổ dân phố 24")
    '9 nguyen hue to 24'
    >>> address_key("SN 9 Đ. NGUYEN HUE, TDP 24, P. Bến Nghé, Q.1, TP.HCM")
    '9 nguyen hue to 24'
    >>> address_key("Số 12 ngõ 068, đường Lê Lợi"), address_key("Kiệt 5 Hùng Vương"), address_key(None)
    ('12 ngo 68 le loi', 'hem 5 hung vuong', '')
    >>> address_key("5 Quán Thánh, P. Quán Thánh, Q. Ba Đình"), address_key("Ấp 3, Đường tỉnh 743")
    ('5 quan thanh', 'ap 3 tinh 743')
    """
    return str(address_keys(np.array([value], dtype=object))[0])


def house_number(key: str) -> str:
    """The first number of an address key (the house number), ``""`` if it has none.

    >>> house_number("12 ngo 68 le loi"), house_number("thon 3"), house_number("ap tan hoa")
    ('12', '3', '')
    """
    found = _FIRST_NUMBER.search(key)
    return found.group(0) if found else ""


# Words that open a hamlet-level part of an address (after address_key's rewrites): tổ (dân phố),
# khu phố, khu dân cư, thôn, ấp, xóm, bản, buôn, khu, làng, đội, cụm, khóm, sóc, phum.
_HAMLET_WORDS = frozenset(("to", "kp", "kdc", "thon", "ap", "xom", "ban", "buon", "khu", "lang", "doi", "cum",
                           "khom", "soc", "phum"))
_LANE = re.compile(r"\b(?:hem|ngo|ngach)\s+\d+\w*")
_HOUSE = re.compile(r"^\d+\w*")
_COMMUNE_TAIL = re.compile(_REWRITES[0][0])
_SLASH = re.compile(r"(?<=\d)\s*/\s*(?=\d)")


def _natural(text: str) -> str:
    """Numbers padded so that text order is number order ("to 9" before "to 10")."""
    return re.sub(r"\d+", lambda m: m.group(0).zfill(6), text)


def route_keys(values: pd.Series | np.ndarray | list[str | None]) -> list[tuple[str, str, str, str]]:
    """:func:`route_key` of many values, every distinct address worked out once (two Arrow passes in all)."""
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    codes, uniques = pd.factorize(fold_series(series), use_na_sentinel=True)
    # "12/3A" is one house number (house 3A in lane 12's alley): kept in one word, "12x3a"
    split = [_SLASH.sub("x", _COMMUNE_TAIL.sub("", str(u))).split(",") for u in uniques]
    keys = iter(address_keys([p for parts in split for p in parts]))
    routes = [_route([k for k in (next(keys) for _ in parts) if k]) for parts in split]
    return [routes[c] if c >= 0 else ("", "", "", "") for c in codes]


def _route(parts: list[str]) -> tuple[str, str, str, str]:
    hamlets: list[str] = []
    streets: list[str] = []
    lanes: list[str] = []
    house = ""
    for part in parts:
        if part.split(" ")[0] in _HAMLET_WORDS:  # the last is the hamlet, an earlier one a part of it (xóm)
            hamlets.append(part)
            continue
        lanes.extend(_LANE.findall(part))
        rest = _LANE.sub(" ", part).strip()
        if not house and (number := _HOUSE.match(rest)):
            house, rest = number.group(0), rest[number.end():].strip()
        if rest:
            streets.append(rest)
    streets = hamlets[:-1] + streets
    return (_natural(" ".join(hamlets[-1:])), _natural(" ".join(streets)), _natural(" ".join(lanes)),
            _natural(house))


def route_key(value: str | None) -> tuple[str, str, str, str]:
    """``(hamlet, street, lane, house)`` of an address, each folded with numbers zero-padded: sorting
    by it orders a commune's addresses the way an officer walks them (hamlet by hamlet, then street,
    lane and house number). A part that is missing is ``""``.

    >>> route_key("Số 194 hẻm 14, đường Lê Hồng Phong, Khu phố 3")
    ('kp 000003', 'le hong phong', 'hem 000014', '000194')
    >>> route_key("366 Phan Đình Phùng,KP 5, P. Bến Nghé")
    ('kp 000005', 'phan dinh phung', '', '000366')
    >>> route_key("Xóm Đông, Thôn 1, xã Tân Lập"), route_key(None)
    (('thon 000001', 'xom dong', '', ''), ('', '', '', ''))
    """
    return route_keys([value])[0]
