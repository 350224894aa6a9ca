"""Suite of ``employers``: the social security unit register."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from contract.rules import TAX_CODE_PATTERN, TAX_CODE_WHAT
from expectations.common import Lookups, Suite, Thresholds, start

REGISTER = "employers"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    p, s = start(rows, REGISTER, previous_rows, thresholds, empty_is_critical=False)
    spec = p.spec
    share = thresholds.key_well_formed
    s.add("ExpectColumnValuesToNotBeNull", severity="critical", kind="structure", column="unit_code",
          mostly=share, description=f"`unit_code` present on at least {share:.0%} of rows")
    s.required_values(spec.required)
    s.unique("unit_code")
    shaped, check = p.tax_code("tax_code")
    s.optional_shape("tax_code", TAX_CODE_PATTERN, TAX_CODE_WHAT, shaped=shaped)
    s.flag("tax_code", check, "`tax_code` has a valid check digit (reported, not rejected)")
    found = p.found_in("tax_code", lookups.org_tax_codes, "enterprises or cooperatives")
    s.flag("tax_code", found, "`tax_code` is that of a registered enterprise or cooperative (reported)",
           kind="cross_register")
    s.ward(p.ward_status(), required=False)
    s.null_rates(thresholds.null_rates[REGISTER])
    return p.frame(), s
