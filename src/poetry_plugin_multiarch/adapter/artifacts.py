"""Artifacts for an install, taken from the lock and fetched before anything changes.

:class:`LockedArtifactChooser` is Poetry's ``Chooser``, except that a package whose
locked files all have URLs gets its links from the lock (so it picks by the
interpreter's tag priority among exactly the locked files) and no index page is read.
:func:`prefetch_artifacts` refuses an archive the lock has no hash for, then downloads
every archive an install needs into Poetry's artifact cache and checks its hash (and
size, when recorded), all before the first operation runs.

Downloads are bounded: each archive has an overall deadline
(``MULTIARCH_DOWNLOAD_DEADLINE`` seconds), and a body cut short is fetched once more.
A source's credentials go only to URLs on that source's host (scheme, host and port).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import unquote, urlsplit

from poetry.core.packages.utils.link import Link
from poetry.utils.authenticator import Authenticator
from poetry.utils.constants import REQUESTS_TIMEOUT
from poetry.utils.helpers import get_file_hash
from poetry.utils.password_manager import HTTPAuthCredential
from requests.utils import atomic_open

from poetry_plugin_multiarch.adapter.compat import LinkHookChooser
from poetry_plugin_multiarch.errors import ArtifactFetchError, ConfigError, UnhashedArtifactError
from poetry_plugin_multiarch.urls import redact_text, redact_url

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.installation.chooser import Chooser
    from poetry.installation.executor import Executor
    from poetry.installation.operations.operation import Operation
    from requests import Response

__all__ = [
    "DEADLINE_VARIABLE",
    "ArchiveSink",
    "LockedArtifactChooser",
    "SourceScopedAuthenticator",
    "download_within",
    "failure_reason",
    "locked_links",
    "prefetch_artifacts",
    "use_locked_artifacts",
]

#: Environment variable: seconds one archive's download may take, retry included.
DEADLINE_VARIABLE = "MULTIARCH_DOWNLOAD_DEADLINE"
DEFAULT_DEADLINE = 300.0


def locked_links(package: Package) -> list[Link] | None:
    """Links to the package's locked files, or ``None`` if any file lacks a URL (or
    a hash: :func:`prefetch_artifacts` refuses that)."""
    links = []
    for entry in package.files:
        url = entry.get("url")
        if not url or not entry.get("hash"):
            return None
        algorithm, _, digest = entry["hash"].partition(":")
        links.append(Link(f"{url}#{algorithm}={digest}"))
    return links or None


class LockedArtifactChooser(LinkHookChooser):
    """Poetry's ``Chooser``, choosing among the lock's files when each has a URL.

    Otherwise (a lock written by stock Poetry) Poetry's own code reads the source's
    index page, computing a hash the page does not give, as it does without the plugin.
    Made from the executor's chooser in place (:func:`use_locked_artifacts`).
    """

    _multiarch_io: IO
    _multiarch_told: set[str]

    def links_instead(self, package: Package) -> list[Link] | None:
        links = locked_links(package)
        told = self._multiarch_told
        if links is None and self._multiarch_io.is_verbose() and package.unique_name not in told:
            told.add(package.unique_name)  # once, though prefetch and install both ask
            self._multiarch_io.write_line(
                f"<debug>multiarch: poetry.lock names no artifact URLs for"
                f" {package.pretty_name} ({package.full_pretty_version});"
                f" reading the index page of source {package.source_reference or 'PyPI'}</debug>"
            )
        return links


def use_locked_artifacts(chooser: Chooser, io: IO) -> None:
    """Turn the executor's *chooser* into a :class:`LockedArtifactChooser`. Idempotent."""
    chooser.__class__ = LockedArtifactChooser
    chooser._multiarch_io = io  # type: ignore[attr-defined]
    chooser._multiarch_told = set()  # type: ignore[attr-defined]


#: Source types whose archive the executor downloads (git, file and directory
#: packages are read where they are).
_DOWNLOADED = (None, "legacy", "url")


class ArchiveSink(Protocol):
    """Where checked archives go next (the unpacked-wheel cache); called from the
    download threads."""

    def holds(self, archive: Path, locked_hash: str) -> bool:
        """Whether an installable copy of the archive with *locked_hash* (the lock's
        hash for its file) exists already, built from an archive that matched it:
        then the archive need not be read again."""

    def checked(self, archive: Path, checked_hash: str) -> None:
        """*archive* was just checked against the lock: its hash is *checked_hash*.
        May return before the sink is done with it."""

    def settle(self) -> None:
        """Called once, after every archive: return when the sink is done with them."""


def prefetch_artifacts(
    executor: Executor,
    operations: Sequence[Operation],
    io: IO,
    sink: ArchiveSink | None = None,
) -> None:
    """Download and hash-check every archive *operations* will install.

    Archives land in Poetry's artifact cache, where the executor finds them. With a
    *sink*, an archive it :meth:`~ArchiveSink.holds` already (an unpacked wheel from
    an earlier install) is not hashed again, and every archive checked is handed to it.

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
    _refuse_unhashed(wanted)
    deadline = download_deadline(os.environ)
    if io.is_verbose():
        io.write_line(f"<debug>multiarch: fetching {len(wanted)} locked artifacts first</debug>")
    # archives the sink holds need no thread: checking that takes a stat per file,
    # which in threads would mostly wait on each other for the GIL (a package whose
    # link comes from an index page is checked in its thread, after reading the page)
    held = {
        id(op): found
        for op in wanted
        if _linked_by_lock(op.package) and (found := _held_by(executor, sink, op))
    }
    workers = max(1, getattr(executor, "_max_workers", 1))
    fetch = functools.partial(_fetch, executor, deadline, sink)
    try:
        with ThreadPoolExecutor(max_workers=workers) as threads:
            # largest first (by the sizes the lock records): the longest downloads and
            # unpacks start at once instead of being the tail; failures are told in order
            started = {
                id(op): threads.submit(fetch, op)
                for op in sorted(wanted, key=_largest_file, reverse=True)
                if id(op) not in held
            }
            results = [held.get(id(op)) or started[id(op)].result() for op in wanted]
    finally:
        if sink is not None:
            sink.settle()  # its work on the archives is done before anything changes
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
    chosen = {
        id(op.package): (op.package, result[0])
        for op, result in zip(wanted, results, strict=True)
        if isinstance(result, tuple)
        and op.package.source_type != "url"
        and _linked_by_lock(op.package)
        and result[0].suffix == ".whl"
    }
    executor._download = _PrefetchedWheels(executor, chosen)  # type: ignore[method-assign]


def _largest_file(operation: Operation) -> int:
    return max((int(f.get("size") or 0) for f in operation.package.files), default=0)


def _refuse_unhashed(operations: Sequence[Operation]) -> None:
    """Every archive is checked against a hash in the lock (PEP 751 requires one):
    Poetry would install an archive of a package with ``files = []`` (or without
    ``files``) unchecked.

    :raises UnhashedArtifactError: naming each such package, before any download.
    """
    lines = []
    for op in operations:
        package = op.package
        files = package.files
        unhashed = sorted(str(f.get("file")) for f in files if not f.get("hash"))
        if files and not unhashed:
            continue
        if package.source_type == "url":
            origin = f"url {redact_url(package.source_url or '')}"
        else:
            origin = f"source {package.source_reference or 'PyPI'}"
        reason = f"no hash for {', '.join(unhashed)}" if unhashed else "`files` is empty"
        lines.append(f"  {package.pretty_name} {package.pretty_version} ({origin}): {reason}")
    if lines:
        raise UnhashedArtifactError(
            "poetry.lock records no hash for an archive this install needs, so it cannot"
            " be checked; nothing was installed, updated or removed:\n" + "\n".join(lines),
            "Re-lock to record the hashes: run `poetry lock --regenerate` (plain"
            " `poetry lock` keeps a URL package's entry as it is).",
        )


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


class _PrefetchedWheels:
    """The executor's ``_download`` for an index package whose wheel
    :func:`prefetch_artifacts` chose among the lock's links and checked: that wheel.
    Poetry's own ``_download`` would choose the link again and look the archive up in
    the artifact cache twice (globbing its directory and ranking what it finds by tag),
    work each install thread does under the GIL while another links a wheel. The wheel
    was chosen for this interpreter's tags, so the second look-up (a better-ranked
    archive beside it, as a wheel built from an sdist) finds no other. Anything else
    goes Poetry's way."""

    _download: Callable[[Operation], Path]

    def __init__(self, executor: Executor, chosen: dict[int, tuple[Package, Path]]) -> None:
        self._executor = executor
        download: Any = executor._download
        # an executor that installs twice keeps Poetry's own as the fallback
        self._download = download._download if isinstance(download, _PrefetchedWheels) else download
        self._chosen = chosen

    def __call__(self, operation: Operation) -> Path:
        known = self._chosen.get(id(operation.package))
        if known is None or known[0] is not operation.package:
            return self._download(operation)
        package, archive = known
        try:
            self._executor._populate_hashes_dict(archive, package)
        except OSError:  # gone since: Poetry's own path fetches it again
            return self._download(operation)
        return archive


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_ino, b.st_size, b.st_mtime_ns)


def _fetch(
    executor: Executor,
    deadline: float,
    sink: ArchiveSink | None,
    operation: Operation,
) -> str | tuple[Path, tuple[os.stat_result, str]] | None:
    """Fetch one archive; return a line describing the failure, or the archive with
    its stat and checked hash (``None`` when the lock has no hash to check)."""
    package = operation.package
    label = f"{package.pretty_name} {redact_text(package.full_pretty_version)}"
    url = package.source_url or ""
    try:
        link = _link(executor, package)
        url = link.url_without_fragment
        if not _linked_by_lock(package) and (held := _held_by(executor, sink, operation)):
            return held
        session = SourceScopedAuthenticator(executor._authenticator, package)
        streamed: list[str] = []  # the sha256 of what this call downloaded, if it did

        def download(url: str, dest: Path) -> None:
            streamed.append(download_within(session, url, dest, deadline=deadline))

        archive = executor._artifact_cache.get_cached_archive_for_link(
            link, strict=True, download_func=download
        )
    except Exception as e:  # the download's own reason is the message
        return f"{label}: {redact_url(url)}: {failure_reason(e, package)}"
    if not package.files:
        return None
    if (mismatch := _size_mismatch(archive, package)) is not None:
        with contextlib.suppress(OSError):
            archive.unlink()
        return f"{label}: {redact_url(url)}: {mismatch}"
    try:
        stat = archive.stat()
        known = {f["hash"] for f in package.files if f.get("file") == archive.name}
        if streamed and f"sha256:{streamed[-1]}" in known:
            checked = f"sha256:{streamed[-1]}"  # hashed while it was downloaded
        else:
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
    if sink is not None:
        sink.checked(archive, checked)
    return archive, (stat, checked)


def _linked_by_lock(package: Package) -> bool:
    """Whether *package*'s link comes from the lock alone (no index page to read)."""
    return package.source_type == "url" or locked_links(package) is not None


def _link(executor: Executor, package: Package) -> Link:
    """The link the executor will install *package* from."""
    if package.source_type == "url":
        return Link(package.source_url or "")
    return executor._chooser.choose_for(package)


def _held_by(
    executor: Executor, sink: ArchiveSink | None, operation: Operation
) -> tuple[Path, tuple[os.stat_result, str]] | None:
    """The cached archive and its locked hash, when *sink* holds it already (and its
    size is the recorded one): the executor finds it checked, and nothing reads it.
    ``None`` also when choosing the link fails: fetching it then says why."""
    if sink is None:
        return None
    package = operation.package
    try:
        link = _link(executor, package)
    except Exception:
        return None
    # a file may be listed twice (once per platform of a pure wheel), with one hash
    (locked, *others) = {f["hash"] for f in package.files if f.get("file") == link.filename} or {""}
    if others or not locked.startswith("sha256:"):
        return None
    # where get_cached_archive_for_link(link, strict=True) finds it, without its five
    # globs of the directory
    archive = executor._artifact_cache.get_cache_directory_for_link(link) / link.filename
    try:
        if not archive.is_file() or _size_mismatch(archive, package) is not None:
            return None
        if not sink.holds(archive, locked):
            return None
        return archive, (archive.stat(), locked)
    except OSError:  # gone meanwhile: fetched again
        return None


def _size_mismatch(archive: Path, package: Package) -> str | None:
    """What is wrong with *archive*'s size, if the lock records one for it."""
    locked = next((f.get("size") for f in package.files if f.get("file") == archive.name), None)
    if locked is None:
        return None
    actual = archive.stat().st_size
    if actual == int(locked):
        return None
    return f"size mismatch: got {actual} bytes, poetry.lock has {locked} bytes"


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


class SourceScopedAuthenticator:
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
        if source is not None and repository is not None:
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


def download_within(
    session: SourceScopedAuthenticator, url: str, dest: Path, *, deadline: float
) -> str:
    """Stream *url* to *dest* within *deadline* seconds; a body cut short is fetched
    once more (within the same deadline) before the download fails. Returns the sha256
    (hex) of what was written, hashed on the way: the file need not be read again."""
    ends = time.monotonic() + deadline
    try:
        return _stream(session, url, dest, ends, deadline)
    except _Truncated:
        return _stream(session, url, dest, ends, deadline)


class _Progress:
    """Bytes received against the deadline: :meth:`left` before every read."""

    def __init__(self, ends: float, deadline: float) -> None:
        self.ends, self.deadline = ends, deadline
        self.received = 0
        self.total: int | None = None

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise _DeadlinePassed(self.deadline, self.received, self.total)
        return left


def _stream(
    session: SourceScopedAuthenticator, url: str, dest: Path, ends: float, deadline: float
) -> str:
    import urllib3.exceptions

    progress = _Progress(ends, deadline)
    sha256 = hashlib.sha256()
    try:
        response = session.get(
            url,
            stream=True,
            headers={"Accept-Encoding": "identity"},
            timeout=min(REQUESTS_TIMEOUT, progress.left()),
        )
        with response, atomic_open(str(dest)) as out:
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
                sha256.update(chunk)
                progress.received += len(chunk)
            if progress.total is not None and progress.received < progress.total:
                raise _Truncated(progress.received, progress.total - progress.received)
        return sha256.hexdigest()
    except (_DeadlinePassed, _Truncated):
        raise
    except Exception:
        progress.left()  # a read timeout at the deadline reports the deadline
        raise


_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)")


def failure_reason(error: Exception, package: Package | None = None) -> str:
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
