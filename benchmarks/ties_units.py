"""Which employer units no linkage can place without guessing (used by identifiability.py).

A unit is *stuck* when another enterprise or cooperative fits it at least as well as its true
organisation on everything the unit carries: the tax code (the same once dashes and a lost
leading zero are undone; one edit apart; the same ten head-office digits; otherwise none, and
no code at all tells nobody apart), the name (the same; the same folded, legal forms unified;
the same words in another order, as `CN <place> - <company>` for a branch; otherwise
none), the commune (same, same province, elsewhere) and the address. Units of public bodies
belong to no registered organisation and are not looked at.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz.distance import DamerauLevenshtein

from matching.address import address_keys
from matching.admin_units import candidates_of, is_current, province_of

__all__ = ["stuck_units", "org_name_forms", "tax_digits"]

# Legal-form phrases written many ways (folded, longest first), each as one token.
_FORMS = [("cong ty trach nhiem huu han", "cty tnhh"), ("trach nhiem huu han", "tnhh"), ("mot thanh vien", "mtv"),
          ("1 thanh vien", "mtv"), ("hai thanh vien", "2tv"), ("cong ty", "cty"), ("ct", "cty"),
          ("co phan", "cp"), ("hop tac xa", "htx"), ("doanh nghiep tu nhan", "dntn"), ("dn tu nhan", "dntn"),
          ("chi nhanh", "cn"), ("thuong mai va dich vu", "tm dv"), ("thuong mai", "tm"), ("dich vu", "dv"),
          ("xay dung", "xd"), ("xuat nhap khau", "xnk"), ("san xuat", "sx"), ("uy ban nhan dan", "ubnd"),
          ("trung hoc co so", "thcs"), ("tai", "")]
_FORM_RE = [(re.compile(rf"\b{a}\b"), b) for a, b in _FORMS]


def _fold(s: str) -> str:
    s = s.replace("Đ", "D").replace("đ", "d").replace("Ð", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn").lower()


def org_name_forms(name: str) -> tuple[str, str, str]:
    """(exact, folded with legal forms unified, the same words sorted).

    >>> long = "Công ty TNHH Một Thành Viên Thương Mại An Phat"
    >>> org_name_forms("CTY TNHH MTV TM AN PHÁT")[1] == org_name_forms(long)[1]
    True
    >>> org_name_forms("CN HÀ NỘI - CÔNG TY CP AN")[2] == org_name_forms("CHI NHÁNH CÔNG TY CỔ PHẦN AN TẠI HÀ NỘI")[2]
    True
    """
    exact = " ".join(unicodedata.normalize("NFC", name).upper().split())
    text = re.sub(r"[^a-z0-9 ]+", " ", _fold(name))
    for pattern, token in _FORM_RE:
        text = pattern.sub(token, text)
    words = text.split()
    return exact, " ".join(words), " ".join(sorted(words))


def tax_digits(code: str) -> str:
    """A recorded tax code's digits, a lost leading zero put back (9 or 12 digits).

    >>> tax_digits("100109106"), tax_digits("0100109106-001"), tax_digits("100109106001")
    ('0100109106', '0100109106001', '0100109106001')
    """
    d = re.sub(r"\D", "", code or "")
    return "0" + d if len(d) in (9, 12) else d


def _tax_level(recorded: str, code: str) -> int:
    if recorded == "":
        return 0
    if recorded == code:
        return 3
    if DamerauLevenshtein.distance(recorded, code) <= 1:
        return 2
    return 1 if recorded[:10] == code[:10] else 0


def _forms(frame: pd.DataFrame) -> pd.DataFrame:
    uniq = pd.unique(frame["name"].fillna(""))
    table = pd.DataFrame([org_name_forms(n) for n in uniq], columns=["exact", "norm", "bag"], index=uniq)
    return table.reindex(frame["name"].fillna("").to_numpy()).set_axis(frame.index)


def _deletions(code: str) -> list[str]:
    head = code[:10]
    return [head[:i] + head[i + 1:] for i in range(len(head))] + [head]


def stuck_units(units: pd.DataFrame, orgs: pd.DataFrame) -> np.ndarray:
    """Per unit (``_tax_code`` its true organisation, ``""`` for public bodies): stuck or not."""
    u = units.reset_index(drop=True).copy()
    o = orgs.reset_index(drop=True).copy()
    u["digits"] = [tax_digits(c) for c in u["tax_code"].fillna("")]
    o["digits"] = [tax_digits(c) for c in o["tax_code"]]
    u, o = u.join(_forms(u)), o.join(_forms(o))
    u["address_key"] = address_keys(u["address"].replace("", None))
    o["address_key"] = address_keys(o["address"].replace("", None))
    o["province"] = province_of(o["ward_code"]).fillna("").to_numpy()
    place = u["ward_code"].fillna("")
    succ = {p: ((p,) if cur else candidates_of(p)) for p, cur in zip(place, is_current(place), strict=True)}
    u["wards"] = [succ[p] for p in place]
    u["place_province"] = province_of(pd.Series([(w or ("",))[0] for w in u["wards"]])).fillna("").to_numpy()
    u["u"] = np.arange(len(u))
    o["o"] = np.arange(len(o))
    # candidates: a tax code one edit away or of the same family, the same name words, the same commune
    ud = u[["u", "digits"]].assign(key=[_deletions(d) if d else [] for d in u["digits"]]).explode("key")
    od = o[["o", "digits"]].assign(key=[_deletions(d) for d in o["digits"]]).explode("key")
    pairs = [ud.merge(od, on="key")[["u", "o"]]]
    pairs.append(u[["u", "bag"]].merge(o[["o", "bag"]], on="bag")[["u", "o"]])
    uw = u[["u", "wards"]].explode("wards").dropna()
    pairs.append(uw.merge(o[["o", "ward_code"]], left_on="wards", right_on="ward_code")[["u", "o"]])
    truth = o.reset_index().set_index("tax_code")["o"]
    mine = u[u["_tax_code"].isin(truth.index)]
    pairs.append(pd.DataFrame({"u": mine["u"].to_numpy(), "o": truth.loc[mine["_tax_code"]].to_numpy()}))
    pairs = pd.concat(pairs, ignore_index=True).drop_duplicates()
    pairs = pairs.merge(u[["u", "_tax_code"]], on="u")
    pairs = pairs[pairs["_tax_code"].isin(truth.index)].reset_index(drop=True)
    a, b = u.loc[pairs["u"]].reset_index(drop=True), o.loc[pairs["o"]].reset_index(drop=True)
    level = pd.DataFrame({
        "tax": [_tax_level(x, y) for x, y in zip(a["digits"], b["digits"], strict=True)],
        "name": np.select([a["exact"] == b["exact"], a["norm"] == b["norm"], a["bag"] == b["bag"]], [3, 2, 1], 0),
        "place": np.where([w in ws for w, ws in zip(b["ward_code"], a["wards"], strict=True)], 2,
                          np.where((a["place_province"] == b["province"]) & (a["place_province"] != ""), 1, 0)),
        "address": ((a["address_key"] != "") & (a["address_key"] == b["address_key"])).astype(int),
    })
    own = (b["tax_code"] == a["_tax_code"]).to_numpy()
    true_level = level[own].set_index(pairs.loc[own, "u"].to_numpy())
    at = true_level.reindex(pairs["u"].to_numpy()).to_numpy()
    fits = (level.to_numpy() >= at).all(axis=1) & ~own
    stuck = np.zeros(len(u), dtype=bool)
    stuck[pairs.loc[fits, "u"].to_numpy()] = True
    return stuck
