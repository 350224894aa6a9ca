"""Test-wide settings: property tests are seeded and have no per-example deadline (CI machines
are shared; a slow example is not a wrong one); a required tool missing fails the test in CI
(tests/support/required.py)."""

import os

import pytest
from hypothesis import settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
settings.register_profile("covgap", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("covgap")


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("covgap_requires"):
        if mark.args and mark.args[0]:
            pytest.fail(f"COVGAP_REQUIRE_ALL=1 but {mark.args[0]}", pytrace=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with slow tests first (the order within a file kept): with one worker per core
    (pytest-xdist, one file per worker) the long Airflow runs start at once, in parallel, instead
    of last on one worker."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
