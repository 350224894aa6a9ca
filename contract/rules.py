"""Every row rule of the contract's "Bad values" section, written once.

A row breaking one of these goes to ``quarantine/<register>.csv``; the rule's ``text`` is its
``reason`` there. ``pipelines.validate`` applies the rules in the order given here (so a row's
reasons are listed in this order); the Great Expectations suites in ``expectations/`` take each
row-rule expectation's ``meta.rule`` from :func:`rule_text`, which refuses a rule that is not here.

>>> [rule.text for rule in ROW_RULES["employers"]]
['unit_code: required value is missing', 'name: required value is missing', 'unit_code: later copy of a unique key']
>>> rule_text("insured", "si_code", "pattern")
'si_code: not a 10-digit social insurance number'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from contract.enumerations import CONTRACT_TYPES, HB_STATUSES, ORG_STATUSES, SEXES, TAX_METHODS
from contract.registers import ALL_REGISTERS

__all__ = ["ROW_RULES", "TAX_CODE_PATTERN", "TAX_CODE_WHAT", "Check", "RowRule", "row_rule", "rule_text"]

# What a rule checks; pipelines.validate has one way of finding the rows that break each.
Check = Literal[
    "required",  # the value is missing or white space only
    "pattern",  # the stripped value does not match ``pattern``
    "tax_code",  # not a 10-digit tax code or a 13-character branch code
    "enum",  # the normalised value is not one of ``allowed``
    "sex",  # not M or F once normalised
    "real_date",  # a partial date that does not exist
    "real_full_date",  # not a real `YYYY-MM-DD` date (a column that must hold a whole date)
    "not_future",  # a partial date whose first day is after the as-of date
    "ward_known",  # neither a current nor a pre-July-2025 commune code
    "ward_current",  # a pre-July-2025 code where the register must carry current ones
    "unique",  # a later copy of the register's unique key (the first usable row is kept)
]

TAX_CODE_WHAT = "a 10-digit tax code (or 13 for a branch)"
TAX_CODE_PATTERN = r"^\d{10}(?:-\d{3})?$"  # the shape once normalised (see matching.ids)
DATE_WHAT = "a real date (YYYY, YYYY-MM or YYYY-MM-DD)"
FULL_DATE_WHAT = "a real date (YYYY-MM-DD)"


@dataclass(frozen=True)
class RowRule:
    """One rule on one column of one register; ``text`` is the quarantine reason."""

    register: str
    column: str
    check: Check
    text: str
    pattern: str | None = None  # "pattern": an anchored regular expression
    allowed: tuple[str, ...] = ()  # "enum" and "sex": the values allowed
    allow_swap: bool = False  # dates: day and month may be swapped (the insured roll)
    what: str = ""  # "pattern" and "tax_code": what a good value is, in words


def _required(register: str) -> list[RowRule]:
    return [RowRule(register, c, "required", f"{c}: required value is missing")
            for c in ALL_REGISTERS[register].required]


def _pattern(register: str, column: str, pattern: str, what: str) -> RowRule:
    return RowRule(register, column, "pattern", f"{column}: not {what}", pattern=pattern, what=what)


def _tax_code(register: str, column: str) -> RowRule:
    return RowRule(register, column, "tax_code", f"{column}: not {TAX_CODE_WHAT}", pattern=TAX_CODE_PATTERN,
                   what=TAX_CODE_WHAT)


def _enum(register: str, column: str, allowed: tuple[str, ...]) -> RowRule:
    return RowRule(register, column, "enum", f"{column}: not one of {', '.join(allowed)}", allowed=allowed)


def _birth_date(register: str, column: str, *, allow_swap: bool) -> list[RowRule]:
    return [RowRule(register, column, "real_date", f"{column}: not {DATE_WHAT}", allow_swap=allow_swap),
            RowRule(register, column, "not_future", f"{column}: in the future (after the as-of date)",
                    allow_swap=allow_swap)]


def _ward(register: str, *, current_only: bool) -> list[RowRule]:
    rules = [RowRule(register, "ward_code", "ward_known",
                     "ward_code: neither a current nor a pre-July-2025 commune code")]
    if current_only:
        rules.append(RowRule(register, "ward_code", "ward_current",
                             "ward_code: not a current commune code (this register must carry current codes)"))
    return rules


def _unique(register: str) -> list[RowRule]:
    key = ALL_REGISTERS[register].unique_key
    return [RowRule(register, key, "unique", f"{key}: later copy of a unique key")] if key else []


def _organisations(register: str) -> list[RowRule]:
    return [_tax_code(register, "tax_code"), _enum(register, "status", ORG_STATUSES),
            *_ward(register, current_only=False)]


_SPECIFIC: dict[str, list[RowRule]] = {
    "population": [
        _pattern("population", "person_id", r"^\d{12}$", "a 12-digit personal ID"),
        *_birth_date("population", "date_of_birth", allow_swap=False),
        RowRule("population", "sex", "sex", "sex: not M or F", allowed=SEXES),
        *_ward("population", current_only=True),
    ],
    "enterprises": _organisations("enterprises"),
    "cooperatives": _organisations("cooperatives"),
    "managers": [_tax_code("managers", "org_tax_code")],
    "household_businesses": [
        _enum("household_businesses", "tax_method", TAX_METHODS),
        _enum("household_businesses", "status", HB_STATUSES),
        *_ward("household_businesses", current_only=False),
    ],
    "insured": [
        _pattern("insured", "si_code", r"^\d{10}$", "a 10-digit social insurance number"),
        *_birth_date("insured", "date_of_birth", allow_swap=True),
    ],
    "employers": [],
    # Only the required values can send a contract to quarantine: an employer code, an ID, a date
    # of birth or a commune that cannot be used is read as missing (and counted).
    "labour": [
        _enum("labour", "contract_type", CONTRACT_TYPES),
        RowRule("labour", "start_date", "real_full_date", f"start_date: not {FULL_DATE_WHAT}"),
    ],
}

# Per register, in the order validate applies them: required values, the register's own rules,
# then the unique key (only usable rows count as first copies).
ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    name: (*_required(name), *_SPECIFIC[name], *_unique(name)) for name in ALL_REGISTERS
}


def row_rule(register: str, column: str, *checks: Check) -> RowRule:
    """The rule of one of ``checks`` on ``column`` of ``register``; KeyError if the contract has none."""
    for rule in ROW_RULES[register]:
        if rule.column == column and rule.check in checks:
            return rule
    raise KeyError(f"the contract has no {' or '.join(checks)} rule on {register}.{column}")


def rule_text(register: str, column: str, check: Check) -> str:
    """The quarantine reason of the rule on ``column`` of ``register``; KeyError if there is none."""
    return row_rule(register, column, check).text
