"""Tools a check needs (Chromium, PostgreSQL, Airflow, the committed sample): missing on a
developer's machine, the check is skipped with the reason; missing where ``COVGAP_REQUIRE_ALL=1``
(set by ``.ci/run``), the check fails, so CI never passes by skipping what it must run.
"""

from __future__ import annotations

import os

import pytest

__all__ = ["REQUIRE_ALL", "missing", "requires"]

REQUIRE_ALL = os.environ.get("COVGAP_REQUIRE_ALL") == "1"


def missing(reason: str) -> None:
    """Inside a test or fixture: the tool is not there (skip, or fail where everything is required)."""
    if REQUIRE_ALL:
        pytest.fail(f"COVGAP_REQUIRE_ALL=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def requires(available: bool, reason: str) -> pytest.MarkDecorator:
    """A mark for tests that need a tool: nothing when it is there; else skip, or (REQUIRE_ALL) fail
    at setup (see ``pytest_runtest_setup`` in tests/conftest.py)."""
    if available:
        return pytest.mark.covgap_requires(None)
    return pytest.mark.covgap_requires(reason) if REQUIRE_ALL else pytest.mark.skip(reason=reason)
