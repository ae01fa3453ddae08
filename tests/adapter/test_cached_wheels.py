"""The unpacked-wheel cache's settings and housekeeping, in process."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cleo.io.buffered_io import BufferedIO
from cleo.io.outputs.output import Verbosity

from poetry_plugin_multiarch.adapter.cached_wheels import (
    CachedWheelInstaller,
    clear_unpacked_wheels,
    count_unpacked_wheels,
    link_mode,
    unpacked_wheels_dir,
    use_wheel_cache,
)
from poetry_plugin_multiarch.errors import ConfigError
from tests.harness.wheels import build_wheel, sha256_of


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


def _installer(tmp_path: Path, io: BufferedIO) -> CachedWheelInstaller:
    from poetry.installation.wheel_installer import WheelInstaller
    from poetry.utils.env import MockEnv

    installer = use_wheel_cache(
        WheelInstaller(MockEnv(path=tmp_path / "venv")),
        _Config(tmp_path / "cache"),  # type: ignore[arg-type]
        io,
        environ={},
    )
    assert installer is not None
    return installer


def test_an_archive_the_cache_cannot_unpack_is_left_to_poetrys_installer(tmp_path: Path) -> None:
    io = BufferedIO()
    io.set_verbosity(Verbosity.VERBOSE)
    installer = _installer(tmp_path, io)
    garbage = tmp_path / "demo-1.0-py3-none-any.whl"
    garbage.write_bytes(b"not a zip")

    installer.checked(garbage, "sha256:" + hashlib.sha256(b"not a zip").hexdigest())
    installer.settle()

    assert installer._multiarch_entries == {}
    assert (
        "multiarch: installing through Poetry's wheel installer:"
        " demo-1.0-py3-none-any.whl: the unpacked-wheel cache failed" in io.fetch_output()
    )
    assert installer.summary() is None


def test_a_wheel_is_held_only_when_its_entry_is_whole(tmp_path: Path) -> None:
    installer = _installer(tmp_path, BufferedIO())
    wheel = build_wheel(tmp_path / "dist", "demo", "1.0")
    digest = "sha256:" + sha256_of(wheel)
    assert not installer.holds(wheel, digest)  # nothing unpacked yet

    installer.checked(wheel, digest)
    installer.settle()
    assert installer.holds(wheel, digest)
    (entry,) = installer._multiarch_entries.values()
    (entry / "files" / "demo" / "__init__.py").write_text("changed")
    assert not installer.holds(wheel, digest)
    assert not installer.holds(tmp_path / "demo-1.0.tar.gz", digest)  # sdists never
