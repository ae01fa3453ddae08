"""Does the lock install on every target? Evaluation, not marker algebra.

For each target environment (a target with one CPython minor) the lock's markers are
evaluated (all groups): every selected entry must have an artifact that installs
there — a wheel sharing a tag with the target, else an sdist or a URL/file/git source
(counted, reported as building from source) unless the target is ``no-build`` (wheels
only: then an entry that only builds is a gap). All findings are collected, never just
the first. Alongside, which version each target gets of every package whose version
differs between targets (:mod:`poetry_plugin_multiarch.splits`).
"""

from __future__ import annotations

import enum
import functools
import posixpath
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename

from poetry_plugin_multiarch.lockmodel import LockedPackage, MultiarchLock
from poetry_plugin_multiarch.splits import VersionSplit, version_splits
from poetry_plugin_multiarch.targets import TargetEnvironment

__all__ = [
    "SDIST_SUFFIXES",
    "CoverageReport",
    "Finding",
    "FindingKind",
    "artifacts_gap_detail",
    "artifacts_installability",
    "built_from",
    "check_coverage",
    "gap_detail",
    "installability",
    "wheel_tags",
]

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz")


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
    #: why none of its wheels installs there (gaps): see :func:`gap_detail`; what is
    #: built (from source): see :func:`built_from`
    detail: str = ""
    #: a gap only because the target is ``no-build``: it would build from source
    no_build: bool = False
    #: what to do (unselected: a marker for the machines no alternative covers)
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.kind in (FindingKind.GAP, FindingKind.OVERLAP)

    def message(self) -> str:
        where = f"{self.target}, Python {self.python}"
        what = f"{self.package} {self.version} ({self.origin})"
        if self.kind is FindingKind.GAP:
            detail = self.detail or "it only has wheels for: none"
            if self.no_build:
                return f"{what}: no wheel for {where}; {detail}"
            return f"{what}: no wheel or sdist for {where}; {detail}"
        if self.kind is FindingKind.OVERLAP:
            return f"{self.package}: more than one alternative applies on {where}"
        if self.kind is FindingKind.FROM_SOURCE:
            return f"{what}: builds from source on {where}"
        return f"not installed on {self.target} (Python {self.python}): {self.package}" + (
            " — no alternative applies"
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class CoverageReport:
    environments: tuple[TargetEnvironment, ...]
    findings: tuple[Finding, ...]
    #: entries selected per target environment label
    selected: tuple[tuple[str, int], ...]
    #: the lock was written by Poetry without this plugin (see ``MultiarchLock.by_plugin``)
    stock_lock: bool = False
    #: names of the targets that install wheels only (``no-build``)
    no_build: frozenset[str] = frozenset()
    #: every package whose version differs between the environments, by name
    versions: tuple[VersionSplit, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_coverage(
    lock: MultiarchLock,
    environments: Sequence[TargetEnvironment],
    direct: Collection[str] | Mapping[str, str] = (),
    *,
    no_build: Collection[str] = (),
) -> CoverageReport:
    """Every finding for every target environment (see module docstring).

    *direct* names the direct dependencies given as marker-split alternatives (a
    plain ``pywin32; sys_platform == 'win32'`` is meant to be missing elsewhere): one
    selected on some targets but on none of another is reported as
    :attr:`FindingKind.UNSELECTED`. As a mapping, it gives each name the marker of
    the machines none of its alternatives covers (empty: they cover every machine),
    for the hint. In the version table, packages it names are the user's
    alternatives; other packages locked with several versions are *forked*.

    *no_build* names the targets that install wheels only: there an entry that would
    build from source (an sdist, a git or directory source) is a gap.
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
    wheels_only = frozenset(no_build)
    for env, chosen in per_env:
        build = env.target.name not in wheels_only
        for entries in chosen.values():
            if len(entries) > 1:
                findings.append(_finding(FindingKind.OVERLAP, entries[0], env))
                continue
            entry = entries[0]
            kind, available = installability(entry, env.tags, build=build)
            if kind is FindingKind.GAP:
                no_build_gap = not build and installability(entry, env.tags)[0] is not kind
                target = env.target.name if no_build_gap else ""
                detail = gap_detail(entry, env.tags, no_build=target)
                findings.append(
                    _finding(kind, entry, env, available, detail=detail, no_build=no_build_gap)
                )
            elif kind is FindingKind.FROM_SOURCE:
                findings.append(_finding(kind, entry, env, detail=built_from(entry)))
        for name in sorted(direct):
            if name in selected_anywhere and name not in chosen:
                entry = next(p for p in lock.packages if p.name == name)
                complement = direct.get(name, "") if isinstance(direct, Mapping) else ""
                hint = (
                    f"If {name} is needed there, add an alternative with"
                    f" markers = '{complement}' (the machines no alternative covers)."
                    if complement
                    else ""
                )
                findings.append(_finding(FindingKind.UNSELECTED, entry, env, hint=hint))
    return CoverageReport(
        environments=tuple(environments),
        findings=tuple(findings),
        selected=tuple(selected_counts),
        stock_lock=not lock.by_plugin,
        no_build=wheels_only,
        versions=version_splits(per_env, direct),
    )


def _finding(
    kind: FindingKind,
    entry: LockedPackage,
    env: TargetEnvironment,
    available: Collection[str] = (),
    *,
    detail: str = "",
    hint: str = "",
    no_build: bool = False,
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
        detail=detail,
        hint=hint,
        no_build=no_build,
    )


def installability(
    entry: LockedPackage, tags: Collection[Tag], *, build: bool = True
) -> tuple[FindingKind | None, tuple[str, ...]]:
    """``(None, ())`` if a wheel installs on *tags*; else FROM_SOURCE, or GAP with the
    platforms the entry does have wheels for. Without *build* (``no-build``: wheels
    only), what would build from source is a GAP too."""
    built = FindingKind.FROM_SOURCE if build else FindingKind.GAP
    source = entry.source
    if source and source.type in ("git", "directory"):
        return built, ()
    names = [f.name for f in entry.files]
    if source and source.type in ("url", "file") and not names:
        names = [posixpath.basename(source.url)]
    return artifacts_installability(names, tags, build=build)


def artifacts_installability(
    names: Iterable[str], tags: Collection[Tag], *, build: bool = True
) -> tuple[FindingKind | None, tuple[str, ...]]:
    """:func:`installability` of a release given by its artifact file names."""
    built = FindingKind.FROM_SOURCE if build else FindingKind.GAP
    names = list(names)
    platforms: set[str] = set()
    for name in names:
        tags_of_wheel = wheel_tags(name)
        if not tags_of_wheel.isdisjoint(tags):
            return None, ()
        platforms.update(t.platform for t in tags_of_wheel)
    if any(name.endswith(SDIST_SUFFIXES) for name in names):
        return built, () if build else tuple(sorted(platforms))
    return FindingKind.GAP, tuple(sorted(platforms))


def built_from(entry: LockedPackage) -> str:
    """What installing *entry* builds when no wheel of it installs: ``sdist``, ``git``
    or ``directory`` (a source tree)."""
    if entry.source and entry.source.type in ("git", "directory"):
        return entry.source.type
    return "sdist"


def gap_detail(
    entry: LockedPackage,
    tags: Collection[Tag],
    *,
    here: str = "this target",
    subject: str = "it",
    no_build: str = "",
) -> str:
    """Why none of *entry*'s wheels installs on *tags*, naming what is lacking.

    A wheel for a platform *tags* accept can still be for another interpreter or ABI
    (``cp312-cp312``, or ``cp312-none-any``): then naming its platform ("only has
    wheels for: any") would not say what is wrong, so the interpreter/ABI pairs it
    has are named next to the one *here* uses.

    *no_build* names the target, wheels only, where *entry* would build from source
    (see :func:`installability`): then that is said too.
    """
    source = entry.source
    because = f"no-build is set for {no_build}"
    if no_build and source and source.type in ("git", "directory"):
        return f"it is a {source.type} source (built on install), and {because}"
    names = [f.name for f in entry.files]
    if source and source.type in ("url", "file") and not names:
        names = [posixpath.basename(source.url)]
    if no_build and not any(wheel_tags(name) for name in names):
        return f"{subject} has only an sdist, and {because}"
    detail = artifacts_gap_detail(names, tags, here=here, subject=subject)
    return f"{detail}; {subject} has an sdist too, but {because}" if no_build else detail


def artifacts_gap_detail(
    names: Collection[str], tags: Collection[Tag], *, here: str = "this target", subject: str = "it"
) -> str:
    """:func:`gap_detail` for a release given by its artifact file names."""
    platforms = {t.platform for t in tags}
    foreign: set[str] = set()
    other_abi: set[str] = set()
    for name in names:
        for tag in wheel_tags(name):
            if tag.platform in platforms:
                other_abi.add(f"{tag.interpreter}-{tag.abi}")
            else:
                foreign.add(tag.platform)
    parts = []
    if foreign or not other_abi:
        parts.append(f"{subject} only has wheels for: {', '.join(sorted(foreign)) or 'none'}")
    if other_abi:
        only = ", ".join(sorted(other_abi))
        prefix = "and for this platform only for" if foreign else f"{subject} has wheels only for"
        parts.append(f"{prefix} {only} ({here}: {_own_abi(tags)})")
    return "; ".join(parts)


def _own_abi(tags: Collection[Tag]) -> str:
    """The interpreter-specific ``cp311-cp311`` of *tags* (what a wheel built for
    exactly this interpreter is tagged)."""
    own = sorted({f"{t.interpreter}-{t.abi}" for t in tags if t.abi == t.interpreter})
    if own:
        return own[0]
    return ", ".join(sorted({f"{t.interpreter}-{t.abi}" for t in tags})[:3]) or "none"


@functools.cache
def wheel_tags(filename: str) -> frozenset[Tag]:
    """The tags of a wheel file name (none for an sdist or a name that is no wheel)."""
    if not filename.endswith(".whl"):
        return frozenset()
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return frozenset()
