"""Every archive `poetry install` fetches is checked against a hash the lock records
(and its size, when recorded), before the environment changes; a stock lock of an
index whose links carry no hashes still installs."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomlkit

from tests.harness.checks import installed_artifact, ok, venv_files
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall
from tests.harness.project import read_lock, write_project
from tests.harness.scenarios import X86, publish_seed
from tests.harness.wheels import build_wheel

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


def _no_files(entry) -> None:
    entry["files"] = tomlkit.array()


def _drop_files(entry) -> None:
    del entry["files"]


@pytest.mark.parametrize(
    ("kind", "change"),
    [("index", _no_files), ("url", _no_files), ("url", _drop_files)],
    ids=["index-files-empty", "url-files-empty", "url-without-files"],
)
def test_archive_without_a_locked_hash_is_refused(
    poetry: PoetryInstall, index, home, tmp_path, kind, change
) -> None:
    seed = publish_seed(index, tmp_path)
    if kind == "index":
        deps, name, label = 'jax = "0.2.20"', "jaxlib", "jaxlib 0.1.71 (source main)"
    else:
        hosted = index.host(build_wheel(tmp_path / "hosted", "six", "1.16.0"))
        url = index.file_url(hosted.name)
        deps, name, label = f'six = {{ url = "{url}" }}', "six", f"six 1.16.0 (url {url})"
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    edit_files(project, name, change)
    before = venv_files(project)
    index.clear_log()

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path))

    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "poetry.lock records no hash for an archive this install needs, so it cannot be"
        " checked; nothing was installed, updated or removed:\n"
        f"  {label}: `files` is empty\n"
    ) in result.stderr
    assert "Re-lock to record the hashes: run `poetry lock --regenerate`" in result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(project) == before
    assert not any(path.startswith("/files/") for path in index.paths())


@pytest.mark.parametrize("recorded", ["right", "wrong"])
def test_recorded_size_is_checked(poetry: PoetryInstall, index, home, tmp_path, recorded) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    size = (index.files / JAXLIB_X86).stat().st_size
    locked = size if recorded == "right" else size + 7

    def set_size(entry) -> None:
        (file,) = [f for f in entry["files"] if f["file"] == JAXLIB_X86]
        file["size"] = locked

    edit_files(project, "jaxlib", set_size)
    before = venv_files(project)
    cold = cold_home(tmp_path)

    result = poetry.run("install", cwd=project, home=cold)

    if recorded == "right":
        assert result.returncode == 0, result.stdout + result.stderr
        assert installed_artifact(project, "jaxlib") == JAXLIB_X86
        return
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "Could not fetch every locked artifact; nothing was installed, updated or removed:\n"
        f"  jaxlib 0.1.71: {index.file_url(JAXLIB_X86)}: size mismatch: got {size} bytes,"
        f" poetry.lock has {locked} bytes"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(project) == before
    assert cached(cold, JAXLIB_X86) == []
