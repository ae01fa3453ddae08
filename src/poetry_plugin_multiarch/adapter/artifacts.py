"""Artifacts for an install, taken from the lock and fetched before anything changes.

:class:`LockedArtifactPool` stands in for the repository pool of Poetry's
``Chooser``: a package whose locked files all have URLs gets its links from the lock
(so the chooser picks by the interpreter's tag priority among exactly the locked
files) and no index page is read. :func:`prefetch_artifacts` downloads every archive
an install needs into Poetry's artifact cache and checks its hash, all before the
first operation runs.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poetry.core.packages.utils.link import Link
from poetry.utils.helpers import get_file_hash

from poetry_plugin_multiarch.adapter.compat import downloader_class
from poetry_plugin_multiarch.errors import ArtifactFetchError
from poetry_plugin_multiarch.urls import redact_text, redact_url

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.installation.executor import Executor
    from poetry.installation.operations.operation import Operation
    from poetry.repositories import Repository, RepositoryPool

__all__ = ["LockedArtifactPool", "locked_links", "prefetch_artifacts"]


def locked_links(package: Package) -> list[Link] | None:
    """Links to the package's locked files, or ``None`` if any file lacks a URL."""
    links = []
    for entry in package.files:
        url = entry.get("url")
        if not url:
            return None
        algorithm, _, digest = entry["hash"].partition(":")
        links.append(Link(f"{url}#{algorithm}={digest}"))
    return links or None


class _LockedArtifactRepository:
    """A repository whose links for a locked package come from the lock."""

    def __init__(self, repository: Repository, io: IO) -> None:
        self._repository = repository
        self._io = io

    def find_links_for_package(self, package: Package) -> list[Link]:
        links = locked_links(package)
        if links is not None:
            return links
        if self._io.is_verbose():
            self._io.write_line(
                f"<debug>multiarch: poetry.lock names no artifact URLs for"
                f" {package.pretty_name} ({package.full_pretty_version});"
                f" reading the index page of source {self._repository.name}</debug>"
            )
        return self._repository.find_links_for_package(package)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repository, name)


class LockedArtifactPool:
    """The pool a ``Chooser`` sees: every repository answers from the lock first."""

    def __init__(self, pool: RepositoryPool, io: IO) -> None:
        self._pool = pool
        self._io = io

    def repository(self, name: str) -> _LockedArtifactRepository:
        return _LockedArtifactRepository(self._pool.repository(name), self._io)

    @property
    def repositories(self) -> list[_LockedArtifactRepository]:
        return [_LockedArtifactRepository(r, self._io) for r in self._pool.repositories]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


#: Source types whose archive the executor downloads (git, file and directory
#: packages are read where they are).
_DOWNLOADED = (None, "legacy", "url")


def prefetch_artifacts(executor: Executor, operations: Sequence[Operation], io: IO) -> None:
    """Download and hash-check every archive *operations* will install.

    Archives land in Poetry's artifact cache, where the executor finds them.

    :raises ArtifactFetchError: naming every package that failed, its URL (without
        credentials) and why; a download with the wrong hash is removed from the cache.
    """
    wanted = [
        op
        for op in operations
        if op.job_type in ("install", "update")
        and not op.skipped
        and op.package.source_type in _DOWNLOADED
    ]
    if not wanted:
        return
    if io.is_verbose():
        io.write_line(f"<debug>multiarch: fetching {len(wanted)} locked artifacts first</debug>")
    workers = max(1, getattr(executor, "_max_workers", 1))
    with ThreadPoolExecutor(max_workers=workers) as threads:
        results = list(threads.map(functools.partial(_fetch, executor), wanted))
    failures = [result for result in results if isinstance(result, str)]
    if failures:
        raise ArtifactFetchError(
            "Could not fetch every locked artifact; nothing was installed, updated or"
            " removed:\n" + "\n".join(f"  {line}" for line in failures),
            "Check the source is reachable and serves what `poetry lock` recorded;"
            " if the artifacts changed on purpose, run `poetry lock` again.",
        )
    checked = dict(result for result in results if isinstance(result, tuple))
    executor._validate_archive_hash = _CheckedArchives(checked)  # type: ignore[method-assign]


class _CheckedArchives:
    """The executor's hash check for archives :func:`prefetch_artifacts` has checked
    (unchanged since): their hash, without reading them again; any other archive is
    checked by Poetry's own code."""

    def __init__(self, checked: dict[Path, tuple[os.stat_result, str]]) -> None:
        self._checked = checked

    def __call__(self, archive: Path, package: Package) -> str:
        from poetry.installation.executor import Executor

        known = self._checked.get(archive)
        if known is not None and _same_file(archive.stat(), known[0]):
            return known[1]
        return Executor._validate_archive_hash(archive, package)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_ino, b.st_size, b.st_mtime_ns)


def _fetch(
    executor: Executor, operation: Operation
) -> str | tuple[Path, tuple[os.stat_result, str]] | None:
    """Fetch one archive; return a line describing the failure, or the archive with
    its stat and checked hash (``None`` when the lock has no hash to check)."""
    package = operation.package
    label = f"{package.pretty_name} {package.full_pretty_version}"
    url = package.source_url or ""
    try:
        link = Link(url) if package.source_type == "url" else executor._chooser.choose_for(package)
        url = link.url_without_fragment
        archive = executor._artifact_cache.get_cached_archive_for_link(
            link, strict=True, download_func=functools.partial(_download, executor)
        )
    except Exception as e:  # the download's own reason is the message
        return f"{label}: {redact_url(url)}: {_reason(e)}"
    if not package.files:
        return None
    try:
        stat = archive.stat()
        checked = executor._validate_archive_hash(archive, package)
    except RuntimeError:
        actual = get_file_hash(archive, "sha256")
        with contextlib.suppress(OSError):
            archive.unlink()
        locked = ", ".join(sorted(f["hash"] for f in package.files if f["file"] == archive.name))
        return (
            f"{label}: {redact_url(url)}: hash mismatch: got sha256:{actual},"
            f" poetry.lock has {locked or 'no hash for ' + archive.name}"
        )
    return archive, (stat, checked)


def _download(executor: Executor, url: str, dest: Path) -> None:
    downloader = downloader_class()(
        url, dest, executor._authenticator, max_retries=executor._max_retries
    )
    for _ in downloader.download_with_progress(chunk_size=64 * 1024):
        pass


_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)")


def _reason(error: Exception) -> str:
    """A short reason: the HTTP status, a cut-short body, or the error's first line."""
    response = getattr(error, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code} {response.reason or ''}".strip()
    text = str(error).strip()
    if match := _INCOMPLETE.search(text):
        return f"connection closed early ({match[1]} bytes read, {match[2]} more expected)"
    return redact_text(text.splitlines()[0]) if text else type(error).__name__
