"""docs/architecture.md carries the flow and the catalogue as the code has them."""

from __future__ import annotations

from pipelines.architecture_doc import DOC, render


def test_the_generated_sections_are_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m pipelines.architecture_doc"
