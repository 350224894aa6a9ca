"""Suite of ``household_businesses`` (tax authority)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import Lookups, Suite, Thresholds, optional_person_id, start

REGISTER = "household_businesses"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    p, s = start(rows, REGISTER, previous_rows, thresholds, empty_is_critical=False, also_keep=("employees",))
    spec = p.spec
    share = thresholds.key_well_formed
    s.add("ExpectColumnValuesToNotBeNull", severity="critical", kind="structure", column="business_id",
          mostly=share, description=f"`business_id` present on at least {share:.0%} of rows")
    s.required_values(spec.required)
    s.unique("business_id")
    s.enum("tax_method", p.normalised_enum("tax_method"))
    s.enum("status", p.normalised_enum("status"))
    s.ward(p.ward_status(), required=True)
    optional_person_id(p, s, "owner_person_id")
    status, future = p.partial_date("owner_date_of_birth", as_of, allow_swap=True)
    s.real_date("owner_date_of_birth", status, required=False)
    s.not_future("owner_date_of_birth", future, required=False)
    s.optional_shape("employees", r"^\d+$", "a whole number")
    s.null_rates(thresholds.null_rates[REGISTER])
    return p.frame(), s
