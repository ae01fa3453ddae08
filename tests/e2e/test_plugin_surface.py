"""The plugin as users meet it: installed into Poetry, its commands, its config,
and no change to projects that have no alternatives."""

from __future__ import annotations

import re

import pytest

from tests.harness.checks import ok
from tests.harness.poetry import PoetryInstall
from tests.harness.project import alternatives, targets, write_project
from tests.harness.scenarios import publish_seed, seed_dependencies
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]


def test_multiarch_namespace_is_listed_and_helps(poetry: PoetryInstall, home, tmp_path):
    listing = ok(poetry, tmp_path, home, "list")
    assert " multiarch\n" in listing
    assert "  multiarch show " in listing

    help_text = ok(poetry, tmp_path, home, "multiarch", "--help")
    assert "One lock for every machine" in help_text
    bare = ok(poetry, tmp_path, home, "multiarch")
    for text in (bare, help_text):
        assert "  multiarch show " in text
        assert re.search(r"  multiarch check +Check that poetry.lock installs on every", text)
        assert re.search(r"  multiarch cache clear +Delete the unpacked-wheel cache", text)
        assert re.search(r"  multiarch export +Export the lock as pylock.toml or", text)
        assert re.search(r"  multiarch download +Download, hash-checked, exactly the files", text)


def test_project_without_alternatives_locks_as_stock(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    deps = 'jax = "0.2.20"\nnumpy = { version = "1.26.4", python = ">=3.10" }\n'
    with_plugin = write_project(tmp_path / "plugin", deps, {"main": seed.index_url})
    stock = write_project(tmp_path / "stock", deps, {"main": seed.index_url})

    ok(poetry, with_plugin, home, "lock")
    result = poetry.run("lock", cwd=stock, home=home, plugins=False)
    assert result.returncode == 0, result.stderr

    # The one documented addition: each index artifact's url (and size).
    plugin_text = (with_plugin / "poetry.lock").read_text()
    assert plugin_text.count(", url = ") == 6  # jax 1, jaxlib 2, numpy 3 artifacts
    without_urls = re.sub(r', url = "[^"]*"(, size = \d+)?', "", plugin_text)
    assert without_urls == (stock / "poetry.lock").read_text()


def test_show_lists_alternatives_and_what_each_machine_installs(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    deps = alternatives(
        "jaxlib",
        {"url": seed.aarch64_url, "markers": "platform_machine == 'aarch64'"},
        {"version": "0.1.71", "markers": "platform_machine == 'x86_64'"},
    )
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    ok(poetry, project, home, "lock")

    out = ok(
        poetry,
        project,
        home,
        "multiarch",
        "show",
        "--target",
        "linux-aarch64",
        "--target",
        "macos-arm64",
    )

    assert f"url {seed.aarch64_url}\n" in out
    assert f"source main ({seed.index_url[:-1]})\n" in out
    assert 'markers: platform_machine == "aarch64"' in out
    py = out.split("linux-aarch64 (Python ")[1].split(")")[0]
    assert (
        f"linux-aarch64 (Python {py}) installs:\n  jaxlib 0.1.71 from url {seed.aarch64_url}\n"
    ) in out
    assert f"macos-arm64 (Python {py}) installs:\n  jaxlib: no alternative applies" in out
    assert "This machine" not in out


def test_unknown_config_key_is_named(poetry: PoetryInstall, index, home, tmp_path):
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project",
        'jax = "0.2.20"',
        {"main": seed.index_url},
        extra='\n[tool.poetry-plugin-multiarch]\nenvironmnets = ["linux-x86_64"]\n',
    )
    for args in (["lock"], ["lock", "-v"], ["install"]):
        result = poetry.run(*args, cwd=project, home=home)
        assert result.returncode == 1
        assert (
            "Unknown key 'environmnets' in [tool.poetry-plugin-multiarch] of"
            " pyproject.toml.\n\nKnown keys: 'environments', 'python', 'on-gap', 'versions',"
            " 'no-build'."
        ) in result.stderr
        assert "Traceback" not in result.stderr
        assert not (project / "poetry.lock").exists()


def test_show_target_marks_gaps_for_each_declared_python(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """The aarch64 URL wheel is for CPython 3.11 only; the targets declare 3.11 and 3.12."""
    seed = publish_seed(index, tmp_path)
    cp311 = index.host(
        build_wheel(tmp_path / "hosted", "jaxlib", "0.1.71", "cp311-cp311-manylinux2014_aarch64")
    )
    url = index.file_url(cp311.name)
    project = write_project(
        tmp_path / "project", seed_dependencies(seed, url=url), {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64", python=("3.11", "3.12"), on_gap="warn"),
    )  # fmt: skip
    ok(poetry, project, home, "lock")

    out = ok(poetry, project, home, "multiarch", "show", "--target", "linux-aarch64")

    assert f"linux-aarch64 (Python 3.11) installs:\n  jaxlib 0.1.71 from url {url}\n" in out
    assert (
        f"linux-aarch64 (Python 3.12) installs:\n  jaxlib 0.1.71 from url {url} GAP: it has"
        " wheels only for cp311-cp311 (this target: cp312-cp312)\n"
    ) in out
    assert "jax 0.2.20" not in out  # a py3-none-any wheel: no gap, no alternatives

    bad = poetry.run("multiarch", "show", "--target", "linux-risc", cwd=project, home=home)
    assert bad.returncode == 1
    assert "Unknown target linux-risc." in bad.stderr
    assert "Locked alternatives" not in bad.stdout  # checked before anything is shown
