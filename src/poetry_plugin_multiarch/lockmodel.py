"""``poetry.lock`` as plain values: packages, their sources, markers and files.

Only what the plugin reasons about is modelled; the rest of the lock is left to
Poetry. Markers are kept per group, as lock-version 2.1 writes them (a string for
all groups, or a table by group; no ``markers`` key means "everywhere").
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import (
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.lock_file_markers import decide_extras
from poetry_plugin_multiarch.urls import redact_url

__all__ = [
    "LockedDependency",
    "LockedFile",
    "LockedPackage",
    "LockedSource",
    "MultiarchLock",
    "validate_lock_data",
]


@functools.lru_cache(maxsize=4096)
def _marker(text: str) -> Marker:
    """A parsed marker; locks repeat a few marker texts many times, and validation
    and the model read each one.

    :raises InvalidMarker:
    """
    return Marker(text)


@dataclass(frozen=True, kw_only=True, slots=True)
class LockedSource:
    """Where a package comes from: ``legacy`` (an index), ``url``, ``file``, ``git``…"""

    type: str
    url: str
    reference: str | None = None
    resolved_reference: str | None = None
    subdirectory: str | None = None

    def describe(self) -> str:
        if self.type == "legacy":
            return f"source {self.reference} ({redact_url(self.url)})"
        return f"{self.type} {redact_url(self.url)}"


@dataclass(frozen=True, kw_only=True, slots=True)
class LockedFile:
    """One artifact of a locked package."""

    name: str
    hash: str
    url: str | None = None
    size: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LockedDependency:
    """One requirement of a locked package (``[package.dependencies]``)."""

    name: NormalizedName
    marker: Marker | None = None
    optional: bool = False

    def needed_on(self, environment: Mapping[str, str]) -> bool:
        """Whether a non-optional requirement applies on *environment* (no extras)."""
        if self.optional:
            return False
        return self.marker is None or self.marker.evaluate({**environment, "extra": ""})

    @classmethod
    def all_from_lock_data(cls, name: str, spec: Any) -> list[LockedDependency]:
        """A dependency as the lock writes it: a constraint, a table, or a list of
        tables (one per marker-split constraint).

        :raises InvalidMarker: a marker packaging cannot read.
        """
        found = []
        for item in spec if isinstance(spec, list) else [spec]:
            table = item if isinstance(item, Mapping) else {}
            marker = table.get("markers")
            found.append(
                cls(
                    name=canonicalize_name(name),
                    marker=_marker(marker) if marker else None,
                    optional=bool(table.get("optional", False)),
                )
            )
        return found


@dataclass(frozen=True, kw_only=True, slots=True)
class LockedPackage:
    """One ``[[package]]`` entry: one alternative of a package."""

    name: NormalizedName
    version: str
    groups: tuple[str, ...]
    #: group -> marker; a group without an entry applies everywhere
    markers: Mapping[str, Marker]
    source: LockedSource | None = None
    files: tuple[LockedFile, ...] = ()
    dependencies: tuple[LockedDependency, ...] = ()

    @property
    def origin(self) -> str:
        return self.source.describe() if self.source else "PyPI"

    def marker_text(self) -> str:
        """The markers as the lock writes them, for people to read."""
        texts = {str(self.markers[g]) if g in self.markers else "*" for g in self.groups}
        if len(texts) == 1:
            return texts.pop()
        return "; ".join(f"{g}: {self.markers.get(g, '*')}" for g in self.groups)

    def describe(self) -> str:
        """``jaxlib 0.1.71 from url https://…; markers: platform_machine == "aarch64"``."""
        return f"{self.name} {self.version} from {self.origin}; markers: {self.marker_text()}"

    def lacks_urls(self, files: Iterable[LockedFile] | None = None) -> bool:
        """Whether the lock records no URL for a file of this index package (of
        *files*, default all): stock Poetry writes none; a ``url``, ``file``, ``git``
        or ``directory`` source is where its source says."""
        if self.source is not None and self.source.type != "legacy":
            return False
        return any(f.url is None for f in (self.files if files is None else files))

    def applies(
        self, environment: Mapping[str, str], groups: Iterable[str], extras: Iterable[str] = ()
    ) -> bool:
        """Whether this entry is installed for *groups* (and the root *extras*) on
        *environment*."""
        asked = frozenset(extras)
        env = {**environment, "extra": ""}
        for group in groups:
            if group not in self.groups:
                continue
            marker = self.markers.get(group)
            if marker is None:
                return True
            # ``extra`` against the set asked for (as Poetry does); packaging
            # evaluates a set of extras only from 26.4
            decided = decide_extras(marker, asked) if asked else marker
            if decided if isinstance(decided, bool) else decided.evaluate(env):
                return True
        return False

    @classmethod
    def from_lock_data(cls, data: Mapping[str, Any]) -> LockedPackage:
        """:raises LockDataError: a marker or a required key is malformed."""
        try:
            name = canonicalize_name(data["name"])
            version = str(data["version"])
        except KeyError as e:
            raise LockDataError(f"A [[package]] entry of poetry.lock lacks {e}.") from None
        groups = tuple(data.get("groups", ["main"]))
        raw = data.get("markers")
        try:
            if raw is None:
                markers: dict[str, Marker] = {}
            elif isinstance(raw, str):
                markers = {group: _marker(raw) for group in groups}
            else:
                markers = {group: _marker(text) for group, text in raw.items()}
            dependencies = tuple(
                dependency
                for dep_name, spec in data.get("dependencies", {}).items()
                for dependency in LockedDependency.all_from_lock_data(dep_name, spec)
            )
        except InvalidMarker as e:
            raise LockDataError(
                f"poetry.lock: {name} {version} has a marker packaging cannot read: {e}",
                "Re-create the lock with `poetry lock`.",
            ) from None
        source = data.get("source")
        return cls(
            name=name,
            version=version,
            groups=groups,
            markers=MappingProxyType(markers),
            source=(
                LockedSource(
                    type=source["type"],
                    url=source["url"],
                    reference=source.get("reference"),
                    resolved_reference=source.get("resolved_reference"),
                    subdirectory=source.get("subdirectory"),
                )
                if source
                else None
            ),
            files=tuple(
                LockedFile(name=f["file"], hash=f["hash"], url=f.get("url"), size=f.get("size"))
                for f in data.get("files", ())
            ),
            dependencies=dependencies,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class MultiarchLock:
    """All entries of a lock, in lock order."""

    packages: tuple[LockedPackage, ...]
    #: ``[metadata.poetry-plugin-multiarch]``: what the lock was checked against
    plugin_metadata: Mapping[str, Any] | None = None
    #: the project's extras (``[extras]``): name -> the packages each adds
    extras: Mapping[NormalizedName, tuple[NormalizedName, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def from_lock_data(cls, data: Mapping[str, Any]) -> MultiarchLock:
        recorded = data.get("metadata", {}).get("poetry-plugin-multiarch")
        extras = data.get("extras", {})
        return cls(
            packages=tuple(LockedPackage.from_lock_data(p) for p in data.get("package", ())),
            plugin_metadata=MappingProxyType(dict(recorded)) if recorded else None,
            extras=MappingProxyType(
                {
                    canonicalize_name(name): tuple(
                        canonicalize_name(str(p).split(" ")[0]) for p in packages
                    )
                    for name, packages in (extras.items() if isinstance(extras, Mapping) else ())
                    if isinstance(packages, list)
                }
            ),
        )

    @property
    def by_plugin(self) -> bool:
        """Whether this plugin wrote the lock: it records the targets, or artifact URLs.

        A lock of stock Poetry has neither, and keeps one entry for all alternatives
        of a dependency (python-poetry/poetry#7722): re-locking with the plugin, not
        adding alternatives, is what fixes its gaps. (A lock of only URL, file and git
        packages, written without targets, has neither either.)
        """
        return self.plugin_metadata is not None or any(
            f.url for package in self.packages for f in package.files
        )

    def alternatives(self) -> Mapping[NormalizedName, tuple[LockedPackage, ...]]:
        """Packages locked more than once (marker-split), by name."""
        by_name: dict[NormalizedName, list[LockedPackage]] = defaultdict(list)
        for package in self.packages:
            by_name[package.name].append(package)
        return {name: tuple(ps) for name, ps in by_name.items() if len(ps) > 1}


#: Source types whose packages carry no ``files`` (Poetry's own rule).
_NO_FILES_SOURCES = ("git", "directory", "url")
#: Sources of one archive named by the project (a URL or a path), not by an index.
_DIRECT = ("url", "file")
#: Archives an index may list that are neither wheels nor sdists: locked, never installed.
_LEGACY_ARCHIVES = (".egg", ".exe", ".msi", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".rpm", ".dmg")
_HASH = re.compile(r"[a-z0-9_]+:[0-9a-fA-F]+")
#: what turns a file name into a path elsewhere, or hides one (``..%2F``)
_UNSAFE = re.compile(r"[/\\%]|\.\.")
#: name-version(-build)-python-abi-platform.whl, as ``parse_wheel_filename`` reads it
_WHEEL = re.compile(r"[\w.]+-[^-]+(?:-[0-9][^-]*)?-[^-]+-[^-]+-[^-]+\.whl")
#: Listed problems; a lock broken throughout still gets a message one can read.
_MAX_LISTED = 30


def validate_lock_data(data: Mapping[str, Any]) -> None:
    """Check a lock once, up front, before anything is fetched or installed: each
    problem found later would surface as a bare ``KeyError``, a parser error without
    the package, or a download from a place the lock should never point to.

    :raises LockDataError: listing every problem with package, field, value and what
        is expected.
    """
    packages = data.get("package", [])
    if not isinstance(packages, list):
        problems = [f"[[package]]: {_show(packages)} must be an array of tables"]
    else:
        metadata = data.get("metadata")
        # lock-version 1.x keeps files in [metadata.files] / [metadata.hashes]
        old_files = isinstance(metadata, Mapping) and ("files" in metadata or "hashes" in metadata)
        problems = [
            problem
            for number, entry in enumerate(packages, 1)
            for problem in _entry_problems(number, entry, old_files)
        ]
    if not problems:
        return
    listed = problems[:_MAX_LISTED]
    if len(problems) > _MAX_LISTED:
        listed.append(f"... and {len(problems) - _MAX_LISTED} more")
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    raise LockDataError(
        f"poetry.lock cannot be used, {count}:\n" + "\n".join(f"- {p}" for p in listed),
        "Write the lock anew with `poetry lock --regenerate` (plain `poetry lock` reads"
        " this lock first), or correct these entries.",
    )


def _show(value: Any) -> str:
    """A value as the message quotes it: repr, credentials removed, kept short."""
    text = redact_url(value) if isinstance(value, str) else repr(value)
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= 120 else text[:117] + "..."


def _entry_problems(number: int, entry: Any, old_files: bool) -> Iterator[str]:
    where = f"[[package]] #{number}"
    if not isinstance(entry, Mapping):
        yield f"{where}: {_show(entry)} must be a table"
        return
    name, version = entry.get("name"), entry.get("version")
    if isinstance(name, str) and name and isinstance(version, str) and version:
        where = f"{name} {version} ({where})"
    for key, value in (("name", name), ("version", version)):
        if not isinstance(value, str) or not value:
            shown = "missing" if value is None else f"{_show(value)} is not a non-empty string"
            yield f"{where}: {key}: {shown}"
    groups = entry.get("groups", ["main"])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        yield f"{where}: groups: {_show(groups)} must be a list of group names"
    yield from _markers_problems(where, "markers", entry.get("markers"), table_ok=True)
    dependencies = entry.get("dependencies", {})
    if not isinstance(dependencies, Mapping):
        yield f"{where}: dependencies: {_show(dependencies)} must be a table"
    else:
        for dep_name, spec in dependencies.items():
            for item in spec if isinstance(spec, list) else [spec]:
                if isinstance(item, Mapping):
                    field = f"dependencies.{dep_name}.markers"
                    yield from _markers_problems(where, field, item.get("markers"))
                elif not isinstance(item, str):
                    yield (
                        f"{where}: dependencies.{dep_name}: {_show(item)} must be a version"
                        " constraint or a table"
                    )
    source = entry.get("source")
    source_type = None
    if source is not None:
        if not isinstance(source, Mapping):
            yield f"{where}: source: {_show(source)} must be a table with type and url"
        else:
            source_type = source.get("type")
            for key in ("type", "url"):
                value = source.get(key)
                if not isinstance(value, str) or not value:
                    shown = "missing" if value is None else f"{_show(value)} is not a string"
                    yield f"{where}: source.{key}: {shown}"
    if "files" not in entry:
        if not old_files and source_type not in _NO_FILES_SOURCES:
            yield (
                f"{where}: files: missing (the archives and their hashes); a package from"
                f" an index or a file needs it"
            )
        return
    files = entry["files"]
    if not isinstance(files, list):
        yield f"{where}: files: {_show(files)} must be a list of {{file, hash}} tables"
        return
    direct = source_type in _DIRECT
    for index, item in enumerate(files):
        yield from _file_problems(where, index, item, direct)


def _markers_problems(where: str, field: str, raw: Any, *, table_ok: bool = False) -> Iterator[str]:
    if raw is None:
        return
    if table_ok and isinstance(raw, Mapping):
        items = [(f"{field}.{group}", text) for group, text in raw.items()]
    else:
        items = [(field, raw)]
    for key, text in items:
        if not isinstance(text, str):
            yield f"{where}: {key}: {_show(text)} must be a PEP 508 marker string"
            continue
        try:
            _marker(text)
        except InvalidMarker as e:
            reason = str(e).splitlines()[0]
            yield f"{where}: {key}: {_show(text)} is not a PEP 508 marker ({reason})"


def _file_problems(where: str, index: int, item: Any, direct: bool) -> Iterator[str]:
    """Problems of ``files[index]``; a lock has thousands of files, so the common case,
    a good entry, formats nothing."""
    if not isinstance(item, Mapping):
        yield f"{where}: files[{index}]: {_show(item)} must be a table with file and hash"
        return
    name = item.get("file")
    if not isinstance(name, str) or not name:
        shown = "missing" if name is None else f"{_show(name)} is not a string"
        yield f"{where}: files[{index}].file: {shown}"
    elif problem := _archive_name_problem(name, direct):
        yield f"{where}: files[{index}].file: {_show(name)} {problem}"
    digest = item.get("hash")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        shown = "missing" if digest is None else f"{_show(digest)} is not"
        yield (
            f"{where}: files[{index}].hash: {shown} of the form"
            ' "algorithm:hex digest" (e.g. "sha256:9f2c...")'
        )
    url = item.get("url")
    if url is not None:
        scheme, separator, _rest = url.partition("://") if isinstance(url, str) else ("", "", "")
        if not separator or scheme.lower() not in ("http", "https"):
            yield (
                f"{where}: files[{index}].url: {_show(url)} is not an http(s) URL (the plugin"
                " downloads locked archives over HTTP(S) only)"
            )
    size = item.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        yield f"{where}: files[{index}].size: {_show(size)} must be a whole number of bytes"


def _archive_name_problem(name: str, direct: bool) -> str | None:
    """Why *name* is no plain archive file name (``None`` if it is one): it becomes a
    path in Poetry's cache and a match against URLs. The archive of a *direct* (url,
    file) reference may have any name (``archive/main.zip``), except a wheel's."""
    if _UNSAFE.search(name) or not name.isprintable():
        return "must be a plain file name (no '/', '\\', '..' or percent-encoding)"
    if name.endswith(".whl"):
        if _WHEEL.fullmatch(name) and _is_version(name.split("-", 2)[1]):
            return None  # the common case, without parsing every tag (a lock has many)
        return _unparsed(name, "a wheel", parse_wheel_filename)
    if name.endswith((".tar.gz", ".zip")):
        # Only the shape: old releases' sdists may spell their version loosely
        # (``foo-1.0-dev.tar.gz``), and nothing is selected by an sdist's name.
        stem = name.removesuffix(".tar.gz").removesuffix(".zip")
        if direct or "-" in stem.strip("-"):
            return None
        return "is not an sdist file name (name-version.tar.gz)"
    if name.endswith(_LEGACY_ARCHIVES):
        return None
    return "is not a wheel (.whl) or sdist (.tar.gz, .zip) file name"


def _unparsed(name: str, kind: str, parse: Callable[[str], object]) -> str | None:
    """Why packaging cannot read *name* as *kind* file name (``None`` if it can)."""
    try:
        parse(name)
    except ValueError as e:  # InvalidWheelFilename, InvalidSdistFilename, InvalidVersion
        text = str(e)  # "Invalid … filename (why): 'name'" or "Invalid why: x in 'name'"
        reason = re.search(r"\((.*?)\)", text)
        why = reason[1] if reason else re.sub(r"( in|:)? '[^']*'$", "", text)
        plain = why.lower().startswith("invalid") and why.lower().endswith("filename")
        return f"is not {kind} file name" + ("" if plain else f" ({why})")
    return None


@functools.lru_cache(maxsize=4096)
def _is_version(text: str) -> bool:
    """Whether *text* is a PEP 440 version (the files of a release share one)."""
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True
