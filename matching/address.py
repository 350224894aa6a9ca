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

__all__ = ["address_key", "address_keys", "house_number"]

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
