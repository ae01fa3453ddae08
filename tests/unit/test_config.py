from __future__ import annotations

import pytest

from poetry_plugin_multiarch.config import MultiarchConfig, parse_config
from poetry_plugin_multiarch.errors import ConfigError


@pytest.mark.parametrize(
    "pyproject",
    [{}, {"tool": {}}, {"tool": {"poetry-plugin-multiarch": {}}}],
    ids=["no-tool", "no-table", "empty-table"],
)
def test_absent_or_empty_table_is_accepted(pyproject) -> None:
    assert parse_config(pyproject) == MultiarchConfig()


def test_unknown_key_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"tool": {"poetry-plugin-multiarch": {"environmnets": []}}})
    assert info.value.message == (
        "Unknown key 'environmnets' in [tool.poetry-plugin-multiarch] of pyproject.toml."
    )
    assert info.value.hint == (
        "Known keys: 'environments', 'python', 'on-gap'. Remove the key or check the spelling."
    )


def test_every_unknown_key_is_named_at_once() -> None:
    with pytest.raises(ConfigError, match=r"Unknown keys 'a', 'b' in"):
        parse_config({"tool": {"poetry-plugin-multiarch": {"b": 1, "a": 2}}})


def test_table_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"must be a table, not list"):
        parse_config({"tool": {"poetry-plugin-multiarch": ["linux-x86_64"]}})
