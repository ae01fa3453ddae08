"""Where do two markers both hold? An example machine for an overlap error.

Found by evaluating the markers (with ``packaging``) on candidate environments, not by
marker algebra: first the known targets, then environments built from the values the
markers themselves mention.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

from packaging.markers import Marker

from poetry_plugin_multiarch.targets import (
    KNOWN_TARGETS,
    PYTHON_MINORS,
)

__all__ = ["SharedEnvironment", "find_shared_environment"]

#: Upper bound of synthesised candidates, so a pathological marker stays cheap.
_MAX_CANDIDATES = 4096


class SharedEnvironment:
    """A marker environment in which every given marker is true."""

    __slots__ = ("environment", "target_name", "variables")

    def __init__(
        self,
        environment: Mapping[str, str],
        variables: Sequence[str],
        target_name: str | None,
    ) -> None:
        self.environment = dict(environment)
        #: the marker variables the markers mention, in first-seen order
        self.variables = tuple(variables)
        #: the known target it is, if any
        self.target_name = target_name

    def describe(self) -> str:
        """``linux-aarch64 (sys_platform == "linux", platform_machine == "aarch64")``."""
        values = ", ".join(f'{name} == "{self.environment[name]}"' for name in self.variables)
        if self.target_name:
            return f"{self.target_name} ({values})"
        return f"machines with {values}"


def find_shared_environment(
    markers: Sequence[str], pythons: Sequence[str] = PYTHON_MINORS
) -> SharedEnvironment | None:
    """Return an environment where all *markers* are true, or ``None``.

    Known targets are tried with the newest of *pythons* first.

    >>> found = find_shared_environment(
    ...     ['sys_platform == "linux"', 'platform_machine == "aarch64"'])
    >>> found.describe()
    'linux-aarch64 (sys_platform == "linux", platform_machine == "aarch64")'
    """
    parsed = [Marker(m) for m in markers]
    variables = _variables(parsed)
    known = list(_known_environments(pythons or PYTHON_MINORS))
    for name, env in known:
        if all(m.evaluate(env) for m in parsed):
            return SharedEnvironment(env, variables, name)
    for env in _synthesised_environments(parsed, known[0][1]):
        if all(m.evaluate(env) for m in parsed):
            return SharedEnvironment(env, variables, None)
    return None


def _known_environments(
    pythons: Sequence[str],
) -> Iterator[tuple[str, dict[str, str]]]:
    for python in reversed(pythons):
        for target in KNOWN_TARGETS.values():
            yield target.name, target.environment(python)


def _synthesised_environments(
    markers: Sequence[Marker], base: Mapping[str, str]
) -> Iterator[dict[str, str]]:
    values: dict[str, list[str]] = {}
    for marker in markers:
        for name, value in _atoms(marker._markers):  # packaging's parsed tree
            options = values.setdefault(name, [base.get(name, "")])
            if value not in options:
                options.append(value)
    names = list(values)
    for count, combination in enumerate(itertools.product(*(values[n] for n in names))):
        if count >= _MAX_CANDIDATES:
            return
        yield {**base, **dict(zip(names, combination, strict=True))}


def _variables(markers: Sequence[Marker]) -> list[str]:
    seen: list[str] = []
    for marker in markers:
        for name, _ in _atoms(marker._markers):
            if name not in seen:
                seen.append(name)
    return seen


def _atoms(tree: object) -> Iterator[tuple[str, str]]:
    """(variable, literal) pairs of a parsed marker tree, either side order."""
    if isinstance(tree, list):
        for item in tree:
            yield from _atoms(item)
    elif isinstance(tree, tuple) and len(tree) == 3:
        left, _, right = tree
        if type(left).__name__ == "Variable":
            yield str(left.value), str(right.value)
        elif type(right).__name__ == "Variable":
            yield str(right.value), str(left.value)
