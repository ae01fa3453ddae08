"""Declared targets, as the resolver sees them: which releases a dependency may take,
and where it must split (see :mod:`poetry_plugin_multiarch.versions`).

:class:`TargetSteering` answers the provider's questions for one solve. Candidate
artifacts are read from the index page Poetry already fetched to list the versions
(``get_page`` is cached per process), so steering costs no request of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from cleo.formatters.formatter import Formatter
from packaging.markers import InvalidMarker, Marker
from poetry.core.version.markers import parse_marker

from poetry_plugin_multiarch.config import MultiarchConfig
from poetry_plugin_multiarch.versions import (
    Release,
    VersionPlan,
    plan_versions,
    release_installs,
)

if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.core.packages.dependency import Dependency
    from poetry.core.packages.package import Package
    from poetry.core.version.markers import BaseMarker
    from poetry.repositories import RepositoryPool

    from poetry_plugin_multiarch.targets import TargetEnvironment

__all__ = ["TargetSteering", "solver_notes", "steer_by"]

_config = MultiarchConfig()
#: per (package, target label): why no release installs there, for the coverage gate
_uncovered: dict[tuple[str, str], str] = {}


def steer_by(config: MultiarchConfig) -> None:
    """Solves from now on follow *config*'s targets (set when Poetry loads a project)."""
    global _config
    _config = config


def solver_notes() -> dict[tuple[str, str], str]:
    """What the last solve found no release for: ``(package, target label) → note``."""
    return dict(_uncovered)


class TargetSteering:
    """The declared targets, for one solve."""

    @classmethod
    def for_solve(cls, pool: RepositoryPool, io: IO) -> TargetSteering | None:
        """``None`` without declared targets: the solve is Poetry's, unchanged."""
        if not _config.targets:
            return None
        _uncovered.clear()
        return cls(_config, pool, io)

    def __init__(self, config: MultiarchConfig, pool: RepositoryPool, io: IO) -> None:
        self._config = config
        self._pool = pool
        self._io = io
        self._environments = config.target_environments
        self._plans: dict[tuple[object, ...], VersionPlan] = {}
        self._told: set[str] = set()

    def environments_of(self, *markers: BaseMarker) -> tuple[TargetEnvironment, ...]:
        """The target environments on which all *markers* hold (extras aside)."""
        found = self._environments
        for marker in markers:
            found = tuple(e for e in found if _holds(str(marker.without_extras()), e))
        return found

    def plan(
        self,
        dependency: Dependency,
        candidates: Sequence[Package],
        environments: Sequence[TargetEnvironment],
    ) -> VersionPlan:
        """The versions *dependency* takes on *environments* (memoised per solve)."""
        key = (
            dependency.name,
            dependency.source_name,
            str(dependency.constraint),
            tuple(p.unique_name for p in candidates[:1]),
            len(candidates),
            tuple(e.label for e in environments),
        )
        plan = self._plans.get(key)
        if plan is None:
            plan = plan_versions(
                self._releases(candidates),
                environments,
                builds=self._builds,
                same_for_all=self._config.versions == "same-for-all",
            )
            self._plans[key] = plan
            self._report(dependency, plan)
        return plan

    def installs_on(self, package: Package, environments: Sequence[TargetEnvironment]) -> bool:
        """Whether *package* (locked: its files are known) installs on *environments*."""
        files = [f["file"] for f in package.files]
        return all(release_installs(files, e, build=self._builds(e)) is None for e in environments)

    def _builds(self, environment: TargetEnvironment) -> bool:
        return self._config.builds_from_source(environment.target)

    def split(self, dependency: Dependency, plan: VersionPlan) -> list[Dependency]:
        """*dependency* once per branch of *plan*, each under its branch's marker."""
        others = [parse_marker(b.marker) for b in plan.branches if b.marker]
        rest = others[0]
        for marker in others[1:]:
            rest = rest.union(marker)
        split = []
        for branch in plan.branches:
            part = dependency.clone()
            own = parse_marker(branch.marker) if branch.marker else rest.invert()
            part.marker = dependency.marker.intersect(own)
            # stale from an earlier completion of the original, else: the solver
            # derives it again from the parent's
            part.transitive_marker = part.marker
            split.append(part)
        return split

    def _releases(self, candidates: Sequence[Package]) -> Iterator[Release]:
        for package in candidates:
            yield Release(package.version.text, self._filenames(package))

    def _filenames(self, package: Package) -> tuple[str, ...]:
        if package.files:
            return tuple(f["file"] for f in package.files)
        name = package.source_reference or "pypi"
        if not self._pool.has_repository(name):
            return ()
        repository = self._pool.repository(name)
        get_page = getattr(repository, "get_page", None)
        if get_page is None:  # not an index (a test repository): ask for the release
            return tuple(f["file"] for f in repository.package(package.name, package.version).files)
        links = get_page(package.name).links_for_version(package.name, package.version)
        return tuple(link.filename for link in links)

    def _report(self, dependency: Dependency, plan: VersionPlan) -> None:
        """``-v``: the releases skipped for a target and why, and how a package splits;
        for the gate: where no release installs."""
        name = dependency.name
        count = len(plan.looked_at)
        releases = f"{count} release{'s' if count != 1 else ''}"
        for env in plan.uncovered:
            newest = next((s for s in plan.skipped if s.environment == env), None)
            if newest is not None:
                _uncovered[(name, env.label)] = (
                    f"{name}: none of the {releases} allowed by {dependency.pretty_constraint}"
                    f" installs on {env.label}; the newest, {newest.version}: {newest.reason}"
                )
        if not self._io.is_verbose():
            return
        for skip in plan.skipped:
            line = f"{name} {skip.version} skipped for {skip.environment.label}: {skip.reason}"
            self._tell(line)
        if plan.forks:
            parts = "; ".join(
                f"{b.version} on {', '.join(e.label for e in b.environments)}"
                for b in plan.branches
            )
            self._tell(f"{name} splits by target: {parts}")

    @property
    def environments(self) -> tuple[TargetEnvironment, ...]:
        return self._environments

    def tell(self, line: str) -> None:
        """A ``-v`` line (once)."""
        if self._io.is_verbose():
            self._tell(line)

    def _tell(self, line: str) -> None:
        if line not in self._told:
            self._told.add(line)
            self._io.write_error_line(f"<debug>multiarch: {Formatter.escape(line)}</debug>")


def _holds(marker: str, environment: TargetEnvironment) -> bool:
    if marker == "":
        return True
    return _evaluate(marker, tuple(sorted(environment.environment.items())))


@functools.lru_cache(maxsize=4096)
def _evaluate(marker: str, environment: tuple[tuple[str, str], ...]) -> bool:
    if marker == "<empty>":
        return False
    try:
        return Marker(marker).evaluate(dict(environment))
    except InvalidMarker:  # a marker packaging cannot read: assume it holds
        return True
