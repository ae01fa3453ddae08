"""A lock is replaced whole or not at all, keeping its mode, line endings and symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from poetry_plugin_multiarch.atomicwrite import (
    line_ending_of,
    with_line_ending,
    write_text_atomically,
)


def test_replaces_content_and_keeps_the_mode(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text("old\n")
    lock.chmod(0o640)

    write_text_atomically(lock, "new\n")

    assert lock.read_text() == "new\n"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["poetry.lock"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_bytes(b"old\n")

    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(lock, "half\n\ud800 cannot be UTF-8\n")

    assert lock.read_bytes() == b"old\n"
    assert os.listdir(tmp_path) == ["poetry.lock"]


def test_a_symlinked_lock_stays_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "poetry.lock"
    target.write_text("old\n")
    lock = tmp_path / "poetry.lock"
    lock.symlink_to(target)

    write_text_atomically(lock, "new\n")

    assert lock.is_symlink() and target.read_text() == "new\n"


def test_line_endings_follow_the_old_lock(tmp_path: Path) -> None:
    lock = tmp_path / "poetry.lock"
    assert line_ending_of(lock) is None
    lock.write_bytes(b"a\r\nb\r\n")
    assert with_line_ending("x\ny\r\n", line_ending_of(lock)) == "x\r\ny\r\n"
    lock.write_bytes(b"a\nb\n")
    assert with_line_ending("x\r\ny\n", line_ending_of(lock)) == "x\ny\n"
    assert with_line_ending("x\r\ny\n", None) == "x\r\ny\n"
