"""The README's install-from-a-checkout commands, run verbatim with a fresh stock Poetry.

This test reaches the package registry (PyPI's simple index): `poetry self add`
resolves the plugin's requirements against it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import POETRY_VERSION
from tests.harness.poetry import REPO, PoetryInstall, isolated_environment

pytestmark = pytest.mark.e2e

#: PyPI's JSON API is not reachable from every CI machine; its simple index is.
PYPI_SIMPLE = (
    '\n[[tool.poetry.source]]\nname = "pypi-simple"\n'
    'url = "https://pypi.org/simple/"\npriority = "primary"\n'
)


def readme_checkout_commands() -> list[str]:
    """The ``$ …`` lines of the README's Install block that builds the wheel."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    install = readme.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", install, re.DOTALL)
    (block,) = [b for b in blocks if "poetry build" in b]
    return [line[2:] for line in block.splitlines() if line.startswith("$ ")]


def test_readme_install_from_a_checkout_works_verbatim(
    poetry: PoetryInstall, home: Path, tmp_path: Path
) -> None:
    commands = readme_checkout_commands()
    assert commands[0].startswith("poetry build") and "poetry self add" in commands[1]
    fresh = PoetryInstall(root=tmp_path / "fresh-poetry", version=POETRY_VERSION)
    subprocess.run([str(poetry.python), "-m", "venv", str(fresh.root)], check=True)
    subprocess.run(
        [str(fresh.python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"poetry=={POETRY_VERSION}"],
        check=True,
    )  # fmt: skip
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO / "src", checkout / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, checkout / name)
    assert "multiarch" not in fresh.run("list", cwd=tmp_path, home=home).stdout
    # Any `poetry self` call writes Poetry's system project; point it at the simple index.
    fresh.run("self", "show", cwd=tmp_path, home=home)
    system_project = home / "config" / "pyproject.toml"
    system_project.write_text(system_project.read_text() + PYPI_SIMPLE)
    path = f"{fresh.root / 'bin'}{os.pathsep}{os.environ['PATH']}"  # `poetry` is the fresh one
    shell_env = isolated_environment(home, {"PATH": path})

    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=checkout,
            env=shell_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, f"$ {command}\n{result.stdout}{result.stderr}"

    assert "multiarch" in result.stdout  # the last command: `poetry multiarch --help`
    shown = fresh.run("self", "show", "plugins", cwd=tmp_path, home=home)
    assert "poetry-plugin-multiarch" in shown.stdout
