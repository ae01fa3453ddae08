"""Artifacts for an install, taken from the lock and fetched before anything changes.

:class:`LockedArtifactPool` stands in for the repository pool of Poetry's
``Chooser``: a package whose locked files all have URLs gets its links from the lock
(so the chooser picks by the interpreter's tag priority among exactly the locked
files) and no index page is read. :func:`prefetch_artifacts` downloads every archive
an install needs into Poetry's artifact cache and checks its hash, all before the
first operation runs.

Downloads are bounded: each archive has an overall deadline
(``MULTIARCH_DOWNLOAD_DEADLINE`` seconds), and a body cut short is fetched once more.
A source's credentials go only to URLs on that source's host (scheme, host and port).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

from poetry.core.packages.utils.link import Link
from poetry.utils.authenticator import Authenticator
from poetry.utils.constants import REQUESTS_TIMEOUT
from poetry.utils.helpers import get_file_hash
from poetry.utils.password_manager import HTTPAuthCredential
from requests.utils import atomic_open

from poetry_plugin_multiarch.errors import ArtifactFetchError, ConfigError
from poetry_plugin_multiarch.urls import redact_text, redact_url

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.installation.executor import Executor
    from poetry.installation.operations.operation import Operation
    from poetry.repositories import Repository, RepositoryPool
    from requests import Response

__all__ = ["DEADLINE_VARIABLE", "LockedArtifactPool", "locked_links", "prefetch_artifacts"]

#: Environment variable: seconds one archive's download may take, retry included.
DEADLINE_VARIABLE = "MULTIARCH_DOWNLOAD_DEADLINE"
DEFAULT_DEADLINE = 300.0


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
        return self._repository.find_links_for_package(package)  # type: ignore[attr-defined]

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
    deadline = download_deadline(os.environ)
    if io.is_verbose():
        io.write_line(f"<debug>multiarch: fetching {len(wanted)} locked artifacts first</debug>")
    workers = max(1, getattr(executor, "_max_workers", 1))
    with ThreadPoolExecutor(max_workers=workers) as threads:
        results = list(threads.map(functools.partial(_fetch, executor, deadline), wanted))
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
    executor: Executor, deadline: float, operation: Operation
) -> str | tuple[Path, tuple[os.stat_result, str]] | None:
    """Fetch one archive; return a line describing the failure, or the archive with
    its stat and checked hash (``None`` when the lock has no hash to check)."""
    package = operation.package
    label = f"{package.pretty_name} {redact_text(package.full_pretty_version)}"
    url = package.source_url or ""
    try:
        link = Link(url) if package.source_type == "url" else executor._chooser.choose_for(package)
        url = link.url_without_fragment
        session = _SourceScopedAuthenticator(executor._authenticator, package)
        download = functools.partial(_download, session, deadline=deadline)
        archive = executor._artifact_cache.get_cached_archive_for_link(
            link, strict=True, download_func=download
        )
    except Exception as e:  # the download's own reason is the message
        return f"{label}: {redact_url(url)}: {_reason(e, package)}"
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


def download_deadline(environ: Mapping[str, str]) -> float:
    """Seconds one archive's download may take, from ``MULTIARCH_DOWNLOAD_DEADLINE``
    (a machine's network setting, so not in ``pyproject.toml``).

    :raises ConfigError: for a value that is not a positive number of seconds.
    """
    value = environ.get(DEADLINE_VARIABLE, "").strip()
    if not value:
        return DEFAULT_DEADLINE
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(
            f"{DEADLINE_VARIABLE}={value!r} is not a number of seconds greater than 0.",
            f"Set it to the seconds one download may take (for example"
            f" {DEADLINE_VARIABLE}=600), or unset it for the default of"
            f" {DEFAULT_DEADLINE:g}.",
        )
    return seconds


class _SourceScopedAuthenticator:
    """Poetry's ``Authenticator`` for one package's download: a URL on the host
    (scheme, host and port) of the package's source gets that source's credentials
    (``user:password@`` in its configured URL, ``http-basic.<source>`` /
    ``POETRY_HTTP_BASIC_<SOURCE>_*``, keyring); any other URL gets what Poetry finds
    for that URL itself (a configured repository on its host, keyring; requests adds
    netrc). Redirects to another host carry no credentials (requests drops them).

    The lock keeps no credentials, so Poetry's own lookup by the locked URL misses a
    source whose configured URL holds ``user:password@``.
    """

    def __init__(self, authenticator: Authenticator, package: Package) -> None:
        self._authenticator = authenticator
        self._origin: tuple[str, str, int | None] | None = None
        self._credential = HTTPAuthCredential()
        source = package.source_reference if package.source_type == "legacy" else None
        repository = authenticator.configured_repositories.get(source) if source else None
        if repository is not None:
            self._origin = _origin(repository.url)
            parts = urlsplit(repository.url)
            if parts.username is not None or parts.password is not None:
                self._credential = HTTPAuthCredential(
                    unquote(parts.username or ""), unquote(parts.password or "")
                )
            else:
                self._credential = authenticator.get_http_auth(source) or self._credential

    def get_credentials_for_url(self, url: str) -> HTTPAuthCredential:
        if self._origin is not None and _origin(url) == self._origin:
            return self._credential
        return self._authenticator.get_credentials_for_url(url)

    def get(self, url: str, **kwargs: Any) -> Response:
        # Poetry's request (its sessions, certificates, proxies and retries), asking
        # this object for the credentials.
        return Authenticator.request(cast(Authenticator, self), "get", url, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._authenticator, name)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port or default


class _DeadlinePassed(Exception):
    def __init__(self, deadline: float, received: int, total: int | None) -> None:
        of = f" of {total}" if total else ""
        super().__init__(
            f"download deadline of {deadline:g} s passed ({received}{of} bytes received);"
            f" {DEADLINE_VARIABLE} sets it"
        )


class _Truncated(Exception):
    def __init__(self, received: int, missing: int) -> None:
        super().__init__(f"IncompleteRead({received} bytes read, {missing} more expected)")


def _download(
    session: _SourceScopedAuthenticator, url: str, dest: Path, *, deadline: float
) -> None:
    """Stream *url* to *dest* within *deadline* seconds; a body cut short is fetched
    once more (within the same deadline) before the download fails."""
    ends = time.monotonic() + deadline
    try:
        _stream(session, url, dest, ends, deadline)
    except _Truncated:
        _stream(session, url, dest, ends, deadline)


class _Progress:
    """Bytes received against the deadline: :meth:`left` before every read."""

    def __init__(self, ends: float, deadline: float) -> None:
        self.ends, self.deadline = ends, deadline
        self.received, self.total = 0, None

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise _DeadlinePassed(self.deadline, self.received, self.total)
        return left


def _stream(
    session: _SourceScopedAuthenticator, url: str, dest: Path, ends: float, deadline: float
) -> None:
    import urllib3.exceptions

    progress = _Progress(ends, deadline)
    try:
        response = session.get(
            url,
            stream=True,
            headers={"Accept-Encoding": "identity"},
            timeout=min(REQUESTS_TIMEOUT, progress.left()),
        )
        with response, atomic_open(dest) as out:
            with contextlib.suppress(KeyError, ValueError):
                progress.total = int(response.headers["Content-Length"])
            raw = response.raw
            # read1 returns what has arrived (urllib3 2.3+), so the deadline is also
            # checked while a server drips; read waits for a whole chunk.
            read = getattr(raw, "read1", None) or raw.read
            while progress.left():
                try:
                    chunk = read(64 * 1024)
                except urllib3.exceptions.ProtocolError as e:
                    if match := _INCOMPLETE.search(str(e)):
                        raise _Truncated(int(match[1]), int(match[2])) from e
                    raise
                if not chunk:
                    break
                out.write(chunk)
                progress.received += len(chunk)
            if progress.total is not None and progress.received < progress.total:
                raise _Truncated(progress.received, progress.total - progress.received)
    except (_DeadlinePassed, _Truncated):
        raise
    except Exception:
        progress.left()  # a read timeout at the deadline reports the deadline
        raise


_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)")


def _reason(error: Exception, package: Package | None = None) -> str:
    """A short reason: the HTTP status, a cut-short body, or the error's first line.

    A refused URL download says how to give credentials: the lock keeps none.
    """
    response = getattr(error, "response", None)
    if response is not None and getattr(response, "status_code", None):
        status = f"HTTP {response.status_code} {response.reason or ''}".strip()
        if response.status_code in (401, 403) and package is not None:
            status += _credentials_hint(package)
        return status
    text = str(error).strip()
    if match := _INCOMPLETE.search(text):
        return f"connection closed early ({match[1]} bytes read, {match[2]} more expected)"
    return redact_text(text.splitlines()[0]) if text else type(error).__name__


def _credentials_hint(package: Package) -> str:
    if package.source_type == "url":
        host = urlsplit(package.source_url or "").hostname or "its host"
        return (
            f" (poetry.lock keeps no credentials: give them for {host} in ~/.netrc,"
            " or with `poetry config repositories.<name> <URL prefix>` and"
            " `poetry config http-basic.<name> <user> <password>`)"
        )
    source = package.source_reference if package.source_type == "legacy" else None
    if source:
        variable = re.sub(r"\W", "_", source).upper()
        return (
            f" (credentials for source {source}: `poetry config http-basic.{source}"
            f" <user> <password>`, POETRY_HTTP_BASIC_{variable}_USERNAME/_PASSWORD,"
            " keyring, or ~/.netrc)"
        )
    return ""
