#!/usr/bin/env bash
# Make .venv: the pinned Poetry, the test tools (pytest, ruff, mypy) and this plugin
# (editable, with its requirements: isal).
# Idempotent; POETRY_VERSION (default 2.5.1) and PYTHON (default python3) choose.
set -euo pipefail
cd "$(dirname "$0")/.."
POETRY_VERSION=${POETRY_VERSION:-2.5.1}
PYTHON=${PYTHON:-python3}
stamp=".venv/.bootstrap-$POETRY_VERSION"
if [ ! -e "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ benchmarks/requirements.txt -nt "$stamp" ] \
  || [ scripts/bootstrap.sh -nt "$stamp" ]; then
  rm -rf .venv
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check "poetry==$POETRY_VERSION" "pip==26.3" "pytest>=8" "ruff>=0.6" "mypy>=1.11" \
    -r benchmarks/requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation -e .
  touch "$stamp"
fi
