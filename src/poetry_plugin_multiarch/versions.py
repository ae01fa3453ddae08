"""Which release each target gets: the newest one that installs there.

Given a dependency's candidate releases in the solver's order of preference (newest
first) and the target environments the dependency applies on, :func:`plan_versions`
finds for each environment the first release with an artifact that installs there (a
wheel sharing a tag with it, or an sdist where building is allowed). When those
releases differ, the dependency is split into *branches*, one per release, each with
a marker that holds on its environments and on none of the others' (the way uv forks
its resolution for ``required-environments``):

    t 2.5.0 has no macOS x86_64 wheel, 2.2.2 has one →
      t 2.5.0 ; platform_machine != "x86_64" or sys_platform != "darwin"
      t 2.2.2 ; platform_machine == "x86_64" and sys_platform == "darwin"

The newest release's branch takes the rest of the marker space (machines that are no
target), so a project is never worse off than without targets. Releases are read
lazily: most packages' newest release installs everywhere, and only it is looked at.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from poetry_plugin_multiarch.coverage import (
    SDIST_SUFFIXES,
    FindingKind,
    artifacts_gap_detail,
    artifacts_installability,
)
from poetry_plugin_multiarch.targets import PLATFORM_KEYS, TargetEnvironment

__all__ = [
    "Branch",
    "Release",
    "Skip",
    "VersionPlan",
    "plan_versions",
    "release_installs",
    "separating_marker",
]

#: Marker keys a branch marker may use, in order of preference: the shortest marker
#: wins, and among those of one length the one using the earlier keys.
_MARKER_KEYS = ("platform_machine", "sys_platform", "python_version", *PLATFORM_KEYS[1:3])


@dataclass(frozen=True, slots=True)
class Release:
    """One candidate release: its version (as the solver spells it) and its artifacts."""

    version: str
    filenames: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Skip:
    """A newer release passed over for an environment, and why (for ``-v``)."""

    version: str
    environment: TargetEnvironment
    reason: str


@dataclass(frozen=True, slots=True)
class Branch:
    """The environments that get one release. ``marker`` is ``None`` for the branch
    that takes every machine the other branches' markers leave."""

    version: str | None
    environments: tuple[TargetEnvironment, ...]
    marker: str | None


@dataclass(frozen=True, slots=True)
class VersionPlan:
    branches: tuple[Branch, ...]
    skipped: tuple[Skip, ...] = ()
    #: environments no release installs on: the coverage gate names them
    uncovered: tuple[TargetEnvironment, ...] = ()
    #: releases looked at, newest first, with the environments each installs on
    looked_at: tuple[tuple[str, frozenset[str]], ...] = field(default=())

    @property
    def forks(self) -> bool:
        return len(self.branches) > 1

    def installs_on_all(self, version: str) -> bool:
        """Whether *version* was looked at and installs on every environment planned."""
        labels = {e.label for b in self.branches for e in b.environments}
        return any(v == version and labels <= installs for v, installs in self.looked_at)

    def allows(self, version: str) -> bool:
        """Whether the solver may pick *version* for these environments: releases not
        looked at are allowed (the solver rarely goes past the chosen one)."""
        if self.forks:
            return True
        wanted = {e.label for e in self.branches[0].environments} - {
            e.label for e in self.uncovered
        }
        for looked, installs in self.looked_at:
            if looked == version:
                return wanted <= installs
        return True


def release_installs(
    filenames: Iterable[str], environment: TargetEnvironment, *, build: bool = True
) -> str | None:
    """``None`` if an artifact of the release installs on *environment*, else why not."""
    names = list(filenames)
    kind, _ = artifacts_installability(names, environment.tags, build=build)
    if kind is None or kind is FindingKind.FROM_SOURCE:
        return None
    sdists = [name for name in names if name.endswith(SDIST_SUFFIXES)]
    wheels = [name for name in names if name.endswith(".whl")]
    if not wheels:
        return "only an sdist, and no-build is set for it" if sdists else "no artifacts"
    detail = artifacts_gap_detail(wheels, environment.tags, subject="it")
    return f"{detail}; no-build is set for it" if sdists else detail


def plan_versions(
    releases: Iterable[Release],
    environments: Sequence[TargetEnvironment],
    *,
    builds: Callable[[TargetEnvironment], bool] = lambda environment: True,
    same_for_all: bool = False,
) -> VersionPlan:
    """Which release each of *environments* gets (see the module docstring).

    *releases* are read only as far as needed, in the order given (the solver's
    preference). ``same_for_all``: one release for all environments where some release
    installs on all of them; branches only when none does.
    """
    scan = _Scan(iter(releases), environments, builds)
    best = scan.best()
    coverable = [e for e in environments if e.label in best]
    uncovered = tuple(e for e in environments if e.label not in best)
    if not coverable:
        return VersionPlan(
            branches=(Branch(version=None, environments=tuple(environments), marker=None),),
            skipped=scan.skipped(),
            uncovered=uncovered,
            looked_at=scan.looked_at(),
        )
    if same_for_all and (common := scan.first_installing_on_all(coverable)) is not None:
        groups = {common: list(environments)}
    else:
        groups = _merge_inseparable(scan, best, environments)
    branches = _branches(groups, scan.order(), environments)
    return VersionPlan(
        branches=branches,
        skipped=scan.skipped(),
        uncovered=uncovered,
        looked_at=scan.looked_at(),
    )


class _Scan:
    """The releases read so far, and which environments each installs on."""

    def __init__(
        self,
        releases: Iterator[Release],
        environments: Sequence[TargetEnvironment],
        builds: Callable[[TargetEnvironment], bool],
    ) -> None:
        self._releases = releases
        self._environments = environments
        self._builds = builds
        self._seen: list[tuple[Release, dict[str, str | None]]] = []
        self._exhausted = False

    def _read(self) -> bool:
        if self._exhausted:
            return False
        release = next(self._releases, None)
        if release is None:
            self._exhausted = True
            return False
        reasons = {
            e.label: release_installs(release.filenames, e, build=self._builds(e))
            for e in self._environments
        }
        self._seen.append((release, reasons))
        return True

    def _iter(self) -> Iterator[tuple[Release, dict[str, str | None]]]:
        index = 0
        while index < len(self._seen) or self._read():
            yield self._seen[index]
            index += 1

    def best(self) -> dict[str, str]:
        """Each environment's first release that installs there (label → version)."""
        best: dict[str, str] = {}
        for release, reasons in self._iter():
            for label, reason in reasons.items():
                if reason is None:
                    best.setdefault(label, release.version)
            if len(best) == len(self._environments):
                break
        return best

    def first_installing_on_all(self, environments: Sequence[TargetEnvironment]) -> str | None:
        labels = [e.label for e in environments]
        for release, reasons in self._iter():
            if all(reasons[label] is None for label in labels):
                return release.version
        return None

    def order(self) -> dict[str, int]:
        return {release.version: index for index, (release, _) in enumerate(self._seen)}

    def skipped(self) -> tuple[Skip, ...]:
        """Releases passed over for an environment before its own was found."""
        found: set[str] = set()
        skips = []
        for release, reasons in self._seen:
            for env in self._environments:
                reason = reasons[env.label]
                if reason is None:
                    found.add(env.label)
                elif env.label not in found:
                    skips.append(Skip(release.version, env, reason))
        return tuple(skips)

    def looked_at(self) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple(
            (release.version, frozenset(label for label, r in reasons.items() if r is None))
            for release, reasons in self._seen
        )


def _values(environment: TargetEnvironment, keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(environment.environment.get(key, "") for key in keys)


def _keys_of(environments: Sequence[TargetEnvironment]) -> tuple[str, ...]:
    extra = sorted({k for e in environments for k in e.target.platform} - set(_MARKER_KEYS))
    return (*_MARKER_KEYS, *extra)


def _merge_inseparable(
    scan: _Scan, best: dict[str, str], environments: Sequence[TargetEnvironment]
) -> dict[str, list[TargetEnvironment]]:
    """Group environments by their release; environments no marker can tell apart
    (glibc and musl Linux on one machine) share one group, with the newest release
    that installs on all of them, else the newest of theirs (the gate names the gap)."""
    keys = _keys_of(environments)
    alike: dict[tuple[str, ...], list[TargetEnvironment]] = {}
    for env in environments:
        alike.setdefault(_values(env, keys), []).append(env)
    order = scan.order()
    chosen: dict[str, str] = {}
    for same in alike.values():
        versions = {best[e.label] for e in same if e.label in best}
        if len(versions) > 1:
            common = scan.first_installing_on_all([e for e in same if e.label in best])
            version = common or min(versions, key=order.__getitem__)
        elif versions:
            version = versions.pop()
        else:
            version = ""  # uncovered: placed with the newest below
        for env in same:
            chosen[env.label] = version
    newest = min((v for v in chosen.values() if v), key=order.__getitem__)
    groups: dict[str, list[TargetEnvironment]] = {}
    for env in environments:
        groups.setdefault(chosen[env.label] or newest, []).append(env)
    return groups


def _branches(
    groups: dict[str, list[TargetEnvironment]],
    order: dict[str, int],
    environments: Sequence[TargetEnvironment],
) -> tuple[Branch, ...]:
    versions = sorted(groups, key=order.__getitem__)
    if len(versions) == 1:
        return (Branch(version=versions[0], environments=tuple(environments), marker=None),)
    keys = _keys_of(environments)
    branches = [Branch(version=versions[0], environments=tuple(groups[versions[0]]), marker=None)]
    for version in versions[1:]:
        mine = groups[version]
        others = [e for e in environments if e not in mine]
        branches.append(
            Branch(version=version, environments=tuple(mine), marker=_marker(mine, others, keys))
        )
    return tuple(branches)


def _marker(
    mine: Sequence[TargetEnvironment], others: Sequence[TargetEnvironment], keys: Sequence[str]
) -> str:
    """The shortest marker true on *mine* and false on *others* (they never share all
    values: :func:`_merge_inseparable` put such environments in one group)."""
    for size in range(1, len(keys) + 1):
        for subset in itertools.combinations(keys, size):
            own = {_values(e, subset) for e in mine}
            if own.isdisjoint(_values(e, subset) for e in others):
                return " or ".join(_conjunction(subset, values) for values in sorted(own))
    raise AssertionError("environments with equal marker values in two branches")


def _conjunction(keys: Sequence[str], values: Sequence[str]) -> str:
    return " and ".join(f'{key} == "{value}"' for key, value in zip(keys, values, strict=True))


def separating_marker(
    mine: Sequence[TargetEnvironment], others: Sequence[TargetEnvironment]
) -> str | None:
    """The shortest marker true on *mine* and false on *others*; ``None`` when some
    environment of each has the same marker values (glibc and musl Linux)."""
    keys = _keys_of([*mine, *others])
    if {_values(e, keys) for e in mine} & {_values(e, keys) for e in others}:
        return None
    return _marker(mine, others, keys)
