"""Every archive `poetry install` fetches is checked against a hash the lock records
(and its size, when recorded), before the environment changes; a stock lock of an
index whose links carry no hashes still installs."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from tests.harness.checks import installed_artifact
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall
from tests.harness.project import read_lock, write_project
from tests.harness.scenarios import X86, publish_seed

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]

JAXLIB_X86 = f"jaxlib-0.1.71-{X86}.whl"


@pytest.fixture
def bare_index(tmp_path: Path):
    """An index whose links carry no ``#sha256=`` fragment."""
    server = IndexServer(tmp_path / "bare-index", hashes=False).start()
    try:
        yield server
    finally:
        server.stop()


def edit_files(project: Path, name: str, change) -> None:
    """Apply *change* to the ``files`` array of the lock's *name* entry, by hand."""
    path = project / "poetry.lock"
    lock = tomlkit.parse(path.read_text())
    (entry,) = [p for p in lock["package"] if p["name"] == name]
    change(entry)
    path.write_text(tomlkit.dumps(lock))


def cold_home(tmp_path: Path) -> Path:
    """A Poetry home with an empty artifact cache."""
    path = tmp_path / "cold-home"
    path.mkdir()
    return path


def cached(home: Path, filename: str) -> list[Path]:
    return list((home / "cache").rglob(filename))


def test_stock_lock_of_an_index_without_hashes_installs(
    poetry: PoetryInstall, bare_index, home, tmp_path
) -> None:
    """Stock Poetry computes the hashes of bare links itself when it locks: the lock
    has hashes (no URLs); the install reads the index page and checks them."""
    seed = publish_seed(bare_index, tmp_path)
    project = write_project(tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url})
    stock = poetry.run("lock", cwd=project, home=home, plugins=False)
    assert stock.returncode == 0, stock.stdout + stock.stderr
    files = [f for p in read_lock(project)["package"] for f in p["files"]]
    assert files and all(f["hash"].startswith("sha256:") and "url" not in f for f in files)

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_artifact(project, "jaxlib") == JAXLIB_X86
    assert installed_artifact(project, "jax") == "jax-0.2.20-py3-none-any.whl"
