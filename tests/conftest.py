"""Test-wide settings: property tests are seeded and have no per-example deadline (CI machines
are shared; a slow example is not a wrong one)."""

import os

from hypothesis import settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
settings.register_profile("covgap", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("covgap")
