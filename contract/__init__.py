"""The data contract (``../shared/contract.md``) in code, below every other package.

Registers and their columns, the closed lists of values, the prospect groups and columns, and
every row rule, each written once. Pure Python with no third-party imports: ``pipelines``,
``expectations`` and the DAG file all read it, and it reads none of them.
"""

from contract.enumerations import HB_STATUSES, ORG_STATUSES, SEXES, SI_STATUSES, SI_TYPES, TAX_METHODS
from contract.groups import GROUPS, PROSPECT_COLUMNS, PROSPECT_KEY
from contract.registers import REGISTER_NAMES, REGISTERS, RegisterSpec
from contract.rules import ROW_RULES, RowRule, rule_text

__all__ = [
    "GROUPS", "HB_STATUSES", "ORG_STATUSES", "PROSPECT_COLUMNS", "PROSPECT_KEY", "REGISTERS", "REGISTER_NAMES",
    "ROW_RULES", "SEXES", "SI_STATUSES", "SI_TYPES", "TAX_METHODS", "RegisterSpec", "RowRule", "rule_text",
]
