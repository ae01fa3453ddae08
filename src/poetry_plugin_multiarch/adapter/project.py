"""What the plugin reads from a Poetry project: its settings and direct dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry.core.constraints.version import parse_constraint

from poetry_plugin_multiarch.config import MultiarchConfig, parse_config
from poetry_plugin_multiarch.targets import PYTHON_MINORS

if TYPE_CHECKING:
    from poetry.poetry import Poetry

__all__ = ["direct_dependencies", "load_config"]


def load_config(poetry: Poetry) -> MultiarchConfig:
    """``[tool.poetry-plugin-multiarch]``, with Python minors limited to the project's.

    :raises ConfigError:
    """
    constraint = poetry.package.python_constraint
    allowed = [m for m in PYTHON_MINORS if constraint.allows_any(parse_constraint(f"~{m}"))]
    return parse_config(poetry.pyproject.data, allowed)


def direct_dependencies(poetry: Poetry) -> frozenset[str]:
    """Names the project depends on directly, in any group."""
    return frozenset(dep.name for dep in poetry.package.all_requires)
