from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness.index import IndexServer
from tests.harness.machines import Interpreter, find_interpreter, host_machine
from tests.harness.poetry import (
    PoetryInstall,
    build_plugin_wheel,
    install_plugin,
    prepare_poetry,
)

#: Poetry version the e2e tests drive; override with MULTIARCH_TEST_POETRY=2.0.1.
POETRY_VERSION = os.environ.get("MULTIARCH_TEST_POETRY", "2.5.1")
#: Machines whose tests must run here (CI: "aarch64"): a missing interpreter fails them.
REQUIRED_MACHINES = os.environ.get("MULTIARCH_REQUIRE_MACHINES", "").split(",")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    host = host_machine()
    if host == "x86_64":
        return
    skip = pytest.mark.skip(
        reason=f"asserts what an x86_64 host installs; this host is {host}"
        " (tests/e2e/test_aarch64.py covers installs on aarch64)"
    )
    for item in items:
        if "x86_64_host" in item.keywords:
            item.add_marker(skip)


def _poetry_venv() -> PoetryInstall:
    return prepare_poetry(POETRY_VERSION, os.environ.get("MULTIARCH_TEST_PYTHON", sys.executable))


@pytest.fixture(scope="session")
def plugin_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's plugin, built once per session."""
    return build_plugin_wheel(_poetry_venv(), tmp_path_factory.mktemp("plugin-wheel"))


@pytest.fixture(scope="session")
def poetry(plugin_wheel: Path) -> PoetryInstall:
    """The pinned Poetry with this checkout's plugin installed into it."""
    install = _poetry_venv()
    install_plugin(install, plugin_wheel)
    return install


@pytest.fixture
def index(tmp_path: Path) -> Iterator[IndexServer]:
    """A fresh PEP 503 server on 127.0.0.1 for this test."""
    server = IndexServer(tmp_path / "index").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Private POETRY_CONFIG_DIR / CACHE_DIR / DATA_DIR for this test's runs."""
    path = tmp_path / "poetry-home"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def interpreter_of() -> Callable[[str], Interpreter]:
    """``interpreter_of("aarch64")``: a real CPython of that machine, or the test skips
    saying why (fails instead for machines in MULTIARCH_REQUIRE_MACHINES)."""
    found: dict[str, Interpreter | str] = {}

    def get(machine: str) -> Interpreter:
        if machine not in found:
            found[machine] = find_interpreter(machine)
        result = found[machine]
        if isinstance(result, str):
            if machine in REQUIRED_MACHINES:
                pytest.fail(f"{machine} tests must run here (MULTIARCH_REQUIRE_MACHINES): {result}")
            pytest.skip(result)
        return result

    return get
