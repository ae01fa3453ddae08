"""``multiarch download``: the files a target installs, fetched into a directory.

Each file comes from the URL the lock records, with the credentials of the package's
source (as an install would send them), and is checked against the locked size and
hash before it takes its name in the directory: a failed or wrong download leaves no
file behind. A file already there that matches is kept and not fetched again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from poetry.core.packages.package import Package
from poetry.utils.authenticator import Authenticator
from poetry.utils.helpers import get_file_hash

from poetry_plugin_multiarch.adapter.artifacts import (
    SourceScopedAuthenticator,
    download_deadline,
    download_within,
    failure_reason,
)
from poetry_plugin_multiarch.errors import ArtifactFetchError
from poetry_plugin_multiarch.urls import redact_url

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from poetry.poetry import Poetry

    from poetry_plugin_multiarch.install_plan import PlannedPackage

__all__ = ["DownloadResult", "download_files"]


@dataclass(frozen=True, kw_only=True, slots=True)
class DownloadResult:
    """One file: fetched now, or found there already (``kept``)."""

    name: str
    size: int
    kept: bool
    seconds: float


def download_files(
    poetry: Poetry,
    planned: Sequence[PlannedPackage],
    directory: Path,
    *,
    workers: int,
    told: Callable[[DownloadResult], None],
) -> list[DownloadResult]:
    """Fetch every file of *planned* into *directory* (in parallel), calling *told*
    as each one is done.

    :raises ArtifactFetchError: naming every file that failed and why; the files
        that did arrive stay, checked.
    """
    directory.mkdir(parents=True, exist_ok=True)
    authenticator = Authenticator(poetry.config)
    for repository in poetry.pool.repositories:
        url = getattr(repository, "url", None)
        if url:
            authenticator.add_repository(repository.name, url)
    deadline = download_deadline(os.environ)
    umask = os.umask(0o022)
    os.umask(umask)
    unique = {item.file.name: item for item in planned if item.file is not None}
    fetch = functools.partial(_fetch_one, authenticator, directory, deadline, 0o666 & ~umask, told)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as threads:
        results = list(threads.map(fetch, unique.values()))
    failures = [r for r in results if isinstance(r, str)]
    if failures:
        raise ArtifactFetchError(
            "Could not download every file:\n" + "\n".join(f"  {f}" for f in failures),
            "Check the source is reachable (and its credentials) and serves what"
            " `poetry lock` recorded; run the command again to fetch only what is missing.",
        )
    return [r for r in results if isinstance(r, DownloadResult)]


def _fetch_one(
    authenticator: Authenticator,
    directory: Path,
    deadline: float,
    mode: int,
    told: Callable[[DownloadResult], None],
    item: PlannedPackage,
) -> DownloadResult | str:
    assert item.file is not None
    file = item.file
    entry = item.package
    url = item.location or ""
    label = f"{entry.name} {entry.version}: {file.name}"
    target = directory / file.name
    started = time.monotonic()
    if target.is_file() and _problem(target, file.hash, file.size) is None:
        result = DownloadResult(name=file.name, size=target.stat().st_size, kept=True, seconds=0.0)
        told(result)
        return result
    partial = directory / f".{file.name}.{os.getpid()}.part"
    try:
        session = SourceScopedAuthenticator(authenticator, _package_of(item))
        download_within(session, url, partial, deadline=deadline)
        if (problem := _problem(partial, file.hash, file.size)) is not None:
            return f"{label}: {redact_url(url)}: {problem}"
        partial.chmod(mode)  # a temporary file's 0600 is not what a download gets
        os.replace(partial, target)
    except Exception as e:  # the download's own reason is the message
        return f"{label}: {redact_url(url)}: {failure_reason(e, _package_of(item))}"
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    result = DownloadResult(
        name=file.name,
        size=target.stat().st_size,
        kept=False,
        seconds=time.monotonic() - started,
    )
    told(result)
    return result


def _package_of(item: PlannedPackage) -> Package:
    """A Poetry package naming the entry's source: whose credentials the URL gets."""
    entry = item.package
    source = entry.source
    return Package(
        entry.name,
        entry.version,
        source_type=source.type if source else None,
        source_url=source.url if source else None,
        source_reference=source.reference if source else None,
    )


def _problem(path: Path, locked_hash: str, size: int | None) -> str | None:
    """What is wrong with *path* against the lock's hash (and size), if anything."""
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        return f"size mismatch: got {actual_size} bytes, poetry.lock has {size} bytes"
    algorithm, _, digest = locked_hash.partition(":")
    if algorithm not in hashlib.algorithms_available:
        return f"poetry.lock's hash {locked_hash} uses an unknown algorithm"
    actual = get_file_hash(path, algorithm)
    if actual != digest.lower():
        return f"hash mismatch: got {algorithm}:{actual}, poetry.lock has {locked_hash}"
    return None
