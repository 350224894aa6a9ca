"""The person linkage, in the order it runs:

features -> record strata -> blocking (DuckDB) -> comparisons -> model (u sampled; m per stratum
and latent class, and the prior, by EM over records) -> weights -> a person holds one card at a
time (namesakes as a set) -> assignment -> legacy-ID crosswalk -> explanations.

Pure: tables in, tables out. Deterministic: rows are sorted and all sampling is seeded. The
design and its reasons: ``docs/linkage.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from contract.reviews import MATCH, NON_MATCH
from matching.linkage.assign import assign, competing_probability, id_veto, none_weight
from matching.linkage.blocking import RULES, candidate_pairs
from matching.linkage.compare import COMPARISONS, compare_pairs
from matching.linkage.exclusive import exclusive_weights
from matching.linkage.explain import reasons, weight_columns
from matching.linkage.features import Features, build_features
from matching.linkage.model import FittedModel, fit_model, pair_evidence, pair_weights
from matching.linkage.strata import DOB_KINDS, ID_KINDS, Strata, record_strata

__all__ = ["CANDIDATE_COLUMNS", "REVIEW_METHOD", "REVIEW_REASON", "Labels", "PersonInputs", "PersonLinkSettings",
           "PersonLinkResult", "link_inputs", "link_persons", "person_inputs", "LINK_COLUMNS"]

CANDIDATE_COLUMNS = ["record_key", "person_id", "match_probability", "linked"]
LINK_COLUMNS = ["record_key", "person_id", "method", "match_weight", "match_probability", "reason",
                *(f"w_{c.name}" for c in COMPARISONS), "w_together"]


@dataclass(frozen=True)
class PersonLinkSettings:
    """Everything that changes the links, in one place (copied beside each run's outputs)."""

    link_probability: float = 0.5  # equal costs for a false link and a missed one: Bayes decision
    review_probability: float = 0.05  # below the link threshold and at least this: an officer looks
    u_pairs: int = 1_000_000  # random pairs for u
    em_iterations: int = 200  # rounds of each EM session (the starting point)
    em_rounds: int = 40  # rounds of the EM over records
    em_tolerance: float = 0.001  # ... which stops when no m or share moves more than this
    em_records: int = 150_000  # records the EM over records runs on (a seeded sample beyond this)
    classes: int = 2  # latent kinds of match (kept up to date, stale): noise that comes together
    shrinkage: float = 20.0  # pseudo-records a stratum's m borrows from its source's, and a source's from all
    max_block_size: int = 2000  # population rows sharing one blocking key; larger keys are skipped
    name_jw_high: float = 0.95  # Jaro-Winkler of the folded names (Thị/Văn aside): "họ tên gần giống"
    name_jw_mid: float = 0.88  # "họ tên hơi giống"
    crosswalk_probability: float = 0.99  # a link at least this sure vouches for the legacy ID on its record
    evidence_probability: float = 0.001  # a candidate less likely than this is no evidence worth naming
    # Sources whose names' m is one per source, not per stratum (model.NAMES): those whose records
    # carry little but the name, where a stratum without ID or date would learn namesakes as matches.
    name_m_by_source: tuple[str, ...] = ()
    seed: int = 20260701
    threads: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "name_m_by_source", tuple(self.name_m_by_source))  # a list from a file
        if not 0 < self.review_probability <= self.link_probability < 1:
            raise ValueError("need 0 < review_probability <= link_probability < 1")
        if self.u_pairs < 1000 or self.max_block_size < 1 or self.threads < 1:
            raise ValueError("u_pairs >= 1000, max_block_size >= 1 and threads >= 1 are required")
        if self.classes < 1 or self.em_records < 1000 or self.shrinkage < 0 or self.em_rounds < 1:
            raise ValueError("classes >= 1, em_records >= 1000, em_rounds >= 1 and shrinkage >= 0 are required")
        if not 0 < self.em_tolerance < 1:
            raise ValueError("need 0 < em_tolerance < 1")
        if not 0 < self.name_jw_mid <= self.name_jw_high < 1:
            raise ValueError("need 0 < name_jw_mid <= name_jw_high < 1")
        if not 0 < self.evidence_probability < self.review_probability <= self.crosswalk_probability < 1:
            raise ValueError("need 0 < evidence_probability < review_probability <= crosswalk_probability < 1")

    @property
    def name_cuts(self) -> tuple[float, float]:
        return (self.name_jw_high, self.name_jw_mid)


@dataclass
class PersonLinkResult:
    """What the linkage found; see ``docs`` in :mod:`matching.linkage`."""

    links: pd.DataFrame
    review: pd.DataFrame
    best_unlinked: pd.DataFrame
    blocking_counts: dict[str, int]
    model: pd.DataFrame
    thresholds: dict[str, float] = field(default_factory=dict)
    # Every pair at least evidence_probability likely: record_key, person_id, match_probability,
    # linked. What the prospects' probabilities are computed from (a person is uncovered with
    # probability Π (1 − P(record → person)) over the records that would cover them).
    candidates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CANDIDATE_COLUMNS))
    # Decisions used (Labels.counts): matches and non-matches applied, and those not applied (their record
    # or resident is not in tonight's tables, or the record is decided a match with two residents).
    labels: dict[str, int] = field(default_factory=dict)


def _empty_result() -> PersonLinkResult:
    return PersonLinkResult(
        links=pd.DataFrame(columns=LINK_COLUMNS),
        review=pd.DataFrame(columns=["record_key", "person_id", "weight", "probability", "reason"]),
        best_unlinked=pd.DataFrame(columns=["person_id", "record_key", "match_weight", "match_probability",
                                            "reason", "person_linked"]),
        blocking_counts={}, model=pd.DataFrame(), thresholds={})


@dataclass(frozen=True)
class PersonInputs:
    """What the linkage keeps of its two tables: features, record strata and exclusive kinds.

    The tables themselves (names, addresses, raw IDs as Python strings) are most of a run's memory at a
    million residents and are not needed once these are built: a caller that lets them go before
    :func:`link_inputs` links with about a gigabyte less held through blocking and scoring.
    """

    rec: Features
    pop: Features
    strata: Strata
    kinds: np.ndarray | None  # per record: bits of what it holds one of at a time (None: no column)


def person_inputs(records: pd.DataFrame, population: pd.DataFrame) -> PersonInputs | None:
    """Features of ``records`` and ``population`` (rows sorted by key), their strata and kinds; None
    when either table is empty (nothing to link). See :func:`link_persons` for the columns."""
    if len(records) == 0 or len(population) == 0:
        return None
    records = records.sort_values("record_key", kind="stable").reset_index(drop=True)
    population = population.sort_values("person_id", kind="stable").reset_index(drop=True)
    rec, pop = build_features(records, population)
    strata = record_strata(records["source"].to_numpy(dtype=object) if "source" in records else None,
                           rec.id_text, rec.legacy, rec.year, rec.month, rec.day)
    kinds = (records["exclusive_kinds"].fillna(0).to_numpy(dtype=np.int64) if "exclusive_kinds" in records
             else None)
    return PersonInputs(rec, pop, strata, kinds)


def link_persons(records: pd.DataFrame, population: pd.DataFrame,
                 settings: PersonLinkSettings | None = None, decisions: pd.DataFrame | None = None
                 ) -> PersonLinkResult:
    """Link insured / manager / household-owner records to population persons.

    ``records`` may carry ``source`` (which register a record comes from): m and the prior are
    then estimated per source (:mod:`matching.linkage.strata`); and ``exclusive_kinds``, a bitmask
    of the kinds of record a person holds one of at a time (:mod:`matching.linkage.exclusive`).

    ``decisions`` (``record_key, person_id, decision``: ``contract.reviews`` codes) are pairs a person
    decided: a ``non_match`` pair is no candidate at all; a ``match`` pair is linked (method
    ``review``, probability 1, the record's other candidates 0), proposed by blocking or not. Both
    are labels of the model: the EM holds their posteriors fixed (:func:`fit_model`, ``fixed``).
    A record decided a match with two residents is decided with neither (one record, one resident).

    The same as :func:`person_inputs` then :func:`link_inputs`, which a caller short of memory calls
    itself, letting the tables go in between.
    """
    return link_inputs(person_inputs(records, population), settings, decisions)


def link_inputs(inputs: PersonInputs | None, settings: PersonLinkSettings | None = None,
                decisions: pd.DataFrame | None = None) -> PersonLinkResult:
    """:func:`link_persons` of tables already turned into :class:`PersonInputs`."""
    settings = settings or PersonLinkSettings()
    if inputs is None:
        return _empty_result()
    rec, pop, strata = inputs.rec, inputs.pop, inputs.strata
    pairs, counts = candidate_pairs(rec, pop, max_block_size=settings.max_block_size, threads=settings.threads)
    r, p, rule_bits = pairs["r"].to_numpy(), pairs["p"].to_numpy(), pairs["rules"].to_numpy()
    del pairs
    labels = Labels.of(decisions, rec.key, pop.key)
    if labels is not None:
        r, p, rule_bits = labels.candidates(r, p, rule_bits, len(pop))
    rule_names = [rule.name for rule in RULES]
    id_bits = sum(1 << rule_names.index(name) for name in ("id_exact", "id_one_edit") if name in rule_names)
    gamma = compare_pairs(rec, pop, r, p, workers=settings.threads, id_near=(rule_bits & id_bits) != 0,
                          name_cuts=settings.name_cuts)
    exact_id = _sure_id(gamma)
    miss = blocking_miss(rule_bits, exact_id, id_bits)
    model = fit_model(rec, pop, strata, r, p, gamma, rule_bits, rule_names, miss, u_pairs=settings.u_pairs,
                      seed=settings.seed, iterations=settings.em_iterations, rounds=settings.em_rounds,
                      tolerance=settings.em_tolerance, workers=settings.threads,
                      em_records=settings.em_records, classes=settings.classes, shrinkage=settings.shrinkage,
                      name_cuts=settings.name_cuts, name_m_by_source=frozenset(settings.name_m_by_source),
                      fixed=None if labels is None else labels.fixed(r, p, len(pop)))
    del rule_bits
    source_of_pair = strata.source_of_record[r]
    prior_weights = np.log2(model.prior / len(pop))
    nones = np.array([none_weight(share, miss) for share in model.prior])
    total = pair_evidence(model, gamma, pop, p, strata.of_record[r], (rec.given, r))
    total += prior_weights[source_of_pair]  # in place: one array of 15 M pairs fewer at a million residents
    if inputs.kinds is not None:  # records a person holds one of at a time: namesakes reasoned as a set
        total = exclusive_weights(r, p, total, inputs.kinds, nones[source_of_pair])
    decided = _decide(r, p, total, exact_id, nones[source_of_pair], settings, labels, len(pop))
    # Second round: a legacy ID that a sure link ties to one person is that person's on every record.
    xr, xp = legacy_crosswalk(rec.legacy_id, r, p, decided["linked"].to_numpy(), decided["probability"].to_numpy(),
                              settings.crosswalk_probability)
    if labels is not None:  # a pair decided "not them" stays no candidate
        xr, xp = labels.allowed(xr, xp, len(pop))
    crosswalk = np.zeros(len(r), dtype=bool)
    if len(xr):
        r, p, gamma, total, exact_id, crosswalk, added = _with_crosswalk(
            rec, pop, model, strata, (r, p, gamma, total, exact_id), xr, xp, prior_weights, settings)
        again = np.isin(r, xr)  # only the records the crosswalk touches are decided again
        redone = _decide(r[again], p[again], total[again], exact_id[again],
                         nones[strata.source_of_record[r[again]]], settings, labels, len(pop))
        columns = {}
        for column in decided.columns:
            values = np.insert(decided[column].to_numpy(), added, np.zeros(1, decided[column].dtype))
            values[again] = redone[column].to_numpy()
            columns[column] = values
        decided = pd.DataFrame(columns)
    linked_all, review_all = decided["linked"].to_numpy(), decided["review"].to_numpy()
    thresholds = _thresholds(settings, model, len(pop), decided, miss, r, strata)
    likely = np.flatnonzero(decided["probability"].to_numpy() >= settings.evidence_probability)
    candidates = pd.DataFrame({"record_key": rec.key[r[likely]], "person_id": pop.key[p[likely]],
                               "match_probability": decided["probability"].to_numpy()[likely],
                               "linked": linked_all[likely]})
    # Only the pairs an output needs get strings: links, review, and each person's best other record.
    best_other = _best_other(p, r, total, linked_all, decided["probability"].to_numpy(), settings.evidence_probability)
    rows = np.flatnonzero(linked_all | review_all | best_other)
    best_other = best_other[rows]
    decided = decided.iloc[rows].reset_index(drop=True)
    r, p, total, sub_gamma = r[rows], p[rows], total[rows], gamma[rows]
    del gamma
    why = reasons(sub_gamma, rec.legacy[r], crosswalk[rows])
    method = np.where(crosswalk[rows], "legacy_id",
                      np.where(exact_id[rows], "exact_id", "probabilistic")).astype(object)
    if labels is not None:
        reviewed = labels.matched(r, p, len(pop))
        method[reviewed] = REVIEW_METHOD
        why = np.where(reviewed, REVIEW_REASON + "; " + why.astype(object), why)
    method[~decided["linked"].to_numpy()] = None
    described = pd.DataFrame({"record_key": rec.key[r], "person_id": pop.key[p], "method": method,
                              "match_weight": total, "match_probability": decided["probability"], "reason": why})
    described = pd.concat([described, weight_columns(pair_weights(model, sub_gamma, pop, p, strata.of_record[r],
                                                                          (rec.given, r)))],
                          axis=1)
    linked = decided["linked"].to_numpy()
    links = described[linked].sort_values("record_key", kind="stable").reset_index(drop=True)[LINK_COLUMNS]
    review = described[decided["review"].to_numpy()].rename(
        columns={"match_weight": "weight", "match_probability": "probability"})
    review = review[["record_key", "person_id", "weight", "probability", "reason"]].sort_values(
        ["record_key", "person_id"]).reset_index(drop=True)
    return PersonLinkResult(
        links=links, review=review, best_unlinked=_best_unlinked(described, best_other, links),
        blocking_counts=counts, model=model.table(), thresholds=thresholds,
        labels={} if labels is None else labels.counts(),
        candidates=candidates.sort_values(["record_key", "person_id"], kind="stable").reset_index(drop=True))


_ID, _NAME, _DOB = (next(i for i, c in enumerate(COMPARISONS) if c.name == name)
                    for name in ("person_id", "full_name", "dob"))


def _sure_id(gamma: np.ndarray) -> np.ndarray:
    """Pairs whose ID agrees exactly and whose name and date do not veto it."""
    sure: np.ndarray = (gamma[:, _ID] == 0) & ~id_veto(gamma[:, _ID], gamma[:, _NAME], gamma[:, _DOB])
    return sure


def _decide(r: np.ndarray, p: np.ndarray, total: np.ndarray, exact_id: np.ndarray, none: float,
            settings: PersonLinkSettings, labels: Labels | None = None, n_pop: int = 0) -> pd.DataFrame:
    scored = pd.DataFrame({"r": r, "p": p, "weight": total, "probability": competing_probability(r, total, none),
                           "exact_id": exact_id})
    decided = assign(scored, link_probability=settings.link_probability,
                     review_probability=settings.review_probability)
    if labels is None:
        return decided
    fixed = labels.fixed(r, p, n_pop)
    known = ~np.isnan(fixed)  # a decided record: linked to its resident, sure, and to no other
    decided.loc[known, "probability"] = fixed[known]
    decided.loc[known, "linked"] = fixed[known] == 1.0
    decided.loc[known, "review"] = False
    return decided


REVIEW_METHOD = "review"
REVIEW_REASON = "Cán bộ đối soát xác nhận cùng một người"


@dataclass(frozen=True)
class Labels:
    """Pairs a person decided, as (record row, population row) codes ``r * n_pop + p``, sorted."""

    match: np.ndarray  # one per record at most
    non_match: np.ndarray
    unknown: int  # decisions naming a record or resident not in tonight's tables

    @classmethod
    def of(cls, decisions: pd.DataFrame | None, record_keys: np.ndarray, person_ids: np.ndarray) -> Labels | None:
        """The decisions of tonight's records and residents (None: no decision at all)."""
        if decisions is None or decisions.empty:
            return None
        r = pd.Index(record_keys).get_indexer(decisions["record_key"])
        p = pd.Index(person_ids).get_indexer(decisions["person_id"])
        found = (r >= 0) & (p >= 0)
        code = r[found].astype(np.int64) * max(len(person_ids), 1) + p[found]
        kind = decisions["decision"].to_numpy()[found]
        match_records = r[found][kind == MATCH]
        once = ~pd.Series(match_records).duplicated(keep=False).to_numpy()  # two residents: neither
        return cls(np.unique(code[kind == MATCH][once]), np.unique(code[kind == NON_MATCH]),
                   int((~found).sum() + (~once).sum()))

    def candidates(self, r: np.ndarray, p: np.ndarray, rule_bits: np.ndarray,
                   n_pop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Blocking's pairs without the non-matches and with the matches it did not propose (rule bits 0),
        in (r, p) order."""
        code = r.astype(np.int64) * n_pop + p
        keep = ~np.isin(code, self.non_match)
        code, rule_bits = code[keep], rule_bits[keep]
        extra = np.setdiff1d(self.match, code)
        code = np.concatenate([code, extra])
        rule_bits = np.concatenate([rule_bits, np.zeros(len(extra), rule_bits.dtype)])
        order = np.argsort(code, kind="stable")
        code, rule_bits = code[order], rule_bits[order]
        return (code // n_pop).astype(r.dtype), (code % n_pop).astype(p.dtype), rule_bits

    def allowed(self, r: np.ndarray, p: np.ndarray, n_pop: int) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of (r, p) not decided non-matches."""
        keep = ~np.isin(r.astype(np.int64) * n_pop + p, self.non_match)
        return r[keep], p[keep]

    def matched(self, r: np.ndarray, p: np.ndarray, n_pop: int) -> np.ndarray:
        """Mask of the pairs decided matches."""
        found: np.ndarray = np.isin(r.astype(np.int64) * n_pop + p, self.match)
        return found

    def fixed(self, r: np.ndarray, p: np.ndarray, n_pop: int) -> np.ndarray:
        """Per pair, its posterior as decided: 1 for a match, 0 for another candidate of a matched record
        (one record, one resident), NaN where nobody decided."""
        out = np.full(len(r), np.nan)
        matched_records = np.unique(self.match // max(n_pop, 1))
        out[np.isin(r, matched_records)] = 0.0
        out[self.matched(r, p, n_pop)] = 1.0
        return out

    def counts(self) -> dict[str, int]:
        return {"match": len(self.match), "non_match": len(self.non_match), "not_applied": self.unknown}


def legacy_crosswalk(legacy_id: np.ndarray | None, r: np.ndarray, p: np.ndarray, linked: np.ndarray,
                     probability: np.ndarray, sure: float = 0.99) -> tuple[np.ndarray, np.ndarray]:
    """(records, persons) that a legacy ID ties together through another record's sure link.

    A CMND belonged to one person (domain: "needs a crosswalk"). Where a record carrying it is
    linked at least ``sure`` (``crosswalk_probability``) to a resident, every other record carrying the
    same CMND is that resident's ID evidence, as if it held the resident's CCCD. A CMND seen on
    sure links to two residents ties nobody. Records already linked to the resident are left out.

    >>> legacy = np.array([317382845, 317382845, -1])
    >>> [x.tolist() for x in legacy_crosswalk(legacy, np.array([0, 1]), np.array([5, 7]),
    ...                                          np.array([True, False]), np.array([0.999, 0.4]))]
    [[1], [5]]
    """
    if legacy_id is None:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    source = linked & (probability >= sure) & (legacy_id[r] >= 0)
    table = pd.DataFrame({"legacy": legacy_id[r[source]], "p": p[source]}).drop_duplicates()
    table = table[~table["legacy"].duplicated(keep=False)]
    holders = np.flatnonzero(legacy_id >= 0)
    ties = pd.DataFrame({"r": holders, "legacy": legacy_id[holders]}).merge(table, on="legacy")
    done = pd.DataFrame({"r": r[linked], "p": p[linked], "done": True})
    ties = ties.merge(done, on=["r", "p"], how="left")
    ties = ties[ties["done"].isna()].sort_values(["r", "p"])
    return ties["r"].to_numpy(np.int32), ties["p"].to_numpy(np.int32)


def _with_crosswalk(rec: Features, pop: Features, model: FittedModel, strata: Strata,
                    arrays: tuple[np.ndarray, ...], xr: np.ndarray, xp: np.ndarray, prior_weights: np.ndarray,
                    settings: PersonLinkSettings) -> tuple[np.ndarray, ...]:
    """The pair arrays with crosswalk pairs added (in (r, p) order) and their ID level set to exact.

    Returns ``r, p, gamma, total, exact_id, crosswalk, added`` (``added``: where new pairs went in,
    as :func:`numpy.insert` positions); the crosswalk pairs' weight counts the ID as agreeing,
    and the ID veto (name or date of birth contradicting) still applies.
    """
    r, p, gamma, total, exact_id = arrays
    n_pop = max(len(pop), 1)
    code = r.astype(np.int64) * n_pop + p
    xcode = xr.astype(np.int64) * n_pop + xp
    at = np.searchsorted(code, xcode)
    present = (at < len(code)) & (code[np.minimum(at, len(code) - 1)] == xcode)
    new_r, new_p = xr[~present], xp[~present]
    new_gamma = compare_pairs(rec, pop, new_r, new_p, workers=settings.threads, name_cuts=settings.name_cuts)
    where = at[~present]
    r, p = np.insert(r, where, new_r), np.insert(p, where, new_p)
    gamma = np.insert(gamma, where, new_gamma, axis=0)
    total, exact_id = np.insert(total, where, 0.0), np.insert(exact_id, where, False)
    code = r.astype(np.int64) * n_pop + p
    rows = np.searchsorted(code, xcode)
    crosswalk = np.zeros(len(r), dtype=bool)
    crosswalk[rows] = True
    gamma[rows, _ID] = 0  # "exact"
    # A crosswalked record is priced as a record carrying the resident's ID (its stratum's "id" twin).
    stratum = strata.of_record[r[rows]]
    as_id = stratum - (stratum % (len(ID_KINDS) * len(DOB_KINDS))) + (stratum % len(DOB_KINDS))
    total[rows] = (prior_weights[strata.source_of_record[r[rows]]]
                   + pair_evidence(model, gamma[rows], pop, p[rows], as_id, (rec.given, r[rows])))
    exact_id[rows] = _sure_id(gamma[rows])
    return r, p, gamma, total, exact_id, crosswalk, where


def blocking_miss(rule_bits: np.ndarray, exact_id: np.ndarray, id_bits: int) -> float:
    """Share of true matches that blocking leaves out, measured on the sure ones.

    Exact-ID links are known matches whose ID rules propose them anyway; the share of them that
    *no other* rule proposes is what blocking misses of a record whose ID is missing or wrong.
    (At least 1e-3: exact-ID records are the cleanest, so this errs on the low side.)
    """
    sure = rule_bits[exact_id]
    if len(sure) == 0:
        return 0.01
    return max(float(np.mean((sure & ~id_bits) == 0)), 1e-3)


def _best_other(p: np.ndarray, r: np.ndarray, weight: np.ndarray, linked: np.ndarray,
                probability: np.ndarray, floor: float) -> np.ndarray:
    """Mask of each person's best pair that is not a link (highest weight, then first record),
    among pairs at least ``floor`` (``evidence_probability``) likely."""
    rows = np.flatnonzero(~linked & (probability >= floor))
    order = rows[np.lexsort((r[rows], -weight[rows], p[rows]))]
    first = order[np.r_[True, p[order][1:] != p[order][:-1]]] if len(order) else order
    mask = np.zeros(len(p), dtype=bool)
    mask[first] = True
    return mask


def _best_unlinked(described: pd.DataFrame, best_other: np.ndarray, links: pd.DataFrame) -> pd.DataFrame:
    """Per person, the best candidate record that was not assigned to them (evidence on prospects).

    ``best_other`` marks those rows (:func:`_best_other`); rows are sorted by person here.
    """
    best = described.loc[best_other, ["person_id", "record_key", "match_weight", "match_probability", "reason"]]
    best = best.sort_values("person_id", kind="stable")
    best["person_linked"] = best["person_id"].isin(links["person_id"])
    return best.reset_index(drop=True)


def _thresholds(settings: PersonLinkSettings, model: FittedModel, n_pop: int, decided: pd.DataFrame,
                miss: float, record: np.ndarray, strata: Strata) -> dict[str, float]:
    """Thresholds, the model's priors, and what the model itself expects of its links (no truth).

    Expected true links: the linked pairs' probabilities. Expected links there are: every
    pair's probability, plus the records of residents that no candidate explains. Those are
    estimated per source without labels: a record carrying an ID that matches nobody is, almost
    always, somebody outside the extract, so the "none of these" mass of records with an ID is the
    share of outsiders (``outsider_share``); what the records of a source leave to "none" beyond
    that share belongs to residents the linkage could not find (``lost_share``).
    """
    linked = decided["linked"].to_numpy()
    prob = decided["probability"].to_numpy()
    expected_true = float(prob[linked].sum())
    outsider, lost = unexplained_shares(record, prob, strata)
    none = np.clip(1 - np.bincount(record, weights=prob, minlength=len(strata.of_record)), 0, 1)
    out = {
        "link_probability": settings.link_probability,
        "review_probability": settings.review_probability,
        "link_weight": float(np.log2(settings.link_probability / (1 - settings.link_probability))),
        "review_weight": float(np.log2(settings.review_probability / (1 - settings.review_probability))),
        "em_iterations": float(model.iterations), "blocking_miss": miss,
        "expected_precision": expected_true / max(int(linked.sum()), 1),
    }
    lost_records = 0.0
    for k, (source, rho) in enumerate(zip(model.sources, model.prior, strict=True)):
        mine = strata.source_of_record == k
        lost_records += max(float(none[mine].sum()) - outsider[k] * int(mine.sum()), 0.0)
        out[f"record_match_share:{source}"] = float(rho)
        out[f"prior_weight:{source}"] = float(np.log2(rho / max(n_pop, 1)))
        out[f"none_weight:{source}"] = none_weight(float(rho), miss)
        out[f"outsider_share:{source}"] = float(outsider[k])
        out[f"lost_share:{source}"] = float(lost[k])
    expected_all = float(prob.sum()) + lost_records
    out["expected_recall"] = expected_true / max(expected_all, 1e-9)
    out["expected_links"] = expected_all
    return out


def unexplained_shares(record: np.ndarray, probability: np.ndarray, strata: Strata) -> tuple[np.ndarray, np.ndarray]:
    """Per source: the share of records of somebody outside the extract (the "none of these" mass
    of records whose ID could be compared), and the share of records of residents left unfound
    (the rest of the "none" mass beyond that).

    >>> from matching.linkage.strata import record_strata
    >>> s = record_strata(None, np.array(["001085012345", "001085012346", ""], dtype=object), np.zeros(3, bool),
    ...                   np.array([1980, 1980, 1980]), np.array([1, 1, 1]), np.array([2, 2, 2]))
    >>> [x.round(2).tolist() for x in unexplained_shares(np.array([0, 2]), np.array([1.0, 0.5]), s)]
    [[0.5], [0.0]]
    """
    from matching.linkage.strata import DOB_KINDS, ID_KINDS

    none = np.clip(1 - np.bincount(record, weights=probability, minlength=len(strata.of_record)), 0, 1)
    with_id = (strata.of_record % (len(ID_KINDS) * len(DOB_KINDS))) // len(DOB_KINDS) == ID_KINDS.index("id")
    outsider = np.zeros(len(strata.sources))
    lost = np.zeros(len(strata.sources))
    for k in range(len(strata.sources)):
        mine = strata.source_of_record == k
        base = none[mine & with_id]
        outsider[k] = float(base.mean()) if len(base) >= 20 else float(none[mine].mean()) if mine.any() else 0.0
        lost[k] = max(float(none[mine].mean()) - outsider[k], 0.0) if mine.any() else 0.0
    return outsider, lost
