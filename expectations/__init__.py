"""One Great Expectations suite per register, built in code (no JSON store is committed).

``expectations.<register>.build(rows, as_of, lookups, previous_rows, thresholds)`` returns the
prepared table and its :class:`~expectations.common.Suite`; ``Suite.build()`` makes the GX suite.
``pipelines/quality.py`` runs them; ``expectations/common.py`` says how rules map to quarantine.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from contract.registers import ALL_REGISTERS
from expectations.common import Lookups, Prepared, Suite
from expectations.thresholds import Thresholds

__all__ = ["Lookups", "Prepared", "Suite", "Thresholds", "suite_module"]


def suite_module(register: str) -> ModuleType:
    """The module that builds the suite of ``register``."""
    if register not in ALL_REGISTERS:
        raise ValueError(f"unknown register {register!r}")
    return importlib.import_module(f"expectations.{register}")
