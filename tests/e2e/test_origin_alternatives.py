"""File, git and second-index alternatives next to an index release, and
different versions per machine: each locked as its own marker-tagged entry."""

from __future__ import annotations

import subprocess

import pytest

from tests.harness.checks import installed_artifact, ok, selected_origin
from tests.harness.poetry import PoetryInstall
from tests.harness.project import alternatives, lock_entries, read_lock, write_project
from tests.harness.scenarios import AARCH64, X86, publish_seed
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]

ON_X86 = "platform_machine == 'x86_64'"
ON_ARM = "platform_machine == 'aarch64'"


def lock_and_install_x86(poetry, project, home):
    ok(poetry, project, home, "lock")
    ok(poetry, project, home, "install")
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"
    assert selected_origin(project, "jaxlib", "ppc64le") is None
    return lock_entries(read_lock(project), "jaxlib")


def test_file_alternative(poetry: PoetryInstall, index, home, tmp_path) -> None:
    seed = publish_seed(index, tmp_path)
    deps = alternatives(
        "jaxlib",
        {"path": f"../hosted/{seed.aarch64_file.name}", "markers": ON_ARM},
        {"version": "0.1.71", "markers": ON_X86},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    entries = lock_and_install_x86(poetry, project, home)

    by_type = {e["source"]["type"]: e for e in entries}
    assert set(by_type) == {"file", "legacy"}
    assert by_type["file"]["source"]["url"] == f"../hosted/{seed.aarch64_file.name}"
    assert by_type["file"]["markers"] == 'platform_machine == "aarch64"'
    assert by_type["legacy"]["markers"] == 'platform_machine == "x86_64"'
    assert selected_origin(project, "jaxlib", "aarch64")[1] == "file"


def make_git_repo(path, version):
    """A git repository holding a PEP 621 project named jaxlib."""
    (path / "jaxlib").mkdir(parents=True)
    (path / "jaxlib" / "__init__.py").write_text('ARTIFACT = "git"\n')
    (path / "pyproject.toml").write_text(
        f'[project]\nname = "jaxlib"\nversion = "{version}"\n\n'
        '[build-system]\nrequires = ["poetry-core>=2"]\n'
        'build-backend = "poetry.core.masonry.api"\n'
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run([*git, "-C", str(path), "add", "."], check=True)
    subprocess.run([*git, "-C", str(path), "commit", "-qm", "jaxlib"], check=True)
    return subprocess.run(
        ["git", "-C", str(path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_git_alternative(poetry: PoetryInstall, index, home, tmp_path) -> None:
    seed = publish_seed(index, tmp_path)
    repo = tmp_path / "jaxlib-src"
    commit = make_git_repo(repo, "0.1.71")
    deps = alternatives(
        "jaxlib",
        {"git": repo.as_uri(), "branch": "main", "markers": ON_ARM},
        {"version": "0.1.71", "markers": ON_X86},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    entries = lock_and_install_x86(poetry, project, home)

    by_type = {e["source"]["type"]: e for e in entries}
    assert set(by_type) == {"git", "legacy"}
    assert by_type["git"]["source"]["resolved_reference"] == commit
    assert by_type["git"]["markers"] == 'platform_machine == "aarch64"'
    assert by_type["legacy"]["markers"] == 'platform_machine == "x86_64"'
    assert selected_origin(project, "jaxlib", "aarch64")[1] == "git"


def test_same_version_from_two_indexes(poetry: PoetryInstall, index, home, tmp_path):
    """Like PyPI + piwheels: one release, its wheels split over two indexes."""
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist / "a", "jaxlib", "0.1.71", X86), index="a")
    index.publish(build_wheel(dist / "b", "jaxlib", "0.1.71", AARCH64), index="b")
    deps = alternatives(
        "jaxlib",
        {"version": "0.1.71", "source": "b", "markers": ON_ARM},
        {"version": "0.1.71", "source": "a", "markers": ON_X86},
    )
    sources = {"a": index.index_url("a"), "b": index.index_url("b")}
    project = write_project(tmp_path / "project", deps, sources)
    entries = lock_and_install_x86(poetry, project, home)

    by_ref = {e["source"]["reference"]: e for e in entries}
    assert set(by_ref) == {"a", "b"}
    assert [f["file"] for f in by_ref["b"]["files"]] == [f"jaxlib-0.1.71-{AARCH64}.whl"]
    assert by_ref["a"]["markers"] == 'platform_machine == "x86_64"'
    assert by_ref["b"]["markers"] == 'platform_machine == "aarch64"'
    assert selected_origin(project, "jaxlib", "aarch64")[2] == index.index_url("b")[:-1]


def test_different_versions_per_machine(poetry: PoetryInstall, index, home, tmp_path):
    seed = publish_seed(index, tmp_path)
    index.publish(build_wheel(tmp_path / "dist", "jaxlib", "0.1.70", AARCH64))
    deps = alternatives(
        "jaxlib",
        {"version": "0.1.70", "markers": ON_ARM},
        {"version": "0.1.71", "markers": ON_X86},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    entries = lock_and_install_x86(poetry, project, home)

    by_version = {e["version"]: e for e in entries}
    assert set(by_version) == {"0.1.70", "0.1.71"}
    assert by_version["0.1.70"]["markers"] == 'platform_machine == "aarch64"'
    assert by_version["0.1.71"]["markers"] == 'platform_machine == "x86_64"'
    assert selected_origin(project, "jaxlib", "aarch64")[0] == "0.1.70"
