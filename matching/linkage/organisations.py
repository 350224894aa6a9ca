"""Employers (social security units) to registered enterprises and cooperatives, by Fellegi–Sunter.

A unit's tax code may be missing, mistyped, without its branch suffix or dash, or have lost a
leading zero; its name is abbreviated, folded or misspelt; its commune may be an old code. So
no single key links units: candidates come from several (the tax code, its head-office digits,
one edit of them, the name in the province, the commune), every candidate is compared on
everything (tax code, name, legal form, commune, address), and the candidates of a unit compete
as persons' do (:func:`matching.linkage.assign.competing_probability`): public bodies (a
People's Committee, a school) belong to no registered organisation, so "none of these" keeps
its share, estimated with m by EM over units, u from random pairs. A link is the unit's best
candidate when at least ``link_probability`` likely.

Methods (for the audit): ``exact_tax_code`` (the recorded code is the organisation's),
``tax_code_typo`` (its head-office digits or one edit of them), ``name_ward`` (the name and the
place). ``score`` is the link's probability.

>>> normalise_org_name("CÔNG TY TNHH MỘT THÀNH VIÊN THƯƠNG MẠI AN PHÁT")
('cty tnhh mtv', 'tm an phat')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from matching.address import address_keys, house_number
from matching.linkage.assign import competing_probability, none_weight
from matching.linkage.blocking import deletion_keys
from matching.linkage.features import value_codes
from matching.text import fold, fold_series

__all__ = ["OrgLinkSettings", "OrgLinkResult", "link_organisations", "normalise_org_name", "LEGAL_FORMS",
           "ORG_COMPARISONS"]

ORG_LINK_COLUMNS = ["unit_code", "tax_code", "method", "score", "reason"]
ORG_CANDIDATE_COLUMNS = ["unit_code", "tax_code", "probability", "linked"]
_PHRASES = [  # folded phrase -> canonical token; longest first
    (r"cong ty trach nhiem huu han", "cty tnhh"), (r"trach nhiem huu han", "tnhh"),
    (r"hai thanh vien tro len", "2tv"), (r"2 thanh vien tro len", "2tv"), (r"hai thanh vien", "2tv"),
    (r"mot thanh vien", "mtv"), (r"1 thanh vien", "mtv"), (r"1tv", "mtv"),
    (r"cong ty", "cty"), (r"c ty", "cty"), (r"ct", "cty"), (r"co phan", "cp"), (r"hop tac xa", "htx"),
    (r"doanh nghiep tu nhan", "dntn"), (r"dn tu nhan", "dntn"), (r"chi nhanh", "cn"), (r"thuong mai", "tm"),
    (r"dich vu", "dv"), (r"san xuat", "sx"), (r"xay dung", "xd"), (r"xuat nhap khau", "xnk"), (r"va", ""),
]
_PHRASE_RE = [(re.compile(rf"\b{p}\b"), t) for p, t in _PHRASES]
LEGAL_FORMS = frozenset({"cty", "tnhh", "mtv", "2tv", "cp", "htx", "dntn", "cn"})


def normalise_org_name(name: str | None) -> tuple[str, str]:
    """``(legal form, core name)`` of an organisation's name, folded and with forms unified.

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
class OrgComparison:
    name: str
    labels: tuple[str, ...]
    phrases: tuple[str, ...]


ORG_COMPARISONS: tuple[OrgComparison, ...] = (
    OrgComparison("tax_code", ("exact", "head_office", "one_edit", "different"),
                  ("trùng mã số thuế", "trùng mã số thuế (phần trụ sở chính)", "mã số thuế lệch một chữ số",
                   "mã số thuế khác")),
    OrgComparison("name", ("exact", "high", "mid", "low", "different"),
                  ("trùng tên đơn vị (chuẩn hoá)", "tên đơn vị gần giống", "tên đơn vị hơi giống",
                   "tên đơn vị ít giống", "tên đơn vị khác")),
    OrgComparison("legal_form", ("same", "different"), ("cùng loại hình", "khác loại hình")),
    OrgComparison("ward", ("same_ward", "same_province", "different"), ("cùng xã/phường", "cùng tỉnh", "khác tỉnh")),
    OrgComparison("address", ("exact", "same_house", "different"), ("trùng địa chỉ", "địa chỉ gần giống", "")),
)
_NULL = -1
# Where EM starts, and what a handful of units keeps (pseudo-units of this prior knowledge).
_M_START = (np.array([0.8, 0.08, 0.04, 0.08]), np.array([0.7, 0.15, 0.08, 0.06, 0.01]), np.array([0.9, 0.1]),
            np.array([0.8, 0.15, 0.05]), np.array([0.7, 0.1, 0.2]))
_PRIOR_UNITS = 20.0
# What random pairs show, before looking (pseudo-pairs of it keep u sane on a handful of units).
_U_START = (np.array([1e-5, 1e-5, 1e-4, 0.99988]), np.array([1e-4, 1e-3, 1e-2, 0.05, 0.9389]),
            np.array([0.4, 0.6]), np.array([0.01, 0.1, 0.89]), np.array([1e-3, 1e-2, 0.989]))
_PRIOR_PAIRS = 1000.0
_NAME_CUTS = (95.0, 85.0, 70.0)


@dataclass(frozen=True)
class OrgLinkSettings:
    """The unit-to-organisation model's knobs."""

    link_probability: float = 0.5  # equal costs for a false link and a missed one
    u_pairs: int = 200_000  # random pairs for u
    em_iterations: int = 50
    max_block_size: int = 200  # organisations sharing one name word in a province; larger words are skipped
    seed: int = 20260701
    threads: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.link_probability < 1 or self.u_pairs < 100 or self.em_iterations < 1:
            raise ValueError("need 0 < link_probability < 1, u_pairs >= 100 and em_iterations >= 1")


@dataclass
class OrgLinkResult:
    links: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    # Every (unit, organisation) candidate at least 1e-3 likely: how sure "no unit" is.
    candidates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ORG_CANDIDATE_COLUMNS))
    model: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class _Side:
    digits: np.ndarray  # object: the tax code's digits as recorded ("" where none)
    main: np.ndarray  # object: the ten head-office digits ("" where fewer than 9 digits)
    suffix: np.ndarray  # object: branch suffix ("" where none)
    form: np.ndarray  # object
    core: np.ndarray  # object
    ward: np.ndarray  # object ("" where unknown)
    province: np.ndarray  # object
    address: np.ndarray  # object: address key
    house: np.ndarray  # object: house number


def _side(frame: pd.DataFrame, code_column: str) -> _Side:
    raw = frame[code_column] if code_column in frame else pd.Series([None] * len(frame), index=frame.index)
    digits = raw.astype("string").str.replace(r"\D", "", regex=True).fillna("")
    # A branch is ten head-office digits and a three-digit suffix; a code that lost its leading
    # zero has nine (one edit from the ten).
    main = digits.where(digits.str.len() != 13, digits.str[:10]).where(digits.str.len().isin([9, 10, 11, 13]), "")
    suffix = digits.str[10:].where(digits.str.len() == 13, "")
    names = frame["name"].astype(object).where(frame["name"].notna(), "")
    folded = fold_series(pd.Series(names.to_numpy(dtype=object), dtype=object)).fillna("").tolist()
    parts = {text: _normalise_folded(text) for text in set(folded)}
    address = frame["address"] if "address" in frame else pd.Series([None] * len(frame), index=frame.index)
    keys = address_keys(address.to_numpy(dtype=object))

    def text(column: str) -> np.ndarray:
        values = frame[column] if column in frame else pd.Series([None] * len(frame), index=frame.index)
        out: np.ndarray = values.astype(object).where(values.notna(), "").to_numpy(dtype=object)
        return out

    return _Side(digits.to_numpy(dtype=object), main.to_numpy(dtype=object), suffix.to_numpy(dtype=object),
                 np.array([parts[t][0] for t in folded], dtype=object), np.array([parts[t][1] for t in folded],
                                                                                 dtype=object),
                 text("ward_code"), text("province_code"), keys,
                 np.array([house_number(k) for k in keys], dtype=object))


def _join(left: pd.DataFrame, right: pd.DataFrame, on: list[str], cap: int | None = None) -> pd.DataFrame:
    """(u, o) pairs sharing ``on``; keys held by more than ``cap`` organisations are skipped."""
    right = right[(right[on] != "").all(axis=1)]
    if cap is not None:
        size = right.groupby(on)["o"].transform("size")
        right = right[size <= cap]
    left = left[(left[on] != "").all(axis=1)]
    return left.merge(right, on=on)[["u", "o"]]


def _candidates(units: _Side, orgs: _Side, cap: int) -> pd.DataFrame:
    """Candidate (unit, organisation) row pairs, from every key that could tie them."""
    u = pd.DataFrame({"u": np.arange(len(units.digits)), "digits": units.digits, "main": units.main,
                      "core": units.core, "ward": units.ward, "province": units.province})
    o = pd.DataFrame({"o": np.arange(len(orgs.digits)), "digits": orgs.digits, "main": orgs.main,
                      "core": orgs.core, "ward": orgs.ward, "province": orgs.province})
    unplaced = u[u["province"] == ""]
    parts = [_join(u, o, ["digits"]), _join(u, o, ["main"]), _join(u, o, ["core", "province"]),
             _join(u, o, ["ward"], cap=cap), _join(unplaced, o, ["core"], cap=cap)]
    # One edit of the head-office digits (a typo, a transposition, a lost leading zero).
    has = np.flatnonzero(units.main != "")
    if len(has):
        uk, ur = deletion_keys(units.main[has])
        ok, orr = deletion_keys(orgs.main)
        edits = pd.DataFrame({"k": uk, "u": has[ur]}).merge(pd.DataFrame({"k": ok, "o": orr}), on="k")
        parts.append(edits[["u", "o"]])
    # The rarest word of the name, in the province (a misspelt name recorded in another commune).
    words = u[["u", "core", "province"]].assign(word=u["core"].str.split()).explode("word")
    owords = o[["o", "core", "province"]].assign(word=o["core"].str.split()).explode("word").dropna(subset=["word"])
    freq = owords.groupby("word")["o"].size()
    words = words.dropna(subset=["word"]).assign(freq=lambda f: f["word"].map(freq).fillna(0))
    words = words[words["freq"] > 0].sort_values(["u", "freq", "word"]).groupby("u").head(2)
    parts.append(_join(words[["u", "word", "province"]], owords[["o", "word", "province"]], ["word", "province"],
                       cap=cap))
    # A unit with no commune: its rarest words anywhere.
    loose = words[words["u"].isin(unplaced["u"])]
    parts.append(_join(loose[["u", "word"]], owords[["o", "word"]], ["word"], cap=cap))
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates().sort_values(["u", "o"], kind="stable")
    return pairs.reset_index(drop=True)


def _name_scores(a: np.ndarray, b: np.ndarray, ui: np.ndarray, oi: np.ndarray, threads: int) -> np.ndarray:
    """Token-set similarity (0-100) of the names ``a[ui]`` and ``b[oi]``, each distinct pair of names
    scored once."""
    if len(ui) == 0:
        return np.empty(0)
    ua, a_names = pd.factorize(a, use_na_sentinel=False)
    ob, b_names = pd.factorize(b, use_na_sentinel=False)
    pair = ua[ui].astype(np.int64) * len(b_names) + ob[oi]
    inverse, distinct = pd.factorize(pair)
    scores = process.cpdist(np.asarray(a_names, dtype=object)[distinct // len(b_names)].tolist(),
                            np.asarray(b_names, dtype=object)[distinct % len(b_names)].tolist(),
                            scorer=fuzz.token_set_ratio, workers=threads)
    out: np.ndarray = np.asarray(scores, dtype=float)[inverse]
    return out


def _compare(units: _Side, orgs: _Side, ui: np.ndarray, oi: np.ndarray, threads: int) -> np.ndarray:
    """Comparison levels of pairs (rows of ``units`` and ``orgs``): an int8 matrix."""
    gamma = np.full((len(ui), len(ORG_COMPARISONS)), _NULL, dtype=np.int8)

    def coded(column: str) -> tuple[np.ndarray, np.ndarray]:
        """The pairs' values of a column as codes in one numbering (-1: none): millions of pairs
        compare integers a hundred times faster than strings."""
        left, right = getattr(units, column), getattr(orgs, column)
        codes, _ = value_codes(np.concatenate([left, right]))
        return codes[: len(left)][ui], codes[len(left):][oi]

    ud, od = coded("digits")
    umain, omain = coded("main")
    usuf, osuf = coded("suffix")
    known = (ud >= 0) & (od >= 0)
    tax = np.full(len(ui), 3, dtype=np.int8)
    near = np.flatnonzero(known & (umain >= 0) & (umain != omain))
    if len(near):
        dist = process.cpdist(units.main[ui[near]].tolist(), orgs.main[oi[near]].tolist(), scorer=OSA.distance,
                              workers=threads)
        one = near[(np.asarray(dist) <= 1) & ((usuf[near] == osuf[near]) | (usuf[near] < 0) | (osuf[near] < 0))]
        tax[one] = 2
    tax[(umain == omain) & (umain >= 0)] = 1
    tax[ud == od] = 0
    gamma[:, 0] = np.where(known, tax, _NULL)
    ucore, ocore = coded("core")
    score = _name_scores(units.core, orgs.core, ui, oi, threads)
    name = np.select([ucore == ocore, score >= _NAME_CUTS[0], score >= _NAME_CUTS[1], score >= _NAME_CUTS[2]],
                     [0, 1, 2, 3], 4).astype(np.int8)
    gamma[:, 1] = np.where((ucore >= 0) & (ocore >= 0), name, _NULL)
    # A code one edit off (or sharing the head office's digits) says "this organisation" only when
    # the names are alike at all: a typo lands on another real code often (codes are dense within
    # a tax office's range), and random pairs never show how often.
    unlike = np.isin(gamma[:, 0], [1, 2]) & (gamma[:, 1] == 4)
    gamma[unlike, 0] = 3
    uform, oform = coded("form")
    gamma[:, 2] = np.where((uform >= 0) & (oform >= 0), np.where(uform == oform, 0, 1), _NULL)
    uw, ow = coded("ward")
    up, op = coded("province")
    ward = np.where(uw == ow, 0, np.where(up == op, 1, 2))
    gamma[:, 3] = np.where((up >= 0) & (op >= 0), ward, _NULL)
    ua, oa = coded("address")
    uh, oh = coded("house")
    same_house = (uh == oh) & (uh >= 0)
    gamma[:, 4] = np.where((ua >= 0) & (oa >= 0), np.where(ua == oa, 0, np.where(same_house, 1, 2)), _NULL)
    return gamma


def _shares(gamma: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    out = []
    for c, comp in enumerate(ORG_COMPARISONS):
        known = gamma[:, c] != _NULL
        tally = np.bincount(gamma[known, c], weights=weight[known], minlength=len(comp.labels))
        out.append(tally)
    return out


def _weights(m: list[np.ndarray], u: list[np.ndarray], gamma: np.ndarray, name_share: np.ndarray) -> np.ndarray:
    """Per pair and comparison: log2(m/u), ordered levels non-increasing; an exact name priced by
    how common the name is among organisations."""
    out = np.zeros(gamma.shape)
    for c in range(len(ORG_COMPARISONS)):
        w = np.minimum.accumulate(np.log2(np.maximum(m[c], 1e-9) / np.maximum(u[c], 1e-9)))
        level = gamma[:, c]
        out[:, c] = np.where(level == _NULL, 0.0, w[np.maximum(level, 0)])
        if ORG_COMPARISONS[c].name == "name":
            exact = level == 0
            out[exact, c] = np.maximum(np.log2(max(m[c][0], 1e-9) / name_share[exact]), w[1])
    return out


def _reason(levels: np.ndarray) -> str:
    agree: list[str] = []
    disagree: list[str] = []
    for comp, level in zip(ORG_COMPARISONS, levels, strict=True):
        if level == _NULL or not comp.phrases[level]:
            continue
        (disagree if comp.labels[level] == "different" else agree).append(comp.phrases[level])
    text = ", ".join(agree)
    return f"{text}; {', '.join(disagree)}" if disagree else text


def link_organisations(units: pd.DataFrame, organisations: pd.DataFrame,
                       settings: OrgLinkSettings | None = None) -> OrgLinkResult:
    """Link units to organisations (see the module docstring)."""
    settings = settings or OrgLinkSettings()
    units = units.sort_values("unit_code", kind="stable").reset_index(drop=True)
    orgs = organisations.sort_values("tax_code", kind="stable").reset_index(drop=True)
    empty = OrgLinkResult(links=pd.DataFrame(columns=ORG_LINK_COLUMNS), counts={"units": len(units),
                                                                              "unlinked": len(units)})
    if len(units) == 0 or len(orgs) == 0:
        return empty
    code_column = "tax_code_raw" if "tax_code_raw" in units else "tax_code"
    us, os_ = _side(units, code_column), _side(orgs, "tax_code")
    pairs = _candidates(us, os_, settings.max_block_size)
    ui, oi = pairs["u"].to_numpy(), pairs["o"].to_numpy()
    gamma = _compare(us, os_, ui, oi, settings.threads)
    # Nothing but the place in common (no code, a different name) is no candidate, however the
    # model would weigh the commune: public bodies sit in every commune.
    identified = (gamma[:, 0] == 0) | ((gamma[:, 1] != 4) & (gamma[:, 1] != _NULL))
    ui, oi, gamma = ui[identified], oi[identified], gamma[identified]
    core_share = pd.Series(os_.core).map(pd.Series(os_.core).value_counts(normalize=True)).to_numpy()
    name_share = np.maximum(core_share[oi], 1.0 / len(orgs))
    # u: random pairs (all of them when there are few).
    rng = np.random.default_rng(settings.seed)
    n_all = len(units) * len(orgs)
    if n_all <= settings.u_pairs:
        ru, ro = np.divmod(np.arange(n_all), len(orgs))
    else:
        ru, ro = rng.integers(0, len(units), settings.u_pairs), rng.integers(0, len(orgs), settings.u_pairs)
    random_gamma = _compare(us, os_, ru, ro, settings.threads)
    u = [(t + _PRIOR_PAIRS * start) / (t.sum() + _PRIOR_PAIRS)
         for t, start in zip(_shares(random_gamma, np.ones(len(ru))), _U_START, strict=True)]
    # m and the share ρ of units that are a registered organisation's: EM over units.
    m = [x.copy() for x in _M_START]
    rho, miss = 0.7, 0.01
    prob = np.zeros(len(ui))
    for _ in range(settings.em_iterations):
        total = np.log2(rho / len(orgs)) + _weights(m, u, gamma, name_share).sum(axis=1)
        prob = competing_probability(ui, total, none_weight(rho, miss))
        counts = _shares(gamma, prob)
        new_m = [(x + _PRIOR_UNITS * start) / (x.sum() + _PRIOR_UNITS) for x, start in zip(counts, _M_START,
                                                                                            strict=True)]
        new_rho = float(np.clip((prob.sum() + 0.5) / (len(units) + 1.0), 1e-3, 1 - 1e-3))
        change = max(abs(new_rho - rho), *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)))
        m, rho = new_m, new_rho
        if change < 1e-5:
            break
    weights = _weights(m, u, gamma, name_share)
    total = np.log2(rho / len(orgs)) + weights.sum(axis=1)
    prob = competing_probability(ui, total, none_weight(rho, miss))
    order = np.lexsort((oi, -prob, ui))
    best = order[np.r_[True, ui[order][1:] != ui[order][:-1]]] if len(order) else order
    chosen = best[prob[best] >= settings.link_probability]
    linked = np.zeros(len(ui), dtype=bool)
    linked[chosen] = True
    tax_level = gamma[chosen, 0]
    method = np.select([tax_level == 0, np.isin(tax_level, [1, 2])], ["exact_tax_code", "tax_code_typo"], "name_ward")
    links = pd.DataFrame({"unit_code": units["unit_code"].to_numpy()[ui[chosen]],
                          "tax_code": orgs["tax_code"].to_numpy()[oi[chosen]], "method": method,
                          "score": prob[chosen].round(6), "reason": [_reason(g) for g in gamma[chosen]]})
    links = links.sort_values("unit_code").reset_index(drop=True)[ORG_LINK_COLUMNS]
    likely = prob >= 1e-3
    candidates = pd.DataFrame({"unit_code": units["unit_code"].to_numpy()[ui[likely]],
                               "tax_code": orgs["tax_code"].to_numpy()[oi[likely]], "probability": prob[likely],
                               "linked": linked[likely]}).sort_values(["unit_code", "tax_code"]).reset_index(drop=True)
    methods = {str(k): int(v) for k, v in links["method"].value_counts().sort_index().items()}
    methods["units"], methods["unlinked"], methods["candidate_pairs"] = len(units), len(units) - len(links), len(ui)
    model = pd.DataFrame([{"comparison": comp.name, "level": level, "label": label, "m": float(m[c][level]),
                           "u": float(u[c][level])} for c, comp in enumerate(ORG_COMPARISONS)
                          for level, label in enumerate(comp.labels)])
    return OrgLinkResult(links=links, counts=methods, candidates=candidates, model=model.assign(unit_share=rho))
