"""poetry.lock as a PEP 751 ``pylock.toml``, built with ``packaging.pylock``.

Two shapes, as the specification allows:

- **multi-use** (:func:`multi_use_pylock`): every locked entry of the groups asked
  for, each alternative its own ``[[packages]]`` entry with its poetry.lock marker,
  every locked wheel and the sdist. Groups other than ``main`` become dependency
  groups (``"dev" in dependency_groups``), all of them default; root extras stay
  selectable (``"gpu" in extras``) unless the export decided them.
- **single-use** (:func:`single_use_pylock`): only what the given target
  environments install (:mod:`~poetry_plugin_multiarch.install_plan`), one file each.

Only the lock is read: the URLs, hashes and sizes it records. No credentials are
written: URLs lose their user info.
"""

from __future__ import annotations

import os.path
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import tomlkit
from packaging.markers import Marker
from packaging.pylock import (
    Package,
    PackageArchive,
    PackageDirectory,
    PackageSdist,
    PackageVcs,
    PackageWheel,
    Pylock,
)
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from poetry_plugin_multiarch import __version__
from poetry_plugin_multiarch.coverage import SDIST_SUFFIXES
from poetry_plugin_multiarch.errors import ExportError
from poetry_plugin_multiarch.install_plan import Plans, installed_where, missing_urls_error
from poetry_plugin_multiarch.lock_file_markers import (
    Decided,
    any_of,
    decide_extras,
    extras_as_lock_file,
    group_term,
)
from poetry_plugin_multiarch.lockmodel import LockedFile, LockedPackage, MultiarchLock
from poetry_plugin_multiarch.targets import TargetEnvironment
from poetry_plugin_multiarch.urls import redact_url

__all__ = ["PylockScope", "multi_use_pylock", "pylock_toml", "single_use_pylock"]

TOOL = "poetry-plugin-multiarch"


@dataclass(frozen=True, kw_only=True, slots=True)
class PylockScope:
    """What an export covers and where it is written."""

    #: the groups exported (``main`` is the project's own dependencies)
    groups: tuple[str, ...] = ("main",)
    #: root extras decided at export (``None``: each stays selectable at install)
    extras: tuple[str, ...] | None = None
    #: the environments the lock is for (declared or asked for)
    environments: tuple[TargetEnvironment, ...] = ()
    #: the project's Python, a PEP 440 specifier (``None`` when not expressible)
    requires_python: str | None = None
    #: the project's directory and the pylock.toml's, for ``file``/``directory`` paths
    project_dir: str = "."
    output_dir: str = "."
    #: download layout: files are named by ``path`` next to the lock, not by URL
    local_files: bool = False
    #: what ``[tool.poetry-plugin-multiarch]`` records besides
    tool: Mapping[str, Any] = field(default_factory=dict)


def multi_use_pylock(lock: MultiarchLock, scope: PylockScope) -> tuple[Pylock, list[str]]:
    """Every entry of *scope*'s groups, with its marker; and notes on what was left out.

    :raises ExportError: the lock records no URL for a file (stock Poetry's lock).
    """
    notes: list[str] = []
    packages = []
    missing_urls = []
    for entry in lock.packages:
        marker = _entry_marker(entry, scope)
        if marker is False:
            continue
        if entry.lacks_urls():
            missing_urls.append(f"{entry.name} {entry.version}")
            continue
        packages.append(
            _package(entry, None if marker is True else marker, entry.files, scope, notes)
        )
    if missing_urls:
        raise missing_urls_error(missing_urls)
    extras: list[str] | None = None
    if scope.extras is None and lock.extras:
        extras = sorted(lock.extras)
    return _pylock(packages, scope, extras=extras), notes


def single_use_pylock(plans: Plans, scope: PylockScope) -> tuple[Pylock, list[str]]:
    """What each of *plans*' environments installs: one entry per locked entry any
    of them installs, with the files they install from, marked with the environments
    that install it (no marker when all of them do)."""
    # by the entry's position in the lock (entries hold mappings: not hashable)
    by_entry: dict[int, tuple[LockedPackage, list[TargetEnvironment], list[LockedFile]]] = {}
    for environment, planned in plans:
        for item in planned:
            _, environments, files = by_entry.setdefault(id(item.package), (item.package, [], []))
            environments.append(environment)
            if item.file is not None and item.file not in files:
                files.append(item.file)
    notes: list[str] = []
    missing_urls = [
        f"{entry.name} {entry.version}"
        for entry, _, files in by_entry.values()
        if not scope.local_files and entry.lacks_urls(files)
    ]
    if missing_urls:
        raise missing_urls_error(missing_urls)
    packages = []
    for entry, environments, files in sorted(by_entry.values(), key=lambda i: i[0].name):
        where = installed_where(environments, plans)
        packages.append(_package(entry, Marker(where) if where else None, files, scope, notes))
    return _pylock(packages, scope, extras=None), notes


def pylock_toml(pylock: Pylock, header: Iterable[str] = ()) -> str:
    """The TOML text of *pylock* (validated first), *header* lines as comments on top;
    artifacts as inline tables, as uv and pip write them."""
    pylock.validate()
    data = dict(pylock.to_dict())
    document = tomlkit.document()
    for line in header:
        document.add(tomlkit.comment(line))
    for key, value in data.items():
        if key != "packages":
            document.add(key, value)
    packages = tomlkit.aot()
    for package in data["packages"]:
        table = tomlkit.table()
        for key, value in package.items():
            if key == "wheels":
                wheels = tomlkit.array()
                wheels.multiline(True)
                for wheel in value:
                    wheels.append(_inline(wheel))
                table.add(key, wheels)
            elif isinstance(value, Mapping) and key != "tool":
                table.add(key, _inline(value))
            else:
                table.add(key, value)
        packages.append(table)
    document.add("packages", packages)
    return tomlkit.dumps(document)


def _inline(mapping: Mapping[str, Any]) -> Any:
    table = tomlkit.inline_table()
    for key, value in mapping.items():
        table.append(key, _inline(value) if isinstance(value, Mapping) else value)
    return table


def _entry_marker(entry: LockedPackage, scope: PylockScope) -> Marker | Decided:
    terms = []
    for group in entry.groups:
        if group not in scope.groups:
            continue
        marker = entry.markers.get(group)
        decided: Marker | Decided = True
        if marker is not None:
            decided = (
                extras_as_lock_file(marker)
                if scope.extras is None
                else decide_extras(marker, scope.extras)
            )
        terms.append(group_term(group, decided))
    return any_of(terms)


def _pylock(packages: list[Package], scope: PylockScope, *, extras: list[str] | None) -> Pylock:
    groups = [g for g in scope.groups if g != "main"]
    environments = [Marker(env.marker) for env in scope.environments] or None
    return Pylock(
        lock_version=Version("1.0"),
        environments=environments,
        requires_python=SpecifierSet(scope.requires_python) if scope.requires_python else None,
        extras=extras,  # type: ignore[arg-type]
        dependency_groups=groups or None,
        default_groups=groups or None,
        created_by=TOOL,
        packages=packages,
        tool={TOOL: {"version": __version__, **scope.tool}},
    )


def _package(
    entry: LockedPackage,
    marker: Marker | None,
    files: Sequence[LockedFile],
    scope: PylockScope,
    notes: list[str],
) -> Package:
    source = entry.source
    common: dict[str, Any] = {"name": entry.name, "marker": marker}
    if source is not None and source.type == "git":
        return Package(
            **common,
            vcs=PackageVcs(
                type="git",
                url=redact_url(source.url),
                requested_revision=source.reference or None,
                commit_id=source.resolved_reference or source.reference or "",
                subdirectory=source.subdirectory,
            ),
        )
    if source is not None and source.type == "directory":
        return Package(
            **common,
            directory=PackageDirectory(
                path=_relative(source.url, scope), subdirectory=source.subdirectory
            ),
        )
    version = Version(entry.version)
    if source is not None and source.type in ("url", "file"):
        file = files[0] if files else None
        if file is None:
            raise ExportError(
                f"poetry.lock records no hash for {entry.name} {entry.version}"
                f" ({entry.origin}); a pylock.toml archive needs one.",
                "Run `poetry lock --regenerate` to record it.",
            )
        where: dict[str, Any]
        if scope.local_files:
            where = {"path": file.name}
        elif source.type == "url":
            where = {"url": redact_url(source.url)}
        else:
            where = {"path": _relative(source.url, scope)}
        return Package(
            **common,
            version=version,
            archive=PackageArchive(
                **where, size=file.size, hashes=_hashes(file), subdirectory=source.subdirectory
            ),
        )
    wheels = []
    sdist = None
    for file in files:
        if file.name.endswith(".whl") and _matches(entry, file.name, parse_wheel_filename):
            wheels.append(PackageWheel(**_where(file, scope), hashes=_hashes(file)))
            continue
        if (
            file.name.endswith(SDIST_SUFFIXES)
            and sdist is None
            and _matches(entry, file.name, parse_sdist_filename)
        ):
            sdist = PackageSdist(**_where(file, scope), hashes=_hashes(file))
            continue
        notes.append(f"{entry.name} {entry.version}: {file.name} left out (not a PEP 751 artifact)")
    index = None
    if source is None:
        index = "https://pypi.org/simple"
    elif source.type == "legacy":
        index = redact_url(source.url)
    return Package(**common, version=version, index=index, sdist=sdist, wheels=wheels or None)


def _where(file: LockedFile, scope: PylockScope) -> dict[str, Any]:
    if scope.local_files:
        return {"name": file.name, "path": file.name, "size": file.size}
    return {"name": file.name, "url": redact_url(file.url or ""), "size": file.size}


def _matches(entry: LockedPackage, filename: str, parse: Any) -> bool:
    """Whether *filename* names *entry*'s project and version (PEP 751 requires it)."""
    try:
        name, version = parse(filename)[:2]
    except ValueError:
        return False
    return bool(name == entry.name and version == Version(entry.version))


def _hashes(file: LockedFile) -> dict[str, str]:
    algorithm, _, digest = file.hash.partition(":")
    return {algorithm: digest}


def _relative(location: str, scope: PylockScope) -> str:
    """A ``file``/``directory`` source's path (the lock's, relative to the project),
    relative to the pylock.toml, with ``/`` separators."""
    path = location if os.path.isabs(location) else os.path.join(scope.project_dir, location)
    relative = os.path.relpath(path, scope.output_dir)
    return posixpath.join(*relative.split(os.sep))
