"""Suite of ``managers``: every role must point at a registered enterprise or cooperative."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import Lookups, Suite, Thresholds, optional_person, start

REGISTER = "managers"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    p, s = start(rows, REGISTER, previous_rows, thresholds, empty_is_critical=False)
    spec = p.spec
    shaped, _ = p.tax_code("org_tax_code")
    s.key_well_formed("org_tax_code", thresholds, shaped=shaped)
    s.required_values(spec.required)
    s.shape("org_tax_code", shaped=shaped)
    found = p.found_in("org_tax_code", lookups.org_tax_codes, "enterprises or cooperatives")
    s.flag("org_tax_code", found, "`org_tax_code` is the tax code of a registered enterprise or cooperative",
           kind="cross_register")
    optional_person(p, s, as_of)
    s.null_rates(thresholds.null_rates[REGISTER])
    return p.frame(), s
