"""Suite of ``labour`` (optional register): the labour contracts employers report."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from contract.rules import TAX_CODE_PATTERN, TAX_CODE_WHAT
from expectations.common import Lookups, Suite, Thresholds, optional_person, start

REGISTER = "labour"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    p, s = start(rows, REGISTER, previous_rows, thresholds, empty_is_critical=False)
    spec = p.spec
    share = thresholds.key_well_formed
    s.add("ExpectColumnValuesToNotBeNull", severity="critical", kind="structure", column="contract_id",
          mostly=share, description=f"`contract_id` present on at least {share:.0%} of rows")
    s.required_values(spec.required)
    s.unique("contract_id")
    s.enum("contract_type", p.normalised_enum("contract_type"))
    started, _ = p.full_date("start_date")
    s.real_full_date("start_date", started)
    ended, _ = p.full_date("end_date")
    s.real_date("end_date", ended, required=False)
    begin = pd.to_datetime(p.rows["start_date"], format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(p.rows["end_date"], format="%Y-%m-%d", errors="coerce")
    order = "end_date (on or after start_date)"
    p.add(order, (end >= begin).where(end.notna() & begin.notna()))
    s.flag("end_date", order, "`end_date` is not before `start_date` (such a contract is never in force; reported)")
    shaped, check = p.tax_code("employer_tax_code")
    s.optional_shape("employer_tax_code", TAX_CODE_PATTERN, TAX_CODE_WHAT, shaped=shaped)
    s.flag("employer_tax_code", check, "`employer_tax_code` has a valid check digit (reported, not rejected)")
    found = p.found_in("employer_tax_code", lookups.org_tax_codes, "enterprises or cooperatives")
    s.flag("employer_tax_code", found, "`employer_tax_code` is that of a registered enterprise or cooperative "
           "(reported: public bodies and household businesses are in neither)", kind="cross_register")
    optional_person(p, s, as_of)
    s.ward(p.ward_status(), required=False)
    s.null_rates(thresholds.null_rates.get(REGISTER, {}))
    return p.frame(), s
