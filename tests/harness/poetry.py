"""A pinned Poetry in its own venv, with the plugin installed as `poetry self add` would.

The venv with Poetry is cached between test sessions (keyed by Poetry and Python
version); the plugin wheel is built from this checkout and reinstalled into it once
per session, so every session tests the current code. Each run gets private config,
cache and data directories: nothing from the developer's machine leaks in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.harness.fakearch import venv_at

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["PoetryInstall", "build_plugin_wheel", "prepare_poetry"]

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PoetryInstall:
    """A Poetry venv: ``poetry`` is ``bin/poetry``; ``python`` runs inside it."""

    root: Path
    version: str

    @property
    def poetry(self) -> Path:
        return self.root / "bin" / "poetry"

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def run(
        self,
        *args: str,
        cwd: Path,
        home: Path,
        env: dict[str, str] | None = None,
        plugins: bool = True,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``poetry *args`` in *cwd*; *home* holds its config, cache and data."""
        argv = [str(self.poetry), *args]
        if not plugins:
            argv.insert(1, "--no-plugins")
        return subprocess.run(
            argv,
            cwd=cwd,
            env=isolated_environment(home, env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def isolated_environment(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a Poetry subprocess that sees nothing of this machine's setup."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POETRY_", "PIP_", "VIRTUAL_ENV", "PYTHON"))
    }
    base.update(
        {
            "POETRY_CONFIG_DIR": str(home / "config"),
            "POETRY_CACHE_DIR": str(home / "cache"),
            "POETRY_DATA_DIR": str(home / "data"),
            "POETRY_VIRTUALENVS_IN_PROJECT": "true",
            "POETRY_VIRTUALENVS_OPTIONS_NO_PIP": "true",
            "POETRY_VIRTUALENVS_USE_POETRY_PYTHON": "true",
            "POETRY_NO_INTERACTION": "1",
            "POETRY_KEYRING_ENABLED": "false",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "PYTHONDONTWRITEBYTECODE": "1",
            "NO_COLOR": "1",
        }
    )
    base.update(extra or {})
    return base


def cache_root() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return Path(os.environ.get("MULTIARCH_TEST_CACHE", default / "poetry-plugin-multiarch"))


def plugin_requirements() -> list[str]:
    """The plugin's own requirements besides Poetry (``poetry self add`` installs them
    into Poetry's venv with the plugin), from pyproject.toml."""
    with (REPO / "pyproject.toml").open("rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    return [d for d in dependencies if not d.startswith(("poetry>", "poetry-core"))]


def prepare_poetry(version: str, python: str = sys.executable) -> PoetryInstall:
    """A venv with ``poetry==version`` and the plugin's other requirements (made once,
    then reused; made again when those requirements change)."""
    py_version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    root = cache_root() / f"poetry-{version}-py{py_version}"
    stamp = root / ".complete"
    requirements = [f"poetry=={version}", *plugin_requirements()]
    if not stamp.exists() or stamp.read_text().splitlines() != requirements:
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(root)], check=True)
        subprocess.run(
            [
                str(root / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                *requirements,
            ],
            check=True,
        )
        stamp.write_text("\n".join(requirements))
    return PoetryInstall(root=root, version=version)


def build_plugin_wheel(poetry: PoetryInstall, out: Path) -> Path:
    """Build this checkout's wheel with the poetry-core inside *poetry*'s venv."""
    subprocess.run(
        [
            str(poetry.python),
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = out.glob("poetry_plugin_multiarch-*.whl")
    return wheel


def install_plugin(poetry: PoetryInstall, wheel: Path) -> None:
    """Put the plugin where `poetry self add` puts it: Poetry's own environment."""
    subprocess.run(
        [
            str(poetry.python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--force-reinstall",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
    )


def make_venv(path: Path) -> Path:
    return venv_at(path)
