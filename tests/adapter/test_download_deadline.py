"""MULTIARCH_DOWNLOAD_DEADLINE: seconds, default 300, anything else a clear error."""

from __future__ import annotations

import pytest

from poetry_plugin_multiarch.adapter.artifacts import DEFAULT_DEADLINE, download_deadline
from poetry_plugin_multiarch.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, DEFAULT_DEADLINE), ("", DEFAULT_DEADLINE), ("2", 2.0), (" 0.5 ", 0.5)],
)
def test_deadline_in_seconds(value, seconds) -> None:
    environ = {} if value is None else {"MULTIARCH_DOWNLOAD_DEADLINE": value}
    assert download_deadline(environ) == seconds


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "inf", "5s"])
def test_anything_else_names_the_variable_and_value(value) -> None:
    with pytest.raises(ConfigError) as error:
        download_deadline({"MULTIARCH_DOWNLOAD_DEADLINE": value})
    assert f"MULTIARCH_DOWNLOAD_DEADLINE={value!r}" in error.value.message
    assert "MULTIARCH_DOWNLOAD_DEADLINE=600" in error.value.hint
