"""Estimation without labels: EM recovers m from simulated comparison vectors; rare names weigh more."""

from __future__ import annotations

import numpy as np
import pytest

from matching.linkage.assign import competing_probability, id_veto, none_weight
from matching.linkage.compare import COMPARISONS, NULL
from matching.linkage.model import FittedModel, estimate_m, pair_weights


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
    model = FittedModel(prior=np.array([0.5]), m=m, u=u, iterations=1, tf={})
    for comp, weights in zip(COMPARISONS, model.level_weights(), strict=True):
        for chain in comp.ordered():
            assert np.all(np.diff(weights[0, 0, list(chain)]) <= 0), comp.name


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
    # 100 records: 60 with one overwhelming candidate (exact ID and name), 40 with none at all.
    from matching.linkage.model import _pair_table, fit_record_em
    from matching.linkage.strata import record_strata

    strata = record_strata(None, np.full(100, "001085012345", dtype=object), np.zeros(100, bool), np.full(100, 1980),
                           np.full(100, 1), np.full(100, 1))
    gamma = np.full((60, len(COMPARISONS)), NULL, dtype=np.int8)
    gamma[:, 0], gamma[:, 1] = 0, 0
    u = tuple(np.tile(np.r_[1e-6, np.full(len(c.labels) - 1, (1 - 1e-6) / (len(c.labels) - 1))], (len(strata), 1))
              for c in COMPARISONS)
    start = tuple(np.r_[0.9, np.full(len(c.labels) - 1, 0.1 / (len(c.labels) - 1))] for c in COMPARISONS)
    table = _pair_table(np.arange(60), gamma, strata.of_record[:60], np.zeros(60))
    _, _, _, rho, _ = fit_record_em(table, strata, np.array([100.0]), 1000, u, start, 0.001, iterations=50)
    assert rho[0] == pytest.approx(0.6, abs=0.01)


def test_record_em_learns_m_per_stratum_where_noise_comes_together() -> None:
    """Two kinds of record: with an ID (rarely moved) and without (often moved). EM over records,
    candidates competing, recovers each stratum's m of the commune comparison."""
    from matching.linkage.model import _pair_table, fit_record_em
    from matching.linkage.strata import record_strata

    rng = np.random.default_rng(3)
    n, decoys = 20_000, 3
    ward = [comp.name for comp in COMPARISONS].index("ward")
    name = [comp.name for comp in COMPARISONS].index("full_name")
    no_id = rng.random(n) < 0.4
    strata = record_strata(None, np.where(no_id, "", "001085012345").astype(object), np.zeros(n, bool),
                           np.full(n, 1980), np.full(n, 1), np.full(n, 1))
    m_ward = {False: np.array([0.9, 0.08, 0.02]), True: np.array([0.5, 0.35, 0.15])}
    u_ward, u_name = np.array([0.001, 0.05, 0.949]), np.array([1e-5, 1e-5, 1e-5, 1e-4, 1e-3, 0.99889])
    m_name = np.array([0.7, 0.15, 0.05, 0.05, 0.03, 0.02])
    rows, gammas = [], []
    for i in range(n):
        g = np.full((decoys + 1, len(COMPARISONS)), NULL, dtype=np.int8)
        g[0, ward] = rng.choice(3, p=m_ward[bool(no_id[i])])
        g[0, name] = rng.choice(6, p=m_name)
        g[1:, ward] = rng.choice(3, decoys, p=u_ward)
        g[1:, name] = rng.choice(6, decoys, p=u_name / u_name.sum())
        rows.append(np.full(decoys + 1, i))
        gammas.append(g)
    r, gamma = np.concatenate(rows), np.concatenate(gammas)
    u = tuple(np.tile(np.full(len(c.labels), 1.0 / len(c.labels)), (len(strata), 1)) for c in COMPARISONS)
    u = tuple(np.tile(u_ward, (len(strata), 1)) if c == ward else
              np.tile(u_name / u_name.sum(), (len(strata), 1)) if c == name else x for c, x in enumerate(u))
    start = tuple(x[0] for x in u)
    table = _pair_table(r, gamma, strata.of_record[r], np.zeros(len(r)))
    per_source = np.array([float(n)])
    m, share, _, rho, _ = fit_record_em(table, strata, per_source, 1000, u, start, 0.001, iterations=100,
                                        classes=1)
    with_id, without = strata.of_record[~no_id][0], strata.of_record[no_id][0]
    assert np.allclose(m[ward][with_id, 0], m_ward[False], atol=0.03)
    assert np.allclose(m[ward][without, 0], m_ward[True], atol=0.05)
    assert rho[0] > 0.95
