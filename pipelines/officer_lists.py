"""Gathering the officers' lists: prospects checked, split by commune, ordered for print, counted.

Each commune's rows, as text, in an order that involves every column (so the workbooks are
byte-identical run after run); ``summary.csv``, prospects per commune and group.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from contract.groups import ALL_GROUPS, GROUPS, PROSPECT_COLUMNS
from matching.admin_units import current_wards
from matching.text import fold_words
from pipelines.files import write_csv
from pipelines.officer_sheets import Record, Sheet, maybe_id, scrub, text_of

__all__ = ["PROVINCE_CODE", "WARD_CODE", "Route", "band_key", "band_of", "checked", "records_by_ward", "sort_key",
           "split_by_ward", "write_summary"]

WARD_CODE = re.compile(r"\d{5}")
PROVINCE_CODE = re.compile(r"\d{2}")


def checked(prospects: pd.DataFrame) -> pd.DataFrame:
    """Prospects with province codes filled from the commune, or an error naming what is wrong."""
    frame = prospects.copy()
    for column in ("group", "ward_code", "province_code"):
        if column not in frame.columns:
            raise ValueError(f"prospects: column {column!r} is missing")
        frame[column] = frame[column].map(text_of)
    unknown = sorted(set(frame["group"]) - set(ALL_GROUPS))
    if unknown:
        raise ValueError(f"prospects: column 'group' has unknown values {unknown}")
    bad = ~frame["ward_code"].str.fullmatch(WARD_CODE.pattern)
    if bad.any():  # a path component: never anything but 5 digits
        raise ValueError(f"prospects: column 'ward_code' is not a 5-digit code in {int(bad.sum())} rows")
    reference = current_wards().set_index("ward_code")["province_code"]
    derived = frame["ward_code"].map(reference).fillna("")
    frame["province_code"] = frame["province_code"].where(frame["province_code"] != "", derived)
    clash = (derived != "") & (frame["province_code"] != derived)
    bad = ~frame["province_code"].str.fullmatch(PROVINCE_CODE.pattern) | clash
    if bad.any():
        raise ValueError(
            f"prospects: column 'province_code' is missing or disagrees with the commune in {int(bad.sum())} rows"
        )
    return frame


def _ward_positions(frame: pd.DataFrame) -> dict[str, list[int]]:
    """Row positions of each commune, by ward code in ascending order."""
    indices = frame.groupby("ward_code", sort=True).indices
    return {str(code): positions.tolist() for code, positions in sorted(indices.items())}


def split_by_ward(prospects: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The prospects of each commune, by ward code in ascending order (province codes filled in).

    >>> p = pd.DataFrame({"group": ["hi_prospect"] * 3, "ward_code": ["00070", "00004", "00070"],
    ...                   "province_code": ["01", "", "01"]})
    >>> {code: len(rows) for code, rows in split_by_ward(p).items()}
    {'00004': 1, '00070': 2}
    """
    frame = checked(prospects)
    return {code: frame.iloc[positions] for code, positions in _ward_positions(frame).items()}


def records_by_ward(prospects: pd.DataFrame) -> dict[str, list[Record]]:
    """As ``split_by_ward``, but rows as dicts of stripped text ("" for empty): what the writer
    iterates, built in one pass because per-commune pandas calls dominate otherwise."""
    frame = checked(prospects)
    for column in PROSPECT_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    text = frame.astype(object).where(frame.notna(), "").astype(str).apply(lambda c: c.str.strip())
    names, values = [str(c) for c in text.columns], text.to_numpy()
    return {
        code: [dict(zip(names, values[i], strict=True)) for i in positions]
        for code, positions in _ward_positions(text).items()
    }


# Sorting folds the same names, roles and organisations again and again (two sorts a sheet, and
# bands): each distinct text is folded once per process.
_folded = cache(fold_words)


def _given_name_key(name: str) -> tuple[str, str]:
    """Vietnamese lists sort by given name (the last word), then the whole name."""
    folded = _folded(name)
    return (folded.rsplit(" ", 1)[-1], folded)


Route = tuple[str, str, str, str]  # matching.address.route_key: hamlet, street, lane, house


@cache  # a route is walked once per process, however many rows and sorts share it
def _walk(route: Route) -> tuple[object, ...]:
    """A route's place in the walk: hamlet, street, lane, house; an address without a part after those with one."""
    return tuple(x for part in route for x in (part == "", part))


def band_key(sheet: Sheet, row: Record, route: Route) -> tuple[object, ...]:
    """Which band a row is under, and where the band comes in the walk (``route``: of the band's address)."""
    if sheet.band == "household":
        household = row["household_id"]
        return (household == "", *_walk(route), household)  # people without a household code last
    if sheet.band == "org":
        return (*_walk(route), _folded(row["org_name"]), row["tax_code"], row["org_name"])
    return ()


def sort_key(sheet: Sheet, row: Record, route: Route) -> tuple[object, ...]:
    """Print order within a sheet: by band (``band_key``), then head of household first and given name
    (people), or by the walk and the name (organisations); every column takes part so that the order is
    total (byte-identical output). ``route`` is the band's address's (the row's own when unbanded)."""
    rest = tuple(row[c] for c in sorted(row))
    if sheet.band == "household":
        head = _folded(row["relation_to_head"]) != "chu ho"
        return (*band_key(sheet, row, route), head, *_given_name_key(row["full_name"]), *rest)
    if sheet.band == "org":
        return (*band_key(sheet, row, route), *_given_name_key(row["full_name"]), *rest)
    return (*_walk(route), _folded(row["org_name"]), row["tax_code"], *_given_name_key(row["full_name"]), *rest)


def band_of(sheet: Sheet, row: Record, head: tuple[str, str] | None = None) -> str:
    """Text of the band row a row falls under; ``head``: the household head's name and address
    (from the population register) when known."""
    if sheet.band == "household":
        household = row["household_id"]
        if not household:
            return "Chưa rõ hộ"
        name, address = head or ("", "")
        place = scrub(address or row["address"])
        text = f"Hộ {name} (mã hộ {household})" if name else f"Hộ mã {household}"
        return f"{text} — {place}" if place else text
    tax = maybe_id(row["tax_code"])
    name = scrub(row["org_name"]) or "Đơn vị chưa rõ tên"
    text = f"{name} — MST {tax}" if tax else name
    return f"{text} — {scrub(row['address'])}" if row["address"] else text


def write_summary(prospects: pd.DataFrame, wards: pd.DataFrame, target: Path,
                  groups: tuple[str, ...] = GROUPS, changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """``summary.csv``: per commune with prospects, one count column per group of the run
    (``groups``: ``contract.groups.groups_of`` its registers) and ``total``; with ``changes``
    (``pipelines.changes``), also ``new``, ``resolved`` and ``gone`` since the previous night, and
    the communes whose only news is a resolved or gone prospect.

    ``wards`` is the reference table (``matching.admin_units.current_wards()``). UTF-8 with a
    byte-order mark, so Excel shows the Vietnamese names.
    """
    frame = checked(prospects)
    counts = pd.crosstab(frame["ward_code"], frame["group"]).reindex(columns=list(groups), fill_value=0)
    kinds: list[str] = []
    if changes is not None:
        kinds = ["new", "resolved", "gone"]
        moved = pd.crosstab(changes["ward_code"], changes["change"]).reindex(columns=kinds, fill_value=0) \
            if len(changes) else pd.DataFrame(columns=kinds, dtype="int64")
        index = counts.index.union(moved.index)
        counts = counts.reindex(index, fill_value=0).join(moved.reindex(index, fill_value=0))
        counts.index.name = "ward_code"
    counts.columns.name = None
    counts["total"] = counts[list(groups)].sum(axis=1)
    names = wards.set_index("ward_code")[["ward_name", "province_code", "province_name"]]
    fallback = frame.groupby("ward_code")[["province_code"]].first()
    fallback["ward_name"] = (
        frame.groupby("ward_code")["ward_name"].first().map(text_of) if "ward_name" in frame else ""
    )
    provinces = dict(zip(wards["province_code"], wards["province_name"], strict=False))
    fallback["province_name"] = fallback["province_code"].map(provinces).fillna("")
    info = names.reindex(counts.index).fillna(fallback.reindex(counts.index)).fillna("")
    summary = info.join(counts).reset_index().sort_values("ward_code", ignore_index=True)
    columns = ["province_code", "province_name", "ward_code", "ward_name", *groups, "total", *kinds]
    summary = summary[columns].astype(dict.fromkeys((*groups, "total", *kinds), "int64"))
    write_csv(summary, target, bom=True)
    return summary
