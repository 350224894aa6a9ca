"""Turn a register file's bytes into Unicode text, or refuse with a reason.

Registers should be UTF-8, but agencies still export Windows-1258 and legacy font encodings
(TCVN3/ABC, VNI, VISCII). Python decodes cp1258 to base letters plus combining marks, so the
result is NFC-normalised. Legacy font encodings are recognised by content with viparse (pinned;
its tables were verified for TCVN3 and VNI); a decoding is kept when its words are well-formed
Vietnamese syllables.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata

__all__ = ["UnrecognisedEncoding", "decode_register"]

_BOM = b"\xef\xbb\xbf"
# A decoding is trusted when nearly every accented word is a well-formed syllable; typos and
# foreign names keep real registers a little below 1.0, mojibake falls far below.
_MIN_WORD_RATE = 0.9
_SAMPLE_CHARS = 200_000


class UnrecognisedEncoding(ValueError):
    """The bytes are neither UTF-8 nor a recognisable Vietnamese legacy encoding."""


def decode_register(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)``; ``encoding`` names what was detected and converted.

    >>> decode_register("Nguyễn Thị Mai".encode("utf-8"))
    ('Nguyễn Thị Mai', 'utf-8')
    >>> decode_register("\\ufeffHọ tên".encode("utf-8"))[1]
    'utf-8-sig'
    """
    label = "utf-8"
    if data.startswith(_BOM):
        data, label = data[len(_BOM):], "utf-8-sig"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_legacy(data)
    legacy = _legacy_font_in_unicode(text)
    if legacy is not None:
        return legacy
    return text, label


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Try Windows-1258 and the legacy font encodings; keep the one that reads as Vietnamese."""
    from viparse.normalize.encodings import AUTO_DETECT_CHARMAPS
    from viparse.normalize.tables import convert

    candidates: dict[str, str] = {}
    with contextlib.suppress(UnicodeDecodeError):  # cp1258 leaves five byte values undefined
        candidates["cp1258"] = unicodedata.normalize("NFC", data.decode("cp1258"))
    surface = data.decode("latin-1")
    for name, charmap in AUTO_DETECT_CHARMAPS.items():
        candidates[name] = convert(surface, charmap)
    rate, name = max((vietnamese_word_rate(text[:_SAMPLE_CHARS]), name) for name, text in candidates.items())
    if rate < _MIN_WORD_RATE:
        raise UnrecognisedEncoding(
            "text is not UTF-8 and could not be recognised as Windows-1258, TCVN3, VNI or VISCII; "
            "export the register as UTF-8"
        )
    return candidates[name], name


def _legacy_font_in_unicode(text: str) -> tuple[str, str] | None:
    """UTF-8 text that still carries TCVN3/VNI letters (converted byte by byte) is converted."""
    sample = text[:_SAMPLE_CHARS]
    as_is = vietnamese_word_rate(sample)
    if as_is >= _MIN_WORD_RATE:
        return None
    from viparse.normalize.encodings import AUTO_DETECT_CHARMAPS
    from viparse.normalize.tables import convert

    rate, name = max((vietnamese_word_rate(convert(sample, cm)), name) for name, cm in AUTO_DETECT_CHARMAPS.items())
    if rate < _MIN_WORD_RATE or rate <= as_is:
        return None
    return convert(text, AUTO_DETECT_CHARMAPS[name]), f"utf-8+{name}"


_VIETNAMESE_BASE = set("aăâbcdđeêghiklmnoôơpqrstuưvxyfjwz")
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_WORD = re.compile(r"[^\W\d_]+")


def vietnamese_word_rate(text: str) -> float:
    """Share of words with non-ASCII letters that are well-formed Vietnamese syllables (1.0 if none).

    Mojibake (TCVN3 read as Latin-1: `NguyÔn`, `ThÞ`) breaks syllables: foreign letters, a
    capital inside a word, or two tone marks.

    >>> vietnamese_word_rate("Nguyễn Thị Mai, Đặng Quốc Việt")
    1.0
    >>> vietnamese_word_rate("NguyÔn ThÞ Mai") < 0.5
    True
    """
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if not words:
        return 1.0
    return sum(_is_syllable(w) for w in words) / len(words)


def _is_syllable(word: str) -> bool:
    if not (word.islower() or word.isupper() or word[:1].isupper() and word[1:].islower()):
        return False
    tones = 0
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONE_MARKS:
            tones += 1
        elif unicodedata.combining(char):
            continue
        elif char not in _VIETNAMESE_BASE:
            return False
    base = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", word.lower())
                                                if c not in _TONE_MARKS))
    return tones <= 1 and all(c in _VIETNAMESE_BASE for c in base)
