#!/usr/bin/env bash
# Set up, then run covgap on the bundled sample data into ./out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GX_ANALYTICS_ENABLED=false
.venv/bin/covgap run --input sample_data/small --output out --as-of 2026-07-01 "$@"
