"""Which locked entries one machine installs: evaluation of the lock's markers.

Pure: no resolving, no index. Root extras are treated as inactive for now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from packaging.utils import NormalizedName

from poetry_plugin_multiarch.errors import AmbiguousAlternativesError
from poetry_plugin_multiarch.lockmodel import LockedPackage, MultiarchLock

__all__ = ["select_for_environment"]


def select_for_environment(
    lock: MultiarchLock,
    environment: Mapping[str, str],
    groups: Iterable[str] = ("main",),
) -> dict[NormalizedName, LockedPackage]:
    """The entry each package installs from on *environment*, by name.

    :raises AmbiguousAlternativesError: two entries of one package both apply
        (every one of them is named).
    """
    wanted = tuple(groups)
    chosen: dict[NormalizedName, list[LockedPackage]] = defaultdict(list)
    for package in lock.packages:
        if package.applies(environment, wanted):
            chosen[package.name].append(package)
    for name, entries in chosen.items():
        if len(entries) > 1:
            listed = "\n".join(
                f"  {p.name} {p.version} from {p.origin}; markers: {p.marker_text()}"
                for p in entries
            )
            values = ", ".join(
                f'{k} == "{environment[k]}"'
                for k in ("sys_platform", "platform_machine", "python_version")
                if k in environment
            )
            raise AmbiguousAlternativesError(
                f"{len(entries)} locked alternatives of {name} apply to this machine"
                f" ({values}):\n{listed}",
                "Make the alternatives' markers exclusive in pyproject.toml and run `poetry lock`.",
            )
    return {name: entries[0] for name, entries in chosen.items()}
