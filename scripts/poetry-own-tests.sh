#!/usr/bin/env bash
# Run Poetry's own resolver tests with this plugin's MultiarchProvider installed.
#
#   bash scripts/poetry-own-tests.sh [WORK_DIR] [PYTEST_ARGS...]
#   (WORK_DIR may also come from the environment; a first argument starting with "-"
#   is a pytest argument)
#
# Downloads the Poetry sdist (POETRY_VERSION, default 2.5.1) into WORK_DIR (default
# ${TMPDIR:-/tmp}/multiarch-poetry-own-tests), builds a venv there once (that Poetry,
# its test group, this plugin editable) and runs the sdist's tests against the
# installed Poetry, with a pytest plugin that swaps in MultiarchProvider both in
# poetry.puzzle.solver (what Solver builds) and poetry.puzzle.provider (what
# tests/puzzle/test_provider.py and tests/mixology build directly).
#
# Env: POETRY_VERSION; PYTHON (default python3) for the venv; TEST_FILES (space
# separated, relative to the sdist).
# Exits with pytest's status.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POETRY_VERSION=${POETRY_VERSION:-2.5.1}
PYTHON=${PYTHON:-python3}
work=${WORK_DIR:-${TMPDIR:-/tmp}/multiarch-poetry-own-tests}
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  work=$1
  shift
fi
TEST_FILES=${TEST_FILES:-tests/puzzle/test_solver.py tests/puzzle/test_provider.py tests/installation/test_installer.py tests/packages/test_locker.py tests/mixology}

# Differ on purpose: the plugin's behaviour is the fix, Poetry's test pins the old one.
expected_different=(
  # #7722 itself: the plain darwin alternative gets demo from the index, not the URL
  # alternative's package (the test's own comment: "NEED NOT (but could) be included").
  "tests/puzzle/test_solver.py::test_solver_cannot_choose_url_dependency_for_explicit_source[False]"
)


mkdir -p "$work"
work=$(cd "$work" && pwd)
src="$work/poetry-$POETRY_VERSION"
venv="$work/venv-$POETRY_VERSION"

# 1. The sdist: Poetry's tests ship only there.
if [ ! -f "$src/pyproject.toml" ]; then
  rm -rf "$work/sdist-$POETRY_VERSION" "$src"
  "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    "poetry==$POETRY_VERSION" -d "$work/sdist-$POETRY_VERSION"
  mkdir -p "$src.tmp"
  tar -xzf "$work/sdist-$POETRY_VERSION/poetry-$POETRY_VERSION.tar.gz" -C "$src.tmp" \
    --strip-components=1
  mv "$src.tmp" "$src"
fi

# 2. The venv: that Poetry from the registry plus its test group (minus coverage and
# random ordering), built once.
if [ ! -e "$venv/.multiarch-ready" ]; then
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "poetry==$POETRY_VERSION"
  "$venv/bin/python" - "$src/pyproject.toml" >"$venv/test-requirements.txt" <<'EOF'
import sys

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from poetry.core.factory import Factory

data = tomllib.load(open(sys.argv[1], "rb"))
skip = {"coverage", "pytest-cov", "pytest-randomly"}
group = data.get("dependency-groups", {}).get("test")
if group is not None:  # PEP 735
    reqs = [r for r in group if isinstance(r, str)]
else:
    deps = data["tool"]["poetry"]["group"]["test"]["dependencies"]
    reqs = [Factory.create_dependency(n, s).to_pep_508() for n, s in deps.items()]
for req in reqs:
    if canonicalize_name(Requirement(req).name) not in skip:
        print(req)
EOF
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$venv/test-requirements.txt"
  touch "$venv/.multiarch-ready"
fi

# 3. This plugin, editable from the repo this script lives in.
installed=$("$venv/bin/python" -c 'import os, poetry_plugin_multiarch as m; print(os.path.dirname(m.__file__))' 2>/dev/null || true)
if [ "$installed" != "$repo/src/poetry_plugin_multiarch" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    --no-build-isolation -e "$repo"
fi

# 4. The pytest plugin that installs MultiarchProvider before any test module imports.
mkdir -p "$work/pytest-plugin"
cat >"$work/pytest-plugin/multiarch_own_tests.py" <<'EOF'
"""-p multiarch_own_tests: Poetry's tests with the plugin's MultiarchProvider."""

import os
import sys

import poetry.puzzle.provider as provider_module
import poetry.puzzle.solver as solver_module
import pytest

from poetry_plugin_multiarch.adapter.provider import MultiarchProvider, install_provider

install_provider()  # Solver() builds poetry.puzzle.solver.Provider
provider_module.Provider = MultiarchProvider  # `from poetry.puzzle.provider import Provider`


def pytest_report_header(config):
    return (
        f"multiarch: solver.Provider={solver_module.Provider.__qualname__},"
        f" provider.Provider={provider_module.Provider.__qualname__},"
        f" poetry from {os.path.dirname(os.path.dirname(solver_module.__file__))}"
    )


def pytest_collection_modifyitems(config, items):
    stock = MultiarchProvider.__mro__[1]
    for name, module in list(sys.modules.items()):
        provider = getattr(module, "Provider", None)
        if name.startswith("tests.") and isinstance(provider, type):
            if issubclass(provider, stock) and not issubclass(provider, MultiarchProvider):
                raise pytest.UsageError(f"{name}.Provider bypasses MultiarchProvider")
EOF

deselect=()
for t in "${expected_different[@]}"; do deselect+=(--deselect "$t"); done

cd "$src"
SECONDS=0
status=0
# shellcheck disable=SC2086  # TEST_FILES is a space-separated list
PYTHONPATH="$work/pytest-plugin" PYTHONDONTWRITEBYTECODE=1 \
  "$venv/bin/python" -m pytest -o addopts="" -p no:cacheprovider -p no:randomly \
  -p multiarch_own_tests -ra "${deselect[@]}" $TEST_FILES "$@" || status=$?
echo "poetry-own-tests: Poetry $POETRY_VERSION with MultiarchProvider: exit $status in ${SECONDS}s"
exit "$status"
