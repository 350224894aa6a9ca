"""A near name is never better evidence than the exact one: the given name's u at the full name's
level, and a near given name priced by how common the names one edit from the record's are."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.linkage.compare import COMPARISONS, NULL, compare_pairs
from matching.linkage.features import build_features
from matching.linkage.model import FittedModel, given_by_name, near_shares, pair_evidence, term_frequencies
from tests.unit.matching.linkage.test_compare import frames, person

NAME = {comp.name: c for c, comp in enumerate(COMPARISONS)}

# m and u of the two name comparisons as a 200k-person run estimated them for labour contracts
# without an ID (the stratum where the exact namesake lost); the other comparisons say nothing.
M = {"full_name": [0.750, 0.166, 0.0425, 0.0305, 0.0086, 0.0024], "given_name": [0.6, 0.4, 1e-7]}
U = {"full_name": [0.000232, 0.00005, 0.000098, 0.002277, 0.065448, 0.931895],
     "given_name": [0.00985, 0.026773, 0.963377]}

# Men of one generation named as most are: "Nguyễn Văn" and a common given name, some of them one
# letter apart (Minh, Linh, Vinh; Anh, Ánh is the same folded; Hải, Hài).
GIVEN = ["Minh", "Linh", "Vinh", "Anh", "Hùng", "Nam", "Tuấn", "Dũng", "Hải", "Long", "Thành", "Thanh"]


def _population() -> list[dict]:
    rows = []
    for i in range(360):
        given_name = GIVEN[i % len(GIVEN)]
        rows.append(person(person_id=f"0010{78 + i % 5:02d}{i:06d}", full_name=f"Nguyễn Văn {given_name}",
                           dob=f"{1978 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}", sex="M"))
    return rows


def _model(dependence: np.ndarray | None, tf: dict[int, np.ndarray], near: dict[int, np.ndarray] | None = None
           ) -> FittedModel:
    m = tuple(np.asarray(M.get(c.name, np.full(len(c.labels), 1.0 / len(c.labels)))) for c in COMPARISONS)
    u = tuple(np.asarray(U.get(c.name, np.full(len(c.labels), 1.0 / len(c.labels)))) for c in COMPARISONS)
    return FittedModel(prior=np.array([0.9]), m=m, u=u, iterations=1, tf=tf, given_by_name=dependence, near=near or {})


def test_the_exact_namesake_outweighs_one_a_letter_off() -> None:
    # A contract of "Nguyen Van Minh", born 1978: resident 0 is Nguyễn Văn Minh, resident 2 Nguyễn Văn Vinh.
    population = _population()
    rec, pop = build_features(*frames([person(person_id=None, full_name="Nguyen Van Minh", dob="1978", sex="M")],
                                      population))
    exact, near = (int(np.flatnonzero(pop.key == population[i]["person_id"])[0]) for i in (0, 2))
    everyone = np.arange(len(pop))
    random_pairs = compare_pairs(rec, pop, np.zeros(len(pop), dtype=np.int64), everyone)
    pairs = compare_pairs(rec, pop, np.zeros(2, dtype=np.int64), np.array([exact, near]))
    assert pairs[:, NAME["full_name"]].tolist() == [1, 3] and pairs[1, NAME["given_name"]] == 1
    tf = term_frequencies(pop)
    before = pair_evidence(_model(None, tf), pairs, pop, np.array([exact, near]))
    model = _model(given_by_name(random_pairs), tf, near_shares(rec, pop))
    after = pair_evidence(model, pairs, pop, np.array([exact, near]), given=(rec.given, np.zeros(2, dtype=np.int64)))
    assert before[1] > before[0]  # two agreements, full name near and given name near, counted as independent
    assert after[0] > after[1] + 1  # the exact namesake, by more than 2 to 1
    assert after[0] == before[0]  # an exact full name compares no given name: its weight is as it was


def _osa(a: str, b: str) -> int:
    """Optimal string alignment distance, written out (the test's own, not rapidfuzz's)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


class _Names:
    def __init__(self, texts: list[str], vocabulary: list[str]) -> None:
        self.given = np.array([vocabulary.index(t) if t else -1 for t in texts])
        self.given_text = np.array(texts, dtype=object)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text("ahimn", min_size=1, max_size=4), min_size=1, max_size=12),
       st.lists(st.text("ahimn", max_size=4), min_size=1, max_size=6))
def test_near_share_is_the_share_of_residents_one_edit_away(residents: list[str], records: list[str]) -> None:
    vocabulary = sorted(set(residents) | set(records))
    pop, rec = _Names(residents, vocabulary), _Names(records, vocabulary)
    share = near_shares(rec, pop)[NAME["given_name"]]  # type: ignore[arg-type]
    for text in {t for t in records if t}:
        expected = sum(_osa(text, other) == 1 for other in residents) / len(residents)
        assert share[vocabulary.index(text)] == pytest.approx(expected)  # a sum of shares: rounding aside


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([NULL, 3, 4, 5]), st.sampled_from([NULL, 0, 1, 2])), min_size=1))
def test_given_by_name_is_a_distribution_at_every_level(rows: list[tuple[int, int]]) -> None:
    gamma = np.full((len(rows), len(COMPARISONS)), NULL, dtype=np.int8)
    gamma[:, NAME["full_name"]], gamma[:, NAME["given_name"]] = zip(*rows, strict=True)
    table = given_by_name(gamma)
    assert table.shape == (len(COMPARISONS[NAME["full_name"]].labels), len(COMPARISONS[NAME["given_name"]].labels))
    assert np.allclose(table.sum(axis=1), 1.0) and (table > 0).all()
