#!/usr/bin/env bash
# Create .venv with Python 3.12 and install covgap with Airflow and the test tools.
# Idempotent: reinstalls only when pyproject.toml changed since the last setup.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local version
    version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | tail -n 1 || true)
    if [ -n "$version" ]; then PYENV_VERSION="$version" pyenv which python3.12; return; fi
  fi
  for candidate in python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
      command -v "$candidate"; return
    fi
  done
  echo "covgap needs Python 3.12 (set PYTHON=/path/to/python3.12)" >&2
  exit 1
}

stamp=.venv/.covgap-installed
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
python=$(find_python)
echo "setting up .venv with $("$python" --version)" >&2
"$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[airflow,test]"
echo "$wanted" > "$stamp"
