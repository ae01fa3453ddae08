#!/usr/bin/env bash
# The test command: lint, type check (mypy on src/), unit, adapter and end-to-end
# tests (real poetry against a loopback index). MULTIARCH_TEST_POETRY picks the Poetry
# the e2e tests drive.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check src tests scripts benchmarks
.venv/bin/ruff format --check src tests scripts benchmarks
.venv/bin/mypy  # src/, configured in pyproject.toml
exec .venv/bin/python -m pytest --doctest-modules src tests "$@"
