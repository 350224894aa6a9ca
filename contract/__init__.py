"""The data contract (``../shared/contract.md``) in code, below every other package.

Registers and their columns, the closed lists of values, the prospect groups and columns, and
every row rule, each written once. Pure Python with no third-party imports: ``pipelines``,
``expectations`` and the DAG file all read it, and it reads none of them.
"""

from contract.enumerations import CONTRACT_TYPES, HB_STATUSES, ORG_STATUSES, SEXES, SI_STATUSES, SI_TYPES, TAX_METHODS
from contract.groups import ALL_GROUPS, GROUPS, OPTIONAL_GROUPS, PROSPECT_COLUMNS, PROSPECT_KEY, groups_of
from contract.registers import (
    ALL_REGISTERS,
    OPTIONAL_REGISTERS,
    REGISTER_NAMES,
    REGISTERS,
    RegisterSpec,
    registers_given,
)
from contract.rules import ROW_RULES, RowRule, rule_text

__all__ = [
    "ALL_GROUPS", "ALL_REGISTERS", "CONTRACT_TYPES", "OPTIONAL_GROUPS", "OPTIONAL_REGISTERS", "groups_of",
    "registers_given", "GROUPS", "HB_STATUSES", "ORG_STATUSES", "PROSPECT_COLUMNS", "PROSPECT_KEY", "REGISTERS",
    "REGISTER_NAMES",
    "ROW_RULES", "SEXES", "SI_STATUSES", "SI_TYPES", "TAX_METHODS", "RegisterSpec", "RowRule", "rule_text",
]
