"""``prospect_id``: the same for the same group and key, different otherwise, keyed, and no personal ID in it."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract.groups import ALL_GROUPS
from pipelines.prospect_ids import (
    ID_CHARACTERS,
    KEY_VARIABLE,
    PRODUCTION_VARIABLE,
    SAMPLE_KEY,
    ProspectKeyMissing,
    prospect_id,
    prospect_ids,
    prospect_key,
)

KEY = b"test-key"
ids = st.text(alphabet="0123456789", min_size=9, max_size=12)


@given(st.sampled_from(ALL_GROUPS), ids, ids | st.just(""), st.text(max_size=14))
def test_same_prospect_same_id_and_no_id_inside(group: str, person: str, tax: str, business: str) -> None:
    one = prospect_id(group, person, tax, business, key=KEY)
    assert one == prospect_id(group, f" {person} ", tax or None, business, key=KEY)  # noise around the key
    assert len(one) == ID_CHARACTERS and one.isalnum() and one.isupper()
    assert person not in one
    assert one != prospect_id(group, person, tax, business, key=b"another key")


@given(st.sampled_from(ALL_GROUPS), st.sampled_from(ALL_GROUPS), ids, ids)
def test_another_group_or_key_another_id(group: str, other: str, person: str, someone: str) -> None:
    if (group, person) != (other, someone):
        assert prospect_id(group, person, "", "", key=KEY) != prospect_id(other, someone, "", "", key=KEY)


def test_the_parts_of_the_key_do_not_run_together() -> None:
    # "12" + "3" and "1" + "23" are different prospects
    assert prospect_id("uninsured_manager", "12", "3", "", key=KEY) != prospect_id("uninsured_manager", "1", "23", "",
                                                                                 key=KEY)


def test_table_ids_match_row_ids() -> None:
    frame = pd.DataFrame({"group": ["hi_prospect", "uninsured_household_owner"],
                          "person_id": ["001090123456", "001185000002"], "tax_code": [None, None],
                          "business_id": [None, "01A8012345"]})
    assert prospect_ids(frame, KEY).tolist() == [
        prospect_id("hi_prospect", "001090123456", "", "", key=KEY),
        prospect_id("uninsured_household_owner", "001185000002", "", "01A8012345", key=KEY)]
    assert prospect_ids(frame.iloc[:0], KEY).empty


def test_key_from_the_environment_and_production_needs_one() -> None:
    assert prospect_key({KEY_VARIABLE: "k", PRODUCTION_VARIABLE: "1"}) == b"k"
    assert prospect_key({}) == SAMPLE_KEY.encode()
    with pytest.raises(ProspectKeyMissing, match=KEY_VARIABLE):
        prospect_key({PRODUCTION_VARIABLE: "1"})
