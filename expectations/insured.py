"""Suite of ``insured``: the social security participant roll."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from contract.enumerations import SEXES, SI_STATUSES, SI_TYPES
from expectations.common import Lookups, Suite, Thresholds, optional_person_id, start

REGISTER = "insured"


def build(rows: pd.DataFrame, as_of: dt.date, lookups: Lookups, previous_rows: int | None,
          thresholds: Thresholds) -> tuple[pd.DataFrame, Suite]:
    """The prepared table and the suite that validates it."""
    p, s = start(rows, REGISTER, previous_rows, thresholds, empty_is_critical=True, also_keep=("pensioner",))
    spec = p.spec
    s.key_well_formed("si_code", thresholds)
    s.required_values(spec.required)
    s.shape("si_code")
    s.unique("si_code")
    status, future = p.partial_date("date_of_birth", as_of, allow_swap=True)
    s.real_date("date_of_birth", status, required=True)
    s.not_future("date_of_birth", future, required=True)
    optional_person_id(p, s, "person_id")
    s.optional_enum("sex", SEXES, p.normalised_sex())
    s.ward(p.ward_status(), required=False)
    s.optional_enum("si_type", SI_TYPES, p.normalised_enum("si_type"))
    s.optional_enum("si_status", SI_STATUSES, p.normalised_enum("si_status"))
    unit = "employer_unit_code (found in employers)"
    p.add(unit, p.raw("employer_unit_code").map(lambda v: v in lookups.unit_codes if v is not None else None))
    s.flag("employer_unit_code", unit, "`employer_unit_code` is the `unit_code` of a registered employer",
           kind="cross_register")
    hi, _ = p.full_date("hi_valid_to")
    s.real_date("hi_valid_to", hi, required=False)
    s.add("ExpectColumnValuesToBeInSet", kind="optional", column="pensioner", value_set=["yes"],
          target="pensioner", description="`pensioner`, when given, is `yes`")
    s.null_rates(thresholds.null_rates[REGISTER])
    return p.frame(), s
