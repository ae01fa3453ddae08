"""Assertions shared by e2e tests: run a Poetry command, read what got installed,
and what the lock selects on other machines (Poetry's ``MockEnv``)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name
from poetry.utils.env import MockEnv

from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.selection import select_for_environment
from poetry_plugin_multiarch.targets import KNOWN_TARGETS
from tests.harness.poetry import PoetryInstall
from tests.harness.project import read_lock

__all__ = [
    "entries_by_target",
    "installed_artifact",
    "ok",
    "project_state",
    "selected_origin",
    "venv_files",
    "versions_by_target",
]


def ok(poetry: PoetryInstall, project: Path, home: Path, *args: str) -> str:
    """Run ``poetry *args``; fail the test with its output unless it exits 0."""
    result = poetry.run(*args, cwd=project, home=home)
    assert result.returncode == 0, f"poetry {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def installed_artifact(project: Path, module: str) -> str:
    """The wheel file name the project venv's *module* was installed from."""
    return subprocess.run(
        [
            str(project / ".venv" / "bin" / "python"),
            "-c",
            f"import {module}; print({module}.ARTIFACT)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def selected_origin(project: Path, name: str, machine: str, platform: str = "linux"):
    """(version, source type, source url) the lock installs for *name* on *machine*.

    ``None`` when no entry applies there.
    """
    env = MockEnv((3, 11, 4), platform=platform, platform_machine=machine)
    lock = MultiarchLock.from_lock_data(read_lock(project))
    entry = select_for_environment(lock, env.marker_env, ["main"]).get(name)
    if entry is None:
        return None
    source = entry.source
    return (
        entry.version,
        source.type if source else None,
        source.url if source else None,
    )


def venv_files(project: Path) -> list[str]:
    """Every file of the project's venv (bytecode caches aside): to show nothing changed."""
    venv = project / ".venv"
    return sorted(str(p.relative_to(venv)) for p in venv.rglob("*") if "__pycache__" not in p.parts)


def installed_distributions(site_packages: Path, *, leave_out: Iterable[str] = ("pip",)) -> dict:
    """``{name: (version, files)}`` of what is installed in *site_packages*: the files
    each RECORD lists outside its ``.dist-info`` (which installers fill differently:
    INSTALLER, direct_url.json) and bytecode caches; *leave_out* the installer itself."""
    found = {}
    for record in site_packages.glob("*.dist-info/RECORD"):
        name, _, version = record.parent.name.removesuffix(".dist-info").partition("-")
        if canonicalize_name(name) in leave_out:
            continue
        files = frozenset(
            row.split(",")[0]
            for row in record.read_text().splitlines()
            if row
            and not row.split(",")[0].startswith(record.parent.name + "/")
            and "__pycache__" not in row
        )
        found[canonicalize_name(name)] = (version, files)
    return found


def project_state(project: Path) -> tuple[bytes | None, bytes, list[str]]:
    """poetry.lock, pyproject.toml and the venv's files: equal before and after a
    command that must change nothing."""
    lock = project / "poetry.lock"
    return (
        lock.read_bytes() if lock.exists() else None,
        (project / "pyproject.toml").read_bytes(),
        venv_files(project),
    )


def versions_by_target(
    project: Path, name: str, target_names: Iterable[str], python: str = "3.11"
) -> dict[str, str | None]:
    """The version of *name* each target (a preset name) installs from the lock, or
    ``None`` where no entry applies (see :func:`entries_by_target`)."""
    return {
        target: entry["version"] if entry else None
        for target, entry in entries_by_target(project, name, target_names, python).items()
    }


def entries_by_target(
    project: Path, name: str, target_names: Iterable[str], python: str = "3.11"
) -> dict[str, dict[str, Any] | None]:
    """The lock entry (``[[package]]`` table) of *name* each target (a preset name)
    installs, or ``None`` where no entry applies.

    The lock's markers are evaluated with ``packaging`` for the target's full marker
    environment (a macOS target without a Mac); at most one entry may apply there.
    The plugin's own selection (:func:`select_for_environment`) must agree.
    """
    data = read_lock(project)
    lock = MultiarchLock.from_lock_data(data)
    found: dict[str, dict[str, Any] | None] = {}
    for target in target_names:
        environment = KNOWN_TARGETS[target].environment(python)
        applying = [
            entry
            for entry in data.get("package", [])
            if canonicalize_name(entry["name"]) == canonicalize_name(name)
            and _applies_in_main(entry.get("markers"), environment)
        ]
        assert len(applying) <= 1, (
            f"{name}: {[e['version'] for e in applying]} all apply on {target} (Python {python})"
        )
        entry = applying[0] if applying else None
        selected = select_for_environment(lock, environment, ["main"]).get(canonicalize_name(name))
        assert (selected.version if selected else None) == (entry["version"] if entry else None), (
            target,
            selected,
            entry,
        )
        found[target] = entry
    return found


def _applies_in_main(markers: str | dict[str, str] | None, environment: dict[str, str]) -> bool:
    """Whether a lock entry's ``markers`` (lock-version 2.1: a string, or a table by
    group; none means everywhere) hold for the ``main`` group on *environment*."""
    if isinstance(markers, dict):
        markers = markers.get("main")
    return not markers or Marker(markers).evaluate({**environment, "extra": ""})
