"""Read the project's ``poetry.lock`` for analysis (``multiarch show``/``check``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.lockmodel import MultiarchLock

if TYPE_CHECKING:
    from poetry.poetry import Poetry

__all__ = ["read_lock"]


def read_lock(poetry: Poetry) -> MultiarchLock:
    """The lock as values, parsed with ``tomllib`` where there is one (Python 3.11+):
    several times faster than Poetry's tomlkit round-trip parser on a large lock.

    :raises LockDataError: there is no lock yet, or it is not TOML.
    """
    locker = poetry.locker
    if not locker.is_locked():
        raise LockDataError(f"No lock file at {locker.lock}.", "Run `poetry lock` first.")
    return MultiarchLock.from_lock_data(_load(poetry))


def _load(poetry: Poetry) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(poetry.locker.lock.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise LockDataError(
                f"{poetry.locker.lock} is not valid TOML: {e}",
                "Run `poetry lock` to write it anew.",
            ) from None
    return dict(poetry.locker.lock_data)  # Python 3.10: no tomllib
