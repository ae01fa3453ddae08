from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.index import IndexServer
from tests.harness.poetry import (
    PoetryInstall,
    build_plugin_wheel,
    install_plugin,
    prepare_poetry,
)

#: Poetry version the e2e tests drive; override with MULTIARCH_TEST_POETRY=2.0.1.
POETRY_VERSION = os.environ.get("MULTIARCH_TEST_POETRY", "2.5.1")


@pytest.fixture(scope="session")
def poetry(tmp_path_factory: pytest.TempPathFactory) -> PoetryInstall:
    """The pinned Poetry with this checkout's plugin installed into it."""
    install = prepare_poetry(
        POETRY_VERSION, os.environ.get("MULTIARCH_TEST_PYTHON", sys.executable)
    )
    wheel = build_plugin_wheel(install, tmp_path_factory.mktemp("plugin-wheel"))
    install_plugin(install, wheel)
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
