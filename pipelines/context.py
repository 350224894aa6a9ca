"""Where a run reads and writes, and for which date: passed to every stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunContext"]


@dataclass(frozen=True)
class RunContext:
    """One run: the input folder, the output folder and the as-of date.

    Stages exchange files under ``stage_dir``; published files go directly under ``output``.
    """

    input: Path
    output: Path
    as_of: dt.date

    def __post_init__(self) -> None:
        # Absolute from here on: stages, GX stores and Airflow workers may not share a cwd.
        object.__setattr__(self, "input", Path(self.input).expanduser().absolute())
        object.__setattr__(self, "output", Path(self.output).expanduser().absolute())

    @property
    def stage_dir(self) -> Path:
        return self.output / "_stages"

    def stage_path(self, stage: str, name: str) -> Path:
        return self.stage_dir / stage / name

    @classmethod
    def create(cls, input: str | Path, output: str | Path, as_of: str | dt.date) -> RunContext:
        """Build a context from CLI or DAG parameters (an as-of text is `YYYY-MM-DD`)."""
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        return cls(Path(input), Path(output), as_of)
