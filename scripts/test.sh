#!/usr/bin/env bash
# Set up, then run the whole test suite (unit, doctests, end-to-end, DAG).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GX_ANALYTICS_ENABLED=false
.venv/bin/python -m ruff check pipelines matching expectations sample_data dags tests benchmarks
.venv/bin/python -m pytest "$@"
