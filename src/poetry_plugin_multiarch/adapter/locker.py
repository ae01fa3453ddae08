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

from poetry_plugin_multiarch.adapter.steering import solver_notes
from poetry_plugin_multiarch.atomicwrite import (
    line_ending_of,
    with_line_ending,
    write_text_atomically,
)
from poetry_plugin_multiarch.config import MultiarchConfig
from poetry_plugin_multiarch.coverage import CoverageReport, check_coverage
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.report import coverage_error, unselected_lines
from poetry_plugin_multiarch.urls import redact_url

escape = Formatter.escape

if TYPE_CHECKING:
    from collections.abc import Collection
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
        direct: Collection[str] = frozenset(),
        io: IO | None = None,
    ) -> None:
        super().__init__(lock, pyproject_data)
        self._pool = pool
        self._config = config or MultiarchConfig()
        self._direct = direct
        self._io = io
        #: the solve and the lock data :meth:`checked_lock_data` made and gate-checked
        self._checked: tuple[Any, TOMLDocument] | None = None

    def checked_lock_data(self, root: Package, packages: Any) -> TOMLDocument:
        """The lock data ``set_lock_data(root, packages)`` would write, through the gate
        (:meth:`check_gate`): the installer checks it before the venv changes. Writing
        that solve afterwards writes exactly this data, without checking it again."""
        data = self._compute_lock_data(root, packages)
        self.check_gate(data)
        self._checked = (packages, data)
        return data

    def _compute_lock_data(self, root: Package, packages: Any) -> TOMLDocument:
        if self._checked is not None and self._checked[0] is packages:
            return self._checked[1]
        lock: TOMLDocument = super()._compute_lock_data(root, packages)
        if self._config.targets:
            # what the coverage below was checked against, for `check` and install
            lock["metadata"]["poetry-plugin-multiarch"] = self._config.recorded()
        return lock

    def _write_lock_data(self, data: TOMLDocument) -> None:
        # the backstop for `poetry lock` and `--lock`, which install nothing
        checked, self._checked = self._checked, None
        if checked is None or checked[1] is not data:
            self.check_gate(data)
        self._write_lock_file(data)

    def _write_lock_file(self, data: TOMLDocument) -> None:
        """What stock ``_write_lock_data`` writes (the old lock's line endings kept), but
        atomically: killed mid-write, Poetry leaves a 0-byte lock; this leaves the old one."""
        content = with_line_ending(data.as_string(), line_ending_of(self.lock))
        write_text_atomically(self.lock, content)
        self._lock_data = None

    def check_gate(self, data: TOMLDocument) -> None:
        """The lock gate: with targets declared, a lock that leaves one without an
        installable artifact is not written (``on-gap = "warn"``: written, with a warning).

        :raises CoverageError: naming each gap, with ``on-gap = "fail"``.
        """
        if self._config.targets:
            report = check_coverage(
                MultiarchLock.from_lock_data(data.unwrap()),
                self._config.target_environments,
                self._direct,
                no_build=self._config.no_build,
            )
            if self._io is not None:
                for line in unselected_lines(report):  # indented: the hint
                    style = "comment" if line.startswith(" ") else "warning"
                    prefix = "" if line.startswith(" ") else "Warning: "
                    self._io.write_error_line(f"<{style}>{prefix}{escape(line)}</>")
            if not report.ok:
                notes = _solver_notes(report)
                if self._config.on_gap == "fail":
                    raise coverage_error(report, notes=notes)
                if self._io is not None:
                    error = coverage_error(report, written=True, notes=notes)
                    self._io.write_error_line(f"<warning>Warning: {escape(error.message)}</>")
                    self._io.write_error_line(f"<comment>{escape(error.hint)}</>")

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


def _solver_notes(report: CoverageReport) -> list[str]:
    """For each gap the solve could not avoid: that no release installs there, and the
    newest one skipped and why (from the solve that made this lock)."""
    found = solver_notes()
    notes = []
    for finding in report.errors:
        label = f"{finding.target} (Python {finding.python})"
        note = found.get((finding.package, label))
        if note and note not in notes:
            notes.append(note)
    return notes
