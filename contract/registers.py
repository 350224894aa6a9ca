"""The input registers of the data contract: columns, required values, keys.

One place says what each register is; ingest, validation, standardisation and the
Great Expectations suites all read it from here. No third-party imports: the DAG file may
import this module while it is parsed.

:data:`REGISTERS` are the seven every run needs; :data:`OPTIONAL_REGISTERS` may be absent
(``labour``: a run without it is as if the register did not exist); :func:`registers_given`
names those of one run, in this order.

>>> registers_given(["labour", "population"])[-2:]
('employers', 'labour')
>>> "labour" in registers_given(REGISTER_NAMES)
False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ALL_REGISTERS", "LINE_BREAKS_ALLOWED", "OPTIONAL_REGISTERS", "REGISTERS", "REGISTER_NAMES", "RegisterSpec",
           "registers_given"]


@dataclass(frozen=True)
class RegisterSpec:
    """What the contract says of one register."""

    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    unique_key: str | None
    description: str

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.required)


_ORG_COLUMNS = ("tax_code", "name", "legal_form", "status", "registered_on", "ward_code", "address",
                "employees", "members")

REGISTERS: dict[str, RegisterSpec] = {
    spec.name: spec
    for spec in (
        RegisterSpec(
            "population",
            ("person_id", "full_name", "date_of_birth", "sex", "household_id", "relation_to_head",
             "ward_code", "address", "phone", "death_date"),
            ("person_id", "full_name", "date_of_birth", "sex", "household_id", "ward_code"),
            "person_id",
            "National Population Database extract: one resident person",
        ),
        RegisterSpec("enterprises", _ORG_COLUMNS, ("tax_code", "name", "status", "ward_code"), "tax_code",
                     "National Business Registration: an enterprise or a branch"),
        RegisterSpec("cooperatives", _ORG_COLUMNS, ("tax_code", "name", "status", "ward_code"), "tax_code",
                     "cooperative register: a cooperative"),
        RegisterSpec(
            "managers",
            ("org_tax_code", "person_id", "full_name", "date_of_birth", "sex", "role"),
            ("org_tax_code", "full_name"),
            None,
            "business and cooperative registration: one manager role",
        ),
        RegisterSpec(
            "household_businesses",
            ("business_id", "owner_person_id", "owner_full_name", "owner_date_of_birth", "business_name",
             "tax_method", "status", "ward_code", "address", "employees"),
            ("business_id", "owner_full_name", "tax_method", "status", "ward_code"),
            "business_id",
            "tax authority: a household business",
        ),
        RegisterSpec(
            "insured",
            ("si_code", "person_id", "full_name", "date_of_birth", "sex", "ward_code", "address", "si_type",
             "si_status", "employer_unit_code", "hi_valid_to", "pensioner"),
            ("si_code", "full_name", "date_of_birth"),
            "si_code",
            "social security participant roll: one participant record",
        ),
        RegisterSpec(
            "employers",
            ("unit_code", "tax_code", "name", "ward_code", "address"),
            ("unit_code", "name"),
            "unit_code",
            "social security unit register: a unit that declares insured employees",
        ),
    )
}
REGISTER_NAMES: tuple[str, ...] = tuple(REGISTERS)

# Registers a run may be given or not (contract: "labour (optional register)").
OPTIONAL_REGISTERS: dict[str, RegisterSpec] = {
    "labour": RegisterSpec(
        "labour",
        ("contract_id", "employer_tax_code", "employer_name", "person_id", "full_name", "date_of_birth", "sex",
         "contract_type", "start_date", "end_date", "ward_code"),
        ("contract_id", "employer_name", "full_name", "contract_type", "start_date"),
        "contract_id",
        "labour register: one labour contract of one worker with one employer",
    ),
}
ALL_REGISTERS: dict[str, RegisterSpec] = {**REGISTERS, **OPTIONAL_REGISTERS}


def registers_given(names: Iterable[str]) -> tuple[str, ...]:
    """The registers of a run whose files are ``names``: the seven, then the optional ones given."""
    given = set(names)
    return (*REGISTERS, *(name for name in OPTIONAL_REGISTERS if name in given))
# The columns whose values may hold a line break (a quoted CSV value over two lines): free text.
# Anywhere else (a name, an ID, a code, a date, a status) a line break is what a stray quote makes.
LINE_BREAKS_ALLOWED: frozenset[str] = frozenset({"address", "business_name"})
