"""Poetry's resolver, corrected where it loses marker-split alternatives.

Poetry solves a dependency given as a list of alternatives with markers once per
alternative (``Solver._solve_in_compatibility_mode``), and merges the results. The
provider's memo of direct-origin packages outlives each of those solves, and on a
re-lock the locked packages are offered to every one of them: either way the first
URL, file or git alternative also answers the plain version constraint of another
alternative (python-poetry/poetry#7722), and the lock holds one entry for every machine.

:class:`MultiarchProvider` scopes both to the alternative they belong to, and turns
overlapping alternatives into an error that says where they overlap and how to fix it.

With targets declared it also steers the solve (:mod:`.steering`): an index
dependency is offered only releases that install on the targets it applies to, and
is split into one dependency per release when targets need different releases.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any

from poetry.core.constraints.version import Version, parse_constraint
from poetry.core.packages.dependency import Dependency
from poetry.core.packages.package import Package
from poetry.core.version.markers import parse_marker
from poetry.packages.package_collection import PackageCollection
from poetry.puzzle.exceptions import OverrideNeededError, SolverProblemError
from poetry.puzzle.provider import Provider
from poetry.puzzle.solver import Solver

from poetry_plugin_multiarch.adapter.alternatives import describe_alternative
from poetry_plugin_multiarch.adapter.steering import TargetSteering
from poetry_plugin_multiarch.errors import OverlappingAlternativesError
from poetry_plugin_multiarch.overlap import find_shared_environment
from poetry_plugin_multiarch.targets import PYTHON_MINORS
from poetry_plugin_multiarch.versions import separating_marker

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    from packaging.utils import NormalizedName
    from poetry.core.constraints.version import VersionConstraint
    from poetry.core.version.markers import BaseMarker
    from poetry.packages import DependencyPackage
    from poetry.packages.transitive_package_info import TransitivePackageInfo

    from poetry_plugin_multiarch.targets import TargetEnvironment

__all__ = ["MultiarchProvider", "install_provider"]

#: The stand-in an override carries to restrict a solve to some machines (the way
#: Poetry 2.5 restricts its own marker splits): Poetry intersects the markers of every
#: override into those of what that solve finds.
_TARGET_SPLIT = "|multiarch-targets|"
_TARGET_SPLIT_PACKAGE = Package(_TARGET_SPLIT, "0")


class MultiarchProvider(Provider):
    """Poetry's :class:`Provider`, with every alternative solved on its own and, with
    targets declared, the releases it offers steered by them."""

    def set_overrides(self, overrides: dict[Package, dict[str, Dependency]]) -> None:
        # Called before each per-alternative solve. Direct-origin packages found by
        # an earlier solve belong to that alternative only: left in place they
        # satisfy this solve's plain version constraint (#7722).
        if self._direct_origin_packages:
            dropped = ", ".join(sorted(self._direct_origin_packages))
            self.debug(f"<debug>multiarch: next alternative solved without {dropped}</debug>")
            self._direct_origin_packages.clear()
        super().set_overrides(overrides)

    def get_locked(self, dependency: Dependency) -> DependencyPackage | None:
        # On a re-lock, a locked URL/file/git alternative would likewise answer an
        # index alternative of the same name. A direct-origin package the current
        # solve really uses is still found through ``search_for``.
        locked = super().get_locked(dependency)
        if (
            locked is not None
            and locked.package.is_direct_origin()
            and not dependency.is_direct_origin()
            and dependency.name in self._names_with_origin_alternatives
        ):
            locked = self._locked_among(dependency, lambda p: not p.is_direct_origin())
        steering = self._steering
        if locked is None or steering is None or locked.package.is_direct_origin():
            return locked
        # a locked release that no longer installs on a target it applies to (targets
        # or no-build changed; a split's other branch) is not kept
        environments = self._target_environments(dependency)
        if steering.installs_on(locked.package, environments):
            return locked
        return self._locked_among(
            dependency,
            lambda p: not p.is_direct_origin() and steering.installs_on(p, environments),
        )

    @functools.cached_property
    def _steering(self) -> TargetSteering | None:
        return TargetSteering.for_solve(self._pool, self._io)

    @functools.cached_property
    def _completing(self) -> list[Dependency]:
        """The dependencies of the packages being completed (innermost last)."""
        return []

    def _target_environments(
        self, dependency: Dependency, parent: Dependency | None = None
    ) -> tuple[TargetEnvironment, ...]:
        """The targets *dependency* applies on in this solve: its marker, where the
        package that requires it applies, and this solve's overrides (a branch of a
        split solves for its own machines only)."""
        assert self._steering is not None
        markers: list[BaseMarker] = [dependency.marker]
        markers.append(parent.transitive_marker if parent else dependency.transitive_marker)
        markers += [d.marker for deps in self._overrides.values() for d in deps.values()]
        return self._steering.environments_of(*markers)

    def search_for(self, dependency: Dependency) -> list[DependencyPackage]:
        # only releases that install on every target the dependency applies to
        packages = super().search_for(dependency)
        steering = self._steering
        if (
            steering is None
            or dependency.is_root
            or dependency.is_direct_origin()
            or not packages
            or any(p.package.is_direct_origin() for p in packages)
        ):
            return packages
        environments = self._target_environments(dependency)
        if not environments:
            return packages
        plan = steering.plan(dependency, [p.package for p in packages], environments)
        if plan.uncovered and (targets := self._coverable_elsewhere(dependency, plan.uncovered)):
            if self._in_target_split():
                # this solve serves only machines some release installs on: a release
                # that does not is no candidate, so the solver backtracks to another
                # release of what constrains this dependency
                kept = [p.package for p in packages if plan.installs_on_all(p.package.version.text)]
                return PackageCollection(dependency, kept)
            self._split_solve(dependency, targets)
        kept = [p.package for p in packages if plan.allows(p.package.version.text)]
        if len(kept) == len(packages):
            return packages
        return PackageCollection(dependency, kept)

    def _coverable_elsewhere(
        self, dependency: Dependency, uncovered: Sequence[TargetEnvironment]
    ) -> tuple[TargetEnvironment, ...]:
        """Of *uncovered*, the environments a release outside *dependency*'s constraint
        installs on: none when the project itself asks for this constraint (the gate
        then names it), or when no release installs there at all."""
        assert self._steering is not None
        if dependency.name in self._root_names:
            return ()
        every = Dependency(dependency.name, "*")
        every.source_name = dependency.source_name
        candidates = [p.package for p in super().search_for(every)]
        plan = self._steering.plan(every, candidates, uncovered)
        return tuple(e for e in uncovered if e not in plan.uncovered)

    @functools.cached_property
    def _root_names(self) -> frozenset[str]:
        return frozenset(d.name for d in self._package.all_requires)

    @functools.cached_property
    def _strict_regions(self) -> set[str]:
        """Markers of the solves that serve the machines a split was made for."""
        return set()

    @functools.cached_property
    def _relaxed_regions(self) -> set[str]:
        """Markers of split solves that found no solution taking only releases that
        install there: solved again as Poetry would, for the gate to name the gap."""
        return set()

    def _current_region(self) -> str | None:
        current = self._overrides.get(_TARGET_SPLIT_PACKAGE, {}).get(_TARGET_SPLIT)
        return None if current is None else str(current.marker)

    def _in_target_split(self) -> bool:
        return self._current_region() in self._strict_regions

    def relax_target_split(self) -> bool:
        """After this solve failed: whether it was a split's strict solve, now relaxed
        (to be solved again)."""
        region = self._current_region()
        if region is None or region not in self._strict_regions:
            return False
        self._strict_regions.discard(region)
        self._relaxed_regions.add(region)
        self._steering_tell(f"no solution for {region} with releases that install there")
        return True

    def _steering_tell(self, line: str) -> None:
        if self._steering is not None:
            self._steering.tell(line)

    def _split_solve(self, dependency: Dependency, targets: Sequence[TargetEnvironment]) -> None:
        """Solve again, once for *targets* (no release within *dependency*'s constraint
        installs there, another release does: what constrains it must take another
        release) and once for the others (Poetry merges the two under their markers).

        :raises OverrideNeededError: the two solves, as Poetry splits for duplicates.
        """
        assert self._steering is not None
        others = [e for e in self._steering.environments if e not in targets]
        marker = separating_marker(targets, others)
        if marker is None or self._current_region() in self._relaxed_regions:
            return
        self.debug(f"<debug>multiarch: {dependency.name} splits the solve at {marker}</debug>")
        self._steering.tell(
            f"solving separately for {marker}: no release of {dependency.name} allowed by"
            f" {dependency.pretty_constraint} installs there"
        )
        overrides = []
        for side, strict in ((parse_marker(marker), True), (parse_marker(marker).invert(), False)):
            override = {package: dict(deps) for package, deps in self._overrides.items()}
            current = override.get(_TARGET_SPLIT_PACKAGE, {}).get(_TARGET_SPLIT)
            if current is not None:
                side = current.marker.intersect(side)
            stand_in = Dependency(_TARGET_SPLIT, "*")
            stand_in.marker = side
            override[_TARGET_SPLIT_PACKAGE] = {_TARGET_SPLIT: stand_in}
            if strict:
                self._strict_regions.add(str(side))
            overrides.append(override)
        raise OverrideNeededError(*overrides)

    def complete_package(self, dependency_package: DependencyPackage) -> DependencyPackage:
        self._completing.append(dependency_package.dependency)
        try:
            return super().complete_package(dependency_package)
        finally:
            self._completing.pop()

    def _get_dependencies_with_overrides(
        self, dependencies: list[Dependency], package: Package
    ) -> list[Dependency]:
        # the hook between reading a package's dependencies and Poetry's handling of
        # duplicates: a split dependency becomes duplicates with exclusive markers,
        # which Poetry solves one by one (overrides) and merges, as for alternatives
        found = super()._get_dependencies_with_overrides(dependencies, package)
        steering = self._steering
        if steering is None or not self._completing:
            return found
        overridden = self._overrides.get(package, {})
        result: list[Dependency] = []
        for dependency in found:
            if dependency.name in overridden or dependency.is_direct_origin():
                result.append(dependency)
                continue
            result += self._split(dependency, steering)
        return result

    def _split(self, dependency: Dependency, steering: TargetSteering) -> list[Dependency]:
        environments = self._target_environments(dependency, self._completing[-1])
        if not environments or dependency.constraint.is_empty():
            return [dependency]
        candidates = [p.package for p in super().search_for(dependency)]
        if not candidates or any(p.is_direct_origin() for p in candidates):
            return [dependency]
        plan = steering.plan(dependency, candidates, environments)
        if not plan.forks:
            return [dependency]
        parts = steering.split(dependency, plan)
        for part, branch in zip(parts, plan.branches, strict=True):
            # distinct constraints: Poetry merges duplicates that share one
            part.constraint = dependency.constraint.intersect(
                parse_constraint(f"<={branch.version}")
            )
        return parts

    @functools.cached_property
    def _names_with_origin_alternatives(self) -> frozenset[str]:
        """Root dependencies given as marker-split alternatives of which at least
        one is a URL, file or git dependency: the only names ``get_locked`` guards."""
        by_name: dict[str, list[Dependency]] = {}
        for dependency in self._package.all_requires:
            by_name.setdefault(dependency.name, []).append(dependency)
        return frozenset(
            name
            for name, deps in by_name.items()
            if len(deps) > 1
            and any(not d.marker.is_any() for d in deps)
            and any(d.is_direct_origin() for d in deps)
        )

    def _locked_among(
        self, dependency: Dependency, keep: Callable[[Package], bool]
    ) -> DependencyPackage | None:
        """Poetry's ``get_locked``, among the locked packages *keep* accepts."""
        saved = self._locked.get(dependency.name, [])
        self._locked[dependency.name] = [c for c in saved if keep(c.package)]
        try:
            return super().get_locked(dependency)
        finally:
            self._locked[dependency.name] = saved

    def _resolve_overlapping_markers(
        self,
        package: Package,
        dependencies: list[Dependency],
        active_extras: Collection[NormalizedName] | None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Dependency]:
        if package.is_root():
            self._check_disjoint(dependencies, active_extras)
        return super()._resolve_overlapping_markers(
            package, dependencies, active_extras, *args, **kwargs
        )

    def _check_disjoint(
        self,
        alternatives: Sequence[Dependency],
        active_extras: Collection[NormalizedName] | None,
    ) -> None:
        """Two alternatives with markers must not apply together unless they agree.

        Alternatives from the same index may overlap when their version ranges
        intersect: Poetry then locks the intersection there, as it always has.
        """
        for first, second in itertools.combinations(alternatives, 2):
            if first.marker.is_any() or second.marker.is_any():
                # Unconditional duplicates (say plain in main, git in dev) are not
                # alternatives: Poetry merges them or reports its own conflict.
                continue
            both = first.marker.intersect(second.marker)
            if not self._is_relevant_marker(both, active_extras):
                continue
            if (
                _same_origin(first, second)
                and not first.constraint.intersect(second.constraint).is_empty()
            ):
                continue
            raise overlap_error(first, second, self._python_constraint)


def _same_origin(first: Dependency, second: Dependency) -> bool:
    return first.is_same_source_as(second) and first.source_name == second.source_name


def overlap_error(
    first: Dependency, second: Dependency, python: VersionConstraint
) -> OverlappingAlternativesError:
    """The error for two alternatives that both apply somewhere."""
    pythons = [m for m in PYTHON_MINORS if python.allows(Version.parse(f"{m}.0"))]
    markers = [m.without_extras() for m in (first.marker, second.marker)]
    try:
        shared = find_shared_environment([str(m) for m in markers if not m.is_any()], pythons)
    except ValueError:  # a marker packaging cannot evaluate: name no machine
        shared = None
    where = shared.describe() if shared else "some machines"
    keep, narrow = _keep_and_narrow(first, second)
    rewrite = narrow.marker.intersect(keep.marker.invert())
    suggested = (describe_alternative(d, rewrite if d is narrow else None) for d in (first, second))
    return OverlappingAlternativesError(
        f"Alternatives of {first.pretty_name} overlap in pyproject.toml:\n"
        f"  {describe_alternative(first)}\n"
        f"  {describe_alternative(second)}\n"
        f"Both apply on {where}, so such a machine would need two"
        f" {first.pretty_name} artifacts at once.",
        "Make the markers exclusive, for example:\n" + "\n".join(f"  {d}" for d in suggested),
    )


def _keep_and_narrow(first: Dependency, second: Dependency) -> tuple[Dependency, Dependency]:
    """Which alternative the rewrite keeps where both apply, and which it narrows.

    Kept is the more specific one: a URL, file or git artifact over an index version
    (``platform_machine == 'aarch64'`` URL wheel vs ``sys_platform == 'linux'``
    index: linux aarch64 keeps the URL wheel), else the one whose marker implies the
    other's, else the second.
    """
    if first.is_direct_origin() != second.is_direct_origin():
        return (first, second) if first.is_direct_origin() else (second, first)
    if first.marker.intersect(second.marker) == first.marker != second.marker:
        return first, second
    return second, first


class MultiarchSolver(Solver):
    """Poetry's :class:`Solver`, solving a split for some targets again without
    steering when no release of what constrains a package installs there."""

    def _solve(self) -> dict[Package, TransitivePackageInfo]:
        try:
            return super()._solve()
        except SolverProblemError:
            provider = self._provider
            if isinstance(provider, MultiarchProvider) and provider.relax_target_split():
                return super()._solve()
            raise


def install_provider() -> None:
    """Make every Poetry ``Solver`` built from now on a :class:`MultiarchSolver` using
    :class:`MultiarchProvider`.

    ``Solver.__init__`` builds its provider from the module global ``Provider`` in
    every Poetry 2.x; the installer and commands import ``Solver`` at call time.
    Idempotent.
    """
    import poetry.puzzle.solver as solver_module

    if not issubclass(solver_module.Provider, MultiarchProvider):
        solver_module.Provider = MultiarchProvider  # type: ignore[misc]
    if not issubclass(solver_module.Solver, MultiarchSolver):
        solver_module.Solver = MultiarchSolver  # type: ignore[misc]
