"""Which version each target gets, for every package whose version differs between
targets: read from the lock alone (each entry's markers evaluated per target
environment, as coverage does).

A package is locked with several versions either as the user's own alternatives (a
direct dependency written as a list with markers) or because the solver split it
(*forked*): no one release installs on every target, so each target gets the newest
release that installs there — ``t`` 2.5.0 on linux and macOS arm64, 2.2.2 on macOS
x86_64, where 2.5.0 has no wheel.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from packaging.utils import NormalizedName

from poetry_plugin_multiarch.lockmodel import LockedPackage, MultiarchLock
from poetry_plugin_multiarch.targets import TargetEnvironment

__all__ = ["VersionSplit", "forked_names", "version_splits"]


@dataclass(frozen=True, kw_only=True, slots=True)
class VersionSplit:
    """The version each target environment gets of one package."""

    package: str
    #: split by the solver (or a dependency's own markers), not the user's alternatives
    forked: bool
    #: (environment, version), in the environments' order; ``None``: not installed
    #: there. An environment where two entries apply (an overlap, an error of its own)
    #: is left out.
    versions: tuple[tuple[TargetEnvironment, str | None], ...]

    @property
    def kind(self) -> str:
        return "forked" if self.forked else "alternatives"

    def describe(self) -> str:
        """``t: 2.5.0 on linux-x86_64, macos-arm64; 2.2.2 on macos-x86_64 (forked)``.

        A target is named alone when it gets one version on every Python it is
        checked with, else with the Pythons (``linux-x86_64 (Python 3.12)``)."""
        pythons: dict[str, list[str]] = {}
        for env, _ in self.versions:
            pythons.setdefault(env.target.name, []).append(env.python)
        parts = []
        for version in dict.fromkeys(v for _, v in self.versions):
            gets = [env for env, v in self.versions if v == version]
            where = []
            for target, all_pythons in pythons.items():
                mine = [env.python for env in gets if env.target.name == target]
                if mine == all_pythons:
                    where.append(target)
                elif mine:
                    where.append(f"{target} (Python {', '.join(mine)})")
            what = "not installed" if version is None else version
            parts.append(f"{what} on {', '.join(where)}")
        return f"{self.package}: {'; '.join(parts)} ({self.kind})"


def version_splits(
    selection: Sequence[tuple[TargetEnvironment, Mapping[str, Sequence[LockedPackage]]]],
    direct: Collection[str] = (),
) -> tuple[VersionSplit, ...]:
    """Every package that gets different versions on different environments, by name.

    *selection* is the entries each environment selects, by package name; *direct*
    the names of the direct dependencies the user wrote as alternatives.
    """
    names = sorted({name for _, chosen in selection for name in chosen})
    splits = []
    for name in names:
        versions: list[tuple[TargetEnvironment, str | None]] = []
        for env, chosen in selection:
            entries = chosen.get(name, ())
            if len(entries) <= 1:
                versions.append((env, entries[0].version if entries else None))
        if len({v for _, v in versions if v is not None}) > 1:
            splits.append(
                VersionSplit(package=name, forked=name not in direct, versions=tuple(versions))
            )
    return tuple(splits)


def forked_names(lock: MultiarchLock, direct: Collection[str] = ()) -> frozenset[NormalizedName]:
    """Packages locked as entries of more than one version that are not the user's
    alternatives (*direct*): the solver split them by target."""
    return frozenset(
        name
        for name, entries in lock.alternatives().items()
        if name not in direct and len({e.version for e in entries}) > 1
    )
