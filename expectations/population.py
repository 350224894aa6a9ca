"""Suite of ``population``: the spine. Its IDs and commune codes must be clean and current."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import Lookups, Suite, Thresholds, start

REGISTER = "population"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    p, s = start(rows, REGISTER, previous_rows, thresholds, empty_is_critical=True)
    spec = p.spec
    s.key_well_formed("person_id", thresholds)
    s.required_values(spec.required)
    s.shape("person_id")
    s.unique("person_id")
    status, future = p.partial_date("date_of_birth", as_of, allow_swap=False)
    s.real_date("date_of_birth", status, required=True)
    s.not_future("date_of_birth", future, required=True)
    sex = p.normalised_sex()
    s.enum("sex", sex)
    ward = p.ward_status()
    s.ward(ward, required=True, current_only=True)
    s.add("ExpectColumnValuesToNotBeInSet", severity="critical", kind="structure", column="ward_code",
          value_set=["unknown"], target=ward, mostly=thresholds.key_well_formed,
          description=f"`ward_code` is a known commune code on at least {thresholds.key_well_formed:.0%} of rows")
    agrees = p.id_agreement("person_id", "date_of_birth", "sex")
    s.flag("person_id", agrees, "the century/sex and year digits of `person_id` agree with `date_of_birth` and `sex` "
                                "(flagged, never rejected)")
    death, death_future = p.full_date("death_date", as_of)
    s.real_date("death_date", death, required=False)
    s.add("ExpectColumnValuesToBeInSet", kind="optional", column="death_date", value_set=[False],
          target=death_future, description="`death_date` is not after the as-of date")
    s.null_rates(thresholds.null_rates[REGISTER])
    return p.frame(), s
