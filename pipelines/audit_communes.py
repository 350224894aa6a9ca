"""Quality per commune, for the audit: where the rows of each commune went.

For every current commune that any register mentions: the rows used (every register with a
commune), the rows quarantined (read by the commune code they were typed with, where it can be
read), the old codes mapped to it, the split old communes resolved from the address or flagged
(listed under it, the lowest candidate), the person records (``insured``, ``household_businesses``)
linked to a resident by method or left unlinked, and the prospects listed. ``issue_share``, the
quarantined and flagged rows over all its rows, orders the table worst first (then the lowest link
rate). Counts only: no names or IDs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from matching.admin_units import current_wards, resolve_ward_codes
from pipelines.catalogue import PERSON_LINKS, PROSPECTS, QUARANTINED, STANDARDISED
from pipelines.context import RunContext
from pipelines.files import read_columns

__all__ = ["COMMUNE_COLUMNS", "commune_quality"]

# standardised table -> the registers its quarantined rows come from
_TABLES = {"population": ("population",), "organisations": ("enterprises", "cooperatives"),
           "household_businesses": ("household_businesses",), "insured": ("insured",), "employers": ("employers",)}
_LINKED_SOURCES = ("insured", "household_businesses")  # person records with a commune of their own
COMMUNE_COLUMNS = ("province_code", "ward_code", "ward_name", "rows_used", "quarantined", "old_mapped",
                   "split_resolved", "split_flagged", "records", "linked_exact", "linked_probabilistic", "unlinked",
                   "link_rate", "prospects", "issue_share")
_NO_COMMUNE = "?"  # rows whose commune code cannot be read


def _read(path: Path, columns: list[str]) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return read_columns(path, columns)


def _counts(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.groupby("ward_code").size().rename(name)


def commune_quality(ctx: RunContext) -> list[dict[str, Any]] | None:
    """One row per commune (:data:`COMMUNE_COLUMNS`), worst first; None when the standardise stage
    did not run."""
    used, quarantined, records = [], [], []
    for table, registers in _TABLES.items():
        frame = _read(STANDARDISED[table].path(ctx), ["row_number", "ward_code", "ward_status"])
        if frame is None:
            return None
        frame = frame.assign(ward_code=frame["ward_code"].fillna(_NO_COMMUNE))
        used.append(frame)
        if table in _LINKED_SOURCES:
            records.append(frame.assign(source=table))
        for register in registers:
            rows = _read(QUARANTINED.path(ctx, register), ["ward_code"])
            if rows is not None and "ward_code" in rows and len(rows):
                ward = resolve_ward_codes(rows["ward_code"].astype(object))["ward_code"]
                quarantined.append(pd.DataFrame({"ward_code": ward.fillna(_NO_COMMUNE).to_numpy()}))
    rows = pd.concat(used, ignore_index=True)
    status = rows["ward_status"]
    parts = [_counts(rows, "rows_used"), _counts(rows[status == "old_mapped"], "old_mapped"),
             _counts(rows[status == "old_split_resolved"], "split_resolved"),
             _counts(rows[status == "old_split_flagged"], "split_flagged")]
    if quarantined:
        parts.append(_counts(pd.concat(quarantined, ignore_index=True), "quarantined"))
    people = pd.concat(records, ignore_index=True)
    parts.append(_counts(people, "records"))
    links = _read(PERSON_LINKS.path(ctx), ["source", "row_number", "method"])
    if links is not None:
        linked = people.merge(links.drop_duplicates(["source", "row_number"]), on=["source", "row_number"])
        exact = linked["method"].isin(["exact_id", "legacy_id"])
        parts += [_counts(linked[exact], "linked_exact"), _counts(linked[~exact], "linked_probabilistic")]
    prospects = _read(PROSPECTS.path(ctx), ["ward_code"])
    if prospects is not None:
        parts.append(_counts(prospects.fillna(_NO_COMMUNE), "prospects"))
    table = pd.concat(parts, axis=1).fillna(0).astype("int64")
    for column in ("quarantined", "linked_exact", "linked_probabilistic", "prospects"):
        if column not in table:
            table[column] = 0
    table["unlinked"] = table["records"] - table["linked_exact"] - table["linked_probabilistic"]
    table["link_rate"] = ((table["linked_exact"] + table["linked_probabilistic"]) / table["records"]).where(
        table["records"] > 0).round(4)
    total = table["rows_used"] + table["quarantined"]
    table["issue_share"] = ((table["quarantined"] + table["split_flagged"]) / total).where(total > 0).round(4)
    wards = current_wards().set_index("ward_code")
    table["ward_name"] = table.index.map(wards["ward_name"]).fillna("(no usable commune code)")
    table["province_code"] = table.index.map(wards["province_code"]).fillna("")
    table = table.rename_axis("ward_code").reset_index()
    table = table.sort_values(["issue_share", "link_rate", "ward_code"], ascending=[False, True, True],
                              na_position="last", kind="stable")
    table = table.astype(object).where(table.notna(), None)
    return [{c: row[c] for c in COMMUNE_COLUMNS} for row in table.to_dict("records")]
