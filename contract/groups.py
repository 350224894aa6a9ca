"""The prospect groups (contract, "Output: prospect groups") and the columns of ``prospects.csv``.

Rows of ``prospects.csv`` are sorted by group in this order; officers' workbooks have one sheet
per group in this order; ``summary.csv`` has one count column per group in this order.
"""

from __future__ import annotations

__all__ = ["GROUPS", "PROSPECT_COLUMNS", "PROSPECT_KEY"]

GROUPS: tuple[str, ...] = (
    "unregistered_employer",
    "underdeclared_employer",
    "uninsured_manager",
    "uninsured_household_owner",
    "voluntary_si_prospect",
    "hi_prospect",
)

# The contract's machine-readable columns first, then what an officer needs to act.
PROSPECT_KEY: tuple[str, ...] = ("group", "ward_code", "person_id", "tax_code", "business_id")
PROSPECT_COLUMNS: tuple[str, ...] = (
    *PROSPECT_KEY, "province_code", "ward_name", "full_name", "date_of_birth", "sex", "household_id",
    "relation_to_head", "address", "phone", "org_name", "role", "employees_declared", "employees_insured",
    "reason", "confidence", "evidence", "source_rows",
)
