"""Estimation without labels: EM recovers m from simulated comparison vectors; rare names weigh more."""

from __future__ import annotations

import numpy as np
import pytest

from matching.linkage.assign import competing_probability, id_veto, none_weight
from matching.linkage.compare import COMPARISONS
from matching.linkage.model import FittedModel, estimate_m, estimate_match_share, pair_weights


def _simulate(n: int, share: float, m: list[np.ndarray], u: list[np.ndarray], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < share
    columns = []
    for mc, uc in zip(m, u, strict=True):
        draw_m = rng.choice(len(mc), n, p=mc)
        draw_u = rng.choice(len(uc), n, p=uc)
        columns.append(np.where(is_match, draw_m, draw_u))
    return np.column_stack(columns).astype(np.int8)


def test_em_recovers_m_and_share_with_u_fixed() -> None:
    m = [np.array([0.9, 0.07, 0.03]), np.array([0.8, 0.15, 0.05]), np.array([0.85, 0.1, 0.05])]
    u = [np.array([0.01, 0.04, 0.95]), np.array([0.02, 0.08, 0.9]), np.array([0.05, 0.15, 0.8])]
    gamma = _simulate(200_000, 0.2, m, u)
    share, m_hat, _ = estimate_m(gamma, tuple(u), iterations=500)
    assert share == pytest.approx(0.2, abs=0.01)
    for true, est in zip(m, m_hat, strict=True):
        assert np.allclose(true, est, atol=0.02)


def _model(tf_given: np.ndarray) -> FittedModel:
    m = tuple(np.full(len(c.labels), 1.0 / len(c.labels)) for c in COMPARISONS)
    u = tuple(np.full(len(c.labels), 1.0 / len(c.labels)) for c in COMPARISONS)
    m = tuple(np.r_[0.9, np.full(len(x) - 1, 0.1 / (len(x) - 1))] for x in m)
    return FittedModel(prior=0.5, m=m, u=u, iterations=1, tf={2: tf_given, 1: np.array([1.0])})


def test_term_frequency_makes_a_common_given_name_weigh_less() -> None:
    class Pop:  # the two columns pair_weights reads
        core = np.array([0, 0])
        given = np.array([0, 1])

        def __len__(self) -> int:
            return 1000

    model = _model(np.array([0.2, 0.001]))  # "hùng" common, "thoả" rare
    gamma = np.full((2, len(COMPARISONS)), -1, dtype=np.int8)
    gamma[:, 2] = 0  # given names agree
    weights = pair_weights(model, gamma, Pop(), np.array([0, 1]))  # type: ignore[arg-type]
    assert weights[1, 2] > weights[0, 2] > 0


def test_level_weights_never_increase_with_a_looser_level() -> None:
    m = tuple(np.linspace(1, 0.5, len(c.labels)) for c in COMPARISONS)
    u = tuple(np.r_[1e-3, 1e-5, np.full(len(c.labels) - 2, 0.5)] for c in COMPARISONS)  # level 1 "rarer"
    model = FittedModel(prior=0.5, m=m, u=u, iterations=1, tf={})
    for weights in model.level_weights():
        assert np.all(np.diff(weights) <= 0)


def test_candidates_compete_for_a_record() -> None:
    p = competing_probability(np.array([0, 0, 1]), np.array([8.0, 8.0, 8.0]))
    assert p[0] == pytest.approx(p[1]) and p[0] < 0.5 < p[2]


def test_id_veto_when_name_or_birth_date_says_another_person() -> None:
    ids = np.array([0, 0, 0, 0])
    names = np.array([0, 5, 3, 1])
    different = COMPARISONS[3].labels.index("different")
    dobs = np.array([different, 0, different, different])
    assert id_veto(ids, names, dobs).tolist() == [False, True, True, False]


def test_none_of_the_candidates_carries_what_is_left_of_the_prior() -> None:
    # Every record belongs to someone and blocking misses little: one fitting candidate wins
    # even on middling evidence; two namesakes who fit equally still split it.
    none = none_weight(match_share=0.999, blocking_miss=0.001)
    alone, twins = competing_probability(np.array([0, 1, 1]), np.array([-5.0, -5.0, -5.0]), none)[[0, 1]]
    assert alone > 0.9 and twins < 0.5
    # Half the records belong to no one: the same evidence is not enough.
    assert competing_probability(np.array([0]), np.array([-5.0]), none_weight(0.5, 0.001))[0] < 0.1


def test_match_share_is_the_share_of_records_that_belong_to_someone() -> None:
    # 100 records: 60 with one overwhelming candidate, 40 with none at all.
    r = np.arange(60)
    share = estimate_match_share(r, np.full(60, 40.0), n_records=100, n_pop=1000, blocking_miss=0.001)
    assert share == pytest.approx(0.6, abs=0.01)
