"""End to end on a small toy population with hand-made Vietnamese cases injected."""

from __future__ import annotations

import pandas as pd
import pytest

from matching.linkage import PersonLinkSettings, link_persons
from tests.support.linkage_world import toy_world
from tests.unit.matching.linkage.test_compare import frames, person

HUNG_A = person(person_id="001085000111", full_name="Nguyễn Văn Hùng", dob="1985-04-12", sex="M", ward_code="90001",
                province_code="90")
HUNG_B = person(person_id="001085000222", full_name="Nguyễn Văn Hùng", dob="1985-09-30", sex="M", ward_code="90001",
                province_code="90")
MAI = person(person_id="079190000333", full_name="Trần Thị Thoả Mai", dob="1990-02-07", sex="F", ward_code="90002",
             province_code="90")
LAN = person(person_id="001301000444", full_name="Lý Thị Lan", dob="2001-11-03", sex="F", ward_code="90003",
             province_code="90")

CASES = {
    "insured:c1": person(person_id=None, full_name="NGUYEN VAN HUNG", dob="1985-04-12", sex="M", ward_code="90001",
                         province_code="90"),  # no ID, no diacritics: HUNG_A by the date
    "insured:c2": person(person_id=None, full_name="Nguyễn Văn Hùng", dob="1985", sex="M", ward_code="90001",
                         province_code="90"),  # namesakes, year only: must not be linked
    "insured:c3": person(person_id="012345678", full_name="Trần Thoả Mai", dob="1990-07-02", sex="F",
                         ward_code="90002", province_code="90"),  # legacy ID, Thị dropped, day/month swapped
    "insured:c4": person(person_id="079190000338", full_name="Trần Thị Thỏa Mai", dob="1990-02-07", sex="F",
                         ward_code=None, province_code=None),  # ID typo, tone placement: MAI
    "insured:c5": person(person_id="079190000333", full_name="Lý Thị Lan", dob="2001-11-03", sex="F",
                         ward_code="90003", province_code="90"),  # typo lands on MAI's ID: LAN by name and date
    "insured:c6": person(person_id="001085000111", full_name="Nguyễn Văn Hùng", dob="1985-04-12", sex="M",
                         ward_code="90001", province_code="90"),  # exact ID
}
EXPECTED = {"insured:c1": HUNG_A["person_id"], "insured:c3": MAI["person_id"], "insured:c4": MAI["person_id"],
            "insured:c5": LAN["person_id"], "insured:c6": HUNG_A["person_id"]}


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    base = toy_world(3000, seed=5, noise="normal")
    rec, pop = frames(list(CASES.values()), [HUNG_A, HUNG_B, MAI, LAN])
    rec["record_key"] = list(CASES)
    records = pd.concat([base["records"], rec], ignore_index=True)
    population = pd.concat([base["population"], pop], ignore_index=True)
    return {"records": records, "population": population, "truth": base["truth"]}


@pytest.fixture(scope="module")
def result(world):  # type: ignore[no-untyped-def]
    return link_persons(world["records"], world["population"], PersonLinkSettings(u_pairs=200_000))


def test_hand_made_cases(result) -> None:  # type: ignore[no-untyped-def]
    links = result.links.set_index("record_key")
    for key, expected in EXPECTED.items():
        assert links.loc[key, "person_id"] == expected, key
    assert "insured:c2" not in links.index


def test_methods_and_reasons(result) -> None:  # type: ignore[no-untyped-def]
    links = result.links.set_index("record_key")
    assert links.loc["insured:c6", "method"] == "exact_id"
    assert links.loc["insured:c6", "reason"].startswith("trùng số định danh")
    assert links.loc["insured:c5", "method"] == "probabilistic"  # the ID was vetoed
    assert "số định danh lệch một chữ số" in links.loc["insured:c4", "reason"]
    assert links.loc["insured:c1", "reason"].startswith("trùng họ tên không dấu và ngày sinh")
    assert "chỉ có số CMND cũ" in links.loc["insured:c3", "reason"]
    assert "đảo ngày/tháng" in links.loc["insured:c3", "reason"]
    contributions = links.filter(like="w_").sum(axis=1) + result.thresholds["prior_weight:records"]
    assert (contributions - links["match_weight"]).abs().max() < 1e-9


def test_namesakes_go_to_review_and_to_evidence(result) -> None:  # type: ignore[no-untyped-def]
    review = result.review[result.review["record_key"] == "insured:c2"]
    assert set(review["person_id"]) == {HUNG_A["person_id"], HUNG_B["person_id"]}
    assert review["probability"].max() < 0.5 and review["probability"].nunique() == 1
    best = result.best_unlinked.set_index("person_id")
    assert best.loc[HUNG_B["person_id"], "record_key"] in {"insured:c1", "insured:c2", "insured:c6"}
    assert not best.loc[HUNG_B["person_id"], "person_linked"]


def test_quality_on_the_toy_world(result, world) -> None:  # type: ignore[no-untyped-def]
    truth = set(zip(world["truth"]["record_key"], world["truth"]["person_id"], strict=True))
    got = {pair for pair in zip(result.links["record_key"], result.links["person_id"], strict=True) if pair[0] in set(
        world["truth"]["record_key"]) or not pair[0].startswith("insured:c")}
    tp = len(truth & got)
    assert tp / len(got) > 0.99 and tp / len(truth) > 0.97


def test_model_table_and_thresholds(result) -> None:  # type: ignore[no-untyped-def]
    assert {"comparison", "level", "label", "m", "u", "weight"} <= set(result.model.columns)
    assert 0 < result.thresholds["record_match_share:records"] <= 1
    assert result.thresholds["review_probability"] < result.thresholds["link_probability"]
    assert result.blocking_counts["union"] >= max(v for k, v in result.blocking_counts.items() if ":" not in k
                                                  and k != "union")


def test_deterministic_whatever_the_row_order(world, result) -> None:  # type: ignore[no-untyped-def]
    shuffled = link_persons(world["records"].sample(frac=1, random_state=3),
                            world["population"].sample(frac=1, random_state=4), PersonLinkSettings(u_pairs=200_000))
    pd.testing.assert_frame_equal(shuffled.links, result.links)
    pd.testing.assert_frame_equal(shuffled.review, result.review)


def test_empty_inputs() -> None:
    rec, pop = frames([CASES["insured:c1"]], [HUNG_A])
    out = link_persons(rec.iloc[:0], pop)
    assert out.links.empty and list(out.links.columns)[:3] == ["record_key", "person_id", "method"]


def test_the_home_address_tells_namesakes_apart() -> None:
    """Two Phạm Gia Tân born 1984 in one commune; the insured record knows only the year, and the
    house, written another way: it is theirs. Without the address it stays a tie."""
    home = {"ward_code": "90001", "province_code": "90"}
    tan_a = person(person_id="001084000555", full_name="Phạm Gia Tân", dob="1984-06-23", sex="M",
                   address="Số 9 đường Nguyễn Huệ, Tổ dân phố 24", **home)
    tan_b = person(person_id="062084000666", full_name="Phạm Gia Tân", dob="1984-05-04", sex="M",
                   address="Số 221 đường Tân Lập, Tổ dân phố 08", **home)
    record = person(person_id=None, full_name="PHAM GIA TAN", dob="1984", sex="M", address="9 Nguyễn Huệ, TDP 24",
                    **home)
    base = toy_world(3000, seed=5, noise="normal")
    # Every household has a house, which its members' records carry (the model learns from them).
    base["population"]["address"] = "Số " + base["population"]["household_id"].str[-4:] + " đường Lê Lợi"
    home_of = base["population"].set_index("person_id")["address"]
    base["records"]["address"] = base["records"]["record_key"].map(
        base["truth"].set_index("record_key")["person_id"]).map(home_of)
    rec, pop = frames([record], [tan_a, tan_b])
    rec["record_key"] = ["insured:tan"]
    records = pd.concat([base["records"], rec], ignore_index=True)
    population = pd.concat([base["population"], pop], ignore_index=True)
    settings = PersonLinkSettings(u_pairs=200_000)
    links = link_persons(records, population, settings).links.set_index("record_key")
    assert links.loc["insured:tan", "person_id"] == tan_a["person_id"]
    assert "trùng địa chỉ" in links.loc["insured:tan", "reason"]
    blind = link_persons(records.drop(columns="address"), population.drop(columns="address"), settings).links
    assert "insured:tan" not in set(blind["record_key"])


def test_a_legacy_id_on_a_sure_link_places_the_other_records_carrying_it() -> None:
    """A manager's record knows only a name shared by two residents and an old CMND; the insured
    record with that CMND has the date and the commune, so it surely is HUNG_A's: the manager is too.
    A CMND that sure links put on two residents places nobody."""
    manager = person(person_id="012345678", full_name="NGUYEN VAN HUNG", dob=None, sex="M", ward_code=None,
                     province_code=None)
    insured = person(person_id="012345678", full_name="Nguyễn Văn Hùng", dob="1985-04-12", sex="M",
                     ward_code="90001", province_code="90")
    base = toy_world(3000, seed=5, noise="normal")
    settings = PersonLinkSettings(u_pairs=200_000)

    def link(records: list[dict]) -> pd.DataFrame:
        rec, pop = frames(records, [HUNG_A, HUNG_B])
        rec["record_key"] = [f"managers:{i}" for i in range(len(records))]
        return link_persons(pd.concat([base["records"], rec], ignore_index=True),
                            pd.concat([base["population"], pop], ignore_index=True),
                            settings).links.set_index("record_key")

    alone = link([manager])
    assert "managers:0" not in alone.index  # namesakes: a tie
    links = link([manager, insured])
    assert links.loc["managers:1", "person_id"] == HUNG_A["person_id"]
    assert links.loc["managers:0", "person_id"] == HUNG_A["person_id"]
    assert links.loc["managers:0", "method"] == "legacy_id"
    assert links.loc["managers:0", "reason"].startswith("trùng số CMND cũ với hồ sơ khác đã ghép")
    other = person(person_id="012345678", full_name="Nguyễn Văn Hùng", dob="1985-09-30", sex="M",
                   ward_code="90001", province_code="90")  # HUNG_B's record with the same CMND
    conflicted = link([manager, insured, other])
    assert conflicted.loc["managers:2", "person_id"] == HUNG_B["person_id"]
    assert "managers:0" not in conflicted.index
