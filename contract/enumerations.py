"""The contract's closed lists of values (``../shared/contract.md``): statuses, methods, types, sexes."""

from __future__ import annotations

__all__ = ["CONTRACT_TYPES", "HB_STATUSES", "ORG_STATUSES", "SEXES", "SI_STATUSES", "SI_TYPES", "TAX_METHODS"]

ORG_STATUSES = ("active", "suspended", "dissolving", "dissolved")  # enterprises and cooperatives
HB_STATUSES = ("active", "suspended", "closed")  # household businesses
TAX_METHODS = ("declaration", "presumptive")  # kê khai, khoán
SI_TYPES = ("compulsory", "voluntary")
SI_STATUSES = ("active", "paused", "closed")
SEXES = ("M", "F")
CONTRACT_TYPES = ("indefinite", "fixed_term", "seasonal", "probation")  # labour contracts
