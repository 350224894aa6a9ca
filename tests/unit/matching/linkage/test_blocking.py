"""Blocking: every pair whose keys are equal under some rule is a candidate; IDs one edit apart meet."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.linkage.blocking import (
    CO_WORKER_CAP,
    RULES,
    BlockingRule,
    candidate_pairs,
    co_worker_pairs,
    deletion_keys,
)
from matching.linkage.features import Features, build_features


def _meet(a: str, b: str) -> bool:
    ka, _ = deletion_keys(np.array([a], dtype=object))
    kb, _ = deletion_keys(np.array([b], dtype=object))
    return bool(np.isin(ka, kb).any())


def test_ids_one_edit_apart_share_a_deletion_key() -> None:
    pid = "001085012345"
    assert _meet(pid, "001085012346")  # substitution
    assert _meet(pid, "001085012354")  # adjacent transposition
    assert _meet(pid, "00108501234")  # digit dropped
    assert _meet(pid, "0010850123455")  # digit doubled
    assert not _meet(pid, "001085012399")  # two substitutions


# Feature columns that say only who someone is called (domain.md §3: a surname or a name alone is
# shared by millions); "~" marks a fuzzy key on the column.
_NAME_ONLY = {"canon", "folded", "core", "given"}


def test_every_rule_blocks_on_real_feature_columns() -> None:
    columns = {field.name for field in dataclasses.fields(Features)}
    for rule in RULES:
        assert {c.removesuffix("~") for c in rule.columns} <= columns, rule.name


def test_no_rule_blocks_on_a_name_alone_but_for_records_with_nothing_else() -> None:
    """A name-only rule would join every namesake: allowed only for records with neither a birth
    year nor a commune (managers), and then capped."""
    name_only = [rule for rule in RULES if rule.columns and {c.removesuffix("~") for c in rule.columns} <= _NAME_ONLY]
    assert name_only, "the check must see the name-only rule it allows"
    for rule in name_only:
        assert rule.only_unplaced and rule.cap > 0, rule.name


def test_huge_blocks_are_skipped_and_counted() -> None:
    """A key shared by more residents than the cap proposes nothing (namesakes), sharper keys still do."""
    n = 30
    text = np.full(n, "le an", dtype=object)
    ids = np.array([""] * n, dtype=object)

    def features(count: int, prefix: str, year: np.ndarray) -> Features:
        small = np.zeros(count, dtype=np.int32)
        return Features(
            key=np.array([f"{prefix}{i}" for i in range(count)], dtype=object), canon=small, folded=small,
            core=small, given=small, folded_text=text[:count], core_text=text[:count], given_text=text[:count],
            year=year.astype(np.int16), month=np.full(count, -1, np.int8), day=np.full(count, -1, np.int8),
            sex=np.zeros(count, np.int8), ward=np.arange(count, dtype=np.int32), province=np.zeros(count, np.int16),
            pid=np.full(count, -1, np.int64), id_text=ids[:count], legacy=np.zeros(count, dtype=bool))

    rec = features(1, "r", np.array([1990]))
    pop = features(n, "p", np.full(n, 1990))
    rule = BlockingRule("name_year", ("core", "year"), cap=10)
    pairs, counts = candidate_pairs(rec, pop, rules=(rule,))
    assert len(pairs) == 0 and counts["name_year:skipped_keys"] == 1
    pairs, _ = candidate_pairs(rec, pop, rules=(rule, BlockingRule("name_ward", ("core", "ward"), cap=10)))
    assert pairs["p"].tolist() == [0]


_NAMES = ["le an", "le anh", "le ah", "tran binh", "tran bình", "ngo an"]


def _features(draw, n: int, prefix: str, with_address: bool = True,  # type: ignore[no-untyped-def]
              records: bool = False) -> Features:
    ints = lambda hi, dtype: np.array(draw(st.lists(st.integers(-1, hi), min_size=n, max_size=n)), dtype=dtype)  # noqa: E731
    core = ints(len(_NAMES) - 1, np.int32)
    ids = [draw(st.sampled_from(["", "001085012345", "001085012354", "001085012399"])) for _ in range(n)]
    text = np.array([_NAMES[c] if c >= 0 else "" for c in core], dtype=object)
    address = ints(2, np.int32) if with_address else None
    return Features(
        key=np.array([f"{prefix}{i}" for i in range(n)], dtype=object), canon=core, folded=core, core=core,
        given=ints(2, np.int32), folded_text=text, core_text=text, given_text=text,
        year=ints(2, np.int16), month=ints(2, np.int8), day=ints(2, np.int8), sex=ints(1, np.int8),
        ward=ints(2, np.int32), province=ints(1, np.int16),
        pid=np.array([int(x) if x else -1 for x in ids], dtype=np.int64), id_text=np.array(ids, dtype=object),
        legacy=np.zeros(n, dtype=bool), address=address, house=ints(2, np.int32) if with_address else None,
        work_ward=ints(2, np.int32), work_province=ints(1, np.int16), ends=ints(2, np.int32),
        employer=ints(1, np.int32) if records else None,
        contract=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) if records else None)


def _one_edit(a: str, b: str) -> bool:
    return _meet(a, b) if a and b else False


def _same_employer(rec: Features, a: int, b: int) -> bool:
    """A labour contract and an insurance record naming one employer under one name or whole date."""
    if rec.employer is None or rec.contract is None or rec.contract[a] == rec.contract[b]:
        return False
    if rec.employer[a] < 0 or rec.employer[a] != rec.employer[b]:
        return False
    dated = [bool(rec.year[i] >= 0 and rec.month[i] >= 0 and rec.day[i] >= 0 and not rec.year_only[i])
             for i in (a, b)]
    same_date = all(dated) and all(getattr(rec, c)[a] == getattr(rec, c)[b] for c in ("year", "month", "day"))
    same_name = any(getattr(rec, c)[a] >= 0 and getattr(rec, c)[a] == getattr(rec, c)[b] for c in ("core", "ends"))
    return same_name or same_date


def _expected(rec: Features, pop: Features) -> set[tuple[int, int]]:
    """Slow, obviously correct: every (record, person) pair and every rule; then co_worker, which
    gives a record the candidates of each record it is a co-worker of (keys of at most six records)
    that are not of another sex or more than a year older or younger."""
    out = _expected_by_keys(rec, pop)

    def compatible(a: int, j: int) -> bool:
        ages = rec.year[a] < 0 or pop.year[j] < 0 or abs(int(rec.year[a]) - int(pop.year[j])) <= 1
        return bool(ages and (rec.sex[a] < 0 or pop.sex[j] < 0 or rec.sex[a] == pop.sex[j]))

    shared = {(a, j) for a, b in itertools.permutations(range(len(rec)), 2) if _same_employer(rec, a, b)
              for i, j in out if i == b and compatible(a, j)}
    return out | shared


def _expected_by_keys(rec: Features, pop: Features) -> set[tuple[int, int]]:
    from rapidfuzz.distance import Levenshtein

    out = set()
    for i, j in itertools.product(range(len(rec)), range(len(pop))):
        for rule in RULES:
            if rule.name == "co_worker":
                continue
            if rule.name == "id_one_edit":
                # An ID that is exactly a namesake resident's cannot be vetoed: no neighbours needed.
                sure = any(rec.pid[i] >= 0 and pop.pid[k] == rec.pid[i] and rec.core[i] >= 0
                           and pop.core[k] == rec.core[i] for k in range(len(pop)))
                ok = not sure and _one_edit(rec.id_text[i], pop.id_text[j])
            elif (rule.only == "unplaced" and not (rec.year[i] < 0 and rec.ward[i] < 0)) or (
                    rule.only == "no_year" and not rec.year[i] < 0) or (
                    rule.only == "no_sex" and not rec.sex[i] < 0) or (
                    rule.only == "no_ward" and not rec.ward[i] < 0) or (
                    rule.only == "no_month" and not rec.year_only[i]) or (
                    rule.pop_only == "no_month" and not pop.year_only[j]) or (
                    rule.pop_only == "no_year" and not pop.year[j] < 0):
                ok = False
            else:
                ok = True
                for column in rule.columns:
                    if column == "core~":
                        a, b = rec.core[i], pop.core[j]
                        ok &= a >= 0 and b >= 0 and Levenshtein.distance(rec.core_text[i], pop.core_text[j]) <= 1
                    elif column == "year~":
                        a, b = rec.year[i], pop.year[j]
                        ok &= a >= 0 and b >= 0 and abs(int(a) - int(b)) == 1
                    elif getattr(rec, column) is None or getattr(pop, column) is None:
                        ok = False  # a column a side does not carry: the rule proposes nothing
                    else:
                        a, b = getattr(rec, column)[i], getattr(pop, column)[j]
                        ok &= a >= 0 and b >= 0 and a == b
            if ok:
                out.add((i, j))
    return out


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_blocking_keeps_every_pair_whose_keys_are_equal(data) -> None:  # type: ignore[no-untyped-def]
    with_address = data.draw(st.booleans())
    assert CO_WORKER_CAP >= 6  # so that no co_worker key of six records is skipped
    rec = _features(data.draw, 6, "r", with_address, records=True)
    pop = _features(data.draw, 7, "p", with_address)
    pairs, counts = candidate_pairs(rec, pop, max_block_size=10_000, threads=1)
    found = set(zip(pairs["r"].tolist(), pairs["p"].tolist(), strict=True))
    assert found == _expected(rec, pop)
    assert counts["union"] == len(found)
    assert all(counts[rule.name] <= len(found) for rule in RULES)


def test_an_insured_record_is_proposed_with_the_resident_of_its_colleague_contract() -> None:
    """The worker's record at the employer lost the middle name, the commune and the day and month of
    birth, and carries a 9-digit CMND: among the many Nguyễn Thị Linh born in 1997 no rule reaches
    Nguyễn Kim Linh. Her labour contract at the same employer is proposed with her (its ID), and
    so the record is too; a record at another employer is not."""
    namesakes = 17  # more than the surname + given name + year rule's cap
    population = pd.DataFrame({
        "person_id": ["001197370031", *[f"0011973{i:05d}" for i in range(namesakes)]],
        "full_name": ["Nguyễn Kim Linh", *["Nguyễn Thị Linh"] * namesakes], "dob_year": 1997,
        "dob_month": [9, *[1 + i % 12 for i in range(namesakes)]], "dob_day": [19, *range(1, namesakes + 1)],
        "sex": "F", "ward_code": ["00619", *[f"{26734 + i:05d}" for i in range(namesakes)]], "province_code": "01"})
    records = pd.DataFrame({
        "record_key": ["insured:1", "labour:1"], "full_name": ["Nguyễn Linh", "Nguyễn Kim Linh"],
        "dob_year": [1997, 1997], "dob_month": [None, 9], "dob_day": [None, 19], "sex": ["F", "F"],
        "ward_code": [None, None], "province_code": [None, None], "person_id": [None, "001197370031"],
        "person_id_raw": ["026830712", "001197370031"], "legacy_id": ["026830712", None],
        "employer": ["0174522879", "0174522879"], "is_contract": [False, True]})

    def proposed(frame: pd.DataFrame, rules: tuple[BlockingRule, ...] = RULES) -> set[tuple[int, int]]:
        pairs, _ = candidate_pairs(*build_features(frame, population), threads=1, rules=rules)
        return set(zip(pairs["r"].tolist(), pairs["p"].tolist(), strict=True))

    without = tuple(rule for rule in RULES if rule.name != "co_worker")
    assert (0, 0) not in proposed(records, without)  # insured:1 and its owner
    assert (0, 0) in proposed(records)
    assert (0, 0) not in proposed(records.assign(employer=["0101234567", "0174522879"]))


def test_co_workers_meet_on_the_whole_date_of_birth_only() -> None:
    """One employer, other names: the dates must be equal to the day (17 June and 5 January share no
    key, though a date packed in 8-bit months would make them one)."""
    population = pd.DataFrame({"person_id": ["001097000001"], "full_name": ["Trần Văn Nam"], "dob_year": [1997],
                               "dob_month": [6], "dob_day": [17], "sex": ["M"], "ward_code": ["00619"],
                               "province_code": ["01"]})

    def shared(insured_month: int, insured_day: int) -> list[tuple[int, int]]:
        records = pd.DataFrame({
            "record_key": ["insured:1", "labour:1"], "full_name": ["Lê Hữu Phước", "Trần Văn Nam"],
            "dob_year": [1997, 1997], "dob_month": [insured_month, 6], "dob_day": [insured_day, 17],
            "sex": ["M", "M"], "ward_code": [None, None], "province_code": [None, None],
            "person_id": [None, "001097000001"], "person_id_raw": [None, "001097000001"], "legacy_id": [None, None],
            "employer": ["0174522879", "0174522879"], "is_contract": [False, True]})
        rec, pop = build_features(records, population)
        r, p = co_worker_pairs(rec, pop, np.array([1 * 1 + 0]))  # labour:1 proposed with the resident
        return list(zip(r.tolist(), p.tolist(), strict=True))

    assert shared(6, 17) == [(0, 0)]
    assert shared(1, 5) == []
