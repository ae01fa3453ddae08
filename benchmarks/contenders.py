"""The tools compared: Poetry with the plugin, stock Poetry, and uv.

Both Poetries are copies of the harness's pinned Poetry venv (``prepare_poetry``:
made once with pip, cached under ``~/.cache/poetry-plugin-multiarch``), taken fresh
for each benchmark session: *stock* without the plugin, *plugin* with this
checkout's wheel installed as ``poetry self add`` would. Identical Poetry, plugin
aside, and private to the session: a test run reinstalling the plugin into the
harness's venv meanwhile cannot change what is measured. Stock Poetry runs with its
plugins enabled, as users run it (it just has none), so it pays the same plugin
discovery at start-up as the plugin side.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness.poetry import (
    PoetryInstall,
    build_plugin_wheel,
    install_plugin,
    isolated_environment,
    prepare_poetry,
)
from uv import find_uv_bin

from benchmarks.measure import Command

__all__ = ["Tools", "poetry_command", "prepare_tools", "uv_command"]

_PLUGIN_FILES = "poetry_plugin_multiarch*"


@dataclass(frozen=True)
class Tools:
    plugin: PoetryInstall
    stock: PoetryInstall
    uv: Path
    #: the interpreter project venvs are made from (Poetry's own base Python)
    python: Path

    def versions(self) -> dict[str, str]:
        """What was measured: Poetry, uv and Python versions."""
        uv = subprocess.run([self.uv, "--version"], capture_output=True, text=True, check=True)
        python = subprocess.run(
            [self.python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        )
        return {
            "poetry": self.stock.version,
            "uv": uv.stdout.split()[1],
            "python": python.stdout.strip(),
        }


def prepare_tools(poetry_version: str, work: Path) -> Tools:
    """Copy the pinned Poetry twice into *work*; put this checkout's plugin in one."""
    source = prepare_poetry(poetry_version)
    stock = _copy_without_plugin(source, work / "poetry-stock")
    plugin = _copy_without_plugin(source, work / "poetry-plugin")
    install_plugin(plugin, build_plugin_wheel(plugin, work / "plugin-wheel"))
    base = subprocess.run(
        [source.python, "-c", "import sys; print(sys._base_executable)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Tools(plugin=plugin, stock=stock, uv=Path(find_uv_bin()), python=Path(base))


def _copy_without_plugin(source: PoetryInstall, root: Path) -> PoetryInstall:
    """A copy of *source*'s venv at *root*, minus the plugin (a venv's scripts name
    their interpreter by absolute path: point them at the copy's)."""
    shutil.copytree(
        source.root,
        root,
        symlinks=True,
        ignore=shutil.ignore_patterns(_PLUGIN_FILES, ".complete"),
    )
    old = f"#!{source.root}/bin/".encode()
    for script in (root / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        content = script.read_bytes()
        if content.startswith(old):
            script.write_bytes(f"#!{root}/bin/".encode() + content[len(old) :])
    return PoetryInstall(root=root, version=source.version)


def poetry_command(poetry: PoetryInstall, *args: str, cwd: Path, home: Path) -> Command:
    """``poetry *args`` as the harness runs it: config, cache and data under *home*."""
    return Command([str(poetry.poetry), *args], cwd, isolated_environment(home))


def uv_command(tools: Tools, *args: str, cwd: Path, cache: Path) -> Command:
    """``uv *args`` with its cache at *cache*, on Poetry's interpreter, without user
    configuration or interpreter downloads."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("UV_", "VIRTUAL_ENV", "PYTHON", "PIP_"))
    }
    env.update(
        {
            "UV_CACHE_DIR": str(cache),
            "UV_PYTHON": str(tools.python),
            "UV_PYTHON_DOWNLOADS": "never",
            # no user-level uv.toml (UV_NO_CONFIG would skip the project's [tool.uv] too)
            "XDG_CONFIG_HOME": str(cache / "config"),
            "UV_NO_PROGRESS": "1",
            "NO_COLOR": "1",
        }
    )
    return Command([str(tools.uv), *args], cwd, env)
