"""A CSV register read line by line, as the file has it: every data line ends in exactly one place.

A stray ``"`` makes an ordinary CSV reader run one value across the following lines, so that a
thousand residents become one 107 KB name and every later row number shifts. Here a quoted value
may cross a line break only where the contract's data can hold one (an address), within a few
lines and with the header's number of fields; otherwise the line that opened it is set aside as
malformed and the next lines are read on their own, each with its own line number.

The ledger this keeps: ``lines`` (data lines after the header) = records + ``continued`` (lines a
record spanning several lines took after its first) + ``blank`` (empty lines, skipped). A record's
``row_number`` is the data line it starts on (1 = the line after the header), so for a file
without line breaks in values the row number is the data line.

>>> read = read_lines('a,b\\n1,x\\n"2,y\\n3,z\\n', width=2, multiline=set(), max_lines=5, max_chars=100)
>>> [r[0] for r in read.records], [m[0] for m in read.malformed]
([1, 3], [2])
>>> read.lines == len(read.records) + len(read.malformed) + read.continued + read.blank
True
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

# Python's csv refuses fields over 128 KiB with an error that reads like bad quoting; the length of a
# value is judged by the ingest rule (checks.max_value_chars) instead, with its own reason.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))

__all__ = ["CONTROL", "LinesRead", "clean_text", "cut", "physical_lines", "read_lines"]

# Characters never published: C0/C1 controls (tab and line ends are structure), DEL, and Unicode
# format characters (byte-order marks inside a field, zero-width spaces, bidi overrides that make a
# name read backwards in Excel), line and paragraph separators.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                     "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


def clean_text(text: str) -> tuple[str, int]:
    """Line ends made ``\\n`` (a lone CR too) and control characters removed; returns the count removed.

    >>> clean_text("Nguy\\x00ễn\\ufeff Mai\\r\\n")
    ('Nguyễn Mai\\n', 2)
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = len(CONTROL.findall(text)) if CONTROL.search(text) else 0
    return (CONTROL.sub("", text) if found else text), found


def physical_lines(text: str) -> list[str]:
    """The file's lines without their ends (a last line without an end is a line too).

    >>> physical_lines("h\\n1\\n2"), physical_lines("h\\n1\\n")
    (['h', '1', '2'], ['h', '1'])
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, saying how much was left out.

    >>> cut("abcdef", 3)
    'abc… [6 characters]'
    """
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text)} characters]"


@dataclass
class LinesRead:
    """Records (``row_number``, fields), malformed lines (``row_number``, reason, raw) and the ledger."""

    lines: int
    records: list[tuple[int, list[str]]] = field(default_factory=list)
    malformed: list[tuple[int, str, str]] = field(default_factory=list)
    continued: int = 0
    blank: int = 0
    open_at_end: int | None = None  # the last data line opens a quoted value that the file never closes


def _parse(text: str) -> list[str] | None:
    """One record's fields, or None when the text is not one well-quoted record."""
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def read_lines(text: str, *, width: int, multiline: set[int], max_lines: int, max_chars: int,
               header: list[str] | None = None) -> LinesRead:
    """Split the data lines of ``text`` (its first line is the header) into records of ``width`` fields.

    ``multiline``: positions of the columns whose values may hold a line break; ``max_lines``: the
    most lines one record may take; ``max_chars``: the longest value any column holds.
    """
    lines = physical_lines(text)[1:]
    names = header or [str(i) for i in range(width)]
    read = LinesRead(lines=len(lines))
    i = 0
    while i < len(lines):
        line = lines[i]
        number = i + 1
        if line == "":
            read.blank += 1
            i += 1
            continue
        end = i
        if line.count('"') % 2:  # a quoted value runs past this line: find where it closes
            odd = True
            while odd and end + 1 < len(lines) and end - i + 1 < max_lines:
                end += 1
                odd = bool(lines[end].count('"') % 2) != odd
            if odd and number == len(lines):  # the last line: as a file cut inside a quoted value looks
                read.open_at_end = number
            if odd:
                read.malformed.append((number, "malformed row: a quoted value opened on this line is never closed "
                                               "(a stray quote?)", cut(line, max_chars)))
                i += 1
                continue
        text_of_record = "\n".join(lines[i:end + 1])
        fields = _parse(text_of_record)
        if fields is None or len(fields) != width:
            if end > i:  # the closing quote belonged to another line's value: this line alone is broken
                reason = "malformed row: a quoted value opened on this line runs into the next lines (a stray quote?)"
            elif fields is None:
                reason = "malformed row: badly quoted value"
            else:
                reason = f"malformed row: {len(fields)} fields where the header has {width}"
            read.malformed.append((number, reason, cut(line, max_chars)))
            i += 1
            continue
        broken = [names[k] for k, value in enumerate(fields) if "\n" in value and k not in multiline]
        if broken:
            read.malformed.append((number, f"malformed row: a quoted value opened on this line runs into the next "
                                           f"lines inside '{broken[0]}' (a stray quote?)", cut(line, max_chars)))
            i += 1
            continue
        read.records.append((number, fields))
        read.continued += end - i
        i = end + 1
    return read
