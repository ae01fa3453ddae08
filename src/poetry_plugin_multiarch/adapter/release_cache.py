"""Bind Poetry's per-source release cache to the source's URL.

Poetry caches each release's info (files with their URLs from 2.3 on, hashes,
dependencies) under ``cache/repositories/<source name>/``, keyed by name and version
only. A source moved to another host under the same name, or two projects naming
different indexes alike (``private``) in one cache, then get the other host's data:
its URLs go into the lock and install downloads from there, even after
``lock --regenerate``. Here the key also names the source's current URL: an entry of
another URL (or one stock Poetry wrote) is never read, Poetry reads the current source
instead. Entries keep Poetry's format and directory (``poetry cache clear <name>
--all`` clears them); each URL keeps its own entries, so projects that share a cache
do not evict each other's, and a consistent cache costs nothing extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poetry.repositories.legacy_repository import LegacyRepository

from poetry_plugin_multiarch.urls import source_identity

if TYPE_CHECKING:
    from collections.abc import Callable

    from poetry.repositories import RepositoryPool
    from poetry.utils.cache import FileCache

__all__ = ["SourceBoundCache", "bind_release_caches"]


class SourceBoundCache:
    """Poetry's ``FileCache`` of one source, with every key bound to its current URL."""

    def __init__(self, cache: FileCache[dict[str, Any]], source: str) -> None:
        self.cache = cache
        self.source = source

    def _key(self, key: str) -> str:
        # on disk only the key's hash is written: no URL, no credential
        return f"{key}@{self.source}"

    def get(self, key: str) -> dict[str, Any] | None:
        return self.cache.get(self._key(key))

    def has(self, key: str) -> bool:
        return self.cache.has(self._key(key))

    def put(self, key: str, value: dict[str, Any], minutes: int | None = None) -> None:
        self.cache.put(self._key(key), value, minutes)

    def remember(
        self,
        key: str,
        callback: dict[str, Any] | Callable[[], dict[str, Any]],
        minutes: int | None = None,
    ) -> dict[str, Any]:
        return self.cache.remember(self._key(key), callback, minutes)

    def forget(self, key: str) -> None:
        """``pool.refresh``: this source's entry and any stock Poetry wrote."""
        self.cache.forget(self._key(key))
        self.cache.forget(key)

    def __getattr__(self, name: str) -> Any:  # path, flush: as Poetry's
        return getattr(self.cache, name)


def bind_release_caches(pool: RepositoryPool) -> None:
    """Bind the release cache of every index source in *pool* to its URL (PyPI's URL
    is fixed: its cache stays as it is)."""
    for repository in pool.all_repositories:
        if not isinstance(repository, LegacyRepository):
            continue
        cache = repository._release_cache
        if isinstance(cache, SourceBoundCache):
            continue
        repository._release_cache = SourceBoundCache(  # type: ignore[assignment]
            cache, source_identity(repository.url)
        )
