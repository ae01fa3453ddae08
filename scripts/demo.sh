#!/usr/bin/env bash
# The main job: the seed scenario of python-poetry/poetry#5205 against a local index.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python scripts/demo.py "$@"
