"""Review decisions come back (issue 14 part 5), end to end on a tiny world.

Two insured records are made ambiguous on purpose: no personal ID, only the year of birth, and a
namesake living at the same address (same name, same year, another ID). Night 1 cannot tell them apart
and sends both pairs of each record to ``review.csv``, with an empty ``decision``. A clerk fills in a copy
(``khớp`` for the true resident of the first record, ``không khớp`` for the namesake of the second, and
one bad row) and drops it into the feedback folder. Night 2, on the same registers, reads it: the match is
a link by ``review``, the non-match is never linked, neither pair is in review again, the bad row is in
``feedback_report.csv``, the store keeps the decisions once, the audit says how many labels were used;
a rerun of night 2 gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.state_store import Store
from sample_data.generator import generate
from tests.support.outputs import digests

NIGHT_1, NIGHT_2 = dt.date(2026, 7, 1), dt.date(2026, 7, 2)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


class World:
    def __init__(self, root: Path) -> None:
        self.root, self.input, self.state = root, root / "world", root / "state.sqlite"
        self.feedback = root / "doi-soat"
        self.out_1, self.out_2 = root / "night-1", root / "night-2"

    def run(self, out: Path, as_of: dt.date) -> None:
        assert main(["run", "--input", str(self.input), "--output", str(out), "--as-of", as_of.isoformat(),
                     "--state", str(self.state), "--feedback", str(self.feedback)]) == 0


def _namesakes(folder: Path, count: int) -> list[tuple[str, str, str]]:
    """Make ``count`` insured records ambiguous (ID removed, year of birth only) and give each resident a
    namesake at the same address; returns (si_code, the resident's ID, the namesake's ID)."""
    insured, population = _csv(folder / "insured.csv"), _csv(folder / "population.csv")
    alive = population[population["death_date"] == ""]
    chosen = insured[insured["person_id"].isin(alive["person_id"])
                     & insured["date_of_birth"].str.len().eq(10)].head(count)
    made, twins = [], []
    for k, (at, row) in enumerate(chosen.iterrows()):
        resident = alive[alive["person_id"] == row["person_id"]].iloc[0]
        twin = resident.copy()
        twin["person_id"] = resident["person_id"][:6] + f"{990000 + k:06d}"
        day = resident["date_of_birth"]
        twin["date_of_birth"] = day[:4] + ("-02-14" if day[5:] != "02-14" else "-03-15")
        twin["relation_to_head"] = "Anh/chị/em"
        twins.append(twin)
        insured.loc[at, ["person_id", "date_of_birth"]] = ["", day[:4]]
        made.append((row["si_code"], resident["person_id"], twin["person_id"]))
    insured.to_csv(folder / "insured.csv", index=False)
    pd.concat([population, pd.DataFrame(twins)], ignore_index=True).to_csv(folder / "population.csv", index=False)
    return made


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, list[tuple[str, str, str]]]:
    world = World(tmp_path_factory.mktemp("review"))
    generate(world.input, persons=150, seed=5, noise="none", as_of=NIGHT_1)
    made = _namesakes(world.input, 2)
    world.run(world.out_1, NIGHT_1)
    review = _csv(world.out_1 / "review.csv")
    (first, resident, _), (second, _, twin) = made
    review.loc[(review["record_id"] == f"insured:{first}") & (review["person_id"] == resident), "decision"] = "khớp"
    review.loc[(review["record_id"] == f"insured:{second}") & (review["person_id"] == twin), "decision"] = \
        "KHÔNG KHỚP"
    bad = review.iloc[[0]].assign(decision="để sau")
    world.feedback.mkdir(parents=True)
    pd.concat([review, bad]).to_csv(world.feedback / "review_2026-07-01.csv", index=False, encoding="utf-8-sig")
    world.run(world.out_2, NIGHT_2)
    return world, made


def test_night_1_sends_the_ambiguous_pairs_to_review_with_an_empty_decision(
        world: tuple[World, list[tuple[str, str, str]]]) -> None:
    w, made = world
    review = _csv(w.out_1 / "review.csv")
    assert list(review.columns)[-1] == "decision" and (review["decision"] == "").all()
    pairs = set(zip(review["record_id"], review["person_id"], strict=True))
    for si_code, resident, twin in made:
        assert {(f"insured:{si_code}", resident), (f"insured:{si_code}", twin)} <= pairs
    links = _csv(w.out_1 / "links.csv")
    assert not set(links.loc[links["source"] == "insured", "source_key"]) & {s for s, _, _ in made}


def test_night_2_links_the_match_and_never_the_non_match(world: tuple[World, list[tuple[str, str, str]]]) -> None:
    w, made = world
    (first, resident, _), (second, _, twin) = made
    links = _csv(w.out_2 / "links.csv")
    insured = links[links["source"] == "insured"].set_index("source_key")
    assert insured.loc[first, "person_id"] == resident and insured.loc[first, "method"] == "review"
    assert float(insured.loc[first, "match_probability"]) == 1.0
    assert (second, twin) not in set(zip(insured.index, insured["person_id"], strict=True))
    review = _csv(w.out_2 / "review.csv")
    pairs = set(zip(review["record_id"], review["person_id"], strict=True))
    assert not {(f"insured:{first}", resident), (f"insured:{second}", twin)} & pairs
    assert f"insured:{first}" not in set(review["record_id"])  # decided: its namesake is no candidate now


def test_the_bad_row_is_reported_and_the_store_keeps_the_decisions(
        world: tuple[World, list[tuple[str, str, str]]]) -> None:
    w, made = world
    report = _csv(w.out_2 / "feedback_report.csv")
    assert report[["file", "check"]].values.tolist() == [["review_2026-07-01.csv", "unknown_decision"]]
    assert int(report["row"].iloc[0]) == len(_csv(w.out_1 / "review.csv")) + 2  # the last row, header is 1
    assert "để sau" in report["problem_vi"].iloc[0]
    stored = Store(w.state).decisions(NIGHT_2 + dt.timedelta(days=1))
    (first, resident, _), (second, _, twin) = made
    assert stored[["record_id", "person_id", "decision", "read_on"]].values.tolist() == [
        [f"insured:{first}", resident, "match", NIGHT_2.isoformat()],
        [f"insured:{second}", twin, "non_match", NIGHT_2.isoformat()]]


def test_the_audit_says_how_many_labels_were_used(world: tuple[World, list[tuple[str, str, str]]]) -> None:
    w, _ = world
    labels = json.loads((w.out_2 / "audit.json").read_text(encoding="utf-8"))["matching"]["labels"]
    assert labels == {"decisions": 2, "match": 1, "non_match": 1, "not_applied": 0}
    assert "labels" not in json.loads((w.out_1 / "audit.json").read_text(encoding="utf-8"))["matching"]
    assert "Labelled pairs (review decisions)" in (w.out_2 / "audit.html").read_text(encoding="utf-8")


def test_a_rerun_of_night_2_gives_the_same_bytes(world: tuple[World, list[tuple[str, str, str]]]) -> None:
    w, _ = world
    before = digests(w.out_2)
    w.run(w.out_2, NIGHT_2)
    assert digests(w.out_2) == before
    assert len(Store(w.state).decisions(NIGHT_2 + dt.timedelta(days=1))) == 2  # nothing stored twice
