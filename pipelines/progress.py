"""What a run tells the person who started it: one line per stage, and quiet otherwise.

On a terminal, ``covgap run`` draws a bar of the stages with the running stage and its time; when
its output is not a terminal (a log file, a CI job) it prints plain timed lines instead, one when
a stage starts and one when it ends. Third-party libraries keep their INFO lines to themselves
(:func:`quiet_third_party`): Great Expectations logs hundreds of lines from its documentation
decorators as it is imported, which would otherwise fill every Airflow task's log. Progress lines
hold stage names and times only: no names or IDs.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["QUIET_LIBRARIES", "Progress", "quiet_third_party"]

#: Loggers kept at WARNING: their INFO lines are about themselves, not about the run.
QUIET_LIBRARIES = ("great_expectations", "urllib3", "fsspec", "filelock", "asyncio")


def quiet_third_party() -> None:
    """Keep the third-party libraries' loggers at WARNING, including those that set their own level
    when imported (Great Expectations' ``data_context.types.base`` sets INFO), and drop the
    DeprecationWarnings Great Expectations' own imports raise (``sre_parse``, ``sre_constants``)."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.startswith(QUIET_LIBRARIES) and \
                logger.level not in (logging.NOTSET,) and logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"great_expectations(\..*)?")


def _clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``).

    >>> _clock(5.2), _clock(754), _clock(3725)
    ('0:05', '12:34', '1:02:05')
    """
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Stage by stage progress of a run, to ``stream`` (default: standard error)."""

    def __init__(self, stages: list[str], stream: TextIO | None = None, *, bar: bool | None = None) -> None:
        self.stages, self.stream = stages, stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.started = time.perf_counter()

    def _line(self, text: str) -> None:
        self.stream.write(f"{time.strftime('%H:%M:%S')} covgap {text}\n")
        self.stream.flush()

    def _draw(self, number: int, name: str, since: float, end: str = "") -> None:
        width = 24
        filled = width * (number - 1) // len(self.stages)
        self.stream.write(f"\r\033[Kcovgap [{'█' * filled}{'░' * (width - filled)}] {number}/{len(self.stages)} "
                          f"{name} {_clock(time.perf_counter() - since)}{end}")
        self.stream.flush()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Report the stage ``name`` around its run (a failure is reported too, then raised)."""
        number = self.stages.index(name) + 1
        since = time.perf_counter()
        label = f"[{number:>{len(str(len(self.stages)))}}/{len(self.stages)}] {name}"
        stop = threading.Event()
        ticker = None
        if self.bar:
            def tick() -> None:
                while not stop.wait(0.5):
                    self._draw(number, name, since)

            self._draw(number, name, since)
            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
        else:
            self._line(f"{label} ...")
        ok = False
        try:
            yield
            ok = True
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
            seconds = time.perf_counter() - since
            if self.bar:
                self.stream.write(f"\r\033[K{label} {'done' if ok else 'FAILED'} in {seconds:.1f} s\n")
                self.stream.flush()
            else:
                self._line(f"{label} {'done' if ok else 'FAILED'} in {seconds:.1f} s")

    def finish(self) -> None:
        seconds = time.perf_counter() - self.started
        (self.stream.write(f"covgap: all {len(self.stages)} stages done in {_clock(seconds)}\n") if self.bar
         else self._line(f"all {len(self.stages)} stages done in {_clock(seconds)}"))
        self.stream.flush()
