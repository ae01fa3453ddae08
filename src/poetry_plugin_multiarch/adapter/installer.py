"""Poetry's installer, made to install strictly from ``poetry.lock``.

:func:`make_strict` turns the installer Poetry built for a command into a
:class:`MultiarchInstaller` in place (``__class__``), so that the installer is built
exactly as Poetry builds it in each release, with nothing copied that could drift.
The strict installer:

- never re-resolves: selection is the lock's markers and groups evaluated for the
  target environment, whatever ``installer.re-resolve`` says (the 2.1 lock format);
- chooses archives among the lock's files, downloading from their recorded URLs;
- fetches and hash-checks every archive before the first operation runs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from poetry.installation.installer import Installer

from poetry_plugin_multiarch.adapter.artifacts import LockedArtifactPool, prefetch_artifacts
from poetry_plugin_multiarch.adapter.compat import poetry_features
from poetry_plugin_multiarch.errors import AmbiguousAlternativesError

if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.config.config import Config
    from poetry.installation.operations.operation import Operation

__all__ = ["MultiarchInstaller", "make_strict"]

_RE_RESOLVE = "installer.re-resolve"


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

    def _do_install(self) -> int:
        config = self._config
        if self._io.is_verbose() and config.get(_RE_RESOLVE, poetry_features().re_resolve_default):
            self._io.write_line(
                "<debug>multiarch: installer.re-resolve is ignored:"
                " installing from the lock's markers</debug>"
            )
        self._config = _StrictConfig(config)  # type: ignore[assignment]
        try:
            return super()._do_install()
        finally:
            self._config = config

    def _execute(self, operations: list[Operation]) -> int:
        _check_one_alternative_each(operations, self._env.marker_env)
        if self._executor.enabled and not self.is_dry_run():
            prefetch_artifacts(self._executor, operations, self._io)
        return super()._execute(operations)


def _check_one_alternative_each(operations: list[Operation], marker_env: dict[str, Any]) -> None:
    """Two locked alternatives of one package selected for this machine is an error."""
    chosen = defaultdict(list)
    for op in operations:
        if op.job_type in ("install", "update"):
            chosen[op.package.name].append(op.package)
    for name, packages in chosen.items():
        if len(packages) > 1:
            listed = "\n".join(
                f"  {p.pretty_name} {p.full_pretty_version}"
                f" ({p.source_type or 'index'} {p.source_url or ''})".rstrip()
                for p in packages
            )
            raise AmbiguousAlternativesError(
                f"{len(packages)} locked alternatives of {name} apply to this machine"
                f' (sys_platform == "{marker_env.get("sys_platform")}", platform_machine =='
                f' "{marker_env.get("platform_machine")}"):\n{listed}',
                "Make the alternatives' markers exclusive in pyproject.toml and run `poetry lock`.",
            )


def make_strict(installer: Installer, io: IO) -> None:
    """Turn a Poetry-built installer into a :class:`MultiarchInstaller`. Idempotent."""
    if isinstance(installer, MultiarchInstaller):
        return
    installer.__class__ = MultiarchInstaller
    chooser = installer.executor._chooser
    chooser._pool = LockedArtifactPool(chooser._pool, io)
