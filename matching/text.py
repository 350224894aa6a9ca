"""Vietnamese text normalisation: NFC, `Đ`, spacing, case, and a folded (diacritic-free) form.

Registers are typed by people: NFD text (Unikey's "tổ hợp" mode, macOS), `Ð` (U+00D0, Icelandic
eth) typed for `Đ` (U+0110), doubled spaces and ALL CAPS all occur. Every comparison in covgap
works on these normal forms.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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

# Look-alikes of Đ/đ that keyboards and OCR produce.
_LOOKALIKES = (("\u00d0", "\u0110"), ("\u00f0", "\u0111"), ("\u0189", "\u0110"), ("\u0256", "\u0111"))
# What Python's str.isspace() calls white space, as an RE2 class (RE2's \s is ASCII only). The
# pattern matches only runs that need changing (two or more, or one that is not a plain space):
# matching every single space makes the kernel several times slower.
_OTHER_SPACES = (r"\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
                 r"\x{205f}\x{3000}")
_SPACES = rf"[ {_OTHER_SPACES}]{{2,}}|[{_OTHER_SPACES}]"

# Two implementations of the same forms: columns on Arrow's string kernels (a million names in a
# second or two), single values in plain Python (a call into Arrow costs ~1 ms). A property test
# checks that they agree.


def _per_distinct(function, series: pd.Series) -> pd.Series:  # type: ignore[no-untyped-def]
    """Run ``function`` once per distinct value (names and codes repeat a lot), then spread back."""
    encoded = pa.array(series.astype("string[pyarrow]").array).dictionary_encode()
    result = function(encoded.dictionary).take(encoded.indices)
    return pd.Series(result.to_numpy(zero_copy_only=False), index=series.index, dtype=object)


def _clean(values: pa.Array) -> pa.Array:
    for lookalike, letter in _LOOKALIKES:
        values = pc.replace_substring(values, lookalike, letter)
    values = pc.utf8_normalize(values, "NFC")
    values = pc.utf8_trim(pc.replace_substring_regex(values, _SPACES, " "), " ")
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _fold(values: pa.Array) -> pa.Array:
    values = pc.replace_substring_regex(pc.utf8_normalize(_clean(values), "NFD"), r"\p{Mn}", "")
    values = pc.replace_substring(pc.replace_substring(values, "\u0111", "d"), "\u0110", "d")
    return pc.utf8_lower(values)


def _name_case(values: pa.Array) -> pa.Array:
    return pc.utf8_title(pc.utf8_lower(_clean(values)))


_PY_SPACES = re.compile(r"\s+")


def _clean_one(value: str) -> str | None:
    text = value
    if not text.isascii():
        for lookalike, letter in _LOOKALIKES:
            text = text.replace(lookalike, letter)
        text = unicodedata.normalize("NFC", text)
    return _PY_SPACES.sub(" ", text).strip(" ") or None


def _missing(value: object) -> bool:
    return value is None or value != value  # None or NaN


def clean_text(value: str | None) -> str | None:
    """NFC, `Ð`→`Đ`, single spaces, stripped; empty becomes None.

    >>> clean_text("  Nguye\u0302\u0303n   Thị  Mai ")
    'Nguyễn Thị Mai'
    >>> clean_text("\u00d0ặng Văn An")
    'Đặng Văn An'
    >>> clean_text("   ") is None
    True
    """
    return None if _missing(value) else _clean_one(str(value))


def fold(value: str | None) -> str | None:
    """Lower case without diacritics: the form that survives a keyboard with no Vietnamese input.

    >>> fold("Nguyễn Thị Mai")
    'nguyen thi mai'
    >>> fold("ĐẶNG  Văn   Ðức")
    'dang van duc'
    >>> fold("Nguye\u0302\u0303n") == fold("Nguyễn")
    True
    """
    text = None if _missing(value) else _clean_one(str(value))
    if text is None:
        return None
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return stripped.replace("\u0111", "d").replace("\u0110", "d").lower()


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
    text = None if _missing(value) else _clean_one(str(value))
    return None if text is None else text.lower().title()


def clean_series(series: pd.Series) -> pd.Series:
    """:func:`clean_text` over a column."""
    return _per_distinct(_clean, series)


def fold_series(series: pd.Series) -> pd.Series:
    """:func:`fold` over a column."""
    return _per_distinct(_fold, series)


def name_case_series(series: pd.Series) -> pd.Series:
    """:func:`name_case` over a column."""
    return _per_distinct(_name_case, series)


_SEX = {"m": "M", "f": "F", "nam": "M", "nu": "F", "male": "M", "female": "F"}


def normalise_sex(values: pd.Series) -> pd.Series:
    """`M`/`F` from the contract's codes, also lower case and the Vietnamese `Nam`/`Nữ`; else None.

    >>> normalise_sex(pd.Series(["M", "f", "Nữ", "x", None])).tolist()
    ['M', 'F', 'F', None, None]
    """
    return fold_series(values).map(_SEX).astype(object).where(lambda s: s.notna(), None)


def normalise_enum(values: pd.Series) -> pd.Series:
    """Lower case, stripped: `Active ` and `ACTIVE` are the contract's `active`."""
    text = values.astype("string[pyarrow]").str.strip().str.lower()
    return text.astype(object).where(text.notna() & (text != ""), None)
