"""Write Vietnamese text in the legacy encodings agencies still export (for tests only)."""

from __future__ import annotations

import unicodedata

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 keeps â/ê/ô/ơ/ư/ă/đ precomposed and writes the five tones as combining marks."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out += base.encode("cp1258") + "".join(c for c in parts if c in _TONES).encode("cp1258")
    return bytes(out)


def encode_legacy_font(text: str, encoding: str) -> str:
    """Text as a TCVN3 or VNI font shows it: each Vietnamese letter replaced by its surface characters."""
    from viparse.normalize.encodings import CHARMAPS

    pairs = sorted(((uni, surface) for surface, uni in CHARMAPS[encoding].pairs), key=lambda p: -len(p[0]))
    source, out, i = unicodedata.normalize("NFC", text), [], 0
    while i < len(source):
        for uni, surface in pairs:
            if source.startswith(uni, i):
                out.append(surface)
                i += len(uni)
                break
        else:
            out.append(source[i])
            i += 1
    return "".join(out)
