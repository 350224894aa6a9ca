"""Suite of ``cooperatives``: the same checks as enterprises (one contract table for both)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import Lookups, Suite, Thresholds
from expectations.enterprises import build_organisations

REGISTER = "cooperatives"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    return build_organisations(REGISTER, rows, as_of, previous_rows, thresholds)
