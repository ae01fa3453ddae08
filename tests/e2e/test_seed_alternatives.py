"""The seed of #5205: index wheels for x86_64, a URL wheel for aarch64."""

from __future__ import annotations

import pytest

from tests.harness.checks import installed_artifact, ok, selected_origin
from tests.harness.poetry import PoetryInstall
from tests.harness.project import alternatives, lock_entries, read_lock, write_project
from tests.harness.scenarios import AARCH64, X86, publish_seed
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]

ON_X86 = "platform_machine == 'x86_64'"
ON_ARM = "platform_machine == 'aarch64'"


def seed_project(tmp_path, index, order, *, version_source=False, transitive=False):
    seed = publish_seed(index, tmp_path)
    tables = {
        "version": {"version": "0.1.71", "markers": ON_X86},
        "url": {"url": seed.aarch64_url, "markers": ON_ARM},
    }
    if version_source:
        tables["version"]["source"] = "main"
    deps = 'jax = "0.2.20"\n' if transitive else ""
    deps += alternatives("jaxlib", *(tables[k] for k in order))
    return write_project(tmp_path / "project", deps, {"main": seed.index_url}), seed


def jaxlib_by_origin(project):
    entries = lock_entries(read_lock(project), "jaxlib")
    return {e.get("source", {}).get("type"): e for e in entries}, entries


@pytest.mark.parametrize("version_source", [False, True], ids=["plain", "source"])
@pytest.mark.parametrize(
    "order",
    [("url", "version"), ("version", "url")],
    ids=["url-first", "version-first"],
)
def test_lock_keeps_both_alternatives(
    poetry: PoetryInstall, index, home, tmp_path, order, version_source
) -> None:
    project, seed = seed_project(tmp_path, index, order, version_source=version_source)
    ok(poetry, project, home, "lock")

    by_origin, entries = jaxlib_by_origin(project)
    assert len(entries) == 2, entries
    assert by_origin["url"]["version"] == "0.1.71"
    assert by_origin["url"]["source"]["url"] == seed.aarch64_url
    assert by_origin["url"]["markers"] == 'platform_machine == "aarch64"'
    assert [f["file"] for f in by_origin["url"]["files"]] == [seed.aarch64_file.name]
    assert by_origin["legacy"]["version"] == "0.1.71"
    assert by_origin["legacy"]["source"]["reference"] == "main"
    assert by_origin["legacy"]["markers"] == 'platform_machine == "x86_64"'
    requested = index.paths()
    assert "/main/simple/jaxlib/" in requested
    assert f"/files/{seed.aarch64_file.name}" in requested  # its metadata, at lock

    ok(poetry, project, home, "install")
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"
    assert selected_origin(project, "jaxlib", "aarch64") == (
        "0.1.71",
        "url",
        seed.aarch64_url,
    )
    assert selected_origin(project, "jaxlib", "x86_64")[1] == "legacy"
    assert selected_origin(project, "jaxlib", "ppc64le") is None


def test_stock_poetry_collapses_url_first(poetry: PoetryInstall, index, home, tmp_path) -> None:
    """Without the plugin, the URL alternative answers both machines (#7722)."""
    project, seed = seed_project(tmp_path, index, ("url", "version"))
    result = poetry.run("lock", cwd=project, home=home, plugins=False)
    assert result.returncode == 0, result.stderr

    (entry,) = lock_entries(read_lock(project), "jaxlib")
    assert entry["source"]["url"] == seed.aarch64_url
    assert "x86_64" in entry["markers"] and "aarch64" in entry["markers"]


def test_transitive_dependency_keeps_index_entry_for_other_machines(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """jax -> jaxlib everywhere: machines that are neither x86_64 nor aarch64
    get the index jaxlib, not the aarch64 URL wheel."""
    project, _seed = seed_project(tmp_path, index, ("url", "version"), transitive=True)
    ok(poetry, project, home, "lock")

    by_origin, entries = jaxlib_by_origin(project)
    assert len(entries) == 2, entries
    assert by_origin["url"]["markers"] == 'platform_machine == "aarch64"'
    assert by_origin["legacy"]["markers"] == 'platform_machine != "aarch64"'
    assert selected_origin(project, "jaxlib", "ppc64le")[1] == "legacy"
    assert selected_origin(project, "jaxlib", "aarch64")[1] == "url"

    ok(poetry, project, home, "install")
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"
    assert installed_artifact(project, "jax") == "jax-0.2.20-py3-none-any.whl"


def test_stock_poetry_gives_transitive_url_wheel_to_every_machine(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project, seed = seed_project(tmp_path, index, ("url", "version"), transitive=True)
    result = poetry.run("lock", cwd=project, home=home, plugins=False)
    assert result.returncode == 0, result.stderr
    (entry,) = lock_entries(read_lock(project), "jaxlib")
    assert entry["source"]["url"] == seed.aarch64_url
    assert "markers" not in entry


@pytest.mark.parametrize(
    "command",
    [("lock",), ("lock", "--regenerate"), ("update",), ("add", "numpy==1.26.4")],
    ids=["relock", "regenerate", "update", "add"],
)
def test_relocking_commands_keep_both_alternatives(
    poetry: PoetryInstall, index, home, tmp_path, command
) -> None:
    """A second lock reads the first: its URL entry must not answer x86_64 either."""
    project, _seed = seed_project(tmp_path, index, ("url", "version"))
    ok(poetry, project, home, "lock")
    first = read_lock(project)
    ok(poetry, project, home, *command)

    by_origin, entries = jaxlib_by_origin(project)
    assert len(entries) == 2, entries
    assert by_origin["url"]["markers"] == 'platform_machine == "aarch64"'
    assert by_origin["legacy"]["markers"] == 'platform_machine == "x86_64"'
    if command == ("lock",):
        assert read_lock(project) == first


def test_relock_does_not_reuse_locked_url_package_for_index_constraint(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """The locked URL build is newer than the index release; on a re-lock it must
    not answer jax's plain ``jaxlib>=0.1.69`` on machines outside both markers."""
    seed = publish_seed(index, tmp_path)
    newer = index.host(build_wheel(tmp_path / "hosted", "jaxlib", "0.1.72", AARCH64))
    deps = 'jax = "0.2.20"\n' + alternatives(
        "jaxlib",
        {"url": index.file_url(newer.name), "markers": ON_ARM},
        {"version": "0.1.71", "markers": ON_X86},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    first = read_lock(project)
    ok(poetry, project, home, "lock")

    assert read_lock(project) == first
    by_origin, _entries = jaxlib_by_origin(project)
    assert by_origin["url"]["version"] == "0.1.72"
    assert by_origin["legacy"]["markers"] == 'platform_machine != "aarch64"'


def test_debug_output_says_when_an_alternative_is_solved_afresh(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project, _seed = seed_project(tmp_path, index, ("url", "version"))
    out = ok(poetry, project, home, "lock", "-vvv")
    assert "multiarch: next alternative solved without jaxlib" in out
