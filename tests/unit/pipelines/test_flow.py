"""The flow: each stage reads only what the stages it waits for (or earlier ones) write."""

from __future__ import annotations

from pipelines.catalogue import ARTIFACTS
from pipelines.flow import FLOW, STAGE, upstream

# Read from outside the flow: the registers themselves are the input folder, not an artifact.
_FIRST = {"settings", "ingest"}


def _before(name: str) -> set[str]:
    """Every stage ``name`` waits for, directly or through others."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        for stage in upstream(STAGE[todo.pop()]):
            if stage.name not in seen:
                seen.add(stage.name)
                todo.append(stage.name)
    return seen


def test_every_input_is_written_by_a_stage_the_reader_waits_for() -> None:
    writer = {artifact: stage.name for stage in FLOW for artifact in stage.outputs}
    for stage in FLOW:
        for artifact in stage.inputs:
            assert artifact in writer, f"{stage.name} reads {artifact.name}, which no stage writes"
            assert writer[artifact] in _before(stage.name), f"{stage.name} reads {artifact.name} too early"


def test_each_artifact_is_written_by_one_stage_its_own() -> None:
    written = [artifact for stage in FLOW for artifact in stage.outputs]
    assert len(written) == len(set(written))
    for stage in FLOW:
        assert all(artifact.stage == stage.name for artifact in stage.outputs), stage.name


def test_every_artifact_but_the_nightly_extract_belongs_to_a_stage() -> None:
    written = {artifact for stage in FLOW for artifact in stage.outputs}
    assert {a.name for a in ARTIFACTS if a not in written} == {"{register}.csv"}  # extract: the DAG's


def test_the_order_runs_each_stage_after_those_it_waits_for() -> None:
    position = {stage.name: i for i, stage in enumerate(FLOW)}
    for stage in FLOW:
        assert all(position[before.name] < position[stage.name] for before in upstream(stage)), stage.name
        assert stage.name in _FIRST or upstream(stage), f"{stage.name} waits for nothing"
