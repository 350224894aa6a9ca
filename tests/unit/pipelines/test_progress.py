"""Progress lines: timed plain lines off a terminal, a redrawn bar on one; a failure says so."""

from __future__ import annotations

import io
import logging
import re

import pytest

from pipelines.progress import Progress, quiet_third_party


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(["ingest", "validate"], out)
    with progress.stage("ingest"):
        pass
    with pytest.raises(ValueError), progress.stage("validate"):
        raise ValueError("bad register")
    lines = out.getvalue().splitlines()
    assert [re.sub(r"^\d\d:\d\d:\d\d ", "", x) for x in lines][:3] == [
        "covgap [1/2] ingest ...", "covgap [1/2] ingest done in 0.0 s", "covgap [2/2] validate ..."]
    assert lines[3].endswith("covgap [2/2] validate FAILED in 0.0 s")
    assert "\r" not in out.getvalue() and "\033" not in out.getvalue()


def test_a_bar_on_a_terminal() -> None:
    out = io.StringIO()
    progress = Progress(["settings", "ingest", "link"], out, bar=True)
    with progress.stage("link"):
        pass
    progress.finish()
    text = out.getvalue()
    assert "covgap [████████████████░░░░░░░░] 3/3 link 0:00" in text
    assert text.endswith("[3/3] link done in 0.0 s\ncovgap: all 3 stages done in 0:00\n")


def test_third_party_info_lines_are_kept_quiet() -> None:
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.INFO)  # as GX does
    ours = logging.getLogger("pipelines.run").getEffectiveLevel()  # whatever earlier tests left it at
    quiet_third_party()
    assert not logging.getLogger("great_expectations.data_context.types.base").isEnabledFor(logging.INFO)
    assert not logging.getLogger("great_expectations._docs_decorators").isEnabledFor(logging.INFO)
    assert logging.getLogger("pipelines.run").getEffectiveLevel() == ours  # our own loggers are left alone
