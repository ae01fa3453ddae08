"""Write a Poetry project that locks against the loopback index only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tomlkit

__all__ = ["alternatives", "lock_entries", "read_lock", "targets", "write_project"]


def write_project(
    path: Path,
    dependencies: str,
    sources: dict[str, str],
    *,
    python: str = ">=3.10,<3.14",
    extra: str = "",
    package: str | None = None,
) -> Path:
    """A project; the first of *sources* is primary, the rest explicit.

    Without *package* it is a non-package project; with it, a package of that name
    (version 0.1.0, one module) that `poetry install` installs too.

    *dependencies* is TOML for ``[tool.poetry.dependencies]`` (without python).
    With a primary source declared, Poetry does not add PyPI: no network.
    """
    path.mkdir(parents=True, exist_ok=True)
    source_tables = "".join(
        f'\n[[tool.poetry.source]]\nname = "{name}"\nurl = "{url}"\n'
        f'priority = "{"primary" if i == 0 else "explicit"}"\n'
        for i, (name, url) in enumerate(sources.items())
    )
    if package:
        module = package.replace("-", "_")
        (path / module).mkdir(exist_ok=True)
        (path / module / "__init__.py").write_text('ARTIFACT = "root project"\n')
        header = f'[tool.poetry]\nname = "{package}"\nversion = "0.1.0"\ndescription = ""\n'
        header += 'authors = ["tests <tests@example.invalid>"]\n\n'
    else:
        header = "[tool.poetry]\npackage-mode = false\n\n"
    (path / "pyproject.toml").write_text(
        header + f'[tool.poetry.dependencies]\npython = "{python}"\n{dependencies.strip()}\n'
        f"{source_tables}{extra}"
    )
    return path


def read_lock(project: Path) -> dict[str, Any]:
    return tomlkit.parse((project / "poetry.lock").read_text()).unwrap()


def lock_entries(lock: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in lock.get("package", []) if p["name"] == name]


def alternatives(name: str, *tables: dict[str, str]) -> str:
    """TOML for *name* given as a list of alternatives (one inline table each)."""
    rows = (
        "{ " + ", ".join(f"{key} = {json.dumps(value)}" for key, value in t.items()) + " }"
        for t in tables
    )
    return f"{name} = [\n" + "".join(f"  {row},\n" for row in rows) + "]\n"


def targets(*names: str, python: tuple[str, ...] = ("3.11",), on_gap: str | None = None) -> str:
    """A ``[tool.poetry-plugin-multiarch]`` table (for *extra* of :func:`write_project`)."""
    text = "\n[tool.poetry-plugin-multiarch]\nenvironments = ["
    text += ", ".join(f'"{n}"' for n in names) + "]\n"
    text += "python = [" + ", ".join(f'"{p}"' for p in python) + "]\n"
    if on_gap:
        text += f'on-gap = "{on_gap}"\n'
    return text
