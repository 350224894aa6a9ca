"""Stage 3, standardise: typed, normalised tables (schema in docs/architecture.md).

Names in NFC and a folded form, partial dates split into parts, personal IDs split into
12-digit / legacy 9-digit / as recorded, tax codes normalised, commune codes mapped to the
current two-tier list with their province. Organisations (enterprises and cooperatives) become
one table with a ``kind`` column.
"""

from __future__ import annotations

import logging

import pandas as pd

from contract.enumerations import SI_STATUSES, SI_TYPES
from contract.registers import OPTIONAL_REGISTERS
from matching.admin_units import resolve_ward_codes
from matching.dates import parse_full_dates, parse_partial_dates
from matching.ids import id_agrees_with, normalise_person_ids, normalise_tax_codes
from matching.splits import resolve_by_residents
from matching.text import clean_series, fold_series, name_case_series, normalise_enum, normalise_sex
from pipelines.catalogue import STANDARDISED, VALIDATED
from pipelines.context import RunContext
from pipelines.files import write_parquet
from pipelines.summaries import StandardiseSummary, read_registers

__all__ = ["person_columns", "run", "standardise_register"]

log = logging.getLogger(__name__)


def person_columns(rows: pd.DataFrame, *, id_col: str | None, name_col: str, dob_col: str | None,
                   sex_col: str | None, allow_swap: bool = False) -> pd.DataFrame:
    """The person-describing columns every register shares, under one set of names."""
    out = pd.DataFrame(index=rows.index)
    if id_col is not None:
        out = out.join(normalise_person_ids(rows[id_col]))
    out["full_name"] = name_case_series(rows[name_col])
    out["name_folded"] = fold_series(rows[name_col])
    if dob_col is not None:
        parsed = parse_partial_dates(rows[dob_col], allow_swap=allow_swap)
        out["dob"] = parsed["date"]
        out["dob_year"], out["dob_month"], out["dob_day"] = parsed["year"], parsed["month"], parsed["day"]
        out["dob_swapped"] = parsed["status"] == "swapped"
    else:
        out["dob"] = None
        for part in ("dob_year", "dob_month", "dob_day"):
            out[part] = pd.array([pd.NA] * len(rows), dtype="Int64")
        out["dob_swapped"] = False
    out["sex"] = normalise_sex(rows[sex_col]) if sex_col is not None else None
    return out


def _ward_columns(rows: pd.DataFrame) -> pd.DataFrame:
    address = rows.get("address")
    wards = resolve_ward_codes(rows["ward_code"], address)
    return pd.DataFrame({
        "ward_code": wards["ward_code"], "ward_code_raw": clean_series(rows["ward_code"]),
        "ward_status": wards["ward_status"], "ward_note": wards["ward_note"],
        "province_code": wards["province_code"],
    }, index=rows.index)


def _count(values: pd.Series) -> pd.Series:
    text = values.astype("string[pyarrow]").str.strip()
    return pd.to_numeric(text.where(text.str.fullmatch(r"\d+").fillna(False)), errors="coerce").astype("Int64")


def _population(rows: pd.DataFrame) -> pd.DataFrame:
    out = person_columns(rows, id_col="person_id", name_col="full_name", dob_col="date_of_birth", sex_col="sex")
    out = out.drop(columns=["legacy_id", "person_id_raw", "dob_swapped"])
    out["household_id"] = clean_series(rows["household_id"])
    out["relation_to_head"] = clean_series(rows["relation_to_head"])
    out = out.join(_ward_columns(rows))
    out["address"] = clean_series(rows["address"])
    out["phone"] = clean_series(rows["phone"])
    out["death_date"] = parse_full_dates(rows["death_date"])["date"]
    out["id_agrees"] = id_agrees_with(out["person_id"], out["dob_year"], out["sex"])
    return out


def _organisations(rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    out = pd.DataFrame(index=rows.index)
    out["kind"] = kind
    out["tax_code"] = normalise_tax_codes(rows["tax_code"])["tax_code"]
    out["name"] = clean_series(rows["name"])
    out["name_folded"] = fold_series(rows["name"])
    out["legal_form"] = clean_series(rows["legal_form"])
    out["status"] = normalise_enum(rows["status"])
    out["employees"] = _count(rows["employees"])
    out["members"] = _count(rows["members"])
    out = out.join(_ward_columns(rows))
    out["address"] = clean_series(rows["address"])
    return out


def _managers(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"org_tax_code": normalise_tax_codes(rows["org_tax_code"])["tax_code"]}, index=rows.index)
    out = out.join(person_columns(rows, id_col="person_id", name_col="full_name", dob_col="date_of_birth",
                                  sex_col="sex"))
    out["role"] = clean_series(rows["role"])
    return out


def _household_businesses(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"business_id": clean_series(rows["business_id"])}, index=rows.index)
    out = out.join(person_columns(rows, id_col="owner_person_id", name_col="owner_full_name",
                                  dob_col="owner_date_of_birth", sex_col=None))
    out["business_name"] = clean_series(rows["business_name"])
    out["tax_method"] = normalise_enum(rows["tax_method"])
    out["status"] = normalise_enum(rows["status"])
    out = out.join(_ward_columns(rows))
    out["address"] = clean_series(rows["address"])
    out["employees"] = _count(rows["employees"])
    return out


def _insured(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"si_code": clean_series(rows["si_code"])}, index=rows.index)
    out = out.join(person_columns(rows, id_col="person_id", name_col="full_name", dob_col="date_of_birth",
                                  sex_col="sex", allow_swap=True))
    out = out.join(_ward_columns(rows))
    out["address"] = clean_series(rows["address"])
    si_type = normalise_enum(rows["si_type"])
    out["si_type"] = si_type.where(si_type.isin(SI_TYPES), None)
    si_status = normalise_enum(rows["si_status"])
    out["si_status"] = si_status.where(si_status.isin(SI_STATUSES), None)
    out["employer_unit_code"] = clean_series(rows["employer_unit_code"])
    out["hi_valid_to"] = parse_full_dates(rows["hi_valid_to"])["date"]
    out["pensioner"] = normalise_enum(rows["pensioner"]).isin(["yes", "y", "true", "1", "có", "co"])
    return out


def _employers(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"unit_code": clean_series(rows["unit_code"])}, index=rows.index)
    codes = normalise_tax_codes(rows["tax_code"])
    out["tax_code"] = codes["tax_code"]
    out["tax_code_checksum_ok"] = codes["checksum_ok"]
    out["tax_code_raw"] = _tax_code_raw(rows["tax_code"])
    out["name"] = clean_series(rows["name"])
    out["name_folded"] = fold_series(rows["name"])
    out = out.join(_ward_columns(rows))
    out["address"] = clean_series(rows["address"])
    return out


def _tax_code_raw(values: pd.Series) -> pd.Series:
    """A recorded tax code without its separators (digits as typed: a lost zero stays lost)."""
    return values.astype("string[pyarrow]").str.replace(r"[\s.\-_/]", "", regex=True) \
        .astype(object).where(values.notna(), None)


def _labour(rows: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"contract_id": clean_series(rows["contract_id"])}, index=rows.index)
    codes = normalise_tax_codes(rows["employer_tax_code"])
    out["employer_tax_code"] = codes["tax_code"]
    out["employer_tax_code_raw"] = _tax_code_raw(rows["employer_tax_code"])
    out["employer_name"] = clean_series(rows["employer_name"])
    out = out.join(person_columns(rows, id_col="person_id", name_col="full_name", dob_col="date_of_birth",
                                  sex_col="sex", allow_swap=True))
    out["contract_type"] = normalise_enum(rows["contract_type"])
    out["start_date"] = parse_full_dates(rows["start_date"])["date"]
    out["end_date"] = parse_full_dates(rows["end_date"])["date"]
    return out.join(_ward_columns(rows))  # the workplace's commune (labour rows carry no home)


def standardise_register(name: str, rows: pd.DataFrame, residents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Standardise one validated register (``organisations`` for enterprises and cooperatives).

    ``residents`` (the standardised population): old split communes are then also placed where
    their address is lived at (:mod:`matching.splits`).
    """
    builders = {"population": _population, "managers": _managers, "household_businesses": _household_businesses,
                "insured": _insured, "employers": _employers, "labour": _labour}
    if name in ("enterprises", "cooperatives"):
        out = _organisations(rows, "enterprise" if name == "enterprises" else "cooperative")
    else:
        out = builders[name](rows)
    if residents is not None and name != "population" and "ward_status" in out and "address" in out:
        placed = resolve_by_residents(out, residents)
        for column in placed.columns:
            out[column] = placed[column]
    out.insert(0, "row_number", rows["row_number"].astype("int64"))
    return out.reset_index(drop=True)


def run(ctx: RunContext) -> StandardiseSummary:
    """Standardise every validated register into ``_stages/standardise/``."""
    summary: StandardiseSummary = {}
    frames: dict[str, pd.DataFrame] = {}
    for name in OPTIONAL_REGISTERS:
        STANDARDISED[name].path(ctx).unlink(missing_ok=True)  # an earlier run's; written again if given
    for name in read_registers(ctx):  # population first: the others' split communes are placed by its addresses
        rows = pd.read_parquet(VALIDATED.path(ctx, name))
        frames[name] = standardise_register(name, rows, frames.get("population"))
    organisations = pd.concat([frames.pop("enterprises"), frames.pop("cooperatives")], ignore_index=True)
    frames["organisations"] = organisations
    for name, frame in frames.items():
        write_parquet(frame, STANDARDISED[name].path(ctx))
        summary[name] = {"rows": len(frame)}
        if "ward_status" in frame:
            summary[name]["ward_status"] = {str(k): int(v) for k, v in
                                            frame["ward_status"].value_counts().sort_index().items()}
    return summary
