"""Vietnamese text normalisation: NFC, `Đ`, spacing, case, and a folded (diacritic-free) form.

Registers are typed by people: NFD text (Unikey's "tổ hợp" mode, macOS), `Ð` (U+00D0, Icelandic
eth) typed for `Đ` (U+0110), doubled spaces and ALL CAPS all occur. Every comparison in covgap
works on these normal forms.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pandas as pd

__all__ = [
    "clean_series",
    "clean_text",
    "fold",
    "fold_series",
    "name_case",
    "name_case_series",
    "normalise_enum",
    "normalise_sex",
]

_SPACES = re.compile(r"\s+")
# Look-alikes of Đ/đ that keyboards and OCR produce.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"})


def clean_text(value: str | None) -> str | None:
    """NFC, `Ð`→`Đ`, single spaces, stripped; empty becomes None.

    >>> clean_text("  Nguye\u0302\u0303n   Thị  Mai ")
    'Nguyễn Thị Mai'
    >>> clean_text("\u00d0ặng Văn An")
    'Đặng Văn An'
    >>> clean_text("   ") is None
    True
    """
    if value is None or value != value:  # None or NaN
        return None
    text = unicodedata.normalize("NFC", str(value).translate(_LOOKALIKES))
    text = _SPACES.sub(" ", text).strip()
    return text or None


@cache
def _fold_table() -> dict[int, str]:
    """Map every precomposed Latin letter to its base letter (đ→d); built once."""
    table: dict[int, str] = {0x0110: "d", 0x0111: "d", 0x00D0: "d", 0x00F0: "d"}
    for code in range(0x00C0, 0x1EFF + 1):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if base != char and base.isascii():
            table[code] = base.lower()
    return table


def fold(value: str | None) -> str | None:
    """Lower case without diacritics: the form that survives a keyboard with no Vietnamese input.

    >>> fold("Nguyễn Thị Mai")
    'nguyen thi mai'
    >>> fold("ĐẶNG  Văn   Ðức")
    'dang van duc'
    >>> fold("Nguye\u0302\u0303n") == fold("Nguyễn")
    True
    """
    text = clean_text(value)
    if text is None:
        return None
    folded = text.translate(_fold_table())
    # Combining marks left over (rare letters outside the table) are dropped too.
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded.lower()


_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold_words(value: str | None) -> str:
    """:func:`fold`, with punctuation turned into spaces: addresses compared word by word.

    >>> fold_words("Số 5, P.Hoàn  Kiếm, TP. Hà Nội")
    'so 5 p hoan kiem tp ha noi'
    >>> fold_words(None)
    ''
    """
    return " ".join(_NOT_WORD.sub(" ", fold(value) or "").split())


def name_case(value: str | None) -> str | None:
    """Capitalise each word, as names are printed on officers' lists.

    >>> name_case("NGUYỄN THỊ  MAI")
    'Nguyễn Thị Mai'
    >>> name_case("trần văn đức")
    'Trần Văn Đức'
    """
    text = clean_text(value)
    if text is None:
        return None
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" "))


def _map_unique(series: pd.Series, func) -> pd.Series:  # type: ignore[no-untyped-def]
    """Apply ``func`` once per distinct value: registers repeat names and codes a lot."""
    uniques = pd.unique(series.dropna())
    mapping = {value: func(value) for value in uniques}
    return series.map(mapping).astype(object).where(series.notna(), None)


def clean_series(series: pd.Series) -> pd.Series:
    """:func:`clean_text` over a column."""
    return _map_unique(series, clean_text)


def fold_series(series: pd.Series) -> pd.Series:
    """:func:`fold` over a column."""
    return _map_unique(series, fold)


def name_case_series(series: pd.Series) -> pd.Series:
    """:func:`name_case` over a column."""
    return _map_unique(series, name_case)


_SEX = {"m": "M", "f": "F", "nam": "M", "nu": "F", "male": "M", "female": "F"}


def normalise_sex(values: pd.Series) -> pd.Series:
    """`M`/`F` from the contract's codes, also lower case and the Vietnamese `Nam`/`Nữ`; else None.

    >>> normalise_sex(pd.Series(["M", "f", "Nữ", "x", None])).tolist()
    ['M', 'F', 'F', None, None]
    """
    return fold_series(values).map(_SEX).astype(object).where(lambda s: s.notna(), None)


def normalise_enum(values: pd.Series) -> pd.Series:
    """Lower case, stripped: `Active ` and `ACTIVE` are the contract's `active`."""
    text = values.astype("string").str.strip().str.lower()
    return text.astype(object).where(text.notna() & (text != ""), None)
