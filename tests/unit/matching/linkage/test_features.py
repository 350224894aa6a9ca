"""Name normal forms: every way one Vietnamese name is typed maps to one form."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.linkage.features import canonical_name, name_parts
from matching.text import fold


@pytest.mark.parametrize("variant, reference", [
    ("Nguye\u0302\u0303n Thị Hòa", "Nguyễn Thị Hòa"),  # NFD
    ("NGUYỄN THỊ HOÀ", "Nguyễn Thị Hòa"),  # upper case, old tone placement
    ("\u00d0ặng Văn Thuỷ", "Đặng Văn Thủy"),  # Ð (eth) for Đ, old tone placement
    ("Lê Văn Sỹ", "Lê Văn Sĩ"),  # y / i
    ("Trần Quý", "Trần Quí"),
    ("Khoẻ", "Khỏe"),
    ("  Phạm   Thị  Mai ", "Phạm Thị Mai"),
])
def test_spelling_variants_share_one_canonical_form(variant: str, reference: str) -> None:
    assert canonical_name(variant) == canonical_name(reference)


@pytest.mark.parametrize("left, right", [
    ("Lê Huy", "Lê Hui"),  # uy is a vowel, not a y/i choice
    ("Nguyễn Văn Hùng", "Nguyễn Văn Hưng"),  # diacritics kept in the canonical form
])
def test_canonical_form_keeps_real_differences(left: str, right: str) -> None:
    assert canonical_name(left) != canonical_name(right)


def test_name_parts_compound_surname_and_given_last() -> None:
    parts = name_parts("Tôn Thất Minh Quân")
    assert (parts.surname, parts.middle, parts.given) == ("ton that", "minh", "quan")
    assert name_parts("Âu Dương Phong").surname == "au duong"
    assert name_parts("Nguyễn An").given == "an"
    assert name_parts("Nguyễn").given == ""


@pytest.mark.parametrize("with_filler, without", [
    ("Nguyễn Thị Mai", "Nguyễn Mai"), ("NGUYEN VAN HUNG", "Nguyễn Hùng"), ("Trần Thị Thu Hà", "Trần Thu Hà"),
])
def test_core_drops_thi_van(with_filler: str, without: str) -> None:
    assert name_parts(with_filler).core == name_parts(without).core


_VIET = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ",
                min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(_VIET)
def test_canonical_name_is_idempotent(text: str) -> None:
    once = canonical_name(text)
    assert canonical_name(once) == once


@settings(max_examples=300, deadline=None)
@given(_VIET)
def test_nfd_and_upper_case_do_not_change_the_forms(text: str) -> None:
    assert canonical_name(unicodedata.normalize("NFD", text.upper())) == canonical_name(text)
    parts = name_parts(text)
    if parts is not None:
        assert parts.folded == fold(parts.canon)
        assert name_parts(parts.folded).core == parts.core
