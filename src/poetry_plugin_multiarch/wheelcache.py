"""An unpacked-wheel cache: unpack a verified wheel once, link it into many venvs.

:func:`unpacked` turns a wheel archive whose sha256 the caller has already checked into a
content-addressed directory ``cache_root/<sha[:2]>/<sha>/`` holding the wheel's files
(``files/``) and a manifest (``entry.json``, written last). The entry is built in a
temporary directory beside it and renamed into place, so a reader sees a whole entry or
none; when two processes build the same entry, the first rename wins and the other uses
it. Before unpacking, the wheel's RECORD must name every file in the archive and the
archive every file in RECORD, with the right sizes: anything else is
:class:`MalformedWheel`. An entry whose files went missing or changed (size or mtime
differs from the manifest, e.g. a venv's hard link written through) is rebuilt.

:func:`link_install` installs an entry into a venv scheme: the files of the wheel's root
are hard-linked (or copied across file systems, or when asked; a reflink first where
the file system offers one) in one loop, then ``installer``'s own ``install()`` does
the rest — a :class:`installer.sources.WheelSource` reads the entry, a
:class:`installer.destinations.SchemeDictionaryDestination` places ``.data`` files and
writes what differs per venv: console/GUI scripts, ``.data/scripts`` (their
``#!python`` shebang), INSTALLER, ``direct_url.json`` and RECORD, with the hash the
wheel's RECORD gave for each linked file instead of hashing it again. Works with
``installer`` 0.7 (Poetry 2.0–2.3) and 1.x.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import errno
import hashlib
import io
import json
import logging
import operator
import os
import posixpath
import re
import secrets
import shutil
import stat
import sys
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, NamedTuple, cast

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.exceptions import InvalidWheelSource
from installer.records import Hash, InvalidRecordEntry, RecordEntry, parse_record_file
from installer.sources import WheelSource
from installer.utils import Scheme, parse_metadata_file, parse_wheel_filename

from poetry_plugin_multiarch.zipmembers import MemberError, UnsupportedMember, copy_member

if TYPE_CHECKING:
    from installer.scripts import LauncherKind
    from installer.sources import WheelContentElement

__all__ = [
    "CacheEntryError",
    "Installed",
    "LinkMode",
    "MalformedWheel",
    "intact_entry",
    "link_install",
    "unpacked",
]

logger = logging.getLogger(__name__)

#: Layout version of an entry; an entry of another version is rebuilt.
FORMAT = 1
MANIFEST = "entry.json"
FILES = "files"

#: ``auto``: hard link, copy where the venv is on another file system; ``copy``: always copy.
LinkMode = Literal["auto", "copy"]

_SIGNATURES = ("RECORD.jws", "RECORD.p7s")  # not listed in RECORD (PEP 491)
_CHUNK = 1 << 16  # as shutil copies; larger buffers only add peak memory
# os.link failing with these means "not here", not "broken": copy instead
_NO_LINK = frozenset(
    {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES}
)


class MalformedWheel(ValueError):
    """A wheel whose RECORD and archive disagree, or that names an unsafe path.

    :param archive: the wheel
    :param issues: every problem found, each naming its file
    """

    def __init__(self, archive: Path, issues: list[str]) -> None:
        self.archive = archive
        self.issues = issues
        super().__init__(
            f"{archive.name} is not a well-formed wheel:\n" + "\n".join(f"  - {i}" for i in issues)
        )


class CacheEntryError(RuntimeError):
    """A cache entry could not be built or read (it changed while in use, or kept
    losing a race); the caller may install from the archive instead."""


@dataclass(frozen=True)
class Installed:
    """What :func:`link_install` did: files hard-linked, copied, and written anew."""

    linked: int
    copied: int
    written: int


# --------------------------------------------------------------------------- the cache


def unpacked(
    cache_root: Path, archive_path: Path, sha256: str, *, verify_contents: bool = False
) -> Path:
    """The cache entry for *archive_path*, unpacking it first unless a whole one exists.

    :param cache_root: directory of the cache (created if missing)
    :param archive_path: a wheel whose sha256 the caller has checked
    :param sha256: that hash, hex (a ``sha256:`` prefix is allowed); it names the entry
    :param verify_contents: also check each file against its RECORD hash (the archive's
        own hash already vouches for the bytes, so this is off by default)
    :raises MalformedWheel: RECORD and the archive disagree, or a path is unsafe
    :raises CacheEntryError: no whole entry after a few attempts
    """
    digest = _hex_digest(sha256)
    entry = cache_root / digest[:2] / digest
    for _ in range(3):
        # looked for first: an entry that appears after this (another process renamed
        # it into place) is whole, and must not be taken for a broken one
        existed = os.path.lexists(entry)
        if _manifest_if_intact(entry, digest) is not None:
            return entry
        if existed:
            _discard(entry)
        entry.parent.mkdir(parents=True, exist_ok=True)
        building = Path(
            tempfile.mkdtemp(prefix=f".{digest[:16]}.", suffix=".tmp", dir=entry.parent)
        )
        try:
            os.chmod(building, 0o777 & ~_UMASK)  # mkdtemp's is 0o700
            _build(building, archive_path, digest, verify_contents=verify_contents)
            try:
                os.rename(building, entry)
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY) and not isinstance(
                    e, FileExistsError
                ):
                    raise
                # another process renamed its entry into place first: check and use theirs
                shutil.rmtree(building, ignore_errors=True)
                continue
            return entry
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    raise CacheEntryError(f"Could not build a cache entry for {archive_path.name} in {entry}")


def intact_entry(cache_root: Path, sha256: str) -> Path | None:
    """The whole, unchanged entry for the wheel whose sha256 is *sha256*, if the cache
    has one: linking from it needs neither the archive nor its hash checked again (the
    entry was built only from an archive whose hash was checked)."""
    digest = _hex_digest(sha256)
    entry = cache_root / digest[:2] / digest
    return entry if _manifest_if_intact(entry, digest) is not None else None


def _hex_digest(sha256: str) -> str:
    digest = sha256.lower().removeprefix("sha256:")
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"Not a sha256 hex digest: {sha256!r}")
    return digest


class _File(NamedTuple):
    """One file of an entry: its RECORD row as the venv's RECORD will carry it (sha256),
    whether it is executable, and the size and mtime it had when unpacked."""

    path: str
    hash: str
    size: int
    executable: bool
    mtime_ns: int


@dataclass(frozen=True)
class _Manifest:
    filename: str
    distribution: str
    version: str
    dist_info: str
    files: tuple[_File, ...]

    def to_json(self, digest: str) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "sha256": digest,
                "filename": self.filename,
                "distribution": self.distribution,
                "version": self.version,
                "dist_info": self.dist_info,
                "files": [list(f) for f in self.files],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str, digest: str) -> _Manifest | None:
        data = json.loads(text)
        if data.get("format") != FORMAT or data.get("sha256") != digest:
            return None
        return cls(
            filename=data["filename"],
            distribution=data["distribution"],
            version=data["version"],
            dist_info=data["dist_info"],
            # rows as to_json wrote them (JSON keeps their types); a row of another
            # length is a TypeError, and a size or mtime of another type never
            # matches a file's, so such an entry is rebuilt
            files=tuple(map(_File._make, data["files"])),
        )


#: manifests read by this process, by path and by the stat of the file they came from
_read: dict[str, tuple[tuple[int, int, int], _Manifest]] = {}


def _manifest(entry: Path, digest: str, *, last_use: bool = False) -> _Manifest | None:
    """The entry's manifest, or None if it has none (or one of another format or wheel).
    Parsed once: the intact check keeps it for the install (*last_use*), which lets go
    of it, so that a process holds only the manifests of installs under way."""
    path = os.path.join(entry, MANIFEST)
    try:
        with open(path, "rb") as file:
            st = os.fstat(file.fileno())
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
            known = _read.pop(path, None) if last_use else _read.get(path)
            if known is not None and known[0] == key:
                return known[1]
            manifest = _Manifest.from_json(file.read().decode("utf-8"), digest)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if manifest is not None and not last_use:
        _read[path] = (key, manifest)
    return manifest


def _manifest_if_intact(entry: Path, digest: str) -> _Manifest | None:
    """The entry's manifest if it and every file it lists are as unpacked, else None."""
    manifest = _manifest(entry, digest)
    if manifest is None:
        return None
    files = f"{entry}/{FILES}"  # plain strings: this loop is a warm install's check
    stat_, is_regular = os.stat, stat.S_ISREG
    try:
        # relative to the entry's directory where the OS allows: a shorter path walk
        directory = os.open(files, _O_DIRECTORY) if _STAT_DIR_FD else None
    except OSError:
        return None
    try:
        for file in manifest.files:
            st = (
                stat_(f"{files}/{file.path}")
                if directory is None
                else stat_(file.path, dir_fd=directory)
            )
            if (
                not is_regular(st.st_mode)
                or st.st_size != file.size
                or st.st_mtime_ns != file.mtime_ns
            ):
                return None
    except OSError:
        return None
    finally:
        if directory is not None:
            os.close(directory)
    return manifest


_STAT_DIR_FD = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")
_O_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


def _discard(entry: Path) -> None:
    """Move a broken entry out of the way (atomically) and delete it."""
    trash = entry.parent / f".{entry.name[:16]}.{secrets.token_hex(8)}.trash"
    try:
        os.rename(entry, trash)
    except FileNotFoundError:  # another process discarded it first
        return
    shutil.rmtree(trash, ignore_errors=True)


def _build(building: Path, archive_path: Path, digest: str, *, verify_contents: bool) -> None:
    with zipfile.ZipFile(archive_path) as zf:
        plan, distribution, version, dist_info = _check_wheel(zf, archive_path)
        files_dir = os.fspath(building / FILES)
        for parent in sorted({posixpath.dirname(info.filename) for info, _ in plan}):
            os.makedirs(os.path.join(files_dir, parent), exist_ok=True)
        parts = _parts(plan, _unpack_threads(plan))
        archive = _Archive(zf, os.open(archive_path, os.O_RDONLY | _O_BINARY))
        try:
            if len(parts) == 1:
                unpacked = [_extract(archive, files_dir, parts[0], verify_contents)]
            else:
                # a large wheel (scipy, torch) would otherwise be the install's tail on
                # one core; members are read with pread, so threads share the archive
                with ThreadPoolExecutor(max_workers=len(parts) - 1) as helpers:
                    others = [
                        helpers.submit(_extract, archive, files_dir, part, verify_contents)
                        for part in parts[1:]
                    ]
                    unpacked = [_extract(archive, files_dir, parts[0], verify_contents)]
                    unpacked += [future.result() for future in others]
        finally:
            os.close(archive.fd)
    by_path = {file.path: file for files, _ in unpacked for file in files}
    issues = [issue for _, part_issues in unpacked for issue in part_issues]
    if issues:
        raise MalformedWheel(archive_path, sorted(issues))
    files = tuple(by_path[info.filename] for info, _ in plan)
    manifest = _Manifest(archive_path.name, distribution, version, dist_info, files)
    # written last: an entry without it is never used
    (building / MANIFEST).write_text(manifest.to_json(digest), "utf-8")


class _Archive(NamedTuple):
    """A wheel being unpacked: its directory (and ``zipfile``'s reader, for a member
    :mod:`~poetry_plugin_multiarch.zipmembers` leaves to it) and a descriptor to
    ``pread`` members from."""

    zf: zipfile.ZipFile
    fd: int
    #: guards ``zf``'s members: ``ZipFile`` counts its open members without a lock
    members: threading.Lock = threading.Lock()


#: compressed bytes below which a wheel is unpacked by one thread
_SPLIT_ABOVE = 8 << 20
#: threads writing files at once in this process, whichever wheels they unpack: as
#: many as cores (more would only add buffers and peak memory)
_EXTRACTING = threading.BoundedSemaphore(os.cpu_count() or 1)


def _unpack_threads(plan: list[tuple[zipfile.ZipInfo, RecordEntry]]) -> int:
    compressed = sum(info.compress_size for info, _ in plan)
    return 1 if compressed < _SPLIT_ABOVE else min(4, os.cpu_count() or 1)


def _parts(
    plan: list[tuple[zipfile.ZipInfo, RecordEntry]], count: int
) -> list[list[tuple[zipfile.ZipInfo, RecordEntry]]]:
    """*plan* in *count* parts of about the same compressed size, largest files first."""
    if count <= 1:
        return [plan]
    parts: list[list[tuple[zipfile.ZipInfo, RecordEntry]]] = [[] for _ in range(count)]
    loads = [0] * count
    for item in sorted(plan, key=lambda item: item[0].compress_size, reverse=True):
        lightest = loads.index(min(loads))
        parts[lightest].append(item)
        loads[lightest] += item[0].compress_size + 512  # a file's own cost, too
    return [part for part in parts if part]


def _extract(
    archive: _Archive,
    files_dir: str,
    part: list[tuple[zipfile.ZipInfo, RecordEntry]],
    verify_contents: bool,
) -> tuple[list[_File], list[str]]:
    """Write *part*'s files under *files_dir* (their directories exist); return each
    file's manifest row and the problems found (RECORD mismatches, damaged members)."""
    files: list[_File] = []
    issues: list[str] = []
    with _EXTRACTING:
        for info, record in part:
            # sha256 is what the venv's RECORD carries; hash here only what RECORD lacks
            wanted = {"sha256"} if record.hash_ is None or record.hash_.name != "sha256" else set()
            if verify_contents and record.hash_ is not None:
                wanted.add(record.hash_.name)
            hashers = {name: hashlib.new(name) for name in wanted}
            mode = info.external_attr >> 16
            executable = bool(mode and stat.S_ISREG(mode) and mode & 0o111)
            target = os.path.join(files_dir, info.filename)
            sink = os.open(target, _O_CREATE, 0o666)
            try:
                try:
                    copy_member(archive.fd, info, sink, hashers.values())
                except UnsupportedMember:
                    _copy_with_zipfile(archive, info, sink, hashers.values())
                if executable and _FCHMOD:
                    os.fchmod(sink, _EXECUTABLE)
                st = os.fstat(sink)  # the mtime recorded is the last write's
            except MemberError as e:
                issues.append(str(e))
                continue
            finally:
                os.close(sink)
            if executable and not _FCHMOD:  # Windows before Python 3.13
                os.chmod(target, _EXECUTABLE)
                st = os.stat(target)
            digests = {name: _urlsafe(hasher.digest()) for name, hasher in hashers.items()}
            if (
                verify_contents
                and record.hash_ is not None
                and digests[record.hash_.name] != record.hash_.value
            ):
                issues.append(f"{info.filename}: content does not match its RECORD hash")
            sha = digests["sha256"] if "sha256" in digests else cast(Hash, record.hash_).value
            files.append(_File(info.filename, sha, st.st_size, executable, st.st_mtime_ns))
    return files, issues


_O_BINARY = getattr(os, "O_BINARY", 0)
_O_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_BINARY | getattr(os, "O_CLOEXEC", 0)


def _copy_with_zipfile(
    archive: _Archive, info: zipfile.ZipInfo, sink: int, hashers: Iterable[Any]
) -> None:
    """Copy a member through ``zipfile`` (bzip2, lzma: rare in wheels, but valid)."""
    try:
        with archive.members:
            source = archive.zf.open(info)
        try:
            while chunk := source.read(_CHUNK):
                for hasher in hashers:
                    hasher.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(sink, view) :]
        finally:
            with archive.members:
                source.close()
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as e:
        raise MemberError(f"{info.filename}: {e}") from e


def _urlsafe(digest: bytes) -> str:
    """A digest as RECORD writes it."""
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _copy_hashing(source: IO[bytes], sink: IO[bytes], algorithms: set[str]) -> dict[str, str]:
    hashers = [(name, hashlib.new(name)) for name in algorithms]
    while chunk := source.read(_CHUNK):
        for _, hasher in hashers:
            hasher.update(chunk)
        sink.write(chunk)
    return {name: _urlsafe(hasher.digest()) for name, hasher in hashers}


def _check_wheel(
    zf: zipfile.ZipFile, archive_path: Path
) -> tuple[list[tuple[zipfile.ZipInfo, RecordEntry]], str, str, str]:
    """Pair every file of the archive with its RECORD entry, or raise listing every issue.

    Returns the pairs (RECORD itself excluded), the distribution and version (as in the
    file name) and the ``.dist-info`` directory."""
    try:
        parsed = parse_wheel_filename(archive_path.name)
    except Exception as e:
        raise MalformedWheel(archive_path, [f"{archive_path.name}: not a wheel file name"]) from e
    issues: list[str] = []
    infos = [info for info in zf.infolist() if not info.filename.endswith("/")]
    names = [info.filename for info in infos]
    for name in sorted(n for n, count in Counter(names).items() if count > 1):
        issues.append(f"{name}: appears more than once in the archive")
    for name in names:
        if _unsafe(name):
            issues.append(f"{name}: unsafe path (absolute, or with '..')")
    dist_infos = sorted(
        {n.split("/", 1)[0] for n in names if n.split("/", 1)[0].endswith(".dist-info")}
    )
    if len(dist_infos) != 1:
        issues.append(f"expected exactly one .dist-info directory, found {dist_infos or 'none'}")
        raise MalformedWheel(archive_path, issues)
    (dist_info,) = dist_infos
    record_path = f"{dist_info}/RECORD"
    try:
        rows = list(parse_record_file(zf.read(record_path).decode("utf-8").splitlines()))
    except KeyError:
        raise MalformedWheel(archive_path, [*issues, f"{record_path}: missing"]) from None
    except Exception as e:
        raise MalformedWheel(archive_path, [*issues, f"{record_path}: unreadable ({e})"]) from e
    records: dict[str, RecordEntry] = {}
    for row in rows:
        if row[0] in records:
            issues.append(f"{row[0]}: listed more than once in RECORD")
            continue
        try:
            records[row[0]] = RecordEntry.from_elements(*row)
        except InvalidRecordEntry as e:
            issues.append(f"{row[0]}: invalid RECORD entry ({', '.join(e.issues)})")
            records[row[0]] = RecordEntry(row[0], None, None)
    plan: list[tuple[zipfile.ZipInfo, RecordEntry]] = []
    for info in infos:
        name = info.filename
        record = records.pop(name, None)
        if posixpath.dirname(name) == dist_info and posixpath.basename(name) in _SIGNATURES:
            if record is not None:
                issues.append(f"{name}: signature file listed in RECORD")
            plan.append((info, RecordEntry(name, None, info.file_size)))
            continue
        if record is None:
            issues.append(f"{name}: in the archive but not in RECORD")
        elif name == record_path:
            continue
        elif record.hash_ is None or record.size is None:
            issues.append(f"{name}: RECORD gives no hash or no size")
        elif record.size != info.file_size:
            issues.append(
                f"{name}: RECORD says {record.size} bytes, the archive holds {info.file_size}"
            )
        else:
            plan.append((info, record))
    for name in records:
        issues.append(f"{name}: in RECORD but not in the archive")
    if issues:
        raise MalformedWheel(archive_path, issues)
    return plan, parsed.distribution, parsed.version, dist_info


#: what every path :func:`_unsafe` refuses contains, in a newline-led list of paths
_MAYBE_UNSAFE = ("..", "\\", ":", "\n/")
#: a character for which csv (QUOTE_MINIMAL) would quote a RECORD field, or may
_CSV_QUOTED = re.compile(r'[,"\s\x00-\x1f\x7f]')


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts


# ------------------------------------------------------------------------ installing


def link_install(
    entry_dir: Path,
    scheme: Mapping[str, str | os.PathLike[str]],
    *,
    interpreter: str,
    installer_name: str,
    script_kind: LauncherKind = "posix",
    direct_url: Mapping[str, Any] | None = None,
    link_mode: LinkMode = "auto",
    bytecode_optimization_levels: Collection[int] = (),
) -> Installed:
    """Install the cache entry *entry_dir* (from :func:`unpacked`) into *scheme*.

    Files land where ``installer`` would put them; an existing file is replaced, never
    written through (it may be another entry's hard link), as Poetry overwrites.

    :param scheme: ``purelib``, ``platlib``, ``headers``, ``scripts``, ``data`` paths
        (Poetry's ``headers`` is ``include/<distribution>``)
    :param interpreter: the venv's python, for scripts' shebangs
    :param installer_name: the INSTALLER file's text, e.g. ``Poetry 2.5.1``
    :param direct_url: PEP 610 data for ``direct_url.json``, if any
    :param link_mode: ``auto`` hard-links and copies only where it must; ``copy`` copies
    :param bytecode_optimization_levels: compile ``.py`` files, as ``installer`` does
    :raises CacheEntryError: the entry is incomplete or a file vanished meanwhile
    """
    manifest = _manifest(entry_dir, entry_dir.name, last_use=True)
    if manifest is None:
        raise CacheEntryError(f"{entry_dir} is not a complete cache entry")
    source = _EntrySource(entry_dir / FILES, manifest)
    destination = _LinkingDestination(
        {name: os.fspath(path) for name, path in scheme.items()},
        interpreter=interpreter,
        script_kind=script_kind,
        bytecode_optimization_levels=bytecode_optimization_levels,
        link_mode=link_mode,
    )
    metadata = {"INSTALLER": installer_name.encode()}
    if direct_url is not None:
        metadata["direct_url.json"] = json.dumps(direct_url).encode()
    try:
        # the wheel's own files under its root go in one tight loop; ``installer``
        # handles the rest (.data, scripts, metadata, RECORD) as it would
        source.placed = destination.place_root_files(
            os.fspath(entry_dir / FILES), manifest, _root_scheme(source), source.data_dir + "/"
        )
        install(source=source, destination=destination, additional_metadata=metadata)
    except FileNotFoundError as e:
        if e.filename and str(e.filename).startswith(str(entry_dir)):
            raise CacheEntryError(f"{entry_dir} changed while installing: {e}") from e
        raise
    return Installed(destination.linked, destination.copied, destination.written)


def _root_scheme(source: WheelSource) -> Scheme:
    """Where the wheel's root goes, read from WHEEL as ``installer`` reads it (and
    refused, before any file is placed, where ``installer`` would refuse it)."""
    metadata = parse_metadata_file(source.read_dist_info("WHEEL"))
    version = metadata["Wheel-Version"]
    if not (version and version.startswith("1.")):
        raise InvalidWheelSource(
            source, f"Incompatible Wheel-Version {version}, only support version 1.x wheels."
        )
    return cast(Scheme, "purelib" if metadata["Root-Is-Purelib"] == "true" else "platlib")


class _CachedFile(io.RawIOBase):
    """A cache file as ``installer`` streams it: opened only if read (a linked file never
    is), carrying its path and its RECORD entry for the destination."""

    def __init__(self, path: str, record: RecordEntry) -> None:
        super().__init__()
        self.path = path
        self.record = record
        self._file: BinaryIO | None = None

    def _opened(self) -> BinaryIO:
        if self._file is None:
            self._file = cast(BinaryIO, open(self.path, "rb"))  # noqa: SIM115
        return self._file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._opened().read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._opened().seek(offset, whence)

    def tell(self) -> int:
        return self._opened().tell()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


class _EntrySource(WheelSource):
    """A cache entry as ``installer``'s source: RECORD was checked when unpacked."""

    def __init__(self, files_dir: Path, manifest: _Manifest) -> None:
        super().__init__(distribution=manifest.distribution, version=manifest.version)
        self._files_dir = files_dir
        self._manifest = manifest

    @property
    def dist_info_dir(self) -> str:
        return self._manifest.dist_info

    @property
    def dist_info_filenames(self) -> list[str]:
        prefix = self._manifest.dist_info + "/"
        return [f.path[len(prefix) :] for f in self._manifest.files if f.path.startswith(prefix)]

    def read_dist_info(self, filename: str) -> str:
        return (self._files_dir / self._manifest.dist_info / filename).read_text("utf-8")

    def validate_record(self, *args: Any, **kwargs: Any) -> None:
        """Checked by :func:`unpacked`."""

    #: files already placed by :meth:`_LinkingDestination.place_root_files`
    placed: frozenset[str] = frozenset()

    def get_contents(self) -> Iterator[WheelContentElement]:
        root = os.fspath(self._files_dir)
        placed = self.placed
        for file in self._manifest.files:
            if file.path in placed:
                continue
            record = RecordEntry(file.path, Hash("sha256", file.hash), file.size)
            stream = _CachedFile(os.path.join(root, file.path), record)
            try:
                yield (
                    (file.path, f"sha256={file.hash}", str(file.size)),
                    cast(BinaryIO, stream),
                    file.executable,
                )
            finally:
                stream.close()


class _LinkingDestination(SchemeDictionaryDestination):
    """``installer``'s destination, except that files from the cache are linked (or
    copied) with the RECORD entry the wheel gave, and every write replaces its target."""

    def __init__(
        self,
        scheme_dict: dict[str, str],
        *,
        interpreter: str,
        script_kind: LauncherKind,
        bytecode_optimization_levels: Collection[int],
        link_mode: LinkMode,
    ) -> None:
        super().__init__(
            scheme_dict,
            interpreter=interpreter,
            script_kind=script_kind,
            bytecode_optimization_levels=bytecode_optimization_levels,
        )
        self._can_link = link_mode == "auto"
        self._can_clone = True
        self._roots: dict[str, str] = {}
        self._made: set[str] = set()
        #: RECORD rows of the files place_root_files placed, and their scheme
        self._placed: list[tuple[str, str, str]] = []
        self._placed_scheme: Scheme = cast(Scheme, "purelib")
        self.linked = self.copied = self.written = 0

    def place_root_files(
        self, files_root: str, manifest: _Manifest, scheme: Scheme, data_dir: str
    ) -> frozenset[str]:
        """Link (or copy) every file of the wheel's root (not ``.data``, not RECORD) into
        *scheme*, without ``installer``'s per-file work; their RECORD rows join the
        others in :meth:`finalize_installation`. Returns their paths.

        The loop is what a warm install spends its time in, so it does per file only
        a string join and one ``link``; directories are made once, parents first."""
        record = f"{manifest.dist_info}/RECORD"
        root = self._root(scheme)
        wanted = [
            file
            for file in manifest.files
            # left to installer: .data (schemes), RECORD, and files in a __pycache__
            # directory (installer 0.7 installs them, 1.x skips them with a warning)
            if not (
                file.path.startswith(data_dir)
                or file.path == record
                or "/__pycache__/" in f"/{file.path}"
            )
        ]
        paths = [file.path for file in wanted]
        listed = "\n" + "\n".join(paths)
        if any(mark in listed for mark in _MAYBE_UNSAFE):  # else no path can be: one scan
            unsafe = [path for path in paths if _unsafe(path)]
            if unsafe:
                raise CacheEntryError(f"{files_root}: unsafe paths in the manifest: {unsafe[:3]}")
        self._make_dirs(root, {path.rpartition("/")[0] for path in paths})
        link, rows = os.link, self._placed
        self._placed_scheme = scheme
        linked = 0
        for file in wanted:
            path = file.path
            source, target = f"{files_root}/{path}", f"{root}/{path}"
            if self._can_link:
                try:
                    link(source, target)
                    linked += 1
                except OSError as e:
                    self._place(source, target, file.executable, failed=e)
            else:
                self._place(source, target, file.executable)
            rows.append((path, f"sha256={file.hash}", str(file.size)))
        self.linked += linked
        return frozenset(paths)

    def _make_dirs(self, root: str, parents: set[str]) -> None:
        """Make *root*, then its subdirectories *parents* and theirs, each with one
        ``mkdir`` (``os.makedirs`` would look at every one's parents first)."""
        made = self._made
        if root not in made:
            os.makedirs(root, exist_ok=True)
            made.add(root)
        wanted = set()
        for parent in parents:
            while parent and parent not in wanted:
                wanted.add(parent)
                parent = parent.rpartition("/")[0]
        for parent in sorted(wanted):  # a directory sorts before what is in it
            directory = f"{root}/{parent}"
            if directory in made:
                continue
            try:
                os.mkdir(directory)
            except FileExistsError:
                if not os.path.isdir(directory):
                    raise
            made.add(directory)

    def finalize_installation(
        self, scheme: Scheme, record_file_path: str, records: Iterable[tuple[Scheme, RecordEntry]]
    ) -> None:
        """Write RECORD as ``installer`` 1.x writes it (its rows sorted by path, a file of
        another scheme prefixed by its path from *scheme*), and compile bytecode if
        asked. Its own ``finalize_installation`` builds a ``RecordEntry`` per row: for
        the thousands of rows place_root_files gives, most of a warm install's
        ``installer`` time."""
        records = list(records)
        prefixes: dict[str, str | None] = {scheme: None}

        def prefix(file_scheme: str) -> str | None:
            if file_scheme not in prefixes:
                other = self.scheme_dict[file_scheme]
                base = (
                    os.path.abspath(other)
                    if os.name == "nt"
                    else os.path.relpath(other, start=self.scheme_dict[scheme])
                )
                prefixes[file_scheme] = base.replace(os.sep, "/") + "/"  # as to_row has it
            return prefixes[file_scheme]

        placed_prefix = prefix(self._placed_scheme)
        keyed = [
            (row[0], row if placed_prefix is None else (placed_prefix + row[0], *row[1:]))
            for row in self._placed
        ]
        keyed += [(record.path, record.to_row(prefix(s))) for s, record in records]
        keyed.sort(key=operator.itemgetter(0))
        rows = [row for _, row in keyed]
        if _CSV_QUOTED.search("".join([path for path, _, _ in rows])):
            text = io.StringIO(newline="")
            csv.writer(text, delimiter=",", quotechar='"', lineterminator="\n").writerows(rows)
            content = text.getvalue()
        else:  # no field csv would quote (hashes and sizes never need it): 8x faster
            content = "".join([f"{path},{hash_},{size}\n" for path, hash_, size in rows])
        with io.BytesIO(content.encode("utf-8")) as stream:
            self.write_to_fs(scheme, record_file_path, stream, is_executable=False)
        if self.bytecode_optimization_levels:
            for path, _, _ in self._placed:  # installer compiles by the record's path
                self._compile_bytecode(self._placed_scheme, RecordEntry(path, None, None))
            for file_scheme, record in records:
                self._compile_bytecode(file_scheme, record)

    def _root(self, scheme: Scheme) -> str:
        root = self._roots.get(scheme)
        if root is None:
            root = self._roots[scheme] = os.path.abspath(self.scheme_dict[scheme])
        return root

    def _target(self, scheme: Scheme, path: str) -> str:
        root = self._root(scheme)
        target = os.path.abspath(os.path.join(root, path))
        if not target.startswith(root + os.sep):
            raise ValueError(f"Attempting to write {path} outside of {root}")
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        return target

    def write_file(
        self,
        scheme: Scheme,
        path: str | os.PathLike[str],
        stream: BinaryIO,
        is_executable: bool,
    ) -> RecordEntry:
        if not isinstance(stream, _CachedFile) or scheme == "scripts":
            # generated, or a script whose shebang names this venv's python: written
            return super().write_file(scheme, path, stream, is_executable)
        path_ = os.fspath(path)
        self._place(stream.path, self._target(scheme, path_), is_executable)
        return RecordEntry(path_, stream.record.hash_, stream.record.size)

    def _place(
        self, source: str, target: str, is_executable: bool, failed: OSError | None = None
    ) -> None:
        """Link *source* to *target*, else copy it; *failed*: a link just tried failed so."""
        if self._can_link and self._link(source, target, failed):
            self.linked += 1
            return
        _replace(target)
        if not (self._can_clone and _clone(source, target)):
            self._can_clone = False  # not on this file system: stop trying
            shutil.copyfile(source, target)
        if is_executable:
            _make_executable(target)
        self.copied += 1

    def _link(self, source: str, target: str, failed: OSError | None = None) -> bool:
        for _ in range(2):
            try:
                if failed is not None:  # the caller's own attempt: handled as if here
                    error: OSError = failed
                    failed = None
                    raise error
                os.link(source, target)
                return True
            except FileExistsError:
                _replace(target)
            except OSError as e:
                if e.errno not in _NO_LINK:
                    raise
                if e.errno != errno.EMLINK:  # too many links to this one file only
                    self._can_link = False
                return False
        return False

    def write_to_fs(
        self, scheme: Scheme, path: str, stream: BinaryIO, is_executable: bool
    ) -> RecordEntry:
        target = self._target(scheme, path)
        _replace(target)
        with open(target, "wb") as sink:
            digests = _copy_hashing(stream, sink, {self.hash_algorithm})
            size = sink.tell()
        if is_executable:
            _make_executable(target)
        self.written += 1
        return RecordEntry(path, Hash(self.hash_algorithm, digests[self.hash_algorithm]), size)


#: Linux ioctl: make the target share the source's blocks (btrfs, XFS, …)
_FICLONE = 0x40049409


def _clone(source: str, target: str) -> bool:
    """Make *target* a reflink of *source* (Linux); False where the file system (or
    the OS) offers none, leaving no *target*."""
    if sys.platform != "linux":
        return False
    import fcntl

    with open(source, "rb") as src, open(target, "wb") as dst:
        try:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
            return True
        except OSError:
            pass
    os.unlink(target)
    return False


def _umask() -> int:
    """The process umask, read once: ``installer``'s ``make_file_executable`` sets it to
    0 for a moment to read it, which races with files other threads create."""
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii", errors="replace") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()


#: Mode ``installer`` gives an executable file (rwx for whom the umask allows).
_EXECUTABLE = 0o777 & ~_UMASK | 0o111
_FCHMOD = hasattr(os, "fchmod")


def _make_executable(path: str | os.PathLike[str]) -> None:
    os.chmod(path, _EXECUTABLE)


def _replace(target: str) -> None:
    """Unlink *target* if it exists, as Poetry installs over an existing file (but never
    writes through it: it may be a hard link into the cache)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target)
        logger.warning("Installing %s over existing file", target)
