"""Poetry's installer, made to install strictly from ``poetry.lock``.

:func:`make_strict` turns the installer Poetry built for a command into a
:class:`MultiarchInstaller` in place (``__class__``), so that the installer is built
exactly as Poetry builds it in each release, with nothing copied that could drift.
The strict installer:

- never re-resolves: selection is the lock's markers and groups evaluated for the
  target environment, whatever ``installer.re-resolve`` says (the 2.1 lock format);
- chooses archives among the lock's files, downloading from their recorded URLs;
- fetches and hash-checks every archive before the first operation runs;
- for a command that solves (``add``, ``update``, ``remove``, ``install`` without a
  lock), checks the lock the solve would write — the coverage gate included — before
  the venv changes, and lets Poetry write it only after a successful install
  (:meth:`MultiarchInstaller._install_and_lock`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from packaging.markers import InvalidMarker, Marker
from poetry.installation.installer import Installer

from poetry_plugin_multiarch.adapter.artifacts import prefetch_artifacts, use_locked_artifacts
from poetry_plugin_multiarch.adapter.cached_wheels import use_wheel_cache
from poetry_plugin_multiarch.adapter.compat import (
    poetry_features,
    rank_supported_tags,
    use_venv_platform_tags,
)
from poetry_plugin_multiarch.adapter.locker import MultiarchLocker
from poetry_plugin_multiarch.adapter.lockfile import check_lock_file
from poetry_plugin_multiarch.config import MultiarchConfig
from poetry_plugin_multiarch.errors import NoTargetForMachineError
from poetry_plugin_multiarch.lockmodel import LockedDependency, LockedPackage, MultiarchLock
from poetry_plugin_multiarch.selection import (
    ambiguous_alternatives_error,
    check_artifacts_install,
    check_requirements_met,
    describe_machine,
    wheels_only_target,
)
from poetry_plugin_multiarch.urls import redact_url

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from cleo.io.io import IO
    from packaging.tags import Tag
    from poetry.config.config import Config
    from poetry.core.packages.package import Package
    from poetry.installation.operations.operation import Operation
    from poetry.packages.transitive_package_info import TransitivePackageInfo

__all__ = ["MultiarchInstaller", "make_strict"]

_RE_RESOLVE = "installer.re-resolve"
#: Why Poetry's transaction skips an optional package that no requested extra selects
#: (same text in 2.0 – 2.5); "Already installed" skips are still selected.
_NOT_REQUIRED = "Not required"
#: Sources a lock may record without ``files``: installing them builds, unless a wheel
#: is at the URL
_BUILT_SOURCES = ("git", "directory", "url", "file")


class _StrictConfig:
    """Poetry's config, except that the installer never re-resolves."""

    def __init__(self, config: Config) -> None:
        self._config = config

    def get(self, setting_name: str, default: Any = None) -> Any:
        if setting_name == _RE_RESOLVE:
            return False
        return self._config.get(setting_name, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, name)


class MultiarchInstaller(Installer):
    """An :class:`Installer` that takes what to install from the lock only."""

    _multiarch_config: MultiarchConfig
    #: a solving install's operations, held back until the solve reaches _write_lock_file
    _multiarch_pending: list[Operation] | None = None
    #: what _install_and_lock returned, for _do_install to return
    _multiarch_status: int | None = None

    def _do_install(self) -> int:
        if not self._lock:  # an install reads the lock first; `poetry lock` is the repair
            check_lock_file(self._locker)
        config = self._config
        if self._io.is_verbose() and config.get(_RE_RESOLVE, poetry_features().re_resolve_default):
            self._io.write_line(
                "<debug>multiarch: installer.re-resolve is ignored:"
                " installing from the lock's markers</debug>"
            )
        self._config = _StrictConfig(config)  # type: ignore[assignment]
        self._multiarch_status = None
        try:
            status = super()._do_install()
        finally:
            self._config = config
            self._multiarch_pending = None
        return status if self._multiarch_status is None else self._multiarch_status

    def _execute(self, operations: list[Operation]) -> int:
        # Only installs get here (`poetry lock` returns before), before any change.
        if self._update:
            # Poetry executes a solve's operations first and hands the solve to
            # _write_lock_file after: hold them back until then (_install_and_lock).
            self._multiarch_pending = operations
            return 0
        lock_data = self._locker.lock_data if self._locker.is_locked() else {}
        return self._install_from(operations, lock_data)

    def _write_lock_file(
        self, packages: dict[Package, TransitivePackageInfo], force: bool = False
    ) -> None:
        operations, self._multiarch_pending = self._multiarch_pending, None
        if operations is None:  # nothing to install: `lock`, `--lock`, a refresh
            super()._write_lock_file(packages, force)
            return
        self._multiarch_status = self._install_and_lock(operations, packages)

    def _install_and_lock(
        self, operations: list[Operation], packages: dict[Package, TransitivePackageInfo]
    ) -> int:
        """The order of every command that solves and installs (``add``, ``update``,
        ``remove``, ``install`` without a lock), owned here: the lock data the solve
        would write → the coverage gate and every pre-flight check on that data →
        install strictly from it → write it. A failure before the install leaves the
        venv, ``poetry.lock`` and ``pyproject.toml`` as they were (Poetry writes
        ``pyproject.toml`` only after a successful run)."""
        locker = self._locker
        if isinstance(locker, MultiarchLocker):
            lock = locker.checked_lock_data(self._package, packages)
        else:  # a stock Locker: no targets read, nothing to gate
            lock = locker._compute_lock_data(self._package, packages)
        status = self._install_from(operations, lock.unwrap())
        if status == 0:
            super()._write_lock_file(packages)
        return status

    def _install_from(self, operations: list[Operation], lock_data: dict[str, Any]) -> int:
        """Pre-flight checks of *operations* against *lock_data*, every archive
        fetched and hash-checked, then Poetry's execution."""
        use_venv_platform_tags(self._env, self._io)
        rank_supported_tags(self._env)
        _check_declared_target(self._multiarch_config, self._env.marker_env)
        _warn_if_targets_changed(self._multiarch_config, lock_data, self._io)
        config, marker_env = self._multiarch_config, self._env.marker_env
        no_build = wheels_only_target(config.targets, config.no_build, marker_env)
        _check_selection(
            operations, marker_env, self._env.supported_tags, lock_data, no_build=no_build
        )
        if not self._executor.enabled or self.is_dry_run():
            return super()._execute(operations)
        wheels = use_wheel_cache(self._executor._wheel_installer, self._config, self._io)
        started = time.monotonic()
        prefetch_artifacts(self._executor, operations, self._io, wheels)
        fetched = time.monotonic()
        status = super()._execute(operations)
        if wheels is not None and self._io.is_verbose() and (summary := wheels.summary()):
            self._io.write_line(
                f"<debug>{summary}; fetching, checking and unpacking took"
                f" {fetched - started:.2f} s, installing {time.monotonic() - fetched:.2f} s</debug>"
            )
        return status


def _check_declared_target(config: MultiarchConfig, marker_env: Mapping[str, Any]) -> None:
    """With targets declared, refuse an interpreter that is none of them.

    :raises NoTargetForMachineError: naming its platform values and the targets.
    """
    if not config.targets:
        return
    python = marker_env.get("python_version")
    if any(t.matches(marker_env) for t in config.targets) and python in config.pythons:
        return
    values = describe_machine(marker_env)
    declared = ", ".join(t.name for t in config.targets)
    raise NoTargetForMachineError(
        f"This machine ({values}) is none of the target environments of"
        f" [tool.poetry-plugin-multiarch]: {declared}; Python {', '.join(config.pythons)}."
        " Nothing was installed.",
        "Install on one of those targets, or add this machine to `environments` (and its"
        " Python to `python`) and run `poetry lock`.",
    )


def _warn_if_targets_changed(config: MultiarchConfig, lock_data: dict[str, Any], io: IO) -> None:
    """The lock records the targets it was checked against; say when they differ."""
    if not config.targets or not lock_data:
        return
    recorded = lock_data.get("metadata", {}).get("poetry-plugin-multiarch")
    if recorded is None or dict(recorded) != config.recorded():
        io.write_error_line(
            "<warning>Warning: the target environments in pyproject.toml changed since"
            " poetry.lock was written; run `poetry lock` to check the lock against them.</>"
        )


def _check_selection(
    operations: list[Operation],
    marker_env: Mapping[str, Any],
    supported_tags: Sequence[Tag],
    lock_data: dict[str, Any],
    *,
    no_build: str = "",
) -> None:
    """What Poetry would let pass: one package installed from two alternatives, a
    required package left out because none of its alternatives covers this machine, or
    one to install that has no locked artifact for this machine's tags (no wheel, on
    the ``no-build`` target *no_build*).

    :raises AmbiguousAlternativesError:
    :raises MissingAlternativeError:
    :raises NoArtifactForMachineError:
    """
    lock = MultiarchLock.from_lock_data(lock_data)
    operations = [op for op in operations if _selects(op)]
    by_name = defaultdict(list)
    for op in operations:
        by_name[op.package.name].append(op.package)
    for name, packages in by_name.items():
        if len(packages) > 1:
            entries = [entry for p in packages if (entry := _lock_entry(lock, p))]
            raise ambiguous_alternatives_error(name, entries, marker_env)
    needs = {}
    fetched = []
    for op in operations:
        package = op.package
        entry = _lock_entry(lock, package)
        label = f"{package.pretty_name} {package.pretty_version}"
        needs[label] = entry.dependencies if entry else _requirements(package)
        # a package without files is refused before download (prefetch_artifacts);
        # a git, directory or url source without them builds: not on a no-build target
        source = entry.source if entry is not None else None
        built = bool(no_build) and source is not None and source.type in _BUILT_SOURCES
        if entry is not None and not op.skipped and (entry.files or built):
            fetched.append(entry)
    check_requirements_met(lock, needs, marker_env)
    check_artifacts_install(fetched, supported_tags, marker_env, lock, no_build=no_build)


def _selects(op: Operation) -> bool:
    """Whether *op* puts its package on this machine: an install or update, unless
    Poetry skipped it as not required (an exclusive extra that was not asked for)."""
    return op.job_type in ("install", "update") and op.skip_reason != _NOT_REQUIRED


def _lock_entry(lock: MultiarchLock, package: Package) -> LockedPackage | None:
    """The lock entry *package* was read from (``None`` for one a new solve found)."""
    for entry in lock.packages:
        source = entry.source
        if (
            entry.name == package.name
            and entry.version == package.pretty_version
            and (source.type if source else None) == package.source_type
            and (source is None or source.url == redact_url(package.source_url or ""))
        ):
            return entry
    return None


def _requirements(package: Package) -> tuple[LockedDependency, ...]:
    found = []
    for dep in package.requires:
        try:
            marker = None if dep.marker.is_any() else Marker(str(dep.marker.without_extras()))
        except InvalidMarker:
            continue
        optional = dep.is_optional() or bool(dep.in_extras)
        found.append(LockedDependency(name=dep.name, marker=marker, optional=optional))
    return tuple(found)


def make_strict(installer: Installer, io: IO, config: MultiarchConfig | None = None) -> None:
    """Turn a Poetry-built installer into a :class:`MultiarchInstaller`. Idempotent."""
    if isinstance(installer, MultiarchInstaller):
        return
    installer.__class__ = MultiarchInstaller
    installer._multiarch_config = config or MultiarchConfig()  # type: ignore[attr-defined]
    use_locked_artifacts(installer.executor._chooser, io)
