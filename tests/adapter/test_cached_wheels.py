"""The unpacked-wheel cache's settings and housekeeping, in process."""

from __future__ import annotations

from pathlib import Path

import pytest

from poetry_plugin_multiarch.adapter.cached_wheels import (
    clear_unpacked_wheels,
    count_unpacked_wheels,
    link_mode,
    unpacked_wheels_dir,
)
from poetry_plugin_multiarch.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "mode"),
    [(None, "auto"), ("", "auto"), ("hardlink", "auto"), (" Copy ", "copy"), ("poetry", None)],
)
def test_link_mode_reads_the_environment(value: str | None, mode: str | None) -> None:
    environ = {} if value is None else {"MULTIARCH_LINK_MODE": value}
    assert link_mode(environ) == mode


def test_an_unknown_link_mode_names_the_allowed_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        link_mode({"MULTIARCH_LINK_MODE": "symlink"})
    assert "MULTIARCH_LINK_MODE='symlink' is not a link mode" in str(raised.value)
    assert "hardlink, copy, poetry" in raised.value.hint


class _Config:
    def __init__(self, cache_dir: Path) -> None:
        self._cache_dir = cache_dir

    def get(self, name: str) -> str:
        assert name == "cache-dir"
        return str(self._cache_dir)


def test_clear_deletes_every_entry_and_counts_only_whole_ones(tmp_path: Path) -> None:
    config = _Config(tmp_path)
    root = unpacked_wheels_dir(config)  # type: ignore[arg-type]
    assert root == tmp_path / "multiarch" / "unpacked-wheels"
    for digest in ("ab" + "0" * 62, "ab" + "1" * 62, "cd" + "2" * 62):
        (root / digest[:2] / digest / "files").mkdir(parents=True)
    (root / "ab" / ".ab00.x.tmp").mkdir()  # an entry being built
    assert count_unpacked_wheels(root) == 3

    assert clear_unpacked_wheels(config) == (root, 3)  # type: ignore[arg-type]
    assert not root.exists()
    assert list((tmp_path / "multiarch").iterdir()) == []
    assert clear_unpacked_wheels(config) == (root, 0)  # type: ignore[arg-type]
