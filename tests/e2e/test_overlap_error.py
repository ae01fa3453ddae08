"""Overlapping alternatives fail the lock with one message that says how to fix it."""

from __future__ import annotations

import pytest

from tests.harness.checks import installed_artifact, ok, selected_origin
from tests.harness.poetry import PoetryInstall
from tests.harness.project import alternatives, write_project
from tests.harness.scenarios import publish_seed

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("verbosity", [[], ["-vv"]], ids=["quiet", "debug"])
def test_overlap_names_both_alternatives_where_and_fix(
    poetry: PoetryInstall, index, home, tmp_path, verbosity
) -> None:
    seed = publish_seed(index, tmp_path)
    deps = alternatives(
        "jaxlib",
        {"version": "0.1.71", "markers": "sys_platform == 'linux'"},
        {"url": seed.aarch64_url, "markers": "platform_machine == 'aarch64'"},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})

    result = poetry.run("lock", *verbosity, cwd=project, home=home)

    url = seed.aarch64_url
    assert result.returncode == 1
    expected = (
        "Alternatives of jaxlib overlap in pyproject.toml:\n"
        """  { version = "0.1.71", markers = 'sys_platform == "linux"' }\n"""
        f"""  {{ url = "{url}", markers = 'platform_machine == "aarch64"' }}\n"""
        'Both apply on linux-aarch64 (sys_platform == "linux", platform_machine =='
        ' "aarch64"), so such a machine would need two jaxlib artifacts at once.\n'
        "\n"
        "Make the markers exclusive, for example:\n"
        """  { version = "0.1.71", markers = 'sys_platform == "linux" and"""
        """ platform_machine != "aarch64"' }\n"""
        f"""  {{ url = "{url}", markers = 'platform_machine == "aarch64"' }}\n"""
    )
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Stack trace" not in result.stderr
    assert "Incompatible constraints" not in result.stderr
    assert not (project / "poetry.lock").exists()


def test_overlap_of_incompatible_versions_from_one_index(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    deps = alternatives(
        "jaxlib",
        {"version": "0.1.70", "markers": "python_version >= '3.10'"},
        {"version": "0.1.71", "markers": "platform_machine == 'x86_64'"},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})

    result = poetry.run("lock", cwd=project, home=home)

    assert result.returncode == 1
    assert "Alternatives of jaxlib overlap in pyproject.toml:" in result.stderr
    assert 'Both apply on linux-x86_64 (python_version == "3.13",' in result.stderr
    assert (
        """{ version = "0.1.70", markers = 'python_version >= "3.10" and"""
        """ platform_machine != "x86_64"' }"""
    ) in result.stderr


@pytest.mark.x86_64_host
def test_suggested_rewrite_locks_and_installs_each_machines_alternative(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """The hint is taken from the real output and applied as written: the URL wheel
    (listed first) stays on linux aarch64, the index release serves linux x86_64."""
    seed = publish_seed(index, tmp_path)
    deps = alternatives(
        "jaxlib",
        {"url": seed.aarch64_url, "markers": "platform_machine == 'aarch64'"},
        {"version": "0.1.71", "markers": "sys_platform == 'linux'"},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    failed = poetry.run("lock", cwd=project, home=home)
    assert failed.returncode == 1
    hint = failed.stderr.split("Make the markers exclusive, for example:\n")[1]
    suggested = [line.strip() for line in hint.splitlines()[:2]]
    assert all(line.startswith("{ ") for line in suggested), hint

    rewritten = "jaxlib = [\n" + "".join(f"  {line},\n" for line in suggested) + "]\n"
    write_project(project, rewritten, {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    ok(poetry, project, home, "install")

    assert installed_artifact(project, "jaxlib") == (
        "jaxlib-0.1.71-py3-none-manylinux2014_x86_64.whl"
    )
    assert selected_origin(project, "jaxlib", "x86_64")[1] == "legacy"
    assert selected_origin(project, "jaxlib", "aarch64") == ("0.1.71", "url", seed.aarch64_url)
