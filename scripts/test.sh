#!/usr/bin/env bash
# Set up, then run the whole test suite: ruff (lint, line length), mypy (strict on matching/),
# pytest (unit, doctests, golden, end-to-end, DAG, import graph), on every core.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GX_ANALYTICS_ENABLED=false
.venv/bin/python -m ruff check contract pipelines matching expectations sample_data dags tests benchmarks
.venv/bin/python -m mypy
# One pytest worker per core; a test file stays on one worker (its module fixtures are built once).
# COVGAP_TEST_WORKERS=0 runs in this process (to debug with pdb).
.venv/bin/python -m pytest -n "${COVGAP_TEST_WORKERS:-auto}" --dist loadfile "$@"
