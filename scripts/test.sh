#!/usr/bin/env bash
# Set up, then run the whole test suite: ruff (lint, line length), mypy (strict on matching/),
# pytest (unit, doctests, golden, end-to-end, DAG, import graph).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GX_ANALYTICS_ENABLED=false
.venv/bin/python -m ruff check contract pipelines matching expectations sample_data dags tests benchmarks
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
