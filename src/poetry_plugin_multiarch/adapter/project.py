"""What the plugin reads from a Poetry project: its settings and direct dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.core.constraints.version import parse_constraint

from poetry_plugin_multiarch.config import MultiarchConfig, parse_config
from poetry_plugin_multiarch.targets import PYTHON_MINORS

if TYPE_CHECKING:
    from poetry.core.packages.dependency import Dependency
    from poetry.poetry import Poetry

__all__ = ["allowed_pythons", "direct_dependencies", "load_config"]


def load_config(poetry: Poetry) -> MultiarchConfig:
    """``[tool.poetry-plugin-multiarch]``, with Python minors limited to the project's.

    :raises ConfigError:
    """
    return parse_config(poetry.pyproject.data, allowed_pythons(poetry))


def allowed_pythons(poetry: Poetry) -> tuple[str, ...]:
    """The CPython minors the project's python constraint allows, oldest first."""
    constraint = poetry.package.python_constraint
    return tuple(m for m in PYTHON_MINORS if constraint.allows_any(parse_constraint(f"~{m}")))


def direct_dependencies(poetry: Poetry) -> dict[str, str]:
    """Direct dependencies given as marker-split alternatives (in any group), each
    with the marker of the machines none of its alternatives covers (``""`` when they
    cover every machine).

    Only these are reported where no alternative applies: a single dependency with a
    marker (``pywin32; sys_platform == 'win32'``) is meant to be missing elsewhere.
    They are the user's alternatives: any other package locked with several versions
    was split by the solver (*forked*).
    """
    by_name: dict[str, list[Dependency]] = {}
    for dependency in poetry.package.all_requires:
        by_name.setdefault(dependency.name, []).append(dependency)
    found: dict[str, str] = {}
    for name, alternatives in by_name.items():
        if len(alternatives) < 2 or any(d.marker.is_any() for d in alternatives):
            continue
        union = alternatives[0].marker
        for dependency in alternatives[1:]:
            union = union.union(dependency.marker)
        complement = union.invert()
        found[name] = "" if complement.is_empty() else str(complement.without_extras())
    return found
