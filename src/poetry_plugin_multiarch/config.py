"""The ``[tool.poetry-plugin-multiarch]`` table of a project's pyproject.toml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from poetry_plugin_multiarch.errors import ConfigError

__all__ = ["KNOWN_KEYS", "TABLE", "MultiarchConfig", "parse_config"]

TABLE = "tool.poetry-plugin-multiarch"

#: Keys this version understands. Later versions add target environments here.
KNOWN_KEYS: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class MultiarchConfig:
    """The plugin's settings for one project (none yet: the table may be empty)."""


def parse_config(pyproject: Mapping[str, Any]) -> MultiarchConfig:
    """Read and validate the plugin's table from a parsed pyproject.toml.

    :raises ConfigError: the table is not a table, or holds a key this version
        does not know (every unknown key is named at once).
    """
    table = pyproject.get("tool", {}).get("poetry-plugin-multiarch", {})
    if not isinstance(table, Mapping):
        raise ConfigError(
            f"[{TABLE}] in pyproject.toml must be a table, not {type(table).__name__}.",
            f"Write it as a table: [{TABLE}] on its own line, keys below it.",
        )
    unknown = sorted(key for key in table if key not in KNOWN_KEYS)
    if unknown:
        names = ", ".join(f"'{key}'" for key in unknown)
        known = ", ".join(f"'{key}'" for key in KNOWN_KEYS) or "none in this version"
        plural = "s" if len(unknown) > 1 else ""
        raise ConfigError(
            f"Unknown key{plural} {names} in [{TABLE}] of pyproject.toml.",
            f"Known keys: {known}. Remove the key{plural} or check the spelling.",
        )
    return MultiarchConfig()
