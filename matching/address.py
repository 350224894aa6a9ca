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

from matching.text import fold_series

__all__ = ["address_key", "address_keys", "house_number"]

# Multi-word unit names first (on folded, punctuation-free text), then single words.
_PHRASES = (
    (re.compile(r"\b(?:to dan pho|tdp)\b"), "to"),
    (re.compile(r"\b(?:khu pho|kp)\b"), "kp"),
    (re.compile(r"\b(?:khu dan cu|kdc)\b"), "kdc"),
    (re.compile(r"\bso nha\b"), " "),
)
_WORDS = {
    "so": "", "sn": "", "duong": "", "d": "", "dg": "", "ng": "ngo", "ngo": "ngo", "ngach": "ngach",
    "hem": "hem", "h": "hem", "kiet": "hem", "thon": "thon", "xom": "xom", "ap": "ap", "ban": "ban",
    "khom": "khom", "to": "to",
}
# First words of a comma-separated part that begins the commune / district / province part.
_ADMIN = re.compile(r"(?:phuong|p|xa|quan|q|huyen|tp|thanh pho|thi xa|thi tran|tx|tt|tinh)(?: |\d|$)")
_NUMBER = re.compile(r"\b0+(\d)")
_FIRST_NUMBER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _key_of_folded(folded: str) -> str:
    parts = [" ".join(_NOT_WORD.sub(" ", part).split()) for part in folded.split(",")]
    kept = parts
    for index, part in enumerate(parts[1:], start=1):
        if _ADMIN.match(part):  # "..., P. Bến Nghé, Q.1": the ward code says that better
            kept = parts[:index]
            break
    text = " ".join(kept)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    words = (_WORDS.get(word, word) for word in text.split())
    return " ".join(_NUMBER.sub(r"\1", word) for word in words if word)


def address_keys(values: pd.Series | np.ndarray) -> np.ndarray:
    """:func:`address_key` of many values (each distinct value worked out once); ``""`` where missing."""
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    folded = fold_series(series)
    codes, uniques = pd.factorize(folded, use_na_sentinel=True)
    keys = np.array([_key_of_folded(u) for u in uniques], dtype=object)
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
