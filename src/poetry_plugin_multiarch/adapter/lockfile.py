"""Read the project's ``poetry.lock`` through Poetry's locker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.lockmodel import MultiarchLock

if TYPE_CHECKING:
    from poetry.poetry import Poetry

__all__ = ["read_lock"]


def read_lock(poetry: Poetry) -> MultiarchLock:
    """:raises LockDataError: there is no lock yet."""
    locker = poetry.locker
    if not locker.is_locked():
        raise LockDataError(f"No lock file at {locker.lock}.", "Run `poetry lock` first.")
    return MultiarchLock.from_lock_data(locker.lock_data)
