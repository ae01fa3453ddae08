"""Poetry's release cache is kept per source name; bound, each source URL reads only
its own entries, in Poetry's format."""

from __future__ import annotations

from pathlib import Path

from poetry.config.config import Config
from poetry.inspection.info import PackageInfo
from poetry.repositories import RepositoryPool
from poetry.repositories.legacy_repository import LegacyRepository
from poetry.utils.cache import FileCache

from poetry_plugin_multiarch.adapter.release_cache import SourceBoundCache, bind_release_caches

RELEASE = {"name": "alpha", "version": "1.0", "files": [{"file": "a.whl", "hash": "sha256:0"}]}


def test_an_entry_of_another_url_or_of_stock_poetry_is_a_miss(tmp_path: Path) -> None:
    shared = FileCache(path=tmp_path / "private")
    old = SourceBoundCache(shared, "http://127.0.0.1:1/private/simple")
    new = SourceBoundCache(shared, "http://127.0.0.2:2/private/simple")
    shared.put("beta:2.0", RELEASE)  # written by Poetry without the plugin
    old.put("alpha:1.0", RELEASE)

    assert old.get("beta:2.0") is None
    assert old.get("alpha:1.0") == RELEASE
    assert new.get("alpha:1.0") is None
    fetched = new.remember("alpha:1.0", lambda: {**RELEASE, "version": "1.0.0"})
    assert fetched["version"] == "1.0.0"
    assert new.get("alpha:1.0") == fetched
    assert old.get("alpha:1.0") == RELEASE  # two projects sharing a cache keep theirs
    assert shared.get("alpha:1.0") is None  # stock Poetry's key: untouched
    assert PackageInfo.load(dict(new.get("alpha:1.0"))).version == "1.0.0"

    new.forget("alpha:1.0")
    assert new.get("alpha:1.0") is None and old.get("alpha:1.0") == RELEASE


def test_bind_release_caches_binds_index_sources_to_their_url(tmp_path: Path) -> None:
    config = Config()
    config.merge({"cache-dir": str(tmp_path)})
    repository = LegacyRepository("private", "https://u:pw@Host.example/simple/", config=config)
    pool = RepositoryPool([repository])

    bind_release_caches(pool)
    bind_release_caches(pool)  # a project reloaded by add/remove: bound once

    cache = repository._release_cache
    assert isinstance(cache, SourceBoundCache)
    assert isinstance(cache.cache, FileCache)
    assert cache.source == "https://host.example/simple"
