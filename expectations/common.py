"""Building blocks of the suites: the prepared table each suite reads, and expectation makers.

A suite validates a *prepared* table, not the raw one: the raw columns (stripped, so a value of
spaces is missing, as ``pipelines.validate`` reads it) plus derived columns with readable names,
e.g. ``status (normalised)`` or ``date_of_birth (parsed)``, computed with the same ``matching``
functions that ``pipelines.validate`` uses. So every expectation tagged with a quarantine ``rule``
flags exactly the rows that ``validate`` quarantines for that rule (checked in tests).

Each expectation carries ``meta``: ``rule`` (the quarantine reason it stands for, or None),
``column`` (the input column it is about), ``kind`` (``structure``, ``row_rule``, ``optional``,
``flag``, ``cross_register``, ``null_rate``, ``volume``). ``severity`` is GX's own: ``critical``
expectations stop the run; ``warning`` ones are reported.

Great Expectations is imported inside the functions (it takes seconds to import).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from contract.enumerations import SEXES
from contract.registers import ALL_REGISTERS
from contract.rules import Check, RowRule, row_rule
from expectations.thresholds import Thresholds
from matching.admin_units import resolve_ward_codes
from matching.dates import first_day, parse_full_dates, parse_partial_dates
from matching.ids import id_agrees_with, normalise_person_ids, normalise_tax_codes
from matching.text import normalise_enum, normalise_sex

__all__ = ["Lookups", "Prepared", "Thresholds", "Suite", "optional_person", "optional_person_id", "start"]



@dataclass(frozen=True)
class Lookups:
    """What cross-register checks need from the other registers (sets of stripped key values)."""

    org_tax_codes: frozenset[str] = frozenset()
    unit_codes: frozenset[str] = frozenset()


class Prepared:
    """The table a suite validates, built column by column."""

    def __init__(self, rows: pd.DataFrame, register: str) -> None:
        self.spec = ALL_REGISTERS[register]
        self.rows = rows
        self.columns: dict[str, pd.Series] = {"row_number": rows["row_number"]}
        self._found: dict[tuple[str, ...], Any] = {}

    def _once(self, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        """What ``compute`` gives, computed once per table: several expectations read one parse of a
        column (an ID's kind and its agreement, a sex and its agreement); nothing here changes it."""
        if key not in self._found:
            self._found[key] = compute()
        return self._found[key]

    def raw(self, column: str) -> pd.Series:
        """The column stripped, empty as missing (how ``validate`` reads presence)."""
        return self._once(("raw", column), lambda: self._stripped(column))

    def _stripped(self, column: str) -> pd.Series:
        import pyarrow as pa
        import pyarrow.compute as pc

        # Arrow's vectorised trim: a Python-level str.strip per value costs seconds at 1M rows.
        text = pc.utf8_trim_whitespace(pa.array(self.rows[column].astype(object), type=pa.string(), from_pandas=True))
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        return pd.Series(text.to_numpy(zero_copy_only=False), index=self.rows.index, dtype=object)

    def _sex(self, column: str) -> pd.Series:
        return self._once(("sex", column), lambda: normalise_sex(self.rows[column]))

    def _ids(self, column: str) -> pd.DataFrame:
        return self._once(("ids", column), lambda: normalise_person_ids(self.rows[column]))

    def _dates(self, column: str, allow_swap: bool) -> pd.DataFrame:
        return self._once(("dates", column, str(allow_swap)),
                          lambda: parse_partial_dates(self.rows[column], allow_swap=allow_swap))

    def keep(self, *columns: str) -> None:
        for column in columns:
            if column in self.rows:
                self.columns[column] = self.raw(column)

    def add(self, name: str, values: pd.Series) -> None:
        self.columns[name] = values.astype(object).where(values.notna(), None)

    def frame(self) -> pd.DataFrame:
        # Indexed by row_number: GX reports unexpected rows by index, so the docs name input rows.
        frame = pd.DataFrame(self.columns, index=self.rows.index)
        return frame.set_index(pd.Index(frame["row_number"].astype("int64"), name="row"))

    # Derived columns, named "<input column> (<what>)".
    def normalised_enum(self, column: str) -> str:
        name = f"{column} (normalised)"
        self.add(name, normalise_enum(self.rows[column]))
        return name

    def normalised_sex(self, column: str = "sex") -> str:
        name = f"{column} (normalised)"
        raw = self.raw(column)
        self.add(name, self._sex(column).where(raw.isna() | self._sex(column).notna(), raw))
        return name

    def partial_date(self, column: str, as_of: dt.date, *, allow_swap: bool) -> tuple[str, str]:
        parsed = self._dates(column, allow_swap)
        status = f"{column} (parsed)"
        self.add(status, parsed["status"].where(parsed["status"] != "missing"))
        first = first_day(parsed["year"], parsed["month"], parsed["day"])
        future = f"{column} (after as-of)"
        self.add(future, (first > pd.Timestamp(as_of)).where(first.notna()))
        return status, future

    def full_date(self, column: str, as_of: dt.date | None = None) -> tuple[str, str | None]:
        parsed = parse_full_dates(self.rows[column])
        status = f"{column} (parsed)"
        self.add(status, parsed["status"].where(parsed["status"] != "missing"))
        if as_of is None:
            return status, None
        stamp = pd.to_datetime(parsed["date"], errors="coerce")
        future = f"{column} (after as-of)"
        self.add(future, (stamp > pd.Timestamp(as_of)).where(stamp.notna()))
        return status, future

    def ward_status(self, column: str = "ward_code") -> str:
        name = f"{column} (status)"
        status = resolve_ward_codes(self.rows[column], self.rows.get("address"))["ward_status"]
        self.add(name, status.where(status != "missing"))
        return name

    def tax_code(self, column: str) -> tuple[str, str]:
        """The code normalised where its shape is right, else as recorded; and its check digit."""
        ids = normalise_tax_codes(self.rows[column])
        raw = self.raw(column)
        shaped = f"{column} (normalised)"
        self.add(shaped, ids["tax_code"].where(ids["shape_ok"], raw))
        check = f"{column} (check digit valid)"
        self.add(check, ids["checksum_ok"].where(ids["shape_ok"]))
        return shaped, check

    def person_id_kind(self, column: str) -> str:
        ids = self._ids(column)
        kind = pd.Series(None, index=self.rows.index, dtype=object)
        kind[ids["person_id_raw"].notna()] = "unusable"
        kind[ids["legacy_id"].notna()] = "legacy 9-digit ID"
        kind[ids["person_id"].notna()] = "12-digit ID"
        name = f"{column} (kind)"
        self.add(name, kind)
        return name

    def id_agreement(self, id_column: str, dob_column: str, sex_column: str | None) -> str:
        ids = self._ids(id_column)["person_id"]
        year = self._dates(dob_column, True)["year"]
        sex = self._sex(sex_column) if sex_column else pd.Series(None, index=self.rows.index)
        name = f"{id_column} (agrees with {dob_column}{' and ' + sex_column if sex_column else ''})"
        self.add(name, id_agrees_with(pd.Series(ids, index=self.rows.index), year, sex))
        return name

    def found_in(self, column: str, keys: frozenset[str], where: str) -> str:
        name = f"{column} (found in {where})"
        value = self.columns.get(f"{column} (normalised)", self.raw(column))
        found = value.map(lambda v: v in keys if v is not None else None)
        self.add(name, found)
        return name


class Suite:
    """The expectations of one register, collected before Great Expectations builds the suite."""

    def __init__(self, register: str) -> None:
        self.register = register
        self.items: list[tuple[str, dict[str, Any]]] = []

    def add(self, expectation: str, *, severity: str = "warning", kind: str, column: str | None = None,
            rule: str | None = None, description: str | None = None, **kwargs: Any) -> None:
        meta = {"register": self.register, "kind": kind, "column": column, "rule": rule}
        self.items.append((expectation, {"severity": severity, "meta": meta, "description": description,
                                         **kwargs}))

    # The contract's checks, in words officers and engineers use.
    def structure(self, spec_required: tuple[str, ...], *, rows_critical: bool) -> None:
        for column in spec_required:
            self.add("ExpectColumnToExist", severity="critical", kind="structure", column=column,
                     description=f"required column `{column}` is present")
        self.add("ExpectTableRowCountToBeBetween", severity="critical" if rows_critical else "warning",
                 kind="structure", min_value=1, description="the register is not empty")

    def volume(self, previous_rows: int | None, thresholds: Thresholds) -> None:
        if not previous_rows:
            return
        for share, severity in ((thresholds.volume_warn, "warning"), (thresholds.volume_critical, "critical")):
            floor = math.ceil(previous_rows * (1 - share))
            self.add("ExpectTableRowCountToBeBetween", severity=severity, kind="volume", min_value=floor,
                     description=f"no more than {share:.0%} fewer rows than the previous run "
                                 f"({previous_rows} rows): at least {floor}")

    def _rule(self, column: str, *checks: Check) -> RowRule:
        return row_rule(self.register, column, *checks)

    def required_values(self, required: tuple[str, ...]) -> None:
        for column in required:
            self.add("ExpectColumnValuesToNotBeNull", kind="row_rule", column=column, mostly=None,
                     rule=self._rule(column, "required").text, description=f"`{column}` is present on every row")

    def key_well_formed(self, column: str, thresholds: Thresholds, *, shaped: str | None = None) -> None:
        """Critical: the key present and of its contract shape on most rows."""
        rule = self._rule(column, "pattern", "tax_code")
        share = thresholds.key_well_formed
        self.add("ExpectColumnValuesToNotBeNull", severity="critical", kind="structure", column=column,
                 mostly=share, description=f"`{column}` present on at least {share:.0%} of rows")
        self.add("ExpectColumnValuesToMatchRegex", severity="critical", kind="structure", column=shaped or column,
                 regex=rule.pattern, mostly=share,
                 description=f"`{column}` is {rule.what} on at least {share:.0%} of rows")

    def shape(self, column: str, *, shaped: str | None = None) -> None:
        """The contract's shape rule on ``column`` (a row rule)."""
        rule = self._rule(column, "pattern", "tax_code")
        self.add("ExpectColumnValuesToMatchRegex", kind="row_rule", column=column, rule=rule.text, regex=rule.pattern,
                 description=f"`{column}` is {rule.what}", target=shaped or column)

    def optional_shape(self, column: str, regex: str, what: str, *, shaped: str | None = None) -> None:
        """A shape an optional value should have (reported, never quarantined)."""
        self.add("ExpectColumnValuesToMatchRegex", kind="optional", column=column, rule=None, regex=regex,
                 description=f"`{column}` is {what}", target=shaped or column)

    def unique(self, key: str) -> None:
        self.add("ExpectColumnValuesToBeUnique", kind="row_rule", column=key, rule=self._rule(key, "unique").text,
                 description=f"`{key}` is unique (GX counts every copy; quarantine keeps the first usable one)")

    def enum(self, column: str, derived: str) -> None:
        """The contract's closed list on ``column`` (a row rule)."""
        rule = self._rule(column, "enum", "sex")
        self.add("ExpectColumnValuesToBeInSet", kind="row_rule", column=column, rule=rule.text,
                 value_set=list(rule.allowed), target=derived,
                 description=f"`{column}` is one of {', '.join(rule.allowed)}")

    def optional_enum(self, column: str, allowed: tuple[str, ...], derived: str) -> None:
        self.add("ExpectColumnValuesToBeInSet", kind="optional", column=column, rule=None,
                 value_set=list(allowed), target=derived, description=f"`{column}` is one of {', '.join(allowed)}")

    def real_date(self, column: str, status: str, *, required: bool) -> None:
        self.add("ExpectColumnValuesToNotBeInSet", kind="row_rule" if required else "optional", column=column,
                 rule=self._rule(column, "real_date").text if required else None, value_set=["invalid"],
                 target=status, description=f"`{column}` is a real date")

    def real_full_date(self, column: str, status: str) -> None:
        """The contract's whole-date rule on a required `YYYY-MM-DD` column (a row rule)."""
        self.add("ExpectColumnValuesToNotBeInSet", kind="row_rule", column=column,
                 rule=self._rule(column, "real_full_date").text, value_set=["invalid"], target=status,
                 description=f"`{column}` is a real date (YYYY-MM-DD)")

    def not_future(self, column: str, derived: str, *, required: bool) -> None:
        self.add("ExpectColumnValuesToBeInSet", kind="row_rule" if required else "optional", column=column,
                 rule=self._rule(column, "not_future").text if required else None, value_set=[False],
                 target=derived, description=f"`{column}` is not after the as-of date")

    def ward(self, status: str, *, required: bool, current_only: bool = False) -> None:
        self.add("ExpectColumnValuesToNotBeInSet", kind="row_rule" if required else "optional", column="ward_code",
                 rule=self._rule("ward_code", "ward_known").text if required else None,
                 value_set=["unknown"], target=status,
                 description="`ward_code` is a current commune code or a pre-July-2025 one that maps to one")
        if current_only:
            self.add("ExpectColumnValuesToNotBeInSet", kind="row_rule", column="ward_code",
                     rule=self._rule("ward_code", "ward_current").text,
                     value_set=["old_mapped", "old_split_resolved", "old_split_flagged"], target=status,
                     description="`ward_code` is a current commune code")

    def flag(self, column: str, derived: str, description: str, kind: str = "flag") -> None:
        self.add("ExpectColumnValuesToBeInSet", kind=kind, column=column, value_set=[True], target=derived,
                 description=description)

    def null_rates(self, rates: Mapping[str, float]) -> None:
        for column, most_missing in sorted(rates.items()):
            self.add("ExpectColumnValuesToNotBeNull", kind="null_rate", column=column,
                     mostly=round(1 - most_missing, 4),
                     description=f"`{column}` missing on at most {most_missing:.0%} of rows")

    def build(self) -> Any:
        """The Great Expectations suite (``gx.ExpectationSuite``), named after the register."""
        import great_expectations as gx
        import great_expectations.expectations as gxe

        expectations = []
        for kind, options in self.items:
            options = dict(options)
            target = options.pop("target", None)
            column = options["meta"]["column"]
            if options.get("mostly") is None:
                options.pop("mostly", None)
            if options.get("description") is None:
                options.pop("description")
            if kind not in ("ExpectTableRowCountToBeBetween",):
                options["column"] = target or column
            expectations.append(getattr(gxe, kind)(**options))
        return gx.ExpectationSuite(name=self.register, expectations=expectations)


def start(rows: pd.DataFrame, register: str, previous_rows: int | None, thresholds: Thresholds, *,
          empty_is_critical: bool, also_keep: tuple[str, ...] = ()) -> tuple[Prepared, Suite]:
    """What every suite begins with: required columns present, not empty, volume against the
    previous run; the prepared table keeps the required columns and those with null-rate checks."""
    prepared, suite = Prepared(rows, register), Suite(register)
    required = prepared.spec.required
    prepared.keep(*required, *also_keep, *thresholds.null_rates.get(register, {}))
    suite.structure(required, rows_critical=empty_is_critical)
    suite.volume(previous_rows, thresholds)
    return prepared, suite


def optional_person_id(p: Prepared, s: Suite, column: str) -> None:
    """A personal ID a register may leave out: when given, a 12-digit ID or a legacy 9-digit one."""
    s.add("ExpectColumnValuesToNotBeInSet", kind="optional", column=column, value_set=["unusable"],
          target=p.person_id_kind(column),
          description=f"`{column}`, when given, is a 12-digit ID or a legacy 9-digit one")


def optional_person(p: Prepared, s: Suite, as_of: dt.date) -> None:
    """A worker known by ``person_id``, ``date_of_birth`` and ``sex``, each optional (managers, labour):
    the ID's shape, a real partial date not in the future, the sex, and the ID's digits against both."""
    optional_person_id(p, s, "person_id")
    status, future = p.partial_date("date_of_birth", as_of, allow_swap=True)
    s.real_date("date_of_birth", status, required=False)
    s.not_future("date_of_birth", future, required=False)
    s.optional_enum("sex", SEXES, p.normalised_sex())
    s.flag("person_id", p.id_agreement("person_id", "date_of_birth", "sex"),
           "the century/sex and year digits of `person_id` agree with `date_of_birth` and `sex` (flagged)")
