"""Evolving worlds (sample_data.nights): night 0 is the generator's world, later nights carry their events.

Three nights of a 3,000-person world, with event rates raised so that every kind happens.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sample_data.generator import generate
from sample_data.nights import EVENTS, NightRates, generate_nights

AS_OF, NIGHT_1 = date(2026, 7, 1), date(2026, 7, 8)
RATES = NightRates(birth=0.05, death=0.01, move=0.01, new_org=0.1, dissolved_org=0.1, new_hkd=0.05, closed_hkd=0.05)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return generate_nights(tmp_path_factory.mktemp("nights"), 3000, 11, "hard", AS_OF, 3, rates=RATES)


def test_night_0_is_the_generators_world_byte_for_byte(nights: list[Path], tmp_path: Path) -> None:
    generate(tmp_path, 3000, 11, "hard", AS_OF)
    assert _files(nights[0]) == _files(tmp_path)


def test_the_same_arguments_give_the_same_nights(nights: list[Path], tmp_path: Path) -> None:
    again = generate_nights(tmp_path, 3000, 11, "hard", AS_OF, 3, rates=RATES)
    assert _files(again[2]) == _files(nights[2])
    assert _files(nights[1]) != _files(nights[2])


def test_every_kind_of_event_happens_and_shows_in_the_registers(nights: list[Path]) -> None:
    events = _csv(nights[1] / "truth" / "events.csv")
    assert set(events["event"]) == set(EVENTS)
    before, after = _csv(nights[0] / "population.csv"), _csv(nights[1] / "population.csv")
    born = set(events.loc[events["event"] == "birth", "person_id"])
    assert born <= set(after["person_id"]) - set(before["person_id"])
    died = after[after["person_id"].isin(set(events.loc[events["event"] == "death", "person_id"]))]
    assert died["death_date"].between(AS_OF.isoformat(), NIGHT_1.isoformat(), inclusive="right").all()
    moved = set(events.loc[events["event"] == "move", "person_id"])
    home = [f.drop_duplicates("person_id").set_index("person_id")["ward_code"].reindex(sorted(moved)).to_numpy()
            for f in (before, after)]  # (a bad row may repeat an ID)
    assert len(moved) and (home[0] != home[1]).all()
    orgs = _csv(nights[1] / "enterprises.csv")
    status = pd.concat([orgs, _csv(nights[1] / "cooperatives.csv")]).set_index("tax_code")["status"]
    assert (status[sorted(set(events.loc[events["event"] == "dissolved_org", "tax_code"]))] == "dissolved").all()
    new_orgs = set(events.loc[events["event"] == "new_org", "tax_code"])
    assert new_orgs <= set(orgs["tax_code"]) - set(_csv(nights[0] / "enterprises.csv")["tax_code"])
    assert new_orgs <= set(_csv(nights[1] / "managers.csv")["org_tax_code"])


def test_new_cover_reaches_the_insured_roll(nights: list[Path]) -> None:
    events = _csv(nights[1] / "truth" / "events.csv")
    roll = _csv(nights[1] / "insured.csv").assign(owner=_csv(nights[1] / "truth" / "insured_links.csv")["person_id"])
    carded = set(roll.loc[roll["hi_valid_to"] >= NIGHT_1.isoformat(), "owner"])
    assert set(events.loc[events["event"] == "new_hi", "person_id"]) <= carded


def test_the_registers_are_typed_again_with_fresh_noise(nights: list[Path]) -> None:
    names = [_csv(n / "insured.csv").drop_duplicates("si_code").set_index("si_code")["full_name"] for n in nights[:2]]
    both = names[0].index.intersection(names[1].index)
    assert 0 < (names[0][both] != names[1][both]).sum() < 0.9 * len(both)  # hard noise: about half re-typed


def test_the_truths_changes_are_the_difference_of_two_nights_prospects(nights: list[Path]) -> None:
    key = ["group", "ward_code", "person_id", "tax_code", "business_id"]
    before, after = (set(map(tuple, _csv(n / "truth" / "prospects.csv")[key].to_numpy())) for n in nights[1:3])
    changes = _csv(nights[2] / "truth" / "changes.csv")
    rows = {c: set(map(tuple, changes.loc[changes["change"] == c, key].to_numpy()))
            for c in ("new", "resolved", "gone")}
    assert rows["new"] == after - before
    assert rows["resolved"] | rows["gone"] == before - after and not rows["resolved"] & rows["gone"]
    births = changes[changes["cause"] == "birth"]
    assert len(births) and set(births["change"]) == {"new"} and "hi_prospect" in set(births["group"])
    assert "new_hi" in set(changes.loc[changes["change"] == "resolved", "cause"])
    assert {"death", "move"} & set(changes.loc[changes["change"] == "gone", "cause"])
