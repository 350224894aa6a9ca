"""Commune codes of the two-tier model (July 2025): current list, old-to-new mapping, splits.

Reference data comes from the installed ``vietnam_provinces`` (2026.x, official codes of
QĐ 19/2025/QĐ-TTg and the NSO old-to-new table), read once per process. Codes are text:
communes ``"00004"`` (5 digits), provinces ``"01"`` (2 digits).

Resolution rules (``shared/contract.md``, "Commune codes"): a current code is read as current
even where it was also an old code; an old code with one new commune maps to it; an old code
split between several is settled by the address when the address names exactly one candidate,
otherwise it is flagged and listed under the candidate with the lowest code.

>>> resolve_ward_codes(pd.Series(["4", "00013", "99999", None])).ward_status.tolist()
['current', 'old_mapped', 'unknown', 'missing']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from matching.text import fold_words

__all__ = [
    "WARD_STATUSES",
    "candidates_of",
    "current_wards",
    "is_current",
    "is_old",
    "normalise_ward_code",
    "province_of",
    "resolve_ward_codes",
    "ward_name_of",
]

WARD_STATUSES = ("current", "old_mapped", "old_split_resolved", "old_split_flagged", "unknown", "missing")
_CODE = re.compile(r"[0-9]{1,5}")
_SPACE = re.compile(r"\s+")


class _Resolved(NamedTuple):
    ward_code: str | None
    province_code: str | None
    ward_status: str
    ward_note: str | None


# ---------------------------------------------------------------- reference tables
@cache
def _wards() -> pd.DataFrame:
    from vietnam_provinces import Province, Ward

    provinces = {int(p.code): p.name for p in Province.iter_all()}
    rows = [
        (
            f"{int(w.code):05d}",
            # The package has one lower-case type word ("xã Bắc Sơn", 06325): capitalise it
            w.name[:1].upper() + w.name[1:],
            str(w.division_type.value),
            f"{int(w.province_code):02d}",
            provinces[int(w.province_code)],
        )
        for w in Ward.iter_all()
    ]
    columns = ["ward_code", "ward_name", "division_type", "province_code", "province_name"]
    return pd.DataFrame(rows, columns=columns).sort_values("ward_code", ignore_index=True)


@cache
def _current() -> dict[str, tuple[str, str, str]]:
    """ward_code -> (ward_name, province_code, division_type)."""
    w = _wards()
    return dict(
        zip(w.ward_code, zip(w.ward_name, w.province_code, w.division_type, strict=True), strict=True)
    )


@cache
def _old_to_new() -> dict[str, tuple[str, ...]]:
    """Old (pre-July-2025) code -> current codes it went to, sorted (official NSO table)."""
    from vietnam_provinces._ward_conversion_2025 import OLD_TO_NEW

    return {
        f"{old:05d}": tuple(sorted(f"{ref.code:05d}" for ref in entry.new_wards))
        for old, entry in OLD_TO_NEW.items()
    }


class _Legacy(NamedTuple):
    name: str  # "Phường Điện Biên"
    district: str  # "Quận Ba Đình"
    province: str  # "Thành phố Hà Nội"


@cache
def _legacy() -> dict[str, _Legacy]:
    """Pre-July-2025 communes (10,051) with their district and province names."""
    from vietnam_provinces.legacy._lookup import DISTRICT_MAPPING, PROVINCE_MAPPING, WARD_MAPPING

    out = {}
    for code, ward in WARD_MAPPING.items():
        district = DISTRICT_MAPPING[ward.district_code]
        out[f"{int(code):05d}"] = _Legacy(
            ward.name, district.name, PROVINCE_MAPPING[district.province_code].name
        )
    return out


def _label(code: str) -> str:
    name, _, _ = _current()[code]
    return f"{code} {name}"


@cache
def _code_table() -> dict[str, _Resolved]:
    """Every known code -> its resolution; split old codes carry status ``old_split_flagged``
    and the lowest candidate, which address matching may later overrule."""
    current, old = _current(), _old_to_new()
    table: dict[str, _Resolved] = {}
    for code in _legacy().keys() - old.keys() - current.keys():
        note = f"Mã xã cũ {code} không có trong bảng chuyển đổi 2025 (old code with no official mapping)"
        table[code] = _Resolved(None, None, "unknown", note)
    for code, targets in old.items():
        province = current[targets[0]][1]  # a split never crosses a province boundary
        if len(targets) == 1:
            table[code] = _Resolved(targets[0], province, "old_mapped", None)
        else:
            table[code] = _Resolved(targets[0], province, "old_split_flagged", _split_note(code, targets))
    for code, (_, province, _) in current.items():  # last: a current code wins over an old one
        table[code] = _Resolved(code, province, "current", None)
    return table


def _split_note(code: str, targets: tuple[str, ...]) -> str:
    candidates = "; ".join(_label(t) for t in targets)
    return (
        f"Xã cũ {code} bị chia cho {len(targets)} xã/phường: {candidates}; địa chỉ không xác định được, "
        f"tạm xếp vào {targets[0]} (old commune split; listed under the lowest candidate)"
    )


# ---------------------------------------------------------------- address matching for splits
_WARD_TYPES = {("phuong",), ("xa",), ("p",), ("f",), ("x",), ("dac", "khu"), ("dk",)}
# Words before a name that make it something other than a new commune: a district, province or
# old town. ("Quận Ba Đình" is not "Phường Ba Đình".)
_OTHER_TYPES = {
    ("quan",), ("huyen",), ("q",), ("h",), ("tx",), ("tp",), ("tinh",), ("t",), ("tt",),
    ("thi", "xa"), ("thanh", "pho"), ("thi", "tran"),
}  # fmt: skip


def _bare(name: str) -> str:
    """Folded name without its type word: "Phường Văn Miếu - Quốc Tử Giám" -> "van mieu quoc tu giam"."""
    words = fold_words(name).split()
    for prefix in (["dac", "khu"], ["thi", "tran"], ["thanh", "pho"], ["thi", "xa"]):
        if words[: len(prefix)] == prefix:
            return " ".join(words[len(prefix) :])
    return " ".join(words[1:]) if words[0] in {"xa", "phuong", "quan", "huyen", "tinh"} else " ".join(words)


class _Phrases(NamedTuple):
    owners: dict[tuple[str, ...], frozenset[str]]  # words -> candidate codes and/or "old" / "region"
    longest: int


@cache
def _split_phrases(old_code: str) -> _Phrases:
    """Names an address of this split old commune may contain.

    Candidates are matched by name; the old commune's own name, its old district and the
    provinces are matched too, so that they are recognised (and ignored) rather than read as
    a candidate: 38 split communes share their name with a candidate, 144 districts theirs.
    """
    owners: dict[tuple[str, ...], set[str]] = {}

    def add(name: str, owner: str) -> None:
        if words := tuple(_bare(name).split()):
            owners.setdefault(words, set()).add(owner)

    for target in _old_to_new()[old_code]:
        add(_current()[target][0], target)
    if legacy := _legacy().get(old_code):
        add(legacy.name, "old")
        add(legacy.district, "region")
        add(legacy.province, "region")
    add(_province_names()[_code_table()[old_code].province_code or ""], "region")
    frozen = {words: frozenset(o) for words, o in owners.items()}
    return _Phrases(frozen, max(len(w) for w in frozen))


@cache
def _province_names() -> dict[str, str]:
    w = _wards()
    return dict(zip(w.province_code, w.province_name, strict=True))


def _named_candidates(old_code: str, address: str) -> set[str]:
    """Candidate codes the address names, by greedy longest-phrase scan of its folded words."""
    phrases = _split_phrases(old_code)
    words = fold_words(address).split()
    found: set[str] = set()
    i = 0
    while i < len(words):
        for size in range(min(phrases.longest, len(words) - i), 0, -1):
            owners = phrases.owners.get(tuple(words[i : i + size]))
            if owners is not None:
                found |= _mentioned(owners, tuple(words[max(0, i - 2) : i]))
                i += size
                break
        else:
            i += 1
    return found


def _mentioned(owners: frozenset[str], before: tuple[str, ...]) -> set[str]:
    """Which candidates one matched phrase names, given the (up to) two words before it."""
    if "old" in owners or before[-2:] in _OTHER_TYPES or before[-1:] in _OTHER_TYPES:
        return set()  # the old commune's own name, or a district/province/town: no evidence
    typed = before[-1:] in _WARD_TYPES or before[-2:] in _WARD_TYPES
    if "region" in owners and not typed:
        return set()  # bare "Ba Đình" is more likely the old district than the new phường
    return {o for o in owners if o not in ("old", "region")}


def _resolve_split(old_code: str, address: object) -> _Resolved:
    flagged = _code_table()[old_code]
    if not isinstance(address, str) or not address.strip():
        return flagged
    named = _named_candidates(old_code, address)
    if len(named) != 1:
        return flagged
    (target,) = named
    count = len(_old_to_new()[old_code])
    note = (
        f"Xã cũ {old_code} bị chia cho {count} xã/phường; địa chỉ nêu {_label(target)} "
        "(old commune split; resolved from the address)"
    )
    return _Resolved(target, flagged.province_code, "old_split_resolved", note)


# ---------------------------------------------------------------- public API
def current_wards() -> pd.DataFrame:
    """The 3,321 current communes: ``ward_code, ward_name, division_type, province_code, province_name``.

    >>> w = current_wards()
    >>> len(w), w.province_code.nunique()
    (3321, 34)
    >>> w.iloc[0].tolist()
    ['00004', 'Phường Ba Đình', 'phường', '01', 'Thành phố Hà Nội']
    """
    return _wards().copy()  # a copy: callers may not change the cached table


def normalise_ward_code(value: object) -> str | None:
    """Spaces removed, a digit string shorter than 5 zero-padded; None when empty; the text
    unchanged when it is not a 1-5 digit string.

    >>> normalise_ward_code(" 4 "), normalise_ward_code("00 013"), normalise_ward_code(""), normalise_ward_code("4a")
    ('00004', '00013', None, '4a')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        value = str(int(value))  # a code read as a number lost its zeros; put them back
    text = _SPACE.sub("", str(value))
    if not text:
        return None
    return text.zfill(5) if _CODE.fullmatch(text) else text


def _resolve_code(value: object) -> _Resolved:
    code = normalise_ward_code(value)
    if code is None:
        return _Resolved(None, None, "missing", None)
    if (known := _code_table().get(code)) is not None:
        return known
    why = (
        "không phải mã 5 chữ số (not a 5-digit code)"
        if not code.isdigit() or len(code) != 5
        else ("không phải mã xã hiện hành hay mã cũ (neither a current nor an old commune code)")
    )
    return _Resolved(None, None, "unknown", f"Mã xã {code!r} {why}")


def _by_unique(values: pd.Series, func: Callable[[object], object]) -> tuple[np.ndarray, np.ndarray]:
    """``func`` applied once per distinct value (codes repeat a lot): returns the per-value results
    and each row's position in them."""
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    table = _objects([*(func(u) for u in uniques), func(None)])  # position -1 (NaN/None): the last slot
    return table, positions


def _objects(items: list[object]) -> np.ndarray:
    """A 1-d object array; element by element, so numpy never unpacks tuples into a 2nd axis."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _columns(resolved: np.ndarray) -> dict[str, np.ndarray]:
    return {f: _objects([r[i] for r in resolved]) for i, f in enumerate(_Resolved._fields)}


def resolve_ward_codes(codes: pd.Series, addresses: pd.Series | None = None) -> pd.DataFrame:
    """Map recorded commune codes to current ones; same index as ``codes``.

    Columns: ``ward_code`` (current, or None), ``province_code``, ``ward_status`` (one of
    ``WARD_STATUSES``) and ``ward_note`` (why a ward is uncertain or unknown). ``addresses``,
    aligned with ``codes``, is read only for old communes that were split.

    >>> codes = pd.Series(["00019", "19", "00025"])
    >>> addr = pd.Series(["12 Lê Duẩn, P. Hoàn Kiếm", "Phường Điện Biên, Quận Ba Đình", None])
    >>> resolve_ward_codes(codes, addr)[["ward_code", "province_code", "ward_status"]]
      ward_code province_code         ward_status
    0     00070            01  old_split_resolved
    1     00004            01   old_split_flagged
    2     00025            01             current
    """
    if addresses is not None and not addresses.index.equals(codes.index):
        raise ValueError("addresses must have the same index as codes")
    table, positions = _by_unique(codes, _resolve_code)
    # Columns are built on the distinct codes, then taken row-wise: cheap for a million rows
    columns = {name: values[positions] for name, values in _columns(table).items()}
    if addresses is not None:
        split = (columns["ward_status"] == "old_split_flagged").astype(bool)
        if split.any():
            found = _columns(_resolve_splits(codes.to_numpy()[split], addresses.to_numpy()[split]))
            for name, values in found.items():
                columns[name][split] = values
    return pd.DataFrame(columns, index=codes.index, dtype=object)


def _resolve_splits(codes: np.ndarray, addresses: np.ndarray) -> np.ndarray:
    """Address resolution, once per distinct (code, address) pair."""
    pairs = pd.DataFrame({"code": [normalise_ward_code(c) for c in codes], "address": addresses})
    pairs["address"] = pairs["address"].where(pairs["address"].notna(), "")
    group = pairs.groupby(["code", "address"], sort=False).ngroup().to_numpy()
    firsts = pairs.drop_duplicates()
    table = _objects([_resolve_split(c, a) for c, a in zip(firsts["code"], firsts["address"], strict=True)])
    resolved: np.ndarray = table[group]
    return resolved


def province_of(ward_codes: pd.Series) -> pd.Series:
    """Province code of each current commune code (None otherwise).

    >>> province_of(pd.Series(["00004", "26740", "13"])).tolist()
    ['01', '79', None]
    """
    return _lookup(ward_codes, lambda c: _current()[c][1] if c in _current() else None)


def ward_name_of(ward_codes: pd.Series) -> pd.Series:
    """Name of each current commune code (None otherwise).

    >>> ward_name_of(pd.Series(["00004", "26740"])).tolist()
    ['Phường Ba Đình', 'Phường Sài Gòn']
    """
    return _lookup(ward_codes, lambda c: _current()[c][0] if c in _current() else None)


def is_current(ward_codes: pd.Series) -> pd.Series:
    """True where the code is a current commune code (after zero-padding).

    >>> is_current(pd.Series(["00004", "4", "00013", None])).tolist()
    [True, True, False, False]
    """
    return _lookup(ward_codes, lambda c: c in _current()).astype(bool)


def is_old(ward_codes: pd.Series) -> pd.Series:
    """True where the code was a pre-July-2025 commune code, mapped or not (current ones included).

    >>> is_old(pd.Series(["00013", "00004", "27217", "99999"])).tolist()
    [True, True, True, False]
    """
    return _lookup(ward_codes, lambda c: c in _old_to_new() or c in _legacy()).astype(bool)


def _lookup(ward_codes: pd.Series, func: Callable[[str], object]) -> pd.Series:
    def one(value: object) -> object:
        code = normalise_ward_code(value)
        return func(code) if code is not None else func("")

    table, positions = _by_unique(ward_codes, one)
    return pd.Series(table[positions], index=ward_codes.index, dtype=object)


def candidates_of(old_code: str) -> tuple[str, ...]:
    """Current communes an old code went to (empty when it is not an old code).

    >>> candidates_of("00019")
    ('00004', '00070', '00190', '00226')
    """
    return _old_to_new().get(normalise_ward_code(old_code) or "", ())
