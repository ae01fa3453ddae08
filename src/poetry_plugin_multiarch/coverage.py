"""Does the lock install on every target? Evaluation, not marker algebra.

For each target environment (a target with one CPython minor) the lock's markers are
evaluated (all groups): every selected entry must have an artifact that installs
there — a wheel sharing a tag with the target, else an sdist or a URL/file/git source
(counted, reported as building from source). All findings are collected, never just
the first.
"""

from __future__ import annotations

import enum
import functools
import posixpath
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename

from poetry_plugin_multiarch.lockmodel import LockedPackage, MultiarchLock
from poetry_plugin_multiarch.targets import TargetEnvironment

__all__ = ["CoverageReport", "Finding", "FindingKind", "check_coverage", "installability"]

_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz")


class FindingKind(enum.Enum):
    GAP = "gap"  #: selected, but nothing installs there: an error
    OVERLAP = "overlap"  #: two alternatives of one package selected: an error
    FROM_SOURCE = "from-source"  #: installs by building an sdist or a source tree
    UNSELECTED = "unselected"  #: a direct dependency no alternative of which applies


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    kind: FindingKind
    package: NormalizedName
    version: str
    origin: str
    groups: tuple[str, ...]
    target: str
    python: str
    #: platform tags the package has wheels for (gaps)
    available: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.kind in (FindingKind.GAP, FindingKind.OVERLAP)

    def message(self) -> str:
        where = f"{self.target}, Python {self.python}"
        what = f"{self.package} {self.version} ({self.origin})"
        if self.kind is FindingKind.GAP:
            has = ", ".join(self.available) if self.available else "none"
            return f"{what}: no wheel or sdist for {where}; it only has wheels for: {has}"
        if self.kind is FindingKind.OVERLAP:
            return f"{self.package}: more than one alternative applies on {where}"
        if self.kind is FindingKind.FROM_SOURCE:
            return f"{what}: builds from source on {where}"
        return f"{self.package}: a direct dependency, but no alternative of it applies on {where}"


@dataclass(frozen=True, kw_only=True, slots=True)
class CoverageReport:
    environments: tuple[TargetEnvironment, ...]
    findings: tuple[Finding, ...]
    #: entries selected per target environment label
    selected: tuple[tuple[str, int], ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_coverage(
    lock: MultiarchLock,
    environments: Sequence[TargetEnvironment],
    direct: Collection[str] = (),
) -> CoverageReport:
    """Every finding for every target environment (see module docstring).

    *direct* names the project's direct dependencies: one selected on some targets
    but on none of another is reported as :attr:`FindingKind.UNSELECTED`.
    """
    findings: list[Finding] = []
    selected_counts = []
    selected_anywhere: set[str] = set()
    per_env: list[tuple[TargetEnvironment, dict[str, list[LockedPackage]]]] = []
    for env in environments:
        chosen: dict[str, list[LockedPackage]] = defaultdict(list)
        for entry in lock.packages:
            if entry.applies(env.environment, entry.groups):
                chosen[entry.name].append(entry)
        selected_anywhere.update(chosen)
        per_env.append((env, chosen))
        selected_counts.append((env.label, sum(len(v) for v in chosen.values())))
    for env, chosen in per_env:
        for entries in chosen.values():
            if len(entries) > 1:
                findings.append(_finding(FindingKind.OVERLAP, entries[0], env))
                continue
            kind, available = installability(entries[0], env.tags)
            if kind is not None:
                findings.append(_finding(kind, entries[0], env, available))
        for name in sorted(direct):
            if name in selected_anywhere and name not in chosen:
                entry = next(p for p in lock.packages if p.name == name)
                findings.append(_finding(FindingKind.UNSELECTED, entry, env))
    return CoverageReport(
        environments=tuple(environments), findings=tuple(findings), selected=tuple(selected_counts)
    )


def _finding(
    kind: FindingKind,
    entry: LockedPackage,
    env: TargetEnvironment,
    available: Iterable[str] = (),
) -> Finding:
    return Finding(
        kind=kind,
        package=entry.name,
        version=entry.version,
        origin=entry.origin,
        groups=entry.groups,
        target=env.target.name,
        python=env.python,
        available=tuple(available),
    )


def installability(
    entry: LockedPackage, tags: Collection[Tag]
) -> tuple[FindingKind | None, tuple[str, ...]]:
    """``(None, ())`` if a wheel installs on *tags*; else FROM_SOURCE, or GAP with the
    platforms the entry does have wheels for."""
    source = entry.source
    if source and source.type in ("git", "directory"):
        return FindingKind.FROM_SOURCE, ()
    names = [f.name for f in entry.files]
    if source and source.type in ("url", "file") and not names:
        names = [posixpath.basename(source.url)]
    platforms: set[str] = set()
    for name in names:
        wheel_tags = _wheel_tags(name)
        if not wheel_tags.isdisjoint(tags):
            return None, ()
        platforms.update(t.platform for t in wheel_tags)
    if any(name.endswith(_SDIST_SUFFIXES) for name in names):
        return FindingKind.FROM_SOURCE, ()
    return FindingKind.GAP, tuple(sorted(platforms))


@functools.cache
def _wheel_tags(filename: str) -> frozenset[Tag]:
    if not filename.endswith(".whl"):
        return frozenset()
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return frozenset()
