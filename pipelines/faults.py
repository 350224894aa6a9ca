"""Named points where the fault-injection tests kill a run (``tests/e2e/test_faults.py``).

Inert unless ``COVGAP_KILL_AT`` names a point. There the process kills itself with SIGKILL, or,
with ``COVGAP_KILL_HOW`` ``group``, its whole process group, or with ``parent`` its parent (a worker
killing the main process, as ``kill -9`` of the main process would), then goes on. The points: ``after:<stage>``
(each stage of ``pipelines/flow.py``), ``worker`` (a workbook process, mid-province), and the publish
steps ``publish:before-switch``, ``publish:after-exchange``, ``publish:between-renames``.
"""

from __future__ import annotations

import os
import signal
import time

__all__ = ["ENV", "point"]

ENV, HOW = "COVGAP_KILL_AT", "COVGAP_KILL_HOW"


def point(name: str) -> None:
    """Die here if ``COVGAP_KILL_AT`` says so (see the module docstring)."""
    if os.environ.get(ENV) != name:
        return
    how = os.environ.get(HOW, "")
    if how == "group":
        os.killpg(os.getpgrp(), signal.SIGKILL)
    elif how == "parent":
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(5)  # go on "writing": a worker that outlives its parent is the fault under test
        return
    os.kill(os.getpid(), signal.SIGKILL)
