"""Replace a file's content all at once: a killed process leaves the old file or the
new one, never a truncated mix.

Stock Poetry opens ``poetry.lock`` with ``"w"`` (truncating it) and then writes; a
kill in between leaves 0 bytes and the previous lock is gone. Here the new content
goes to a temporary file next to the target, is flushed and fsynced, and then
``os.replace`` swaps it in (atomic on POSIX and Windows within one directory).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "line_ending_of", "with_line_ending", "write_text_atomically"]

#: Temporary files are ``.<name>.<random>.tmp``: hidden, and never a name a tool reads.
TEMP_SUFFIX = ".tmp"


def line_ending_of(path: Path) -> str | None:
    """The line ending of *path*'s first line (``None``: no such file, keep as given)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            line = f.readline()
    except FileNotFoundError:
        return None
    return "\r\n" if line.endswith("\r\n") else "\n"


def with_line_ending(content: str, linesep: str | None) -> str:
    """*content* with every line ending made *linesep*, as Poetry keeps a lock's."""
    if linesep == "\n":
        return content.replace("\r\n", "\n")
    if linesep == "\r\n":
        return re.sub(r"(?<!\r)\n", "\r\n", content)
    return content


def write_text_atomically(path: Path, content: str) -> None:
    """Write *content* (UTF-8, line endings as given) to *path* atomically.

    The file keeps its permission bits; a symlink keeps pointing where it did (its
    target is replaced). On any error the temporary file is removed and *path* is
    as it was.
    """
    target = Path(os.path.realpath(path))
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None  # a new file: the umask decides, as for any new file

    def opener(name: str, flags: int) -> int:
        # created with the old file's mode: a private lock is never readable by others
        return os.open(name, flags, 0o666 if mode is None else mode)

    try:
        with open(temp, "x", encoding="utf-8", newline="", opener=opener) as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); Windows cannot open a directory."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems do not sync directories
        pass
    finally:
        os.close(fd)
