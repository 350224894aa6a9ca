"""Golden: covgap run on the committed sample (sample_data/small) against its committed truth.

The sample is a seeded world of 3,000 residents with normal noise; its truth says who belongs in
each group, which rows the contract rejects, and whose each record is. The run must find every
prospect and no other, quarantine exactly the rows the truth rejects, make no false link, and
miss no link but those no method can make (records another resident fits as well as their owner:
``benchmarks/identifiability.py``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from contract.groups import GROUPS, PROSPECT_KEY
from contract.registers import REGISTERS
from pipelines.catalogue import ARTIFACTS, Column, artifact, register_columns
from pipelines.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "small"
TRUTH = SAMPLE / "truth"
# source -> (truth file, the column naming what the row is linked to)
LINK_TRUTH = {
    "insured": ("insured_links.csv", "person_id"),
    "managers": ("manager_links.csv", "person_id"),
    "household_businesses": ("household_owner_links.csv", "person_id"),
    "employers": ("employer_links.csv", "tax_code"),
}


def _stuck() -> dict[str, int]:
    """Per source, the records (units) no method can place: what the run may leave unlinked."""
    from benchmarks.identifiability import load, oracle

    _, counts = oracle(load(SAMPLE))
    return {source: counts[f"{source}_stuck"] for source in LINK_TRUTH}


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden")
    assert main(["run", "--input", str(SAMPLE), "--output", str(folder), "--as-of", "2026-07-01"]) == 0
    return folder


@pytest.fixture(scope="module")
def quarantined(output: Path) -> set[tuple[str, str]]:
    return {(name, row) for name in REGISTERS for row in _csv(output / "quarantine" / f"{name}.csv")["row_number"]}


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_is_exactly_the_truth(output: Path, group: str) -> None:
    found, truth = _csv(output / "prospects.csv"), _csv(TRUTH / "prospects.csv")
    got = set(map(tuple, found.loc[found["group"] == group, list(PROSPECT_KEY)].to_numpy()))
    want = set(map(tuple, truth.loc[truth["group"] == group, list(PROSPECT_KEY)].to_numpy()))
    assert want, f"the sample has no {group}: the test would prove nothing"
    assert got == want, f"{group}: {len(got - want)} false, {len(want - got)} missed"


def test_quarantine_is_exactly_the_rows_the_truth_rejects(quarantined: set[tuple[str, str]]) -> None:
    truth = {tuple(row) for row in _csv(TRUTH / "quarantine.csv")[["register", "row_number"]].to_numpy()}
    assert quarantined == truth


@pytest.mark.parametrize("source", LINK_TRUTH)
def test_links_are_true_and_no_more_are_missed_than_today(output: Path, quarantined: set[tuple[str, str]],
                                                          source: str) -> None:
    file, column = LINK_TRUTH[source]
    most_missed = _stuck()[source]
    truth = _csv(TRUTH / file)
    want = {(row, value) for row, value in truth[["row_number", column]].to_numpy()
            if value and (source, row) not in quarantined}
    links = _csv(output / "links.csv")
    got = {(row, value) for row, value in links.loc[links["source"] == source, ["row_number", column]].to_numpy()
           if value}
    assert want, f"the truth links no {source} row: the test would prove nothing"
    assert got - want == set(), f"{source}: {len(got - want)} false links"
    assert len(want - got) <= most_missed, f"{source}: {len(want - got)} links missed (at most {most_missed})"


_ARROW_KINDS = {"int": ("int64",), "Int": ("int64", "int32"), "float": ("double",), "text": ("string", "large_string"),
                "bool": ("bool",), "timestamp": ("timestamp[ns]", "timestamp[us]")}


def _matches(listed: tuple[Column, ...], names: list[str], types: list[str], *, extras: bool) -> list[str]:
    """What is wrong with a file's columns against the catalogue's (``w_*``: one or more ``w_`` columns)."""
    problems, at = [], 0
    for column in listed:
        if column.name.endswith("*"):
            start, prefix = at, column.name[:-1]
            while at < len(names) and names[at].startswith(prefix):
                at += 1
            if at == start:
                problems.append(f"no {column.name} columns")
            continue
        if extras and column.name == "raw":  # malformed rows' text comes after any extra input column
            at = names.index("raw") if "raw" in names else at
        if at >= len(names) or names[at] != column.name:
            problems.append(f"expected {column.name!r} at {at}, found {names[at:at + 1]}")
            return problems
        # null: empty on every row; prospects' evidence, when no row has any, is NaN (float) today.
        empty = types[at] == "null" or (column.name == "evidence" and types[at] == "double")
        if not empty and types[at] not in _ARROW_KINDS[column.kind]:
            problems.append(f"{column.name}: {types[at]}, not {column.kind}")
        at += 1
    if at != len(names) and not extras:
        problems.append(f"unlisted columns {names[at:]}")
    return problems


def test_every_stage_file_has_the_columns_the_catalogue_lists(output: Path) -> None:
    import pyarrow.parquet as pq

    checked, problems = 0, {}
    for item in ARTIFACTS:
        if item.format != "parquet":
            continue
        for register in (REGISTERS if item.per_register else (None,)):
            path = output / item.relative(register)
            assert path.is_file(), f"{item.relative(register)}: listed in the catalogue, not written"
            schema = pq.read_schema(path)
            listed = register_columns(item, register) if register else item.columns
            assert listed is not None, item.name
            wrong = _matches(listed, schema.names, [str(t) for t in schema.types], extras=item.extra_columns)
            if wrong:
                problems[item.relative(register)] = wrong
            checked += 1
    assert checked > 30 and problems == {}


def test_every_file_under_stages_is_in_the_catalogue(output: Path) -> None:
    for path in sorted((output / "_stages").rglob("*")):
        if path.is_file():
            artifact(path.relative_to(output).as_posix())  # KeyError names a file nobody listed
