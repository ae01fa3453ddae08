"""A malformed poetry.lock gets one error naming package, field and value, before
anything is fetched or installed (issue 14, point 4)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tomlkit

from tests.harness.checks import ok, venv_files
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall, make_venv
from tests.harness.project import targets, write_project
from tests.harness.scenarios import publish_seed, seed_dependencies

pytestmark = [pytest.mark.e2e]

JAX_WHEEL = "jax-0.2.20-py3-none-any.whl"


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    """One index for the module: every case breaks a copy of the same lock."""
    server = IndexServer(tmp_path_factory.mktemp("index")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def locked_project(
    poetry: PoetryInstall, seed_index: IndexServer, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    work = tmp_path_factory.mktemp("locked")
    seed = publish_seed(seed_index, work)
    project = write_project(work / "project", seed_dependencies(seed), {"main": seed.index_url})
    home = work / "home"
    home.mkdir()
    ok(poetry, project, home, "lock")
    shutil.rmtree(project / ".venv", ignore_errors=True)
    return project


def entry(lock: dict, name: str) -> dict:
    return next(p for p in lock["package"] if p["name"] == name)


def jax_file(lock: dict) -> dict:
    return entry(lock, "jax")["files"][0]


def drop_files(lock: dict) -> None:
    del entry(lock, "jax")["files"]


def bad_marker(lock: dict) -> None:
    entry(lock, "jaxlib")["markers"] = "platform_machine === "


def file_url(lock: dict) -> None:
    jax_file(lock)["url"] = f"file:///{JAX_WHEEL}"


def encoded_slash(lock: dict) -> None:
    jax_file(lock)["file"] = f"..%2F{JAX_WHEEL}"


def traversal(lock: dict) -> None:
    jax_file(lock)["file"] = f"../../{JAX_WHEEL}"


def bad_hash(lock: dict) -> None:
    jax_file(lock)["hash"] = "0123abcd"


JAX = "jax 0.2.20 ([[package]] #1)"
PLAIN = "must be a plain file name (no '/', '\\', '..' or percent-encoding)"
CASES: dict[str, tuple[Callable[[dict], None], str]] = {
    "no-files": (
        drop_files,
        f"- {JAX}: files: missing (the archives and their hashes); a package from an index"
        " or a file needs it",
    ),
    "bad-marker": (
        bad_marker,
        "- jaxlib 0.1.71 ([[package]] #2): markers: 'platform_machine === ' is not a PEP 508"
        " marker (",
    ),
    "file-url": (
        file_url,
        f"- {JAX}: files[0].url: 'file:///{JAX_WHEEL}' is not an http(s) URL (the plugin"
        " downloads locked archives over HTTP(S) only)",
    ),
    "encoded-slash": (encoded_slash, f"- {JAX}: files[0].file: '..%2F{JAX_WHEEL}' {PLAIN}"),
    "traversal": (traversal, f"- {JAX}: files[0].file: '../../{JAX_WHEEL}' {PLAIN}"),
    "bad-hash": (
        bad_hash,
        f"- {JAX}: files[0].hash: '0123abcd' is not of the form \"algorithm:hex digest\"",
    ),
}


def broken_copy(project: Path, work: Path, text: str) -> Path:
    copy = work / "project"
    copy.mkdir()
    shutil.copy(project / "pyproject.toml", copy)
    (copy / "poetry.lock").write_text(text)
    make_venv(copy / ".venv")
    return copy


@pytest.mark.parametrize("case", list(CASES))
def test_bad_lock_fails_install_naming_package_field_and_value(
    poetry: PoetryInstall, seed_index: IndexServer, locked_project: Path, home, tmp_path, case
) -> None:
    breaks, problem = CASES[case]
    lock = tomlkit.parse((locked_project / "poetry.lock").read_text())
    breaks(lock)
    project = broken_copy(locked_project, tmp_path, tomlkit.dumps(lock))
    before = venv_files(project)
    seed_index.clear_log()

    result = poetry.run("install", cwd=project, home=home, timeout=60)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "poetry.lock cannot be used, 1 problem:\n" + problem in result.stderr
    assert "Write the lock anew with `poetry lock --regenerate`" in result.stderr
    assert "Traceback" not in result.stderr
    assert seed_index.paths() == []
    assert venv_files(project) == before


def test_invalid_toml_names_the_lock_file_and_position(
    poetry: PoetryInstall, seed_index: IndexServer, locked_project: Path, home, tmp_path
) -> None:
    text = (locked_project / "poetry.lock").read_text()
    project = broken_copy(locked_project, tmp_path, text.replace("[[package]]", "[[package]", 1))
    line = text[: text.index("[[package]]")].count("\n") + 1
    seed_index.clear_log()

    result = poetry.run("install", cwd=project, home=home, timeout=60)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{project / 'poetry.lock'} is not valid TOML: " in result.stderr
    assert f"(at line {line}, column 10)." in result.stderr
    assert "Traceback" not in result.stderr
    assert seed_index.paths() == []


def test_multiarch_check_and_show_report_the_bad_lock(
    poetry: PoetryInstall, seed_index: IndexServer, locked_project: Path, home, tmp_path
) -> None:
    lock = tomlkit.parse((locked_project / "poetry.lock").read_text())
    file_url(lock)
    project = broken_copy(locked_project, tmp_path, tomlkit.dumps(lock))
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(targets("linux-x86_64", "linux-aarch64"))  # `check` needs targets
    _breaks, problem = CASES["file-url"]

    check = poetry.run("multiarch", "check", cwd=project, home=home)
    show = poetry.run("multiarch", "show", cwd=project, home=home)

    assert (check.returncode, show.returncode) == (2, 1), check.stderr + show.stderr
    for result in (check, show):
        assert "poetry.lock cannot be used, 1 problem:\n" + problem in result.stderr


def test_lock_regenerate_repairs_what_the_hint_says(
    poetry: PoetryInstall, locked_project: Path, home, tmp_path
) -> None:
    """The command the error names repairs the lock, where plain `poetry lock` fails
    (it reads the broken lock first)."""
    lock = tomlkit.parse((locked_project / "poetry.lock").read_text())
    drop_files(lock)
    project = broken_copy(locked_project, tmp_path, tomlkit.dumps(lock))
    failed = poetry.run("install", cwd=project, home=home)
    assert "Write the lock anew with `poetry lock --regenerate`" in failed.stderr
    assert poetry.run("lock", cwd=project, home=home).returncode == 1

    ok(poetry, project, home, "lock", "--regenerate")
    ok(poetry, project, home, "install")

    assert "files" in entry(tomlkit.parse((project / "poetry.lock").read_text()), "jax")
