"""Old communes split between several new ones, placed by where their address is lived at.

:func:`matching.admin_units.resolve_ward_codes` settles a split old code when the address names
one candidate commune. Most addresses name none (`Số 12 đường Lê Lợi, Tổ dân phố 3`), but the
population register says in which candidate such an address is lived at: when exactly one
candidate has a resident at the same address (house number, lane, street and hamlet, as
:func:`matching.address.address_key` normalises them), the row goes there; failing that, when
exactly one candidate has the same address without its house number (the street, lane and
hamlet), it goes there. Otherwise it stays flagged under the lowest candidate.

>>> residents = pd.DataFrame({"ward_code": ["00004", "00070", "00070"],
...                           "address": ["Số 5 Hàng Bông", "Số 12 đường Lê Lợi, TDP 3", "Số 40 Lê Lợi, TDP 3"]})
>>> rows = pd.DataFrame({"ward_code_raw": ["00019", "00019", "00019"], "ward_status": ["old_split_flagged"] * 3,
...                      "address": ["12 Le Loi, to dan pho 3", "Số 7 Lê Lợi, TDP 3", "Thôn 9"]})
>>> resolve_by_residents(rows, residents)["ward_status"].tolist()
['old_split_resolved', 'old_split_resolved', 'old_split_flagged']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matching.address import address_keys
from matching.admin_units import candidates_of, normalise_ward_code, province_of, ward_name_of

__all__ = ["resolve_by_residents", "street_key"]


def street_key(key: str) -> str:
    """An address key without the house number it starts with: the street, lane and hamlet.

    >>> street_key("12 ngo 68 le loi to 3"), street_key("thon 9"), street_key("12a le loi")
    ('ngo 68 le loi to 3', 'thon 9', 'le loi')
    """
    first, _, rest = key.partition(" ")
    return rest if first[:1].isdigit() else key


def _where_lived(residents: pd.DataFrame) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Address key -> communes with a resident there; street key -> communes."""
    keys = address_keys(residents["address"].to_numpy(dtype=object))
    frame = pd.DataFrame({"key": keys, "ward": residents["ward_code"].to_numpy(dtype=object)})
    frame = frame[(frame["key"] != "") & frame["ward"].notna()].drop_duplicates()
    by_key: dict[str, set[str]] = {}
    by_street: dict[str, set[str]] = {}
    for key, ward in zip(frame["key"], frame["ward"], strict=True):  # a dict of sets: no pandas group per key
        by_key.setdefault(key, set()).add(ward)
        street = street_key(key)
        if street:
            by_street.setdefault(street, set()).add(ward)
    return ({k: frozenset(v) for k, v in by_key.items()}, {k: frozenset(v) for k, v in by_street.items()})


def _only(candidates: tuple[str, ...], lived: frozenset[str] | None) -> str | None:
    if lived is None:
        return None
    hits = [c for c in candidates if c in lived]
    return hits[0] if len(hits) == 1 else None


def resolve_by_residents(rows: pd.DataFrame, residents: pd.DataFrame) -> pd.DataFrame:
    """Rows still ``old_split_flagged`` placed where their address is lived at (see module doc).

    ``rows`` needs ``ward_code_raw``, ``ward_status``, ``address`` (and may have ``ward_code``,
    ``province_code``, ``ward_note``); ``residents`` needs ``ward_code`` and ``address``. Returns
    ``ward_code, province_code, ward_status, ward_note`` for every row (unchanged where not split).
    """
    out = pd.DataFrame(index=rows.index)
    for column in ("ward_code", "province_code", "ward_note"):
        out[column] = rows.get(column)
    out["ward_status"] = rows["ward_status"]
    split = (rows["ward_status"] == "old_split_flagged").to_numpy()
    if not split.any() or len(residents) == 0:
        return out
    sub = rows[split]
    codes = [normalise_ward_code(c) or "" for c in sub["ward_code_raw"]]
    wanted = {ward for code in set(codes) for ward in candidates_of(code)}
    by_key, by_street = _where_lived(residents[residents["ward_code"].isin(wanted)])
    keys = address_keys(sub["address"].to_numpy(dtype=object))
    found: list[tuple[str | None, str]] = []
    for code, key in zip(codes, keys, strict=True):
        candidates = candidates_of(code)
        target = _only(candidates, by_key.get(key)) if key else None
        how = "địa chỉ có cư dân tại"
        if target is None and key and street_key(key):
            target = _only(candidates, by_street.get(street_key(key)))
            how = "đường/thôn có cư dân tại"
        found.append((target, how))
    targets = np.array([t for t, _ in found], dtype=object)
    resolved = np.flatnonzero([t is not None for t in targets])
    if len(resolved) == 0:
        return out
    index = sub.index[resolved]
    chosen = pd.Series(targets[resolved], index=index, dtype=object)
    names = ward_name_of(chosen)
    out.loc[index, "ward_code"] = chosen
    out.loc[index, "province_code"] = province_of(chosen)
    out.loc[index, "ward_status"] = "old_split_resolved"
    out.loc[index, "ward_note"] = [
        f"Xã cũ {codes[i]} bị chia cho {len(candidates_of(codes[i]))} xã/phường; {found[i][1]} "
        f"{chosen.loc[idx]} {names.loc[idx]} (old commune split; resolved from residents at the address)"
        for i, idx in zip(resolved, index, strict=True)]
    return out
