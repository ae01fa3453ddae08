#!/usr/bin/env bash
# Run Poetry's own resolver, locker, installer and command tests with this whole
# plugin active, as `poetry` runs it.
#
#   bash scripts/poetry-own-tests.sh [WORK_DIR] [PYTEST_ARGS...]
#   (WORK_DIR may also come from the environment; a first argument starting with "-"
#   is a pytest argument)
#
# Downloads the Poetry sdist (POETRY_VERSION, default 2.5.1) into WORK_DIR (default
# ${TMPDIR:-/tmp}/multiarch-poetry-own-tests), builds a venv there once (that Poetry,
# its test group, this plugin editable) and runs the sdist's tests against the
# installed Poetry, with a pytest plugin that, before any test module imports:
# - swaps in MultiarchProvider (poetry.puzzle.solver and poetry.puzzle.provider);
# - makes every Locker Poetry's tests build or subclass a MultiarchLocker, given the
#   pool of the Poetry object or installer it is used with;
# - makes every Installer strict (selection check and prefetch), except the ones
#   Poetry builds for itself (isolated builds, project plugins), as the COMMAND
#   listener does; the test app also loads this plugin's entry points;
# - lets prefetch work with Poetry's fakes: a plain Repository offers the locked
#   files (else one wheel) at foo.bar, like tests.helpers.DummyRepository, and for
#   the test executor (which installs nothing) a placeholder archive is stored and
#   passes the hash check as the locked file it stands for.
# Tests that differ on purpose are listed in expected_different below.
#
# Env: POETRY_VERSION; PYTHON (default python3) for the venv; TEST_FILES (space
# separated, relative to the sdist; missing ones skipped); MULTIARCH_ACTIVATION=stock
# runs the same tests without the plugin (not even its entry points), to compare;
# MULTIARCH_OUTCOMES=FILE writes "<test id> <outcome>" lines to FILE.
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
TEST_FILES=${TEST_FILES:-tests/puzzle/test_solver.py tests/puzzle/test_provider.py tests/installation/test_installer.py tests/packages/test_locker.py tests/mixology tests/console/commands/test_install.py tests/console/commands/test_add.py tests/console/commands/test_update.py tests/console/commands/test_remove.py tests/console/commands/test_lock.py tests/console/commands/test_sync.py}

# Differ on purpose with the full activation (ids exact; deselected, in that mode
# only): the plugin's behaviour is the fix, or Poetry's test relies on something the
# plugin does on purpose that the test's fixtures do not provide for.
expected_different=(
  # #7722 itself: the plain darwin alternative gets demo from the index, not the URL
  # alternative's package (the test's own comment: "NEED NOT (but could) be included").
  "tests/puzzle/test_solver.py::test_solver_cannot_choose_url_dependency_for_explicit_source[False]"
  # The locker records each index artifact's URL in `files`: the test pins its absence.
  "tests/packages/test_locker.py::test_locker_does_not_dump_file_urls"
  # The lock written after install has `url` keys in `files` (the PyPI pool knows them).
  "tests/installation/test_installer.py::test_installer_with_pypi_repository[False]"
  "tests/installation/test_installer.py::test_installer_with_pypi_repository[True]"
  # Prefetch chooses every archive before installing: the lock names a source the
  # test's pool lacks ("Repository ... does not exist"), as a real Executor would
  # find when downloading; the test's executor never downloads.
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_local_version_by_source[False-linux-2.0]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_local_version_by_source[False-linux-2.1]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_local_version_by_source[True-linux-2.0]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_local_version_by_source[True-linux-2.1]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_same_version_by_source[False-aarch64-2.0]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_same_version_by_source[False-aarch64-2.1]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_same_version_by_source[True-aarch64-2.0]"
  "tests/installation/test_installer.py::test_installer_distinguishes_locked_packages_with_same_version_by_source[True-aarch64-2.1]"
  # Prefetch asks the test's source for cachy's archive links; the test mocks only its
  # metadata, so the (unreachable) index is asked, as a real Executor would.
  "tests/console/commands/test_add.py::test_add_constraint_with_source"
  # The test's lock data holds packaging Version objects as `version` (TOML has
  # strings): the up-front lock check refuses a `version` that is no string.
  "tests/installation/test_installer.py::test_run_install_with_synchronization[False-managed_reserved_package_names0-1.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[False-managed_reserved_package_names0-2.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[False-managed_reserved_package_names1-1.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[False-managed_reserved_package_names1-2.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[True-managed_reserved_package_names0-1.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[True-managed_reserved_package_names0-2.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[True-managed_reserved_package_names1-1.1]"
  "tests/installation/test_installer.py::test_run_install_with_synchronization[True-managed_reserved_package_names1-2.1]"
)
if [[ $POETRY_VERSION == 2.0.* ]]; then
  # The strict installer never re-resolves; Poetry 2.0's install from the lock's
  # markers (installer.re-resolve = false, stock too) installs a package just added to
  # an extra that was not asked for: "2 installs", not "No dependencies to install".
  expected_different+=(
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[None-expected_extras0-True]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[None-expected_extras0-False]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[existing_extras1-expected_extras1-True]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[existing_extras1-expected_extras1-False]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[existing_extras2-expected_extras2-True]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[existing_extras2-expected_extras2-False]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[existing_extras3-expected_extras3-True]"
    "tests/console/commands/test_add.py::test_add_constraint_with_optional[existing_extras3-expected_extras3-False]"
  )
fi

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
if [ ! -e "$venv/.multiarch-ready-2" ]; then
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
  # tomlkit 0.15.3 dropped the private Container._insert_after that Poetry's
  # test_remove_canonicalized_named_removes_dependency_correctly calls (stock fails too)
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "tomlkit<0.15.3"
  touch "$venv/.multiarch-ready-2"
fi

# 3. This plugin, editable from the repo this script lives in.
installed=$("$venv/bin/python" -c 'import os, poetry_plugin_multiarch as m; print(os.path.dirname(m.__file__))' 2>/dev/null || true)
if [ "$installed" != "$repo/src/poetry_plugin_multiarch" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    --no-build-isolation -e "$repo"
fi

# 4. The pytest plugin that activates this plugin before any test module imports.
mkdir -p "$work/pytest-plugin"
cat >"$work/pytest-plugin/multiarch_own_tests.py" <<'EOF'
"""-p multiarch_own_tests: Poetry's tests with the whole plugin active, as in real use.

MULTIARCH_ACTIVATION=full (default): MultiarchProvider, a MultiarchLocker wherever
Poetry's tests build or subclass a Locker, every Installer made strict (selection
check and prefetch included), and the plugin's entry points loaded by the test app.
MULTIARCH_ACTIVATION=stock: none of it (not even the entry points), for comparison.
MULTIARCH_OUTCOMES=FILE: write "<test id> <passed|failed|skipped>" lines to FILE.
"""

import os
import sys
from pathlib import Path

import poetry.factory as factory_module
import poetry.packages as packages_module
import poetry.packages.locker as locker_module
import poetry.puzzle.provider as provider_module
import poetry.puzzle.solver as solver_module
import pytest
from poetry.core.packages.utils.link import Link
from poetry.installation.executor import Executor
from poetry.installation.installer import Installer
from poetry.plugins.plugin_manager import PluginManager
from poetry.poetry import Poetry
from poetry.repositories import Repository, RepositoryPool
from poetry.utils.env import MockEnv

from poetry_plugin_multiarch.adapter import artifacts
from poetry_plugin_multiarch.adapter import installer as installer_module
from poetry_plugin_multiarch.adapter.installer import make_strict
from poetry_plugin_multiarch.adapter.locker import MultiarchLocker
from poetry_plugin_multiarch.adapter.provider import MultiarchProvider, install_provider
from poetry_plugin_multiarch.config import MultiarchConfig

ACTIVATION = os.environ.get("MULTIARCH_ACTIVATION", "full")
if ACTIVATION not in ("full", "stock"):
    raise SystemExit(f"MULTIARCH_ACTIVATION={ACTIVATION!r}: full or stock")


class OwnTestsLocker(MultiarchLocker):
    """A MultiarchLocker with the stock constructor, which Poetry's tests call and
    subclass (some subclasses skip it: hence the class defaults). Its pool is the
    one of the Poetry object or installer it is given to, as the plugin does."""

    _pool = RepositoryPool()
    _config = MultiarchConfig()
    _direct = frozenset()
    _io = None
    _checked = None  # MultiarchLocker.checked_lock_data's (branch install-order)

    def __init__(self, lock, pyproject_data, pool=None, **kwargs):
        super().__init__(lock, pyproject_data, RepositoryPool() if pool is None else pool, **kwargs)


_PLACEHOLDER = b"placeholder for "


#: set while prefetch runs for Poetry's test executor (tests run one at a time)
_for_test_executor = False


def _placeholder_download(download):
    """Poetry's test executor installs nothing and its tests serve no archives:
    prefetch stores a placeholder archive for it. A real Executor downloads as in
    use (the tests mock its HTTP)."""

    def placeholder_download(session, url, dest, **kwargs):
        if not _for_test_executor:
            return download(session, url, dest, **kwargs)
        Path(dest).write_bytes(_PLACEHOLDER + url.encode())
        return None

    return placeholder_download


def _placeholder_files(prefetch):
    """The tests' fake repositories give packages no files, so no hashes: for the
    test executor (which installs nothing) prefetch sees one placeholder file per
    such package, with a hash, and the package keeps its files as they were (the
    lock written afterwards is the test's). A real Executor sees the package as it is:
    refused, as in use."""

    def prefetch_artifacts(executor, operations, io, sink=None):
        global _for_test_executor
        fake = type(executor)._execute_install is not Executor._execute_install
        saved = []
        if fake:
            for op in operations:
                package = op.package
                if package.files or package.source_type not in (None, "legacy", "url"):
                    continue
                if package.source_type == "url":
                    name = Link(package.source_url).filename
                else:
                    stem = package.name.replace("-", "_")
                    name = f"{stem}-{package.version.to_string()}-py2.py3-none-any.whl"
                saved.append((package, package.files))
                package.files = [{"file": name, "hash": "sha256:" + "0" * 64}]
        _for_test_executor = fake
        try:
            return prefetch(executor, operations, io, sink)
        finally:
            _for_test_executor = False
            for package, files in saved:
                package.files = files

    return prefetch_artifacts


def _placeholder_size(size_mismatch):
    """A placeholder has no size to check either."""

    def checked_size(archive, package):
        with open(archive, "rb") as f:
            if f.read(len(_PLACEHOLDER)) == _PLACEHOLDER:
                return None
        return size_mismatch(archive, package)

    return checked_size


def _validate_placeholder(validate):
    """A placeholder has no content to hash: it passes as the locked file it stands
    for; a file the lock does not list still fails as in Poetry."""

    def validate_archive_hash(archive, package):
        with open(archive, "rb") as f:
            placeholder = f.read(len(_PLACEHOLDER)) == _PLACEHOLDER
        known = sorted(f["hash"] for f in package.files if f["file"] == archive.name)
        if placeholder and known:
            return known[0]
        return validate(archive, package)

    return staticmethod(validate_archive_hash)


def _fake_links(self, package):
    """Links for the tests' plain Repository (stock: none, as it never serves a
    download): the locked files with their hashes, else one wheel, like
    tests.helpers.DummyRepository."""
    if package.files:
        return [
            Link(f"https://foo.bar/files/{f['file']}#{f['hash'].replace(':', '=', 1)}")
            for f in package.files
        ]
    name = package.name.replace("-", "_")
    return [
        Link(f"https://foo.bar/files/{name}-{package.version.to_string()}-py2.py3-none-any.whl")
    ]


def _locked_files_first(find_links_for_package):
    """tests.helpers.DummyRepository (TestRepository in 2.0) offers one wheel without
    a hash: for a locked package the chooser (which the test executor never runs)
    would refuse it."""

    def find_links(self, package):
        if package.files:
            return _fake_links(self, package)
        return find_links_for_package(self, package)

    return find_links


_POETRY_INTERNAL = ("poetry.utils.isolated_build", "poetry.plugins.plugin_manager")


def _not_for_mock_envs(use_venv_platform_tags):
    """A MockEnv runs no interpreter (every script prints ""): its tags are the
    test's, whatever platform_machine it claims (2.0 - 2.1.2 only)."""

    def use_tags(env, io):
        if not isinstance(env, MockEnv):
            use_venv_platform_tags(env, io)

    return use_tags


def _give_pool(locker, pool):
    if isinstance(locker, MultiarchLocker):
        locker._pool = pool


def _activate():
    install_provider()  # Solver() builds poetry.puzzle.solver.Provider
    provider_module.Provider = MultiarchProvider  # `from poetry.puzzle.provider import Provider`
    for module in (locker_module, packages_module, factory_module):
        module.Locker = OwnTestsLocker

    set_locker, set_pool = Poetry.set_locker, Poetry.set_pool

    def poetry_set_locker(self, locker):
        _give_pool(locker, self._pool)
        return set_locker(self, locker)

    def poetry_set_pool(self, pool):
        _give_pool(self._locker, pool)
        return set_pool(self, pool)

    Poetry.set_locker, Poetry.set_pool = poetry_set_locker, poetry_set_pool

    init = Installer.__init__

    def installer_init(self, io, env, package, locker, pool, *args, **kwargs):
        init(self, io, env, package, locker, pool, *args, **kwargs)
        if isinstance(locker, MultiarchLocker) and "_pool" not in vars(locker):
            _give_pool(locker, pool)
        # Poetry's own installers (build requirements, project plugins) stay stock,
        # as in real use, where only the command's installer is made strict.
        if sys._getframe(1).f_globals.get("__name__") not in _POETRY_INTERNAL:
            make_strict(self, io)

    Installer.__init__ = installer_init
    installer_module.use_venv_platform_tags = _not_for_mock_envs(
        installer_module.use_venv_platform_tags
    )
    artifacts.download_within = _placeholder_download(artifacts.download_within)
    installer_module.prefetch_artifacts = _placeholder_files(installer_module.prefetch_artifacts)
    artifacts._size_mismatch = _placeholder_size(artifacts._size_mismatch)
    Executor._validate_archive_hash = _validate_placeholder(Executor._validate_archive_hash)
    Repository.find_links_for_package = _fake_links


def _without_this_plugin(get_entry_points):
    def entry_points(self):
        found = get_entry_points(self)
        return [ep for ep in found if not ep.value.startswith("poetry_plugin_multiarch")]

    return entry_points


if ACTIVATION == "full":
    _activate()
else:
    PluginManager.get_plugin_entry_points = _without_this_plugin(
        PluginManager.get_plugin_entry_points
    )


def pytest_configure(config):
    helpers = sys.modules.get("tests.helpers")  # imported by Poetry's conftest
    if ACTIVATION != "full" or helpers is None:
        return
    for name in ("DummyRepository", "TestRepository"):  # 2.5, 2.0
        dummy = getattr(helpers, name, None)
        if dummy is not None:
            dummy.find_links_for_package = _locked_files_first(dummy.find_links_for_package)


def pytest_report_header(config):
    return (
        f"multiarch: {ACTIVATION}: solver.Provider={solver_module.Provider.__qualname__},"
        f" Locker={locker_module.Locker.__qualname__},"
        f" poetry from {os.path.dirname(os.path.dirname(solver_module.__file__))}"
    )


def pytest_collection_modifyitems(config, items):
    if ACTIVATION != "full":
        return
    # exact ids: --deselect would also drop every test whose id starts with one
    expected = set(os.environ.get("MULTIARCH_EXPECTED_DIFFERENT", "").splitlines())
    deselected = [item for item in items if item.nodeid in expected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.nodeid not in expected]
    for name, module in list(sys.modules.items()):
        if not name.startswith("tests."):
            continue
        for attr, stock, ours in (
            ("Provider", MultiarchProvider.__mro__[1], MultiarchProvider),
            ("Locker", MultiarchLocker.__mro__[1], MultiarchLocker),
        ):
            found = getattr(module, attr, None)
            if isinstance(found, type) and issubclass(found, stock) and not issubclass(found, ours):
                raise pytest.UsageError(f"{name}.{attr} bypasses {ours.__name__}")


_outcomes = {}


def pytest_runtest_logreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.when == "call" or report.skipped:
        _outcomes.setdefault(report.nodeid, report.outcome)


def pytest_sessionfinish(session):
    path = os.environ.get("MULTIARCH_OUTCOMES")
    if path:
        with open(path, "w") as f:
            f.writelines(f"{test} {outcome}\n" for test, outcome in sorted(_outcomes.items()))
EOF

MULTIARCH_EXPECTED_DIFFERENT=$(printf '%s\n' "${expected_different[@]}")
export MULTIARCH_EXPECTED_DIFFERENT

cd "$src"
files=()
for f in $TEST_FILES; do  # not every file exists in every release
  if [ -e "$f" ]; then files+=("$f"); fi
done
SECONDS=0
status=0
PYTHONPATH="$work/pytest-plugin" PYTHONDONTWRITEBYTECODE=1 \
  "$venv/bin/python" -m pytest -o addopts="" -p no:cacheprovider -p no:randomly \
  -p multiarch_own_tests -ra "${files[@]}" "$@" || status=$?
echo "poetry-own-tests: Poetry $POETRY_VERSION, activation ${MULTIARCH_ACTIVATION:-full}: exit $status in ${SECONDS}s"
exit "$status"
