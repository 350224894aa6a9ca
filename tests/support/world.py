"""A tiny, hand-written world of registers for rule and stage tests.

Each test says only what it cares about; every other value defaults to something valid.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from contract.registers import OPTIONAL_REGISTERS, REGISTERS

WARD = "00004"  # Phường Ba Đình, Thành phố Hà Nội
OTHER_WARD = "00008"  # Phường Ngọc Hà, Thành phố Hà Nội
TAX_CODE = "0100109106"  # valid check digit
TAX_CODE_2 = "0300588569"


def person_id(n: int, year: int = 1985, sex: str = "M") -> str:
    """A 12-digit ID whose century/sex/year digits agree with the person."""
    century = (year // 100 - 19) * 2 + (0 if sex == "M" else 1)
    return f"001{century}{year % 100:02d}{n:06d}"


@dataclass
class World:
    """Registers as lists of dicts, written out as the contract's CSV files."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {name: [] for name in REGISTERS})

    def add(self, register: str, **values: str) -> dict[str, str]:
        self.rows[register].append(values)
        return values

    def person(self, n: int, *, dob: str = "1985-03-02", sex: str = "M", ward: str = WARD, **extra: str) -> str:
        year = int(dob[:4])
        pid = extra.pop("person_id", person_id(n, year, sex))
        self.add("population", person_id=pid, full_name=extra.pop("full_name", f"Nguyễn Văn Người{n}"),
                 date_of_birth=dob, sex=sex, household_id=extra.pop("household_id", f"HH{n:05d}"),
                 ward_code=ward, **extra)
        return pid

    def name_of(self, pid: str) -> str:
        return next(p["full_name"] for p in self.rows["population"] if p["person_id"] == pid)

    def manager(self, pid: str, tax_code: str = TAX_CODE, **extra: str) -> None:
        """A manager role declared with the person's ID and name."""
        self.add("managers", org_tax_code=tax_code, person_id=pid, full_name=self.name_of(pid), **extra)

    def household_business(self, business_id: str, pid: str, **extra: str) -> None:
        self.add("household_businesses", business_id=business_id, owner_person_id=pid,
                 owner_full_name=self.name_of(pid), **{"ward_code": WARD, **extra})

    def insured(self, si_code: str, pid: str, *, si_type: str = "", si_status: str = "", hi_valid_to: str = "",
                **extra: str) -> None:
        person = next(p for p in self.rows["population"] if p["person_id"] == pid)
        recorded = extra.pop("person_id", pid)  # the ID as the roll recorded it ("": none)
        self.add("insured", si_code=si_code, person_id=recorded, full_name=person["full_name"],
                 date_of_birth=person["date_of_birth"], sex=person["sex"], si_type=si_type,
                 si_status=si_status if si_type else "", hi_valid_to=hi_valid_to, **extra)

    def enterprise(self, tax_code: str = TAX_CODE, *, status: str = "active", employees: str = "5",
                   ward: str = WARD, **extra: str) -> None:
        self.add("enterprises", tax_code=tax_code, name=extra.pop("name", "CÔNG TY TNHH AN PHÁT"),
                 status=status, employees=employees, ward_code=ward, **extra)

    def contract(self, contract_id: str, pid: str, *, start: str, end: str = "", kind: str = "fixed_term",
                 tax_code: str = TAX_CODE, employer: str = "CÔNG TY TNHH AN PHÁT", **extra: str) -> None:
        """A labour contract (the optional register) reported with the worker's ID and name."""
        person = next(p for p in self.rows["population"] if p["person_id"] == pid)
        self.rows.setdefault("labour", []).append({
            "contract_id": contract_id, "employer_tax_code": tax_code, "employer_name": employer,
            "person_id": extra.pop("person_id", pid), "full_name": person["full_name"],
            "date_of_birth": person["date_of_birth"], "sex": person["sex"], "contract_type": kind,
            "start_date": start, "end_date": end, **extra})

    def write(self, folder: Path) -> Path:
        """The registers as CSV files (an optional one only when it has rows)."""
        folder.mkdir(parents=True, exist_ok=True)
        given = {name: spec for name, spec in OPTIONAL_REGISTERS.items() if self.rows.get(name)}
        for name, spec in {**REGISTERS, **given}.items():
            with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(spec.columns), extrasaction="raise")
                writer.writeheader()
                writer.writerows(self.rows[name])
        return folder
