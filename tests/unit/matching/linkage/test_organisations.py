"""Employers to enterprises / cooperatives: exact tax code, check-digit typo, then name and ward."""

from __future__ import annotations

import pandas as pd
import pytest

from matching.linkage import link_organisations
from matching.linkage.organisations import normalise_org_name
from matching.text import fold


@pytest.mark.parametrize("a, b", [
    ("CÔNG TY TNHH MỘT THÀNH VIÊN THƯƠNG MẠI AN PHÁT", "Cty TNHH MTV TM An Phát"),
    ("CÔNG TY CỔ PHẦN XÂY DỰNG HÒA BÌNH", "CTY CP XD Hòa Bình"),
    ("HỢP TÁC XÃ NÔNG NGHIỆP TÂN THÀNH", "HTX Nong nghiep Tan Thanh"),
    ("Công ty trách nhiệm hữu hạn Minh Long", "CONG TY TNHH MINH LONG"),
])
def test_legal_forms_are_unified(a: str, b: str) -> None:
    assert normalise_org_name(a) == normalise_org_name(b)


def test_legal_form_is_kept_apart_from_the_name() -> None:
    assert normalise_org_name("CÔNG TY CỔ PHẦN AN PHÁT") == ("cty cp", "an phat")


ORGS = pd.DataFrame({
    "tax_code": ["0300588569", "0100109106", "0312345675", "0312345683"],
    "name": ["CÔNG TY CỔ PHẦN SỮA VIỆT NAM", "CÔNG TY TNHH MỘT THÀNH VIÊN AN PHÁT", "HỢP TÁC XÃ TÂN THÀNH",
             "CÔNG TY TNHH MINH LONG"],
    "ward_code": ["26734", "00004", "10003", "10003"], "province_code": ["79", "01", "33", "33"],
    "kind": ["enterprise", "enterprise", "cooperative", "enterprise"],
})
ORGS["name_folded"] = ORGS["name"].map(fold)


def _units(rows: list[tuple[str, str | None, str, str | None, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit_code", "tax_code_raw", "name", "ward_code", "province_code"])
    from matching.ids import normalise_tax_codes
    frame["tax_code"] = normalise_tax_codes(frame["tax_code_raw"])["tax_code"]
    frame["name_folded"] = frame["name"].map(fold)
    return frame


def test_three_passes() -> None:
    units = _units([
        ("U1", "0300588569", "Cty CP Sữa Việt Nam", "26734", "79"),  # exact
        ("U2", "0100109160", "CTY TNHH MTV AN PHAT", "00004", "01"),  # transposed digits: check digit fails
        ("U3", None, "HTX Tan Thanh", "10003", "33"),  # no tax code: name in the same ward
        ("U4", "0100109107", "Công ty ABC hoàn toàn khác", "00004", "01"),  # typo, but the name disagrees
        ("U5", None, "Cong ty TNHH Minh Long", "10003", "33"),
    ])
    links = link_organisations(units, ORGS).links.set_index("unit_code")
    assert links.loc["U1", ["tax_code", "method"]].tolist() == ["0300588569", "exact_tax_code"]
    assert links.loc["U2", ["tax_code", "method"]].tolist() == ["0100109106", "tax_code_typo"]
    assert links.loc["U3", ["tax_code", "method"]].tolist() == ["0312345675", "name_ward"]
    assert links.loc["U5", ["tax_code", "method"]].tolist() == ["0312345683", "name_ward"]
    assert "U4" not in links.index
    assert links["reason"].str.len().min() > 0


def test_a_tie_links_nothing() -> None:
    orgs = pd.concat([ORGS, ORGS.iloc[[2]].assign(tax_code="0312345691")], ignore_index=True)
    units = _units([("U3", None, "HTX Tan Thanh", "10003", "33")])
    assert link_organisations(units, orgs).links.empty


def test_a_branch_code_with_a_typo_links_to_the_branch_not_its_head_office() -> None:
    branch = "CHI NHÁNH CÔNG TY CỔ PHẦN SỮA VIỆT NAM TẠI HÀ NỘI"
    orgs = pd.concat([ORGS, pd.DataFrame({
        "tax_code": ["0300588569-001", "0300588569-002"], "name": [branch, branch.replace("HÀ NỘI", "HUẾ")],
        "ward_code": ["00004", "00004"], "province_code": ["01", "01"], "kind": ["enterprise", "enterprise"],
    })], ignore_index=True)
    orgs["name_folded"] = orgs["name"].map(fold)
    # one digit of the head-office part mistyped (the check digit shows it), suffix kept
    units = _units([("U9", "0300588669-001", "CN CTY CP SUA VIET NAM TAI HA NOI", "00004", "01")])
    links = link_organisations(units, orgs).links
    assert links[["unit_code", "tax_code", "method"]].values.tolist() == [["U9", "0300588569-001", "tax_code_typo"]]


def test_equal_names_prefer_the_units_commune_then_its_legal_form() -> None:
    # Namesakes in one province: the unit's own commune wins, then the same legal form wins.
    orgs = pd.DataFrame({
        "tax_code": ["0318676128", "0355197331", "0339072825", "0328723313"],
        "name": ["CÔNG TY TNHH MỘT THÀNH VIÊN XUẤT NHẬP KHẨU PHÚ NAM", "CÔNG TY TNHH XUẤT NHẬP KHẨU PHÚ NAM",
                 "CÔNG TY CỔ PHẦN THỰC PHẨM HOA AN", "DOANH NGHIỆP TƯ NHÂN THỰC PHẨM HOA AN"],
        "ward_code": ["26740", "26956", "26782", "26782"], "province_code": ["79"] * 4, "kind": ["enterprise"] * 4,
    })
    orgs["name_folded"] = orgs["name"].map(fold)
    units = _units([("U1", None, "CÔNG TY TNHH MỘT THÀNH VIÊN XUẤT NHẬP KHẨU PHÚ NAM", "26740", "79"),
                    ("U2", None, "CÔNG TY CP THỰC PHẨM HOA AN", "26782", "79")])
    links = link_organisations(units, orgs).links.set_index("unit_code")
    assert links["tax_code"].to_dict() == {"U1": "0318676128", "U2": "0339072825"}


@pytest.mark.parametrize("recorded, name, expected", [
    ("300588569", "Cty CP Sữa Việt Nam", "0300588569"),  # the leading zero lost
    ("0300-588-569", "CONG TY CP SUA VIET NAM", "0300588569"),  # written with separators
    (None, "CTY CO PHAN SUA VIET NAM", "0300588569"),  # no code: name and commune
    ("0300588596", "Cty CP Sữa Việt Nam", "0300588569"),  # two digits transposed
])
def test_recorded_codes_the_contract_allows(recorded: str | None, name: str, expected: str) -> None:
    units = _units([("U1", recorded, name, "26734", "79")])
    links = link_organisations(units, ORGS).links
    assert links["tax_code"].tolist() == [expected]
    assert 0.5 <= links["score"].iloc[0] <= 1


def test_a_public_body_links_to_no_organisation() -> None:
    units = _units([("U7", None, "ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH", "00004", "01"),
                    ("U8", "0100109106", "CTY TNHH MTV AN PHAT", "00004", "01")])
    result = link_organisations(units, ORGS)
    assert result.links["unit_code"].tolist() == ["U8"]
    assert (result.candidates.loc[result.candidates["unit_code"] == "U7", "probability"] < 0.5).all()
