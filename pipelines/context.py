"""Where a run reads and writes, for which date, with which settings: passed to every stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.catalogue import DEFAULT_SETTINGS_FILE, SETTINGS

if TYPE_CHECKING:
    from pipelines.settings import Settings

__all__ = ["FEEDBACK_FOLDER", "STATE_FILE", "RunContext"]

STATE_FILE = "state.sqlite"  # the embedded state store's file name (covgap run: in .DIR.covgap/; the DAG: in its root)
FEEDBACK_FOLDER = "feedback"  # filled-in workbooks dropped here are read by the next run (beside the default store)


@dataclass(frozen=True)
class RunContext:
    """One run: the input folder, the output folder, the as-of date and the settings file.

    Stages exchange files under ``output/_stages/``; published files go directly under ``output``
    (each file's place: ``pipelines/catalogue.py``). ``settings_file`` None: the shipped one.
    ``published``: where readers will find this run once it is complete (``covgap run`` builds in a
    folder of its own and switches it to ``--output``; the DAG links ``{root}/{as_of}``), which is
    where the previous run is looked for; None: ``output`` itself. ``state``: the state store
    (``pipelines.state_store``: an SQLite file or a database URL); None: ``state.sqlite`` in the
    published folder's workspace ``.DIR.covgap/`` (beside it, never inside the folder a run swaps).
    ``feedback``: the folder of filled-in workbooks (``pipelines.feedback``); None: ``feedback/`` in that
    same workspace (``--output DIR`` is replaced whole by each run: a folder inside it would be swapped away).
    """

    input: Path
    output: Path
    as_of: dt.date
    settings_file: Path | None = None
    published: Path | None = None
    state: str | None = None
    feedback: Path | None = None

    def __post_init__(self) -> None:
        # Absolute from here on: stages, GX stores and Airflow workers may not share a cwd.
        object.__setattr__(self, "input", Path(self.input).expanduser().absolute())
        object.__setattr__(self, "output", Path(self.output).expanduser().absolute())
        settings = DEFAULT_SETTINGS_FILE if self.settings_file is None else self.settings_file
        object.__setattr__(self, "settings_file", Path(settings).expanduser().absolute())
        published = self.output if self.published is None else self.published
        object.__setattr__(self, "published", Path(published).expanduser().absolute())
        if self.feedback is not None:
            object.__setattr__(self, "feedback", Path(self.feedback).expanduser().absolute())
        if self.state and "://" not in self.state:  # a file: absolute, as the folders are
            object.__setattr__(self, "state", str(Path(self.state).expanduser().absolute()))

    @cached_property
    def settings(self) -> Settings:
        """The settings this run uses: the copy the ``settings`` stage recorded, else the file itself."""
        from pipelines.settings import load_settings

        recorded = SETTINGS.path(self)
        return load_settings(recorded if recorded.is_file() else self.settings_file)

    @property
    def state_location(self) -> str:
        """Where the state store is: ``state``, else the default beside the published folder."""
        if self.state:
            return self.state
        from pipelines.output_folder import workspace_of

        return str(workspace_of(Path(str(self.published))) / STATE_FILE)

    @property
    def feedback_folder(self) -> Path:
        """Where filled-in workbooks are read from: ``feedback``, else ``feedback/`` beside the published folder."""
        if self.feedback is not None:
            return self.feedback
        from pipelines.output_folder import workspace_of

        return workspace_of(Path(str(self.published))) / FEEDBACK_FOLDER

    @classmethod
    def create(cls, input: str | Path, output: str | Path, as_of: str | dt.date,
               settings: str | Path | None = None, published: str | Path | None = None,
               state: str | Path | None = None, feedback: str | Path | None = None) -> RunContext:
        """Build a context from CLI or DAG parameters (an as-of text is `YYYY-MM-DD`)."""
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        return cls(Path(input), Path(output), as_of, Path(settings) if settings else None,
                   Path(published) if published else None, str(state) if state else None,
                   Path(feedback) if feedback else None)
