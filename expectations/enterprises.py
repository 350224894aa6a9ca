"""Suite of ``enterprises`` (and, through :func:`build_organisations`, of ``cooperatives``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from expectations.common import Lookups, Suite, Thresholds, start

REGISTER = "enterprises"


def build_organisations(register: str, rows: pd.DataFrame, as_of: dt.date, previous_rows: int | None,
                        thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    p, s = start(rows, register, previous_rows, thresholds, empty_is_critical=register == "enterprises")
    spec = p.spec
    shaped, check = p.tax_code("tax_code")
    s.key_well_formed("tax_code", thresholds, shaped=shaped)
    s.required_values(spec.required)
    s.shape("tax_code", shaped=shaped)
    s.unique("tax_code")
    s.flag("tax_code", check, "`tax_code` has a valid check digit (reported, not rejected)")
    s.enum("status", p.normalised_enum("status"))
    s.ward(p.ward_status(), required=True)
    registered, registered_future = p.full_date("registered_on", as_of)
    s.real_date("registered_on", registered, required=False)
    s.add("ExpectColumnValuesToBeInSet", kind="optional", column="registered_on", value_set=[False],
          target=registered_future, description="`registered_on` is not after the as-of date")
    for column in ("employees", "members"):
        p.keep(column)
        s.optional_shape(column, r"^\d+$", "a whole number")
    s.null_rates(thresholds.null_rates[register])
    return p.frame(), s


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    return build_organisations(REGISTER, rows, as_of, previous_rows, thresholds)
