"""The prospect groups (contract, "Output: prospect groups") and the columns of ``prospects.csv``.

Rows of ``prospects.csv`` are sorted by group in the contract's order (:data:`ALL_GROUPS`);
officers' workbooks have one sheet per group in this order; ``summary.csv`` has one count column
per group of the run (:func:`groups_of`) in this order. :data:`GROUPS` are the six every run
computes; a group of :data:`OPTIONAL_GROUPS` is computed only when its register is given.

>>> groups_of(["population", "insured"]) == GROUPS
True
>>> groups_of(["labour"])[3:6]
('uninsured_household_owner', 'uninsured_employee', 'voluntary_si_prospect')
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ALL_GROUPS", "GROUPS", "OPTIONAL_GROUPS", "PROSPECT_COLUMNS", "PROSPECT_KEY", "groups_of"]

GROUPS: tuple[str, ...] = (
    "unregistered_employer",
    "underdeclared_employer",
    "uninsured_manager",
    "uninsured_household_owner",
    "voluntary_si_prospect",
    "hi_prospect",
)
# group -> the optional register it needs (contract: "only when `labour` is given").
OPTIONAL_GROUPS: dict[str, str] = {"uninsured_employee": "labour"}
ALL_GROUPS: tuple[str, ...] = (*GROUPS[:4], "uninsured_employee", *GROUPS[4:])


def groups_of(registers: Iterable[str]) -> tuple[str, ...]:
    """The groups a run given ``registers`` computes, in the contract's order."""
    given = set(registers)
    return tuple(g for g in ALL_GROUPS if g not in OPTIONAL_GROUPS or OPTIONAL_GROUPS[g] in given)


# The contract's machine-readable columns first, then what an officer needs to act.
PROSPECT_KEY: tuple[str, ...] = ("group", "ward_code", "person_id", "tax_code", "business_id")
# ``prospect_id``: the prospect's name across nights (``pipelines.prospect_ids``), right after the key it hashes.
PROSPECT_COLUMNS: tuple[str, ...] = (
    *PROSPECT_KEY, "prospect_id", "province_code", "ward_name", "full_name", "date_of_birth", "sex", "household_id",
    "relation_to_head", "address", "phone", "org_name", "role", "employees_declared", "employees_insured",
    "reason", "confidence", "evidence", "source_rows",
)
