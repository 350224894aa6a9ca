"""Records a person holds one of at a time: two namesakes and their records reasoned as a set."""

from __future__ import annotations

import numpy as np

from matching.linkage.assign import competing_probability
from matching.linkage.exclusive import duplicate_shares, exclusive_weights


def test_a_record_that_fits_two_namesakes_goes_to_the_one_no_other_record_covers() -> None:
    # Record 0 fits A and B alike; record 1 is plainly B's. Each namesake holds one card at a time.
    r, p = np.array([0, 0, 1]), np.array([0, 1, 1])
    weight = np.array([4.0, 4.0, 20.0])
    none = np.full(3, -6.0)
    kinds = np.array([1, 1])
    before = competing_probability(r, weight, none)
    after = competing_probability(r, exclusive_weights(r, p, weight, kinds, none, duplicate_share={1: 0.001}), none)
    assert abs(before[0] - before[1]) < 1e-9
    assert after[0] > 0.9 and after[1] < 0.05
    assert after[2] > 0.99  # the sure record stays where it is


def test_records_of_no_kind_are_left_alone_and_duplicates_soften_the_rule() -> None:
    r, p = np.array([0, 0, 1]), np.array([0, 1, 1])
    weight, none = np.array([4.0, 4.0, 20.0]), np.full(3, -6.0)
    assert np.array_equal(exclusive_weights(r, p, weight, np.array([0, 0]), none), weight)
    strict = exclusive_weights(r, p, weight, np.array([1, 1]), none, duplicate_share={1: 0.001})
    loose = exclusive_weights(r, p, weight, np.array([1, 1]), none, duplicate_share={1: 0.5})
    assert strict[1] < loose[1] < weight[1]


def test_the_duplicate_share_is_read_off_the_sure_links() -> None:
    # Persons 5 and 6 each hold a sure record; 5 holds two: one of two holders is a duplicate.
    r, p = np.array([0, 1, 2, 3]), np.array([5, 5, 6, 7])
    shares = duplicate_shares(r, p, np.array([1.0, 1.0, 1.0, 0.4]), np.array([1, 1, 1, 1]))
    assert shares == {1: 0.5}
