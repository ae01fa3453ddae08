"""`poetry self add` of the built wheel into a fresh Poetry, as users install it.

This test reaches the package registry (PyPI's simple index): `poetry self add`
resolves the plugin's requirements against it.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import POETRY_VERSION
from tests.harness.poetry import (
    PoetryInstall,
    build_plugin_wheel,
    isolated_environment,
)

pytestmark = pytest.mark.e2e

#: PyPI's JSON API is not reachable from every CI machine; its simple index is.
PYPI_SIMPLE = (
    '\n[[tool.poetry.source]]\nname = "pypi-simple"\n'
    'url = "https://pypi.org/simple/"\npriority = "primary"\n'
)


def test_self_add_installs_plugin_into_fresh_poetry(poetry: PoetryInstall, home, tmp_path) -> None:
    fresh = PoetryInstall(root=tmp_path / "fresh-poetry", version=POETRY_VERSION)
    subprocess.run([str(poetry.python), "-m", "venv", str(fresh.root)], check=True)
    subprocess.run(
        [
            str(fresh.python),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            f"poetry=={POETRY_VERSION}",
        ],
        check=True,
    )
    wheel = build_plugin_wheel(poetry, tmp_path / "wheel")
    before = fresh.run("list", cwd=tmp_path, home=home)
    assert "multiarch" not in before.stdout

    # Any `poetry self` call writes Poetry's system project (`self show` then
    # fails: no lock yet); point it at the simple index, then add the plugin.
    fresh.run("self", "show", cwd=tmp_path, home=home)
    system_project = home / "config" / "pyproject.toml"
    system_project.write_text(system_project.read_text() + PYPI_SIMPLE)
    added = fresh.run("self", "add", str(wheel), cwd=tmp_path, home=home, timeout=600)
    assert added.returncode == 0, added.stdout + added.stderr

    result = subprocess.run(
        [str(fresh.poetry), "multiarch", "--help"],
        cwd=tmp_path,
        env=isolated_environment(home),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "multiarch" in result.stdout
    shown = fresh.run("self", "show", "plugins", cwd=tmp_path, home=home)
    assert "poetry-plugin-multiarch" in shown.stdout
