"""``poetry.lock`` as plain values: packages, their sources, markers and files.

Only what the plugin reasons about is modelled; the rest of the lock is left to
Poetry. Markers are kept per group, as lock-version 2.1 writes them (a string for
all groups, or a table by group; no ``markers`` key means "everywhere").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import NormalizedName, canonicalize_name

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.urls import redact_url

__all__ = [
    "LockedDependency",
    "LockedFile",
    "LockedPackage",
    "LockedSource",
    "MultiarchLock",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class LockedSource:
    """Where a package comes from: ``legacy`` (an index), ``url``, ``file``, ``git``…"""

    type: str
    url: str
    reference: str | None = None
    resolved_reference: str | None = None

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
                    marker=Marker(marker) if marker else None,
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

    def applies(self, environment: Mapping[str, str], groups: Iterable[str]) -> bool:
        """Whether this entry is installed for *groups* on *environment*."""
        env = {**environment, "extra": ""}
        return any(
            group not in self.markers or self.markers[group].evaluate(env)
            for group in groups
            if group in self.groups
        )

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
                markers = {group: Marker(raw) for group in groups}
            else:
                markers = {group: Marker(text) for group, text in raw.items()}
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

    @classmethod
    def from_lock_data(cls, data: Mapping[str, Any]) -> MultiarchLock:
        recorded = data.get("metadata", {}).get("poetry-plugin-multiarch")
        return cls(
            packages=tuple(LockedPackage.from_lock_data(p) for p in data.get("package", ())),
            plugin_metadata=MappingProxyType(dict(recorded)) if recorded else None,
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
