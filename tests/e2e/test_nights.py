"""Two nights on a small generated world: stable prospect IDs, and what changed in between.

Night 1 is a generated world of 600 residents; night 2, a week later, the same seed with another draw
of noise rates (nearly the same world, typed otherwise: a few prospects come and go with it), in which
one resident got a health-insurance card, one died, one moved to another commune, one enterprise was
dissolved and a new resident arrived. ``changes.csv`` must say exactly
that of them (and be the difference of the two nights' lists for everyone else); each night is
rerun after the other and gives the same bytes (a night reads only the nights before it).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from contract.groups import PROSPECT_KEY
from pipelines.cli import main
from pipelines.state_store import Store
from sample_data.generator import generate
from tests.support.outputs import digests
from tests.support.world import person_id

NIGHT_1, NIGHT_2 = dt.date(2026, 7, 1), dt.date(2026, 7, 8)
NEWCOMER = person_id(990001, 1990, "M")
NEW_SI_CODE = "7999000001"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _run(world: Path, out: Path, state: Path, as_of: dt.date) -> None:
    code = main(["run", "--input", str(world), "--output", str(out), "--as-of", as_of.isoformat(),
                 "--state", str(state)])
    assert code == 0


class Nights:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / "state.sqlite"
        self.world_1, self.world_2 = root / "world-1", root / "world-2"
        self.out_1, self.out_2 = root / "night-1", root / "night-2"


def _change_the_world(nights: Nights, listed: pd.DataFrame) -> dict[str, str]:
    """Night 2's registers: night 1's world with other noise, and five changes; returns who changed."""
    generate(nights.world_2, persons=600, seed=11, noise="normal", as_of=NIGHT_1, noise_seed=99)
    population = _csv(nights.world_2 / "population.csv")
    alive = population[population["death_date"] == ""]
    voluntary = listed[listed["group"] == "voluntary_si_prospect"]
    hi = listed[(listed["group"] == "hi_prospect") & ~listed["person_id"].isin(voluntary["person_id"])]
    people = [p for p in voluntary["person_id"] if p in set(alive["person_id"])]
    who = {"insured": next(p for p in hi["person_id"] if p in set(alive["person_id"])),
           "died": people[0], "moved": people[1]}
    home = voluntary.set_index("person_id")["ward_code"]
    who["moved_to"] = sorted(set(population["ward_code"]) - {home[who["moved"]]})[0]
    row = population.index[population["person_id"] == who["died"]]
    population.loc[row, "death_date"] = "2026-07-05"
    population.loc[population["person_id"] == who["moved"], "ward_code"] = who["moved_to"]
    newcomer = population[population["person_id"] == who["insured"]].iloc[0].copy()
    assert NEWCOMER not in set(population["person_id"])
    newcomer[["person_id", "full_name", "date_of_birth", "household_id", "relation_to_head", "death_date"]] = [
        NEWCOMER, "Trần Thị Minh Khuê", "1990-05-05", "HHNEW0001", "Chủ hộ", ""]
    newcomer["sex"] = "F"
    population = pd.concat([population, newcomer.to_frame().T], ignore_index=True)
    population.to_csv(nights.world_2 / "population.csv", index=False)
    person = population[population["person_id"] == who["insured"]].iloc[0]
    insured = _csv(nights.world_2 / "insured.csv")
    card = dict.fromkeys(insured.columns, "")
    card.update(si_code=NEW_SI_CODE, person_id=who["insured"], full_name=person["full_name"],
                date_of_birth=person["date_of_birth"], sex=person["sex"], ward_code=person["ward_code"],
                hi_valid_to="2027-06-30")
    pd.concat([insured, pd.DataFrame([card])], ignore_index=True).to_csv(nights.world_2 / "insured.csv", index=False)
    employer = listed[listed["group"] == "unregistered_employer"].iloc[0]
    who["dissolved"] = employer["tax_code"]
    for register in ("enterprises", "cooperatives"):
        table = _csv(nights.world_2 / f"{register}.csv")
        if (table["tax_code"] == who["dissolved"]).any():
            table.loc[table["tax_code"] == who["dissolved"], "status"] = "dissolved"
            table.to_csv(nights.world_2 / f"{register}.csv", index=False)
    return who


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Nights, dict[str, str]]:
    nights = Nights(tmp_path_factory.mktemp("nights"))
    generate(nights.world_1, persons=600, seed=11, noise="normal", as_of=NIGHT_1)
    _run(nights.world_1, nights.out_1, nights.state, NIGHT_1)
    who = _change_the_world(nights, _csv(nights.out_1 / "prospects.csv"))
    _run(nights.world_2, nights.out_2, nights.state, NIGHT_2)
    return nights, who


def _keyed(frame: pd.DataFrame) -> dict[tuple[str, ...], str]:
    return dict(zip(map(tuple, frame[[c for c in PROSPECT_KEY if c != "ward_code"]].to_numpy()),
                    frame["prospect_id"], strict=True))


def test_prospect_ids_are_stable_and_distinct(nights: tuple[Nights, dict[str, str]]) -> None:
    n, _ = nights
    first, second = _csv(n.out_1 / "prospects.csv"), _csv(n.out_2 / "prospects.csv")
    one, two = _keyed(first), _keyed(second)
    both = set(one) & set(two)
    assert len(both) > 300
    assert all(one[key] == two[key] for key in both)
    assert first["prospect_id"].is_unique and first["prospect_id"].str.fullmatch(r"[A-Z2-7]{20}").all()
    ids = " ".join(first["prospect_id"])
    assert not any(p in ids for p in first["person_id"] if p)  # the ID reveals no personal ID


def test_first_night_lists_everyone_as_new(nights: tuple[Nights, dict[str, str]]) -> None:
    n, _ = nights
    changes, listed = _csv(n.out_1 / "changes.csv"), _csv(n.out_1 / "prospects.csv")
    assert set(changes["change"]) == {"new"} and set(changes["reason"]) == {"Lần đầu lập danh sách"}
    assert sorted(changes["prospect_id"]) == sorted(listed["prospect_id"])


def test_changes_are_what_happened(nights: tuple[Nights, dict[str, str]]) -> None:
    n, who = nights
    changes = _csv(n.out_2 / "changes.csv")

    def rows(**match: str) -> pd.DataFrame:
        mask = pd.Series(True, index=changes.index)
        for column, value in match.items():
            mask &= changes[column] == value
        return changes[mask]

    resolved = rows(person_id=who["insured"], group="hi_prospect")
    assert resolved[["change", "record"]].values.tolist() == [["resolved", f"insured:{NEW_SI_CODE}"]]
    assert resolved["reason"].iloc[0] == "Đã có thẻ BHYT còn hạn đến 30/06/2027"
    died = rows(person_id=who["died"])
    assert set(died["change"]) == {"gone"} and set(died["reason"]) == {"Đã mất ngày 05/07/2026"}
    assert "voluntary_si_prospect" in set(died["group"])
    moved = rows(person_id=who["moved"], group="voluntary_si_prospect")
    assert sorted(moved["change"]) == ["gone", "new"]
    assert moved.loc[moved["change"] == "new", "ward_code"].tolist() == [who["moved_to"]]
    assert moved.loc[moved["change"] == "gone", "reason"].str.startswith("Chuyển sang danh sách của xã/phường").all()
    dissolved = rows(tax_code=who["dissolved"], group="unregistered_employer")
    assert dissolved[["change", "reason"]].values.tolist() == [["gone", "Doanh nghiệp/HTX đã giải thể"]]
    arrived = rows(person_id=NEWCOMER)
    assert set(arrived["change"]) == {"new"} and {"voluntary_si_prospect", "hi_prospect"} <= set(arrived["group"])
    assert set(arrived["reason"]) == {"Mới vào danh sách"}


def test_changes_are_the_difference_of_the_two_lists(nights: tuple[Nights, dict[str, str]]) -> None:
    n, _ = nights
    before, after = (set(zip(_csv(o / "prospects.csv")["prospect_id"], _csv(o / "prospects.csv")["ward_code"],
                             strict=True)) for o in (n.out_1, n.out_2))
    changes = _csv(n.out_2 / "changes.csv")
    pairs = {kind: set(zip(part["prospect_id"], part["ward_code"], strict=True))
             for kind, part in changes.groupby("change")}
    assert pairs["new"] == after - before
    assert pairs["resolved"] | pairs["gone"] == before - after and not pairs["resolved"] & pairs["gone"]
    summary = _csv(n.out_2 / "summary.csv")
    assert {k: summary[k].astype(int).sum() for k in ("new", "resolved", "gone")} == {
        k: len(v) for k, v in pairs.items()}
    assert Store(n.state).nights() == [NIGHT_1, NIGHT_2]
    audit = json.loads((n.out_2 / "audit.json").read_text(encoding="utf-8"))["prospects"]["changes"]
    assert audit["previous_night"] == NIGHT_1.isoformat()
    assert {k: audit[k] for k in pairs} == {k: len(v) for k, v in pairs.items()}
    assert audit["still_open"] == len(after & before) and audit["open"] == len(after)


def test_workbook_marks_new_rows_and_lists_the_closed_ones(nights: tuple[Nights, dict[str, str]]) -> None:
    n, who = nights
    listed = _csv(n.out_2 / "prospects.csv")
    ward = listed.loc[listed["person_id"] == NEWCOMER, ["province_code", "ward_code"]].iloc[0]
    book = openpyxl.load_workbook(n.out_2 / "by_ward" / ward["province_code"] / f"{ward['ward_code']}.xlsx")
    sheet = book["BHXH tự nguyện"]
    header = [c.value for c in sheet[4]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=5)]
    newcomer = listed.loc[(listed["person_id"] == NEWCOMER) & (listed["group"] == "voluntary_si_prospect"),
                          "prospect_id"].iloc[0]
    mine = [r for r in rows if r.get("Mã đối tượng") == newcomer]
    assert len(mine) == 1 and mine[0]["Trong danh sách"] == "Mới"
    at = next(r[0].row for r in sheet.iter_rows(min_row=5) if newcomer in [c.value for c in r])
    assert sheet.protection.sheet
    assert not sheet.cell(at, header.index("Kết quả") + 1).protection.locked  # only the outcomes take input
    assert sheet.cell(at, header.index("Họ và tên") + 1).protection.locked
    assert any(str(r.get("Trong danh sách") or "").startswith("Từ 01/07/2026") for r in rows)
    closed = _csv(n.out_2 / "changes.csv")
    closed = closed[(closed["change"] != "new") & (closed["ward_code"] == ward["ward_code"])]
    if len(closed):
        sheet = book["Đã giải quyết, không còn"]
        shown = {c.value for row in sheet.iter_rows(min_row=5) for c in row}
        assert set(closed["prospect_id"]) <= shown
        assert not any(p in str(v) for v in shown for p in closed["person_id"] if p)  # IDs masked


def test_a_rerun_of_the_first_night_after_the_second_gives_the_same_bytes(
        nights: tuple[Nights, dict[str, str]]) -> None:
    n, _ = nights
    before = digests(n.out_1)
    _run(n.world_1, n.out_1, n.state, NIGHT_1)  # it reads only the nights before it, and replaces its own record
    assert digests(n.out_1) == before
    assert Store(n.state).nights() == [NIGHT_1, NIGHT_2]
    assert set(Store(n.state).changes(NIGHT_1)["change"]) == {"new"}
