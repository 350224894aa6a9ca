"""Regression on a small hard-noise world from ``sample_data.generator`` (truth files beside it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.linkage_quality import load_world, scores
from matching.linkage import link_organisations, link_persons
from sample_data.generator import main as generator_main


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out: Path = tmp_path_factory.mktemp("world")
    generator_main(["--persons", "5000", "--seed", "11", "--noise", "hard", "--as-of", "2026-07-01",
                    "--out", str(out)])
    return load_world(out)


def test_person_links_on_a_hard_world(world: dict) -> None:
    result = link_persons(world["records"], world["population"])
    quality = scores(result.links, world["truth"], ["record_key", "person_id"])
    assert quality["precision"] >= 0.998, quality
    assert quality["recall"] >= 0.99, quality
    assert result.links["record_key"].is_unique


def test_unit_links_on_a_hard_world(world: dict) -> None:
    result = link_organisations(world["tables"]["employers"], world["tables"]["organisations"])
    quality = scores(result.links, world["unit_truth"], ["unit_code", "tax_code"])
    assert quality["precision"] >= 0.99 and quality["recall"] >= 0.97, quality
