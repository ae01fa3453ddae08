"""Poetry's locker, writing each index artifact's URL into ``poetry.lock``, and the
gate that keeps a lock from leaving a declared target without an installable artifact.

Stock Poetry records only ``{file, hash}`` per artifact and asks the index again at
install time. With the URL (and size, when the index gives one) in the lock, install
can fetch exactly what was locked. Stock Poetry of the same version accepts these
extra keys. URLs are written without credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cleo.formatters.formatter import Formatter
from poetry.packages.locker import Locker

from poetry_plugin_multiarch.config import MultiarchConfig
from poetry_plugin_multiarch.coverage import FindingKind, check_coverage
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.report import coverage_error
from poetry_plugin_multiarch.urls import redact_url

escape = Formatter.escape

if TYPE_CHECKING:
    from pathlib import Path

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.packages.transitive_package_info import TransitivePackageInfo
    from poetry.repositories import RepositoryPool
    from tomlkit import TOMLDocument

__all__ = ["MultiarchLocker"]

#: Source types whose artifacts come from an index (``None`` is PyPI).
_INDEX_SOURCE_TYPES = (None, "legacy")


class MultiarchLocker(Locker):
    """A :class:`Locker` that knows the pool, so it can name artifact URLs."""

    def __init__(
        self,
        lock: Path,
        pyproject_data: dict[str, Any],
        pool: RepositoryPool,
        *,
        config: MultiarchConfig | None = None,
        direct: frozenset[str] = frozenset(),
        io: IO | None = None,
    ) -> None:
        super().__init__(lock, pyproject_data)
        self._pool = pool
        self._config = config or MultiarchConfig()
        self._direct = direct
        self._io = io

    def _compute_lock_data(self, root: Package, packages: Any) -> TOMLDocument:
        lock: TOMLDocument = super()._compute_lock_data(root, packages)
        if self._config.targets:
            # what the coverage below was checked against, for `check` and install
            lock["metadata"]["poetry-plugin-multiarch"] = self._config.recorded()
        return lock

    def _write_lock_data(self, data: TOMLDocument) -> None:
        """The lock gate: with targets declared, a lock that leaves one without an
        installable artifact is not written (``on-gap = "warn"``: written, with a warning)."""
        if self._config.targets:
            report = check_coverage(
                MultiarchLock.from_lock_data(data.unwrap()),
                self._config.target_environments,
                self._direct,
            )
            if self._io is not None:
                for finding in report.findings:
                    if finding.kind is FindingKind.UNSELECTED:
                        self._io.write_error_line(
                            f"<warning>Warning: {escape(finding.message())}</>"
                        )
            if not report.ok:
                if self._config.on_gap == "fail":
                    raise coverage_error(report)
                if self._io is not None:
                    error = coverage_error(report, written=True)
                    self._io.write_error_line(f"<warning>Warning: {escape(error.message)}</>")
                    self._io.write_error_line(f"<comment>{escape(error.hint)}</>")
        super()._write_lock_data(data)

    def _dump_package(
        self, package: Package, transitive_info: TransitivePackageInfo
    ) -> dict[str, Any]:
        data: dict[str, Any] = super()._dump_package(package, transitive_info)
        source = data.get("source")
        if source and source.get("url"):
            # Poetry copies a source URL as written, ``user:password@`` included.
            source["url"] = redact_url(source["url"])
        if package.source_type in _INDEX_SOURCE_TYPES and data.get("files"):
            known = self._artifact_locations(package)
            data["files"] = [{**entry, **known.get(entry["file"], {})} for entry in data["files"]]
        return data

    def _artifact_locations(self, package: Package) -> dict[str, dict[str, Any]]:
        """``{filename: {"url": …, "size": …}}`` for the package's artifacts."""
        locations: dict[str, dict[str, Any]] = {}
        # Poetry 2.3+ keeps url and size on each file; earlier releases do not.
        for entry in package.files:
            if entry.get("url"):
                location: dict[str, Any] = {"url": redact_url(entry["url"])}
                if isinstance(entry.get("size"), int):
                    location["size"] = entry["size"]
                locations[entry["file"]] = location
        if len(locations) == len(package.files):
            return locations
        name = package.source_reference or "pypi"
        if not self._pool.has_repository(name):
            return locations
        repository = self._pool.repository(name)
        for link in repository.find_links_for_package(package):
            locations.setdefault(link.filename, {"url": redact_url(link.url_without_fragment)})
        return locations
