"""Which locked entries one machine installs: evaluation of the lock's markers.

Pure: no resolving, no index. Root extras are treated as inactive here; the
installer relies on Poetry's own marker evaluation for extras and groups, and uses
these checks for what Poetry would let pass silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name

from poetry_plugin_multiarch.coverage import FindingKind, gap_detail, installability
from poetry_plugin_multiarch.errors import (
    AmbiguousAlternativesError,
    MissingAlternativeError,
    NoArtifactForMachineError,
)
from poetry_plugin_multiarch.lockmodel import LockedDependency, LockedPackage, MultiarchLock
from poetry_plugin_multiarch.targets import Target

__all__ = [
    "ambiguous_alternatives_error",
    "check_artifacts_install",
    "check_requirements_met",
    "describe_machine",
    "select_for_environment",
    "wheels_only_target",
]


def select_for_environment(
    lock: MultiarchLock,
    environment: Mapping[str, str],
    groups: Iterable[str] = ("main",),
    extras: Iterable[str] = (),
) -> dict[NormalizedName, LockedPackage]:
    """The entry each package installs from on *environment*, by name (for *groups*
    and the root *extras*).

    :raises AmbiguousAlternativesError: two entries of one package both apply
        (every one of them is named).
    """
    wanted = tuple(groups)
    asked = tuple(extras)
    chosen: dict[NormalizedName, list[LockedPackage]] = defaultdict(list)
    for package in lock.packages:
        if package.applies(environment, wanted, asked):
            chosen[package.name].append(package)
    for name, entries in chosen.items():
        if len(entries) > 1:
            raise ambiguous_alternatives_error(name, entries, environment)
    return {name: entries[0] for name, entries in chosen.items()}


def describe_machine(environment: Mapping[str, str]) -> str:
    """``sys_platform == "linux", platform_machine == "aarch64", python_version == "3.11"``."""
    return ", ".join(
        f'{key} == "{environment[key]}"'
        for key in ("sys_platform", "platform_machine", "python_version")
        if key in environment
    )


def ambiguous_alternatives_error(
    name: str, entries: Sequence[LockedPackage], environment: Mapping[str, str]
) -> AmbiguousAlternativesError:
    """The error for several entries of *name* that all apply on *environment*."""
    listed = "\n".join(f"  {entry.describe()}" for entry in entries)
    return AmbiguousAlternativesError(
        f"{len(entries)} locked alternatives of {name} apply to this machine"
        f" ({describe_machine(environment)}):\n{listed}",
        "Make the alternatives' markers exclusive in pyproject.toml and run `poetry lock`.",
    )


def check_requirements_met(
    lock: MultiarchLock,
    needs: Mapping[str, Sequence[LockedDependency]],
    environment: Mapping[str, str],
) -> None:
    """Every requirement the selected packages have on *environment* is selected too.

    *needs* maps each selected package, by a label starting with its name (``jax
    0.2.20``), to its requirements. Without this check a package whose alternatives
    all exclude this machine is left out silently, and what needs it breaks later.

    :raises MissingAlternativeError: naming each missing package, what needs it and
        the locked alternatives with their markers.
    """
    selected = {canonicalize_name(label.split(" ", 1)[0]) for label in needs}
    missing: dict[str, list[str]] = defaultdict(list)
    for label, requirements in needs.items():
        for requirement in requirements:
            if requirement.name not in selected and requirement.needed_on(environment):
                missing[requirement.name].append(label)
    if not missing:
        return
    lines = []
    for name, needed_by in missing.items():
        lines.append(f"{name} (needed by {', '.join(needed_by)}) has no locked alternative for it.")
        lines += [f"  locked: {entry.describe()}" for entry in lock.packages if entry.name == name]
    raise MissingAlternativeError(
        f"Nothing can be installed on this machine ({describe_machine(environment)}):\n"
        + "\n".join(lines),
        _relock_hint(lock)
        or "Add an alternative whose markers include this machine to pyproject.toml and run"
        " `poetry lock`, or install on a machine the lock covers.",
    )


def wheels_only_target(
    targets: Iterable[Target], no_build: Iterable[str], environment: Mapping[str, Any]
) -> str:
    """The name of a ``no-build`` target (wheels only) that *environment* (a real
    interpreter's) is, or ``""``. Of targets that overlap (a custom ``jetson`` and
    ``linux-aarch64``), one with ``no-build`` is enough: the project said that kind of
    machine installs wheels only."""
    wheels_only = frozenset(no_build)
    return next((t.name for t in targets if t.name in wheels_only and t.matches(environment)), "")


def check_artifacts_install(
    entries: Iterable[LockedPackage],
    tags: Sequence[Tag],
    environment: Mapping[str, str],
    lock: MultiarchLock | None = None,
    *,
    no_build: str = "",
) -> None:
    """Every selected entry has a locked wheel for *tags* (the interpreter's, most
    specific first), an sdist, or a source to build — a wheel only, when this machine
    is the ``no-build`` target named *no_build*.

    Without this check the first such package fails deep in the install with "Unable
    to find installation candidates", after others may have been installed (or, with
    ``no-build``, an sdist is built that the project said never to build).

    *lock*, when given, picks the hint: a lock stock Poetry wrote is fixed by
    re-locking with the plugin, not by adding alternatives.

    :raises NoArtifactForMachineError: naming each package, the platforms (or the
        interpreter/ABI) it has wheels for (or that it would build from source, and
        the no-build target), and this machine.
    """
    wanted = frozenset(tags)
    lines = []
    built = False
    for entry in entries:
        kind, _ = installability(entry, wanted, build=not no_build)
        if kind is FindingKind.GAP:
            builds = bool(no_build) and installability(entry, wanted)[0] is not kind
            built = built or builds
            what = f"{entry.name} {entry.version} ({entry.origin})"
            detail = gap_detail(
                entry,
                wanted,
                here="this machine",
                subject="poetry.lock",
                no_build=no_build if builds else "",
            )
            lines.append(f"  {what}: {detail}")
    if not lines:
        return
    machine = describe_machine(environment)
    if tags:
        machine += f"; it accepts wheels tagged {_platform_example(tags)}"
    if no_build:
        machine += f"; it is {no_build}, wheels only (no-build)"
    hint = (
        f"Pick a version or source with a wheel for this machine and run `poetry lock`, or"
        f" remove {no_build} from no-build in [tool.poetry-plugin-multiarch] to build"
        " from source here."
        if built
        else "Add an alternative for this machine (a version, source or url with such a wheel,"
        " with markers for it) to pyproject.toml and run `poetry lock`. Declaring this"
        " machine in [tool.poetry-plugin-multiarch] environments makes `poetry lock` and"
        " `poetry multiarch check` catch this before any install."
    )
    raise NoArtifactForMachineError(
        f"No locked wheel{'' if no_build else ' or sdist'} installs on this machine"
        f" ({machine}):\n" + "\n".join(lines) + "\nNothing was installed.",
        (_relock_hint(lock) if lock is not None else "") or hint,
    )


def _relock_hint(lock: MultiarchLock) -> str:
    if lock.by_plugin:
        return ""
    return (
        "poetry.lock was written without poetry-plugin-multiarch: stock Poetry locks one"
        " entry for all alternatives of a dependency. Re-lock with the plugin"
        " (`poetry lock`) and install again."
    )


_PLATFORM_PREFIXES = ("manylinux", "musllinux", "macosx", "win", "ios", "android")


def _platform_example(tags: Sequence[Tag]) -> str:
    """The interpreter's best tag with a standard platform (``linux_*`` tags, which
    Poetry lists first, are never on an index)."""
    return str(next((t for t in tags if t.platform.startswith(_PLATFORM_PREFIXES)), tags[0]))
