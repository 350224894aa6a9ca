"""Employers (social security units) to registered enterprises and cooperatives.

Three passes, each only over what the previous left unlinked:

1. ``exact_tax_code``: the unit's tax code is a registered one.
2. ``tax_code_typo``: the recorded code fails the check digit (or has 9 or 11 digits) and a
   registered code is one edit away (substitution, adjacent transposition, digit dropped or
   doubled); for a branch, in its ten head-office digits with the same suffix. The names must
   still agree, and the best name wins.
3. ``name_ward``: the normalised names agree (legal-form words unified: `CÔNG TY TNHH` = `CTY TNHH`,
   `MỘT THÀNH VIÊN` = `MTV`, `CỔ PHẦN` = `CP`, `HỢP TÁC XÃ` = `HTX`; no diacritics; token-set
   similarity) in the same ward, or exactly in the same province. A tie between two
   organisations links neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from matching.ids import normalise_tax_codes
from matching.linkage.blocking import deletion_keys
from matching.text import fold, fold_series

__all__ = ["OrgLinkSettings", "OrgLinkResult", "link_organisations", "normalise_org_name", "LEGAL_FORMS"]

ORG_LINK_COLUMNS = ["unit_code", "tax_code", "method", "score", "reason"]
_PHRASES = [  # folded phrase -> canonical token; longest first
    (r"cong ty trach nhiem huu han", "cty tnhh"), (r"trach nhiem huu han", "tnhh"),
    (r"hai thanh vien tro len", "2tv"), (r"2 thanh vien tro len", "2tv"), (r"hai thanh vien", "2tv"),
    (r"mot thanh vien", "mtv"), (r"1 thanh vien", "mtv"), (r"1tv", "mtv"),
    (r"cong ty", "cty"), (r"c ty", "cty"), (r"co phan", "cp"), (r"hop tac xa", "htx"),
    (r"doanh nghiep tu nhan", "dntn"), (r"chi nhanh", "cn"), (r"thuong mai", "tm"), (r"dich vu", "dv"),
    (r"san xuat", "sx"), (r"xay dung", "xd"), (r"xuat nhap khau", "xnk"), (r"va", ""),
]
_PHRASE_RE = [(re.compile(rf"\b{p}\b"), t) for p, t in _PHRASES]
LEGAL_FORMS = frozenset({"cty", "tnhh", "mtv", "2tv", "cp", "htx", "dntn", "cn"})


def normalise_org_name(name: str | None) -> tuple[str, str]:
    """``(legal form, core name)`` of an organisation's name, folded and with forms unified.

    >>> normalise_org_name("CÔNG TY TNHH MỘT THÀNH VIÊN THƯƠNG MẠI AN PHÁT")
    ('cty tnhh mtv', 'tm an phat')
    >>> normalise_org_name("Cty TNHH MTV Thương mại An Phát") == normalise_org_name("CONG TY TNHH 1TV TM AN PHAT")
    True
    >>> normalise_org_name("HTX Nông nghiệp Tân Thành")
    ('htx', 'nong nghiep tan thanh')
    """
    return _normalise_folded(fold(name) or "")


def _normalise_folded(text: str) -> tuple[str, str]:
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    for pattern, token in _PHRASE_RE:
        text = pattern.sub(token, text)
    words = text.split()
    form = " ".join(w for w in words if w in LEGAL_FORMS)
    core = " ".join(w for w in words if w not in LEGAL_FORMS)
    return form, core


@dataclass(frozen=True)
class OrgLinkSettings:
    """Name-similarity thresholds (0–100, rapidfuzz's token-set ratio)."""

    typo_min_name: float = 70.0  # a tax code one digit off still needs names this close
    ward_min_name: float = 90.0  # name match in the same ward
    threads: int = 2


@dataclass
class OrgLinkResult:
    links: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def _names(frame: pd.DataFrame) -> pd.DataFrame:
    uniq = pd.unique(frame["name"].dropna())
    folded = fold_series(pd.Series(uniq, dtype=object)).fillna("").tolist()  # vectorised fold
    table = pd.DataFrame([_normalise_folded(v) for v in folded], columns=["form", "core"], index=uniq)
    out = table.reindex(frame["name"].to_numpy()).fillna("")
    return out.set_axis(frame.index)


def _best(cands: pd.DataFrame, key: str, min_score: float, tie_breaks: tuple[str, ...] = ()) -> pd.DataFrame:
    """Best candidate per unit above ``min_score``, ties at the top score broken by each of
    ``tie_breaks`` in turn (higher wins); a tie left after them links nothing."""
    cands = cands[cands["score"] >= min_score]
    cands = cands.sort_values([key, "score", "tax_code"], ascending=[True, False, True], kind="stable")
    at_top = cands
    for column in ("score", *tie_breaks):
        at_top = at_top[at_top[column] == at_top.groupby(key)[column].transform("max")]
    unique = at_top.groupby(key)["tax_code"].transform("size") == 1
    return at_top[unique]


def _score(units: pd.DataFrame, orgs: pd.DataFrame, pairs: pd.DataFrame, threads: int) -> np.ndarray:
    a = units.loc[pairs["u"], "core"].tolist()
    b = orgs.loc[pairs["o"], "core"].tolist()
    return np.asarray(process.cpdist(a, b, scorer=fuzz.token_set_ratio, workers=threads), dtype=float)


def link_organisations(units: pd.DataFrame, organisations: pd.DataFrame,
                       settings: OrgLinkSettings | None = None) -> OrgLinkResult:
    """Link units to organisations: exact tax code, tax-code typo, then name in the same ward."""
    settings = settings or OrgLinkSettings()
    units = units.sort_values("unit_code", kind="stable").reset_index(drop=True)
    orgs = organisations.sort_values("tax_code", kind="stable").reset_index(drop=True)
    units = units.join(_names(units))
    orgs = orgs.join(_names(orgs))
    parts = []

    exact = units[units["tax_code"].notna() & units["tax_code"].isin(orgs["tax_code"])]
    parts.append(pd.DataFrame({"unit_code": exact["unit_code"], "tax_code": exact["tax_code"],
                               "method": "exact_tax_code", "score": 1.0, "reason": "trùng mã số thuế"}))
    todo = units[~units["unit_code"].isin(exact["unit_code"])]

    raw = todo["tax_code_raw"].astype("string").str.replace(r"\D", "", regex=True).fillna("")
    # A branch code is the head office's ten digits and a three-digit suffix: the typo is looked
    # for in the ten digits, and the suffix must agree.
    is_branch = raw.str.len() == 13
    main_raw = raw.where(~is_branch, raw.str[:10])
    suffix = raw.str[10:].where(is_branch, "")
    checked = normalise_tax_codes(main_raw.where(main_raw.str.len() == 10, None))
    suspect = (main_raw.str.len().isin([9, 10, 11])
               & ~(checked["checksum_ok"] & (main_raw.str.len() == 10))).to_numpy()
    if suspect.any():
        sus = todo[suspect]
        rk, rr = deletion_keys(main_raw[suspect].to_numpy(dtype=object))
        main = orgs["tax_code"].str[:10].to_numpy(dtype=object)
        ok, orr = deletion_keys(main)
        pairs = pd.DataFrame({"k": rk, "u": sus.index[rr]}).merge(pd.DataFrame({"k": ok, "o": orr}), on="k")
        pairs = pairs[["u", "o"]].drop_duplicates()
        org_suffix = orgs["tax_code"].str[11:].fillna("")
        pairs = pairs[org_suffix.loc[pairs["o"]].to_numpy() == suffix.loc[pairs["u"]].to_numpy()]
        if len(pairs):
            pairs["score"] = _score(units, orgs, pairs, settings.threads)
            pairs["unit_code"] = units.loc[pairs["u"], "unit_code"].to_numpy()
            pairs["tax_code"] = orgs.loc[pairs["o"], "tax_code"].to_numpy()
            best = _best(pairs, "unit_code", settings.typo_min_name)
            parts.append(pd.DataFrame({"unit_code": best["unit_code"], "tax_code": best["tax_code"],
                                       "method": "tax_code_typo", "score": best["score"] / 100,
                                       "reason": "mã số thuế lệch một chữ số, tên gần giống"}))
            todo = todo[~todo["unit_code"].isin(best["unit_code"])]

    u = todo[todo["core"] != ""].reset_index()
    o = orgs[orgs["core"] != ""].reset_index()
    same_ward = u[u["ward_code"].notna()].merge(o, on="ward_code", suffixes=("_u", "_o"))
    same_name = u[u["province_code"].notna()].merge(o, on=["core", "province_code"], suffixes=("_u", "_o"))
    pairs = pd.concat([
        pd.DataFrame({"u": same_ward["index_u"], "o": same_ward["index_o"], "ward": True}),
        pd.DataFrame({"u": same_name["index_u"], "o": same_name["index_o"], "ward": False}),
    ]).sort_values(["u", "o", "ward"], ascending=[True, True, False]).drop_duplicates(["u", "o"])
    if len(pairs):
        pairs["score"] = _score(units, orgs, pairs, settings.threads)
        exact_core = (units.loc[pairs["u"], "core"].to_numpy() == orgs.loc[pairs["o"], "core"].to_numpy())
        pairs = pairs[(pairs["ward"] & (pairs["score"] >= settings.ward_min_name)) | exact_core].copy()
        pairs["unit_code"] = units.loc[pairs["u"], "unit_code"].to_numpy()
        pairs["tax_code"] = orgs.loc[pairs["o"], "tax_code"].to_numpy()
        # Equal names: the organisation in the unit's own commune, then the one of the same legal
        # form (`CTY CP ... HOA AN` is not `DNTN ... HOA AN`), is the better candidate; a tie
        # that neither breaks still links nothing.
        pairs["same_form"] = units.loc[pairs["u"], "form"].to_numpy() == orgs.loc[pairs["o"], "form"].to_numpy()
        best = _best(pairs, "unit_code", 0.0, tie_breaks=("ward", "same_form"))
        reason = np.where(best["ward"], "trùng tên đơn vị (chuẩn hoá) và cùng xã/phường",
                          "trùng tên đơn vị (chuẩn hoá) và cùng tỉnh")
        parts.append(pd.DataFrame({"unit_code": best["unit_code"], "tax_code": best["tax_code"],
                                   "method": "name_ward", "score": best["score"] / 100, "reason": reason}))
    links = pd.concat(parts, ignore_index=True).sort_values("unit_code").reset_index(drop=True)[ORG_LINK_COLUMNS]
    counts = {str(k): int(v) for k, v in links["method"].value_counts().sort_index().items()}
    counts["units"], counts["unlinked"] = len(units), len(units) - len(links)
    return OrgLinkResult(links=links, counts=counts)
