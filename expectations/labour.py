"""Suite of ``labour`` (optional register): the labour contracts employers report."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from contract.enumerations import SEXES
from contract.rules import TAX_CODE_PATTERN, TAX_CODE_WHAT
from expectations.common import Lookups, Suite, Thresholds, start

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
    kind = p.person_id_kind("person_id")
    s.add("ExpectColumnValuesToNotBeInSet", kind="optional", column="person_id", value_set=["unusable"],
          target=kind, description="`person_id`, when given, is a 12-digit ID or a legacy 9-digit one")
    status, future = p.partial_date("date_of_birth", as_of, allow_swap=True)
    s.real_date("date_of_birth", status, required=False)
    s.not_future("date_of_birth", future, required=False)
    s.optional_enum("sex", SEXES, p.normalised_sex())
    s.flag("person_id", p.id_agreement("person_id", "date_of_birth", "sex"),
           "the century/sex and year digits of `person_id` agree with `date_of_birth` and `sex` (flagged)")
    s.ward(p.ward_status(), required=False)
    s.null_rates(thresholds.null_rates.get(REGISTER, {}))
    return p.frame(), s
