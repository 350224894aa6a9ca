"""The contract's row rules: quarantine and the Great Expectations suites share one text per rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from contract.registers import REGISTERS
from contract.rules import ROW_RULES, row_rule, rule_text
from expectations import Lookups, suite_module
from pipelines.settings import load_settings


def _suite_rules(register: str) -> set[str]:
    spec = REGISTERS[register]
    rows = pd.DataFrame({"row_number": [1], **{column: [None] for column in spec.columns}})
    _, suite = suite_module(register).build(rows, dt.date(2026, 7, 1), Lookups(), None, load_settings().quality)
    return {options["meta"]["rule"] for _, options in suite.items if options["meta"]["rule"]}


@pytest.mark.parametrize("register", list(REGISTERS))
def test_the_suite_stands_for_every_row_rule_and_no_other(register: str) -> None:
    assert _suite_rules(register) == {rule.text for rule in ROW_RULES[register]}


@pytest.mark.parametrize("register", list(REGISTERS))
def test_every_required_column_and_the_unique_key_have_a_rule(register: str) -> None:
    spec = REGISTERS[register]
    checked = {(rule.column, rule.check) for rule in ROW_RULES[register]}
    assert {(column, "required") for column in spec.required} <= checked
    assert ((spec.unique_key, "unique") in checked) == (spec.unique_key is not None)


def test_rule_texts_are_unique_within_a_register() -> None:
    for register, rules in ROW_RULES.items():
        texts = [rule.text for rule in rules]
        assert len(texts) == len(set(texts)), register


def test_a_rule_the_contract_does_not_have_is_refused() -> None:
    with pytest.raises(KeyError, match="employers.tax_code"):
        rule_text("employers", "tax_code", "tax_code")
    assert row_rule("managers", "org_tax_code", "pattern", "tax_code").check == "tax_code"
