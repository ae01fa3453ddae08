"""Read the project's ``poetry.lock`` for analysis (``multiarch show``/``check``) and
check it before an install reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poetry.utils._compat import tomllib

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.lockmodel import MultiarchLock, validate_lock_data

if TYPE_CHECKING:
    from poetry.packages.locker import Locker
    from poetry.poetry import Poetry

__all__ = ["check_lock_file", "read_lock"]

_REGENERATE = "Write it anew with `poetry lock --regenerate` (or fix the file)."


def read_lock(poetry: Poetry) -> MultiarchLock:
    """The lock as values, parsed with ``tomllib``: several times faster than Poetry's
    tomlkit round-trip parser on a large lock.

    :raises LockDataError: there is no lock yet, it is not TOML, or an entry is malformed.
    """
    locker = poetry.locker
    if not locker.is_locked():
        raise LockDataError(f"No lock file at {locker.lock}.", "Run `poetry lock` first.")
    try:
        data = tomllib.loads(locker.lock.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise _not_toml(locker, e) from None
    validate_lock_data(data)
    return MultiarchLock.from_lock_data(data)


def check_lock_file(locker: Locker) -> None:
    """Before an install reads the lock (Poetry's first read of it raises a bare
    ``KeyError`` or a parser error naming neither file nor package): the lock is TOML,
    and every entry is well-formed. Without a lock, nothing to check.

    :raises LockDataError: naming the file and position, or every malformed entry.
    """
    if locker.is_locked() and (data := _lock_data(locker)) is not None:
        validate_lock_data(data)


def _lock_data(locker: Locker) -> dict[str, Any] | None:
    """Poetry's own read of the lock (kept by the locker for the install), its
    ``RuntimeError`` made a :class:`LockDataError` naming the file; ``None`` when the
    file is gone since Poetry looked (Poetry's own error follows)."""
    try:
        return locker.lock_data
    except RuntimeError as e:
        if not locker.lock.exists():
            return None
        try:  # Poetry's message names no file: parse again for the position
            tomllib.loads(locker.lock.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as toml_error:
            raise _not_toml(locker, toml_error) from None
        raise LockDataError(f"{locker.lock} cannot be read: {e}", _REGENERATE) from None


def _not_toml(locker: Locker, error: ValueError) -> LockDataError:
    return LockDataError(f"{locker.lock} is not valid TOML: {error}.", _REGENERATE)
