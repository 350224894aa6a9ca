"""What the officers' workbooks need beyond the prospects: whose household it is, whom to ask for
at an organisation and its phone, and whom the officer calls (``officer_workbook.Directory``).

Looked up per province, when its workbooks are written: the household head (``relation_to_head``
``Chủ hộ``) and the head's address from the population register; an organisation's representative
from a ``legal_representative`` column where its register has one (the contract allows extra
columns), else its highest manager role in the managers register; its phone from a ``phone``
column of its register (enterprises, cooperatives, or its social security unit in employers),
where one is given. Names stay in the workbook (officers need them); none goes to a log.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from matching.ids import normalise_tax_codes
from matching.text import fold_series
from pipelines.catalogue import STANDARDISED, VALIDATED
from pipelines.context import RunContext
from pipelines.files import read_where
from pipelines.officer_workbook import Directory

__all__ = ["REPRESENTATIVE_ROLES", "directory_for", "household_heads", "representatives"]

# Manager roles, folded, from the one that represents the organisation most often (Law on
# Enterprises 2020, Art. 12: the charter names the legal representative, usually one of these).
REPRESENTATIVE_ROLES = ("tong giam doc", "giam doc", "giam doc htx", "chu tich hdqt", "chu tich hdtv", "chu tich",
                        "chu tich hdqt htx", "pho giam doc")


def _text(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def household_heads(population: pd.DataFrame, households: set[str]) -> dict[str, tuple[str, str]]:
    """household_id -> (head's name, head's address) for the households asked for; the first head
    in register order where a register lists two.

    >>> pop = pd.DataFrame({"row_number": [1, 2, 3], "household_id": ["HK1", "HK1", "HK2"],
    ...                     "relation_to_head": ["Vợ", "chủ hộ", "Con"],
    ...                     "full_name": ["Lê Thị Hoa", "Nguyễn Văn An", "Phạm Bình"],
    ...                     "address": ["Số 5 ngõ 12 Đội Cấn", "Số 5 ngõ 12 Đội Cấn", None]})
    >>> household_heads(pop, {"HK1", "HK2"})
    {'HK1': ('Nguyễn Văn An', 'Số 5 ngõ 12 Đội Cấn')}
    """
    rows = population[population["household_id"].isin(households)]
    heads = rows[fold_series(rows["relation_to_head"]).fillna("").str.strip() == "chu ho"]
    heads = heads.sort_values("row_number").drop_duplicates("household_id")
    return dict(zip(_text(heads["household_id"]), zip(_text(heads["full_name"]), _text(heads["address"]),
                                                       strict=True), strict=True))


def representatives(managers: pd.DataFrame, tax_codes: set[str]) -> dict[str, str]:
    """tax_code -> "name (role)" of the organisation's highest manager role (:data:`REPRESENTATIVE_ROLES`,
    then any other role), the first in register order among equals.

    >>> managers = pd.DataFrame({"row_number": [1, 2, 3], "org_tax_code": ["0101234567"] * 3,
    ...                          "full_name": ["Lê Văn Cường", "Trần Thị Lan", "Đỗ Minh"],
    ...                          "role": ["Thành viên HĐTV", "Giám đốc", None]})
    >>> representatives(managers, {"0101234567"})
    {'0101234567': 'Trần Thị Lan (Giám đốc)'}
    """
    rows = managers[managers["org_tax_code"].isin(tax_codes)].copy()
    rank = {role: i for i, role in enumerate(REPRESENTATIVE_ROLES)}
    rows["rank"] = fold_series(rows["role"]).fillna("").str.strip().map(rank).fillna(len(rank) + 1)
    rows.loc[rows["role"].isna(), "rank"] = len(rank) + 2
    best = rows.sort_values(["rank", "row_number"]).drop_duplicates("org_tax_code")
    return {str(code): f"{name} ({role})" if role else name
            for code, name, role in zip(best["org_tax_code"], _text(best["full_name"]), _text(best["role"]),
                                        strict=True)}


def _register_columns(ctx: RunContext, register: str, key: str, wanted: tuple[str, ...]) -> pd.DataFrame:
    """``key`` (tax codes normalised) and those of ``wanted`` a register carries (extra columns)."""
    path = VALIDATED.path(ctx, register)
    if not path.is_file():
        return pd.DataFrame(columns=[key])
    present = [c for c in wanted if c in pq.read_schema(path).names]
    if not present:
        return pd.DataFrame(columns=[key])
    frame = pd.read_parquet(path, columns=[key, *present])
    frame[key] = normalise_tax_codes(frame[key])["tax_code"]
    return frame.dropna(subset=[key]).drop_duplicates(key)


def directory_for(ctx: RunContext, prospects: pd.DataFrame) -> Directory:
    """The directory of one province's workbooks (``prospects``: the province's rows, and rows to verify)."""
    households = set(_text(prospects["household_id"])) - {""}
    # only the residents of those households, and the managers of those organisations, are read
    population = read_where(STANDARDISED["population"].path(ctx), "household_id", households,
                            columns=["row_number", "household_id", "relation_to_head", "full_name", "address"])
    tax_codes = set(_text(prospects["tax_code"])) - {""}
    managers = read_where(STANDARDISED["managers"].path(ctx), "org_tax_code", tax_codes,
                          columns=["row_number", "org_tax_code", "full_name", "role"])
    named = representatives(managers, tax_codes)
    phones: dict[str, str] = {}
    for register in ("enterprises", "cooperatives"):
        extra = _register_columns(ctx, register, "tax_code", ("legal_representative", "phone"))
        extra = extra[extra["tax_code"].isin(tax_codes)]
        if "legal_representative" in extra:
            named.update({c: n for c, n in zip(extra["tax_code"], _text(extra["legal_representative"]), strict=True)
                          if n})
        if "phone" in extra:
            phones.update({c: p for c, p in zip(extra["tax_code"], _text(extra["phone"]), strict=True) if p})
    units = _register_columns(ctx, "employers", "tax_code", ("phone",))
    if "phone" in units:  # the unit's phone where the organisation's own register has none
        for code, phone in zip(units["tax_code"], _text(units["phone"]), strict=True):
            if code in tax_codes and phone:
                phones.setdefault(code, phone)
    organisations = {code: (named.get(code, ""), phones.get(code, "")) for code in sorted(tax_codes)
                     if code in named or code in phones}
    return Directory(household_heads(population, households), organisations, ctx.settings.officers.contact)
