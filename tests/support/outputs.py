"""A run's output folder as file digests, to say two runs published the same bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["digests"]


def digests(folder: Path, *, stages: bool = True) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` by relative path, except ``manifest.json`` (it holds the
    wall clock); ``stages=False``: the published files only, ``_stages/`` left out."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json" and (stages or "_stages" not in p.relative_to(folder).parts)}
