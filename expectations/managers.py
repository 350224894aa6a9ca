"""Suite of ``managers``: every role must point at a registered enterprise or cooperative."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from contract.enumerations import SEXES
from expectations.common import Lookups, Suite, Thresholds, start

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
    kind = p.person_id_kind("person_id")
    s.add("ExpectColumnValuesToNotBeInSet", kind="optional", column="person_id", value_set=["unusable"],
          target=kind, description="`person_id`, when given, is a 12-digit ID or a legacy 9-digit one")
    status, future = p.partial_date("date_of_birth", as_of, allow_swap=True)
    s.real_date("date_of_birth", status, required=False)
    s.not_future("date_of_birth", future, required=False)
    s.optional_enum("sex", SEXES, p.normalised_sex())
    s.flag("person_id", p.id_agreement("person_id", "date_of_birth", "sex"),
           "the century/sex and year digits of `person_id` agree with `date_of_birth` and `sex` (flagged)")
    s.null_rates(thresholds.null_rates[REGISTER])
    return p.frame(), s
