"""Errors the plugin shows to users.

Every error a user can cause is a :class:`MultiarchError`: it carries the message
(what is wrong, naming the package, version and environment) and a hint (what to do).
The plugin renders these without a traceback; anything else is a bug and propagates.
"""

from __future__ import annotations

__all__ = [
    "AmbiguousAlternativesError",
    "ArtifactFetchError",
    "ConfigError",
    "CoverageError",
    "ExportError",
    "LockDataError",
    "MissingAlternativeError",
    "MultiarchError",
    "NoTargetForMachineError",
    "OverlappingAlternativesError",
    "UnhashedArtifactError",
]


class MultiarchError(Exception):
    """Base of all user-facing errors of the plugin."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n\n{self.hint}" if self.hint else self.message


class ConfigError(MultiarchError):
    """``[tool.poetry-plugin-multiarch]`` holds something the plugin does not accept."""


class LockDataError(MultiarchError):
    """``poetry.lock`` cannot be read as lock data."""


class OverlappingAlternativesError(MultiarchError):
    """Two alternatives of one dependency apply on the same machine."""


class AmbiguousAlternativesError(MultiarchError):
    """More than one locked alternative of a package matches an environment."""


class ArtifactFetchError(MultiarchError):
    """A locked artifact could not be fetched or does not match its locked hash."""


class UnhashedArtifactError(MultiarchError):
    """The lock records no hash for an archive an install needs."""


class NoArtifactForMachineError(MultiarchError):
    """A package selected on this machine has no locked wheel or sdist that installs here."""


class MissingAlternativeError(MultiarchError):
    """A package needed on this machine has no locked alternative for it."""


class CoverageError(MultiarchError):
    """Some target environment would get no installable artifact for a package."""

    def __init__(self, message: str, hint: str = "", *, report: object = None) -> None:
        super().__init__(message, hint)
        #: the :class:`~poetry_plugin_multiarch.coverage.CoverageReport` behind it
        self.report = report


class NoTargetForMachineError(MultiarchError):
    """The interpreter being installed into is none of the declared targets."""


class ExportError(MultiarchError):
    """What was asked of ``multiarch export``/``download`` cannot be made from the lock."""
