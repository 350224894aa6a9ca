"""Blocking: candidate (record, person) pairs from several rules, joined and unioned in numpy.

Each rule is an equality join on integer keys (codes from :mod:`features`), packed into one
int64 per row. A pair is a candidate when *any* rule proposes it; the count of pairs per rule
is reported. The surname is never a key on its own (Nguyễn is 38 % of the country).

A key shared by more population rows than the rule's ``cap`` (and ``max_block_size``) is
skipped for that rule and counted in ``<rule>:skipped_keys``: such a block holds namesakes the
rule's columns cannot tell apart, and other rules still reach those pairs through sharper keys
(a date, a commune, an ID). This is what keeps the pair count linear in the population: at 1 M
residents, "same name, same birth year" alone would propose tens of millions of pairs.

Special columns:

* ``core~``: the record's name within one edit of the person's (deletion neighbourhood of the
  distinct names, computed once in DuckDB);
* ``year~``: the birth year one off (either way), e.g. an infant registered the next year.

One rule is no join with the population: ``co_worker`` (:func:`co_worker_pairs`) gives a labour
contract and an insurance record that name one employer under one name or date of birth each
other's candidates, after the other rules have proposed theirs.

The ID rule "within one edit or transposition" uses deletion neighbourhoods: an ID and every
string obtained by deleting one digit. Two IDs one substitution, adjacent transposition, or
insertion/deletion apart share at least one such key. A record whose ID is exactly that of a
resident with the same name is left out of it: its ID cannot be vetoed, so a neighbour would
never win.

>>> ids = np.array(["001085012345", "001085012354", "001085012399"], dtype=object)
>>> rec, pos = deletion_keys(ids[:1]); pop, ppos = deletion_keys(ids[1:])
>>> np.unique(ppos[np.isin(pop, rec)]).tolist()
[0]
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from matching.linkage.features import Features

__all__ = ["BlockingRule", "RULES", "candidate_pairs", "co_worker_pairs", "deletion_keys", "join_keys",
           "name_neighbours"]


# Records per (employer, name) or (employer, date) key above which the key shares nothing: a big
# employer's namesakes are no evidence that two records are one person.
CO_WORKER_CAP = 6


@dataclass(frozen=True)
class BlockingRule:
    """An equality join on feature columns (all must be known).

    ``only``: which records the rule is for: ``""`` all, ``"no_year"`` records without a birth
    year, ``"no_sex"`` records without sex, ``"no_ward"`` records without a commune,
    ``"no_month"`` records whose date is the year alone (or the `YYYY-01-01` placeholder),
    ``"unplaced"`` records with neither a birth year nor a ward (e.g. managers).
    ``pop_only``: the same for residents (``"no_month"``: residents whose date is the year alone;
    ``"no_year"``: residents with no date, which a valid population register never has, but other
    spines (FEBRL) do).
    ``cap``: population rows per key above which the key is skipped (0: only ``max_block_size``).
    """

    name: str
    columns: tuple[str, ...]
    only: str = ""
    cap: int = 0
    pop_only: str = ""

    @property
    def only_unplaced(self) -> bool:
        return self.only == "unplaced"


RULES: tuple[BlockingRule, ...] = (
    BlockingRule("id_exact", ("pid",)),
    BlockingRule("id_one_edit", ()),  # deletion neighbourhood, see deletion_keys
    BlockingRule("name_year", ("core", "year"), cap=20),  # moved, partial date
    BlockingRule("name1_year_sex_month", ("core~", "year", "sex", "month"), cap=50),  # typo, moved
    BlockingRule("name1_ward", ("core~", "ward"), cap=30),  # typo, year unknown or off
    BlockingRule("name_month_day", ("core", "month", "day"), cap=100),  # birth year off by one, moved
    BlockingRule("name_province", ("core", "province"), only="no_year", cap=100),  # owner, business ward
    BlockingRule("name_province_undated", ("core", "province"), pop_only="no_year", cap=100),  # resident, no date
    BlockingRule("name_unplaced", ("core",), only="unplaced", cap=200),
    # A manager known by name alone: few rows, so a big block of namesakes is still affordable.
    BlockingRule("name_work_province", ("core", "work_province"), only="unplaced", cap=500),
    BlockingRule("given_dob", ("given", "year", "month", "day"), cap=200),
    BlockingRule("dob_ward", ("year", "month", "day", "ward"), cap=200),
    BlockingRule("dob_province", ("year", "month", "day", "province"), only="no_sex", cap=20),
    # An address key alone is no place (`thôn 3` is in every province): always with the province,
    # and capped near a household's size so a hamlet's worth of people is skipped.
    BlockingRule("address_year", ("address", "year", "province"), cap=8),  # name typo, commune code wrong
    # A record with no home commune (a manager) is placed, weakly, by its workplace's province:
    # the typo and moved-date rules above all need a home commune or province.
    BlockingRule("name1_work_province", ("core~", "sex", "work_province"), only="no_ward", cap=20),
    # A year-only date leaves the month rules above nothing to join on: a mover recorded with just
    # the year under a misspelt name is found by these. They rescue rare combinations of noise, so
    # their caps are tight: a record that shares such a key with more residents than that is a
    # namesake's puzzle no pair would solve.
    BlockingRule("name1_year_partial", ("core~", "year"), only="no_month", cap=15),
    # ... and a resident known by the year alone, from a record with the whole date.
    BlockingRule("name_year1_resident_partial", ("core", "year~"), pop_only="no_month", cap=10),
    BlockingRule("name1_year_resident_partial", ("core~", "year"), pop_only="no_month", cap=10),
    # Middle names dropped, changed or moved between fields: the surname and the given name alone,
    # where the date cannot do the work (the whole date: given_dob above).
    BlockingRule("ends_year_partial", ("ends", "year"), only="no_month", cap=15),
    BlockingRule("ends_year_resident_partial", ("ends", "year"), pop_only="no_month", cap=10),
    BlockingRule("ends_work_province", ("ends", "work_province"), only="unplaced", cap=100),
    # Records naming one employer under one name or one date of birth share their candidates (see
    # co_worker_pairs): a worker's insured record too mistyped for the rules above is still proposed
    # with the resident their labour contract at that employer is proposed with.
    BlockingRule("co_worker", ("employer",), cap=CO_WORKER_CAP),
)
# Rules a measurement on profiles of the generator found to add pairs and no true pair beyond what
# the others propose (kept out; say so if you bring one back): given + year + sex + commune;
# name + the year one off + month; the whole date + province + sex; name + house number +
# province; the whole date + workplace province; name + the year one off for year-only records.


def deletion_keys(id_text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of each digit string and of its one-digit deletions; with the row of each key.

    A key is ``int(digits) * 100 + len(digits)`` so leading zeros are kept apart. Deleting the
    digit ``i`` places from the left of an ``L``-digit number ``v`` is integer arithmetic:
    ``(v // 10^(L-i)) * 10^(L-i-1) + v % 10^(L-i-1)``.
    """
    lengths = np.fromiter((len(s) for s in id_text), dtype=np.int64, count=len(id_text))
    usable = (lengths >= 5) & (lengths <= 16)
    text = pa.array(np.where(usable, id_text, np.array(None, dtype=object)).astype(object), type=pa.string())
    digits_only = pc.fill_null(pc.match_substring_regex(text, r"^[0-9]+$"), False).to_numpy(zero_copy_only=False)
    numbers = pc.cast(pc.if_else(digits_only, text, pa.scalar(None, pa.string())), pa.int64())
    numbers = numbers.fill_null(-1).to_numpy(zero_copy_only=False)
    keys, rows = [], []
    for length in np.unique(lengths[usable & digits_only]):
        idx = np.flatnonzero((lengths == length) & digits_only)
        value = numbers[idx]
        keys.append(value * 100 + length)
        rows.append(idx)
        for drop in range(length):
            high, low = 10 ** (length - drop), 10 ** (length - drop - 1)
            keys.append(((value // high) * low + value % low) * 100 + length - 1)
            rows.append(idx)
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(keys), np.concatenate(rows)


def name_neighbours(rec_codes: np.ndarray, rec_text: np.ndarray, pop_codes: np.ndarray,
                    pop_text: np.ndarray, threads: int = 2) -> pd.DataFrame:
    """Pairs of name codes ``(a, b)`` (record name, population name) at most one edit apart.

    Works on distinct names only (a few hundred thousand at most), through the deletion
    neighbourhood of each name: one edit apart means sharing the name or one of its deletions.

    >>> name_neighbours(np.array([0, 1]), np.array(["le hunog", "le an"], dtype=object),
    ...                 np.array([2, 3, 1]), np.array(["le huong", "le anh", "le an"], dtype=object))
       a  b
    0  0  2
    1  1  1
    2  1  3
    """
    def distinct(codes: np.ndarray, text: np.ndarray) -> pd.DataFrame:
        uniq, first = np.unique(codes, return_index=True)
        keep = uniq >= 0
        return pd.DataFrame({"code": uniq[keep].astype(np.int32), "name": text[first[keep]].astype(str)})

    con = duckdb.connect(config={"threads": threads})
    con.execute("SET enable_progress_bar = false")  # a progress bar in task logs is noise
    try:
        con.register("ra", distinct(rec_codes, rec_text))
        con.register("pb", distinct(pop_codes, pop_text))
        variants = """
            SELECT code, name AS k FROM {t}
            UNION SELECT code, substr(name, 1, i - 1) || substr(name, i + 1) AS k
            FROM {t}, range(1, 64) AS r(i) WHERE i <= length(name)"""
        pairs = con.execute(f"""
            WITH va AS ({variants.format(t='ra')}), vb AS ({variants.format(t='pb')})
            SELECT DISTINCT va.code AS a, vb.code AS b FROM va JOIN vb ON va.k = vb.k ORDER BY a, b
        """).df()
    finally:
        con.close()
    return pairs.astype({"a": np.int32, "b": np.int32}).reset_index(drop=True)


def join_keys(left_key: np.ndarray, left_row: np.ndarray, right_key: np.ndarray, right_row: np.ndarray,
              cap: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Equi-join of two (key, row) lists, skipping keys with more than ``cap`` right rows.

    Returns left rows, right rows (int32) and the number of skipped keys.

    >>> l, r, skipped = join_keys(np.array([5, 7, 9]), np.array([0, 1, 2]), np.array([7, 5, 7, 9, 9, 9]),
    ...                           np.arange(6), cap=2)
    >>> l.tolist(), r.tolist(), skipped
    ([0, 1, 1], [1, 0, 2], 1)
    """
    order = np.argsort(right_key)  # any order within a key: the union sorts the pairs anyway
    sorted_key, sorted_row = right_key[order], right_row[order]
    start = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) if len(sorted_key) else np.empty(0, int)
    uniq, count = sorted_key[start], np.diff(np.r_[start, len(sorted_key)])
    big = count > cap
    at = np.searchsorted(uniq, left_key)
    at_ok = np.minimum(at, max(len(uniq) - 1, 0))
    if len(uniq) == 0:
        return np.empty(0, np.int32), np.empty(0, np.int32), 0
    found = (at < len(uniq)) & (uniq[at_ok] == left_key) & ~big[at_ok]
    hit = at_ok[found]
    sizes = count[hit]
    total = int(sizes.sum())
    left = np.repeat(left_row[found], sizes).astype(np.int32)
    # Position of each output pair in the sorted right side: the block start plus a running offset.
    block_start = np.repeat(start[hit] - (np.cumsum(sizes) - sizes), sizes)
    right = sorted_row[block_start + np.arange(total)].astype(np.int32)
    skipped = int(np.isin(uniq[big], left_key).sum()) if big.any() else 0
    return left, right, skipped


def _known(feat: Features, columns: tuple[str, ...], only: str) -> np.ndarray:
    known = np.ones(len(feat), dtype=bool)
    if only == "unplaced":
        known &= (feat.year < 0) & (feat.ward < 0)
    elif only == "no_year":
        known &= feat.year < 0
    elif only == "no_sex":
        known &= feat.sex < 0
    elif only == "no_ward":
        known &= feat.ward < 0
    elif only == "no_month":
        known &= feat.year_only
    for column in columns:
        known &= getattr(feat, column.rstrip("~")) >= 0
    return known


def _sure_exact(rec: Features, pop: Features, rows: np.ndarray) -> np.ndarray:
    """Which of ``rows`` carry an ID that is exactly a resident's whose name core is the same.

    Such an ID cannot be vetoed (:func:`matching.linkage.assign.id_veto` needs the names to
    disagree), so its one-edit neighbours would never be chosen: most records skip the costly
    deletion join.
    """
    known = rows[rec.pid[rows] >= 0]
    left, right, _ = join_keys(rec.pid[known], known, pop.pid, np.arange(len(pop)), cap=len(pop) + 1)
    same = (rec.core[left] >= 0) & (rec.core[left] == pop.core[right])
    return np.isin(rows, left[same])


def _id_one_edit_pairs(rec: Features, pop: Features, cap: int, threads: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Pairs whose IDs share the ID or a one-digit deletion of it (a hash join in DuckDB: a
    dozen keys per ID, tens of millions at 1 M residents, where sorting in numpy is 4x slower)."""
    has_id = np.flatnonzero([len(s) > 0 for s in rec.id_text])
    has_id = has_id[~_sure_exact(rec, pop, has_id)]
    rk, rr = deletion_keys(rec.id_text[has_id])
    pk, pr = deletion_keys(pop.id_text)
    con = duckdb.connect(config={"threads": threads})
    con.execute("SET enable_progress_bar = false")
    try:
        con.register("l", pd.DataFrame({"k": rk, "row": has_id[rr].astype(np.int32)}))
        con.register("r", pd.DataFrame({"k": pk, "row": pr.astype(np.int32)}))
        # Only keys a record holds can propose a pair or count as skipped: the residents' other keys (most
        # of their dozen per ID) are not grouped at all (a hash table of every key was most of the stage's peak).
        con.execute(f"CREATE TEMP TABLE big AS SELECT k FROM r SEMI JOIN l USING (k) GROUP BY k "
                    f"HAVING count(*) > {int(cap)}")
        pairs = con.execute("""
            SELECT DISTINCT l.row AS a, r.row AS b FROM l JOIN r USING (k) ANTI JOIN big USING (k)
            ORDER BY a, b""").fetchnumpy()
        found = con.execute("SELECT count(DISTINCT k) FROM l SEMI JOIN big USING (k)").fetchone()
        skipped = found[0] if found is not None else 0
    finally:
        con.close()
    return pairs["a"].astype(np.int32), pairs["b"].astype(np.int32), int(skipped)


def _rule_pairs(rule: BlockingRule, rec: Features, pop: Features, neighbours: pd.DataFrame | None,
                cap: int, threads: int = 2) -> tuple[np.ndarray, np.ndarray, int]:
    """(record rows, person rows, skipped keys) proposed by one rule."""
    if rule.name == "id_one_edit":
        return _id_one_edit_pairs(rec, pop, cap, threads)
    columns = tuple(c.rstrip("~") for c in rule.columns)
    lrows = np.flatnonzero(_known(rec, rule.columns, rule.only))
    prows = np.flatnonzero(_known(pop, rule.columns, rule.pop_only))
    lcols = [getattr(rec, c)[lrows].astype(np.int64) for c in columns]
    pcols = [getattr(pop, c)[prows].astype(np.int64) for c in columns]
    # A "~" column gives a record several keys (its name's neighbours, the year either side). The other
    # columns are not repeated for each one up front: ``take`` says which record each key row is, and
    # each column is gathered as it is packed (a core~ rule holds a few tens of millions of key rows).
    take = np.arange(len(lrows))
    expanded = [False] * len(columns)
    if "core~" in rule.columns and neighbours is not None:
        at = columns.index("core")
        a, b = neighbours["a"].to_numpy(), neighbours["b"].to_numpy()
        lo, hi = np.searchsorted(a, lcols[at], "left"), np.searchsorted(a, lcols[at], "right")
        sizes = hi - lo
        offsets = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
        take = np.repeat(take, sizes)
        lcols[at], expanded[at] = b[offsets].astype(np.int64), True
        del offsets
    if "year~" in rule.columns:
        at = columns.index("year")
        year = lcols[at] if expanded[at] else lcols[at][take]
        year = np.concatenate([year - 1, year + 1])
        keep = year >= 0
        take = np.concatenate([take, take])[keep]
        lcols = [np.concatenate([col, col])[keep] if done else col for col, done in zip(lcols, expanded, strict=True)]
        lcols[at], expanded[at] = year[keep], True
    lrows = lrows[take]
    if len(lrows) == 0 or len(prows) == 0:
        return np.empty(0, np.int32), np.empty(0, np.int32), 0
    both = _pack_gathered(lcols, expanded, take, pcols)
    return join_keys(both[: len(lrows)], lrows, both[len(lrows):], prows, cap)


def _pack_gathered(lcols: list[np.ndarray], expanded: list[bool], take: np.ndarray,
                   pcols: list[np.ndarray]) -> np.ndarray:
    """One int64 per key row from non-negative integer columns (mixed radix; exact, no hashing): the left
    key rows (column ``i`` is ``lcols[i]``, or ``lcols[i][take]`` where not ``expanded[i]``), then the
    right ones; one column at a time."""
    key = np.zeros(len(take) + (len(pcols[0]) if pcols else 0), dtype=np.int64)
    span = 1
    for col, done, right in zip(lcols, expanded, pcols, strict=True):
        values = np.concatenate([col if done else col[take], right])
        radix = int(values.max()) + 1 if len(values) else 1
        span *= radix
        if span >= 2**62:
            raise ValueError("blocking key too wide to pack")
        key *= radix
        key += values
    return key


def candidate_pairs(rec: Features, pop: Features, *, max_block_size: int = 2000, threads: int = 2,
                    rules: tuple[BlockingRule, ...] = RULES) -> tuple[pd.DataFrame, dict[str, int]]:
    """Distinct candidate pairs ``(r, p)`` (row positions, sorted), a bitmask ``rules`` of the
    rules that proposed each, and the count of pairs per rule."""
    counts: dict[str, int] = {}
    neighbours = None
    if any("core~" in rule.columns for rule in rules):
        neighbours = name_neighbours(rec.core, rec.core_text, pop.core, pop.core_text, threads)
    n_pop = max(len(pop), 1)

    def propose(rule: BlockingRule) -> tuple[np.ndarray, np.ndarray, int] | None:
        if rule.name == "co_worker":
            return None  # composed from the other rules' pairs, below
        if any(getattr(side, column.rstrip("~"), 0) is None for column in rule.columns for side in (rec, pop)):
            return None  # a column a side does not carry (no address)
        cap = min(rule.cap, max_block_size) if rule.cap else max_block_size
        return _rule_pairs(rule, rec, pop, neighbours, cap, threads)

    # Rules run side by side (numpy sorts and searches release the GIL); results in rule order.
    with ThreadPoolExecutor(max_workers=threads) as pool:
        proposed = list(pool.map(propose, rules))
    neighbours = None  # name pairs: only the rules needed them
    # Every rule's pairs packed into one array made once, each rule's let go as it is packed: a list
    # of per-rule arrays and their concatenation were all held at once (25 M pairs at a million residents).
    n_pairs = sum(len(result[0]) for result in proposed if result is not None)
    code: np.ndarray = np.empty(n_pairs, np.int64)
    rule_bits: np.ndarray = np.empty(n_pairs, np.int32)
    end = 0
    for bit, rule in enumerate(rules):
        result, proposed[bit] = proposed[bit], None
        if result is None:
            counts[rule.name] = 0
            continue
        left, right, skipped = result
        del result
        counts[rule.name] = len(left)
        if skipped:
            counts[f"{rule.name}:skipped_keys"] = skipped
        start, end = end, end + len(left)
        code[start:end] = left.astype(np.int64) * n_pop + right
        rule_bits[start:end] = 1 << bit
        del left, right
    order = np.argsort(code)  # equal codes are OR-ed together: their order does not matter
    code, rule_bits = code[order], rule_bits[order]
    del order
    first = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.empty(0, np.int64)
    union_bits = np.bitwise_or.reduceat(rule_bits, first) if len(code) else rule_bits
    code = code[first]
    for bit, rule in enumerate(rules):
        if rule.name == "co_worker":
            code, union_bits, counts[rule.name] = _add_pairs(code, union_bits, bit, n_pop,
                                                             *co_worker_pairs(rec, pop, code, rule.cap))
    union = pd.DataFrame({"r": (code // n_pop).astype(np.int32), "p": (code % n_pop).astype(np.int32),
                          "rules": union_bits.astype(np.int32)})
    counts["union"] = len(union)
    return union, counts


def _same_employer(rec: Features, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a, b)`` of a labour contract and an insurance record (either way round) naming one
    employer with one core name, one surname and given name, or one whole date of birth; a key held
    by more than ``cap`` records pairs none."""
    employer, contract = rec.employer, rec.contract
    if employer is None or contract is None:  # records that name no employer, or not which kind they are
        return np.empty(0, np.int32), np.empty(0, np.int32)
    dated = (rec.year >= 0) & (rec.month >= 0) & (rec.day >= 0) & ~rec.year_only
    date = np.where(dated, rec.year.astype(np.int64) * 10_000 + rec.month.astype(np.int64) * 100
                    + rec.day.astype(np.int64), -1)
    ends = rec.ends if rec.ends is not None else np.full(len(rec), -1, np.int32)
    lefts, rights = [], []
    for value in (rec.core.astype(np.int64), ends.astype(np.int64), date):
        rows = np.flatnonzero((employer >= 0) & (value >= 0))
        if len(rows) < 2:
            continue
        key = _pack_gathered([employer[rows].astype(np.int64), value[rows]], [True, True],
                             np.arange(len(rows)), [np.empty(0, np.int64), np.empty(0, np.int64)])
        a, b, _ = join_keys(key, rows, key, rows, cap)
        other = contract[a] != contract[b]  # two records of one kind at one employer: no news to each other
        lefts.append(a[other])
        rights.append(b[other])
    if not lefts:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    return np.concatenate(lefts), np.concatenate(rights)


def co_worker_pairs(rec: Features, pop: Features, code: np.ndarray, cap: int = CO_WORKER_CAP
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a, p)``: record ``a`` and a resident ``p`` whom blocking proposed for a record ``b``
    naming ``a``'s employer under ``a``'s name or date of birth, one a labour contract and the other an
    insurance record (:func:`_same_employer`), where ``a`` and ``p`` do not contradict each other on
    sex or on the birth year (more than a year apart): ``b``'s namesakes of another age are not ``a``'s.

    A labour contract and the insured record its employer keeps for the worker are two records of one
    person at one organisation; when noise leaves one of them with no key the resident shares, the
    other's candidates are its own. ``code`` holds the proposed pairs as ``r * n_pop + p``, sorted.

    >>> rec = Features(key=np.array(["a", "b"]), canon=np.array([0, 0]), folded=np.array([0, 0]),
    ...                core=np.array([0, 0]), given=np.array([0, 0]), folded_text=np.array(["x", "x"]),
    ...                core_text=np.array(["x", "x"]), given_text=np.array(["x", "x"]), year=np.array([-1, -1]),
    ...                month=np.array([-1, -1]), day=np.array([-1, -1]), sex=np.array([0, 0]),
    ...                ward=np.array([-1, -1]), province=np.array([-1, -1]), pid=np.array([-1, -1]),
    ...                id_text=np.array(["", ""]), legacy=np.array([False, False]), employer=np.array([3, 3]),
    ...                contract=np.array([False, True]))
    >>> from dataclasses import replace
    >>> pop = replace(rec, key=np.array([f"p{i}" for i in range(8)]), year=np.full(8, -1),
    ...               sex=np.full(8, 0))
    >>> [x.tolist() for x in co_worker_pairs(rec, pop, np.array([0 * 8 + 7]))]  # b shares a's resident 7
    [[1], [7]]
    """
    a, b = _same_employer(rec, cap)
    if len(a) == 0 or len(code) == 0:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    n_pop = max(len(pop), 1)
    record = code // n_pop
    lo, hi = np.searchsorted(record, b, "left"), np.searchsorted(record, b, "right")
    sizes = hi - lo
    at = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
    r, p = np.repeat(a, sizes).astype(np.int32), (code[at] % n_pop).astype(np.int32)
    ry, py = rec.year[r].astype(np.int32), pop.year[p].astype(np.int32)
    rs, ps = rec.sex[r], pop.sex[p]
    keep = ((ry < 0) | (py < 0) | (np.abs(ry - py) <= 1)) & ((rs < 0) | (ps < 0) | (rs == ps))
    return r[keep], p[keep]


def _add_pairs(code: np.ndarray, bits: np.ndarray, bit: int, n_pop: int, r: np.ndarray, p: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """The sorted distinct pairs ``code`` (with their rule ``bits``) and ``(r, p)`` proposed by rule
    ``bit``: pairs already there get the bit, new ones are inserted in order; with the rule's count."""
    new = np.unique(r.astype(np.int64) * n_pop + p)
    if len(new) == 0:
        return code, bits, 0
    at = np.searchsorted(code, new)
    there = at < len(code)
    there[there] = code[at[there]] == new[there]
    bits = bits.copy()
    bits[at[there]] |= 1 << bit
    fresh = ~there
    return (np.insert(code, at[fresh], new[fresh]), np.insert(bits, at[fresh], np.int32(1 << bit)),
            len(new))
