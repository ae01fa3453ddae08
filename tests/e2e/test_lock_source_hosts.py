"""Every URL in the lock comes from the source as configured now: Poetry's release
cache (kept per source *name*) never carries a URL to another host — not when a
source moves, not when two projects give different indexes the same name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.checks import installed_artifact, ok
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall
from tests.harness.project import read_lock, write_project
from tests.harness.wheels import build_sdist, build_wheel, sha256_of

pytestmark = [pytest.mark.e2e]

DEPENDENCIES = 'alpha = "1.0"\n'


@pytest.fixture
def other_host(tmp_path: Path) -> Iterator[IndexServer]:
    """A second index server on 127.0.0.2: "another host" than the ``index`` fixture."""
    server = IndexServer(tmp_path / "other-host", host="127.0.0.2").start()
    try:
        yield server
    finally:
        server.stop()


def publish(server: IndexServer, work: Path, *, flavour: str = "") -> dict[str, str]:
    """alpha 1.0 (wheel) needing beta 2.0 (wheel and sdist) on *server*'s ``private``
    index; *flavour* makes other bytes under the same file names (another index's
    build). Returns ``{file: sha256}``."""
    dist = work / f"dist{flavour}"
    requires_python = ">=3.8" if flavour else None
    artifacts = [
        build_wheel(dist, "alpha", "1.0", requires=["beta"], requires_python=requires_python),
        build_wheel(dist, "beta", "2.0", requires_python=requires_python),
        build_sdist(dist, "beta", "2.0", requires=[f"extra-{flavour}"] if flavour else []),
    ]
    for artifact in artifacts:
        server.publish(artifact, index="private")
    return {a.name: f"sha256:{sha256_of(a)}" for a in artifacts}


def locked_files(project: Path) -> dict[str, dict]:
    return {f["file"]: f for p in read_lock(project)["package"] for f in p["files"]}


def assert_locked_from(project: Path, server: IndexServer, hashes: dict[str, str]) -> None:
    files = locked_files(project)
    assert sorted(files) == sorted(hashes)
    for name, entry in files.items():
        assert entry["url"] == server.file_url(name)
        assert entry["hash"] == hashes[name]
    for package in read_lock(project)["package"]:
        assert package["source"]["url"] == server.index_url("private").rstrip("/")


def test_same_source_name_on_two_hosts_with_one_cache(
    poetry: PoetryInstall, index: IndexServer, other_host: IndexServer, home, tmp_path
) -> None:
    """Projects A and B both call their index ``private``; A's is on 127.0.0.1, B's on
    127.0.0.2, and they share one Poetry cache. B's lock and install never see A's host."""
    a_hashes = publish(index, tmp_path)
    b_hashes = publish(other_host, tmp_path, flavour="b")
    project_a = write_project(tmp_path / "a", DEPENDENCIES, {"private": index.index_url("private")})
    project_b = write_project(
        tmp_path / "b", DEPENDENCIES, {"private": other_host.index_url("private")}
    )
    ok(poetry, project_a, home, "lock")
    index.clear_log()

    ok(poetry, project_b, home, "lock")
    assert_locked_from(project_b, other_host, b_hashes)
    assert index.url.split("//")[1] not in (project_b / "poetry.lock").read_text()

    ok(poetry, project_b, home, "install")
    assert installed_artifact(project_b, "alpha") == "alpha-1.0-py3-none-any.whl"
    assert index.paths() == []  # A's host: not a page, not a file
    assert "/files/alpha-1.0-py3-none-any.whl" in other_host.paths()

    # A again: its cached releases are still there, B's did not evict them
    index.clear_log()
    other_host.clear_log()
    ok(poetry, project_a, home, "lock", "--regenerate")
    assert_locked_from(project_a, index, a_hashes)
    assert [p for p in index.paths() if p.startswith("/files/")] == []  # no metadata fetched
    assert other_host.paths() == []


@pytest.mark.parametrize("relock", [["lock", "--regenerate"], ["lock"]], ids=["regenerate", "lock"])
def test_moved_source_locks_and_installs_from_its_new_host(
    poetry: PoetryInstall,
    index: IndexServer,
    other_host: IndexServer,
    home,
    tmp_path,
    relock: list[str],
) -> None:
    """``private`` moves from 127.0.0.1 (OLD) to 127.0.0.2 (NEW), same name, same files:
    relocking names only NEW, and install downloads from NEW while OLD answers 410."""
    hashes = publish(index, tmp_path)
    for name in hashes:  # the very same files (a second build may differ in its timestamps)
        other_host.publish(tmp_path / "dist" / name, index="private")
    old, new = index.index_url("private"), other_host.index_url("private")
    project = write_project(tmp_path / "project", DEPENDENCIES, {"private": old})
    ok(poetry, project, home, "lock")
    assert_locked_from(project, index, hashes)

    write_project(project, DEPENDENCIES, {"private": new})
    for name in hashes:  # OLD is gone
        index.failures[f"/files/{name}"] = 410
    for page in ("/private/simple/alpha/", "/private/simple/beta/"):
        index.failures[page] = 410
    index.clear_log()

    ok(poetry, project, home, *relock)
    assert_locked_from(project, other_host, hashes)

    other_host.clear_log()
    ok(poetry, project, home, "install")
    assert installed_artifact(project, "alpha") == "alpha-1.0-py3-none-any.whl"
    assert index.paths() == []
    assert sorted(p for p in other_host.paths() if p.startswith("/files/")) == [
        "/files/alpha-1.0-py3-none-any.whl",
        "/files/beta-2.0-py3-none-any.whl",
    ]
