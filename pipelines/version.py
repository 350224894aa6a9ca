"""Which code made a run: the package version and, in a git checkout, the commit."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["code_version"]


def code_version() -> str:
    """``<version>+<short commit>``, or the version alone outside a git checkout."""
    version = metadata.version("covgap")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent,
                                capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version
