"""What one target environment installs from the lock, down to the file.

The choice an installer makes on such a machine: the entries whose markers hold there
(for the groups and root extras asked for), and of each the wheel whose tag that
machine prefers most, else its sdist (not on a ``no-build`` target), else the source
it names (an archive URL or file, a git repository, a directory). Pure, so that
exports and downloads for another machine can be made on this one.
"""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from packaging.tags import Tag

from poetry_plugin_multiarch.coverage import SDIST_SUFFIXES, gap_detail, wheel_tags
from poetry_plugin_multiarch.errors import (
    AmbiguousAlternativesError,
    ExportError,
    MissingAlternativeError,
)
from poetry_plugin_multiarch.lockmodel import LockedFile, LockedPackage, MultiarchLock
from poetry_plugin_multiarch.selection import check_requirements_met, select_for_environment
from poetry_plugin_multiarch.targets import TargetEnvironment
from poetry_plugin_multiarch.urls import redact_url

__all__ = [
    "NO_URLS_HINT",
    "ArtifactKind",
    "PlannedPackage",
    "Plans",
    "best_wheel",
    "installed_where",
    "missing_urls_error",
    "plan_install",
]

NO_URLS_HINT = (
    "poetry.lock records no artifact URLs (stock Poetry wrote it): run `poetry lock"
    " --regenerate` with poetry-plugin-multiarch installed, then export again; or pass"
    " --allow-index to read them from the index pages."
)


class ArtifactKind(enum.Enum):
    WHEEL = "wheel"  #: a wheel of an index release
    SDIST = "sdist"  #: an index release's sdist, built on install
    ARCHIVE = "archive"  #: the one archive a ``url`` or ``file`` source names
    VCS = "vcs"  #: a git repository, built on install
    DIRECTORY = "directory"  #: a source tree on disk, built on install


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedPackage:
    """One package a target environment installs, and the file it installs from."""

    package: LockedPackage
    kind: ArtifactKind
    #: the locked file (``None`` for a git or directory source)
    file: LockedFile | None = None

    @property
    def location(self) -> str | None:
        """Where the file is: the URL (or path) the lock records, ``None`` for a lock
        without artifact URLs (written by stock Poetry) or a source built in place."""
        source = self.package.source
        if self.kind is ArtifactKind.ARCHIVE and source is not None:
            return source.url
        return self.file.url if self.file else None

    @property
    def filename(self) -> str:
        """The file's name (for a git or directory source, what it is)."""
        if self.file is not None:
            return self.file.name
        source = self.package.source
        return f"{self.kind.value} {redact_url(source.url)}" if source else self.kind.value


#: what several environments install, each with its packages
Plans = Sequence[tuple[TargetEnvironment, Sequence["PlannedPackage"]]]


def plan_install(
    lock: MultiarchLock,
    environment: TargetEnvironment,
    *,
    groups: Iterable[str] = ("main",),
    extras: Iterable[str] = (),
    build: bool = True,
) -> tuple[PlannedPackage, ...]:
    """Every package *environment* installs, in lock order, with its file.

    :raises AmbiguousAlternativesError: two entries of one package apply there.
    :raises MissingAlternativeError: a selected package needs one no entry of which
        applies there.
    :raises ExportError: naming every package with no file that installs there (no
        wheel for its tags, nor an sdist unless *build* is false).
    """
    asked = tuple(extras)
    try:
        selected = select_for_environment(lock, environment.environment, tuple(groups), asked)
        check_requirements_met(
            lock,
            {f"{p.name} {p.version}": p.dependencies for p in selected.values()},
            environment.environment,
        )
    except (AmbiguousAlternativesError, MissingAlternativeError) as e:
        # their messages speak of "this machine": here it is a target
        raise type(e)(e.message.replace("this machine", environment.label), e.hint) from None
    tags = environment.ordered_tags
    planned, gaps = [], []
    for entry in selected.values():
        chosen = _choose(entry, tags, build=build)
        if chosen is None:
            no_build = "" if build else environment.target.name
            detail = gap_detail(entry, environment.tags, no_build=no_build)
            gaps.append(f"  {entry.name} {entry.version} ({entry.origin}): {detail}")
        else:
            planned.append(chosen)
    if gaps:
        raise ExportError(
            f"Nothing installs on {environment.label} for:\n" + "\n".join(gaps),
            "Add an alternative with a wheel for it (or remove it from no-build) and run"
            " `poetry lock`; `poetry multiarch check` lists every such gap.",
        )
    return tuple(planned)


def installed_where(environments: Sequence[TargetEnvironment], plans: Plans) -> str | None:
    """The marker of *environments*, those of *plans* that install something: ``None``
    when that is every one of them (no marker needed)."""
    if len(environments) == len(plans):
        return None
    return " or ".join(f"({env.marker})" for env in environments)


def missing_urls_error(packages: Sequence[str]) -> ExportError:
    """The error for *packages* (``name version``) whose files the lock has no URL for."""
    listed = sorted(set(packages))
    more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
    return ExportError(
        f"poetry.lock records no URL for the files of {', '.join(listed[:8])}{more}; an"
        " export reads only the lock, never an index page.",
        NO_URLS_HINT,
    )


def best_wheel(files: Iterable[LockedFile], tags: Sequence[Tag]) -> LockedFile | None:
    """Of *files*, the wheel an installer with *tags* (most preferred first) picks."""
    rank = {tag: number for number, tag in enumerate(tags)}
    best: tuple[int, LockedFile] | None = None
    for file in files:
        ranks = [rank[tag] for tag in wheel_tags(file.name) if tag in rank]
        if ranks and (best is None or min(ranks) < best[0]):
            best = (min(ranks), file)
    return best[1] if best else None


def _choose(entry: LockedPackage, tags: Sequence[Tag], *, build: bool) -> PlannedPackage | None:
    source = entry.source
    if source is not None and source.type in ("git", "directory"):
        kind = ArtifactKind.VCS if source.type == "git" else ArtifactKind.DIRECTORY
        return PlannedPackage(package=entry, kind=kind) if build else None
    if source is not None and source.type in ("url", "file"):
        file = entry.files[0] if entry.files else None
        name = file.name if file else posixpath.basename(source.url)
        if name.endswith(".whl") and wheel_tags(name).isdisjoint(tags):
            return None
        if not name.endswith(".whl") and not build:
            return None
        return PlannedPackage(package=entry, kind=ArtifactKind.ARCHIVE, file=file)
    wheel = best_wheel(entry.files, tags)
    if wheel is not None:
        return PlannedPackage(package=entry, kind=ArtifactKind.WHEEL, file=wheel)
    sdist = next((f for f in entry.files if f.name.endswith(SDIST_SUFFIXES)), None)
    if sdist is not None and build:
        return PlannedPackage(package=entry, kind=ArtifactKind.SDIST, file=sdist)
    return None
