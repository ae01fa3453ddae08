"""The ``[tool.poetry-plugin-multiarch]`` table of a project's pyproject.toml.

```toml
[tool.poetry-plugin-multiarch]
environments = ["linux-x86_64", "linux-aarch64", "macos-arm64"]  # presets or tables
python = ["3.11", "3.12"]   # optional: default, every minor the project allows
on-gap = "fail"             # or "warn"
versions = "newest-per-target"  # or "same-for-all": see "How targets choose versions"
no-build = false            # or true, or a list of environment names: wheels only
```

A custom environment is a table: ``{ name = "jetson", markers = { sys_platform =
"linux", platform_machine = "aarch64" }, platform-tags = ["manylinux_2_31_aarch64"] }``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from poetry_plugin_multiarch.errors import ConfigError
from poetry_plugin_multiarch.targets import (
    KNOWN_TARGETS,
    PYTHON_MINORS,
    Target,
    TargetEnvironment,
)

__all__ = ["KNOWN_KEYS", "TABLE", "MultiarchConfig", "parse_config"]

TABLE = "tool.poetry-plugin-multiarch"

#: Keys this version understands.
KNOWN_KEYS: tuple[str, ...] = ("environments", "python", "on-gap", "versions", "no-build")
ON_GAP = ("fail", "warn")
#: How targets choose versions: each target the newest release that installs there
#: (uv's default), or one release for every target wherever one installs everywhere.
VERSIONS = ("newest-per-target", "same-for-all")
#: Marker keys a custom environment may fix.
CUSTOM_MARKER_KEYS = (
    "sys_platform",
    "platform_system",
    "os_name",
    "platform_machine",
    "platform_release",
    "platform_version",
)
_CUSTOM_KEYS = ("name", "markers", "platform-tags")
#: Platform tags as installers spell them (``packaging.tags``): a typo here would
#: make every wheel look foreign to the target, or accept ones that never install.
_PLATFORM_TAG = re.compile(
    r"any|win32|win_[a-z0-9_]+|linux_[a-z0-9_]+"
    r"|manylinux(?:1|2010|2014)_[a-z0-9_]+"
    r"|(?:manylinux|musllinux|macosx|ios)_[0-9]+_[0-9]+_[a-z0-9_]+"
    r"|android_[0-9]+_[a-z0-9_]+"
)
_PLATFORM_TAG_FORMS = (
    "manylinux_X_Y_<arch>, manylinux2014_<arch>, musllinux_X_Y_<arch>, macosx_X_Y_<arch>,"
    " win_<arch>, win32, linux_<arch>, any"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class MultiarchConfig:
    """The plugin's settings for one project. No targets: no coverage gate."""

    targets: tuple[Target, ...] = ()
    pythons: tuple[str, ...] = ()
    on_gap: str = "fail"
    versions: str = "newest-per-target"
    #: names of the targets that must install from wheels: an sdist does not cover them
    no_build: frozenset[str] = frozenset()

    def builds_from_source(self, target: Target) -> bool:
        """Whether an sdist (built on install) counts as covering *target*."""
        return target.name not in self.no_build

    def recorded(self) -> dict[str, Any]:
        """What the lock records of these targets (``[metadata.poetry-plugin-multiarch]``)."""
        recorded: dict[str, Any] = {
            "environments": [target.name for target in self.targets],
            "python": list(self.pythons),
        }
        # only when set: locks of projects that leave them at their defaults keep
        # their bytes
        if self.versions != VERSIONS[0]:
            recorded["versions"] = self.versions
        if self.no_build:
            recorded["no-build"] = [t.name for t in self.targets if t.name in self.no_build]
        return recorded

    def targets_named(self, names: Sequence[str]) -> dict[str, Target]:
        """The targets called *names*: presets, or ones declared here (which win).

        :raises ConfigError: naming every unknown name and the known ones.
        """
        known = {**KNOWN_TARGETS, **{t.name: t for t in self.targets}}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"Unknown target {', '.join(unknown)}.", f"Known targets: {', '.join(known)}."
            )
        return {name: known[name] for name in names}

    @property
    def target_environments(self) -> tuple[TargetEnvironment, ...]:
        """Every (target, python) pair, in declared order."""
        return tuple(
            TargetEnvironment(target=target, python=python)
            for target in self.targets
            for python in self.pythons
        )


def parse_config(
    pyproject: Mapping[str, Any], allowed_pythons: Sequence[str] = PYTHON_MINORS
) -> MultiarchConfig:
    """Read and validate the plugin's table from a parsed pyproject.toml.

    *allowed_pythons* are the CPython minors the project's python constraint allows:
    the default for ``python``, and the limit of what it may list.

    :raises ConfigError: naming the key and the values allowed there.
    """
    table = pyproject.get("tool", {}).get("poetry-plugin-multiarch", {})
    if not isinstance(table, Mapping):
        raise ConfigError(
            f"[{TABLE}] in pyproject.toml must be a table, not {type(table).__name__}.",
            f"Write it as a table: [{TABLE}] on its own line, keys below it.",
        )
    unknown = sorted(key for key in table if key not in KNOWN_KEYS)
    if unknown:
        names = ", ".join(f"'{key}'" for key in unknown)
        known = ", ".join(f"'{key}'" for key in KNOWN_KEYS)
        plural = "s" if len(unknown) > 1 else ""
        raise ConfigError(
            f"Unknown key{plural} {names} in [{TABLE}] of pyproject.toml.",
            f"Known keys: {known}. Remove the key{plural} or check the spelling.",
        )
    on_gap = table.get("on-gap", "fail")
    if on_gap not in ON_GAP:
        raise _bad("on-gap", f"{on_gap!r} is not allowed", "Use 'fail' or 'warn'.")
    versions = table.get("versions", VERSIONS[0])
    if versions not in VERSIONS:
        raise _bad(
            "versions", f"{versions!r} is not allowed", "Use 'newest-per-target' or 'same-for-all'."
        )
    if "environments" not in table:
        for key in ("python", "no-build"):
            if key in table:
                raise _bad(key, "needs 'environments'", "Declare environments = [...] next to it.")
        return MultiarchConfig(on_gap=on_gap, versions=versions)
    targets = _parse_environments(table["environments"])
    pythons = _parse_pythons(table.get("python"), allowed_pythons)
    no_build = _parse_no_build(table.get("no-build", False), targets)
    return MultiarchConfig(
        targets=targets, pythons=pythons, on_gap=on_gap, versions=versions, no_build=no_build
    )


def _parse_no_build(value: Any, targets: Sequence[Target]) -> frozenset[str]:
    """``no-build``: ``true`` (every target), ``false``, or a list of environment names."""
    names = [target.name for target in targets]
    if isinstance(value, bool):
        return frozenset(names) if value else frozenset()
    hint = f"Use true, false or a list of declared environments ({', '.join(names)})."
    if not isinstance(value, list) or not value:
        raise _bad("no-build", f"{value!r} is neither true/false nor a non-empty list", hint)
    for item in value:
        if item not in names:
            raise _bad("no-build", f"{item!r} is not a declared environment", hint)
    return frozenset(value)


def _bad(key: str, problem: str, hint: str) -> ConfigError:
    return ConfigError(f"[{TABLE}] {key}: {problem}.", hint)


def _parse_environments(value: Any) -> tuple[Target, ...]:
    presets = ", ".join(KNOWN_TARGETS)
    if not isinstance(value, list) or not value:
        raise _bad(
            "environments",
            "must be a non-empty list",
            f"List presets ({presets}) or tables with name, markers and platform-tags.",
        )
    targets: list[Target] = []
    for item in value:
        if isinstance(item, str):
            if item not in KNOWN_TARGETS:
                raise _bad("environments", f"unknown environment {item!r}", f"Presets: {presets}.")
            targets.append(KNOWN_TARGETS[item])
        elif isinstance(item, Mapping):
            targets.append(_parse_custom(item))
        else:
            raise _bad("environments", f"{item!r} is neither a preset name nor a table",
                       f"Presets: {presets}.")  # fmt: skip
    names = [t.name for t in targets]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise _bad("environments", f"{', '.join(duplicates)} listed twice", "List each once.")
    return tuple(targets)


def _parse_custom(item: Mapping[str, Any]) -> Target:
    example = (
        '{ name = "jetson", markers = { sys_platform = "linux", platform_machine = "aarch64" },'
        ' platform-tags = ["manylinux_2_31_aarch64"] }'
    )
    unknown = sorted(set(item) - set(_CUSTOM_KEYS))
    if unknown or not all(key in item for key in _CUSTOM_KEYS):
        raise _bad(
            "environments",
            f"a custom environment needs exactly {', '.join(_CUSTOM_KEYS)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            f"For example: {example}",
        )
    name, markers, tags = item["name"], item["markers"], item["platform-tags"]
    if not isinstance(name, str):
        raise _bad(
            "environments",
            f"custom name {name!r} must be a string, not {_toml_type(name)}",
            f"For example: {example}",
        )
    if not name or name in KNOWN_TARGETS:
        raise _bad(
            "environments",
            f"custom name {name!r} is empty or a preset's",
            f"For example: {example}",
        )
    if not isinstance(markers, Mapping) or not markers:
        raise _bad(
            "environments", f"{name}: markers must be a non-empty table", f"For example: {example}"
        )
    if bad := sorted(k for k in markers if k not in CUSTOM_MARKER_KEYS):
        raise _bad(
            "environments",
            f"{name}: unknown marker key {', '.join(bad)}",
            f"Marker keys: {', '.join(CUSTOM_MARKER_KEYS)}.",
        )
    for key, value in markers.items():
        if not isinstance(value, str):
            raise _bad(
                "environments",
                f"{name}: markers.{key} = {value!r} must be a string (one value:"
                " a target is one kind of machine)",
                f'Write one value (e.g. {key} = "{_first_text(value)}") and declare'
                " another custom environment for each other value.",
            )
    if not isinstance(tags, list) or not tags:
        raise _bad(
            "environments",
            f"{name}: platform-tags must be a non-empty list",
            f"For example: {example}",
        )
    for tag in tags:
        if not isinstance(tag, str) or not _PLATFORM_TAG.fullmatch(tag):
            raise _bad(
                "environments",
                f"{name}: platform-tags: {tag!r} is not a platform tag",
                f"Use lowercase platform tags as in wheel names: {_PLATFORM_TAG_FORMS}"
                ' (e.g. "manylinux_2_31_aarch64").',
            )
    return Target(
        name=name,
        platform=MappingProxyType({str(k): str(v) for k, v in markers.items()}),
        platform_tags=tuple(tags),
    )


def _toml_type(value: Any) -> str:
    """The TOML type of a value, as users wrote it (Poetry hands over tomlkit items)."""
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "float"), (list, "array")):
        if isinstance(value, kind):
            return name
    return "table" if isinstance(value, Mapping) else type(value).__name__.lower()


def _first_text(value: Any) -> str:
    """A value to show in a hint: the first string of a list, else a placeholder."""
    items = value if isinstance(value, list) else []
    return next((item for item in items if isinstance(item, str)), "value")


def _parse_pythons(value: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    allowed_text = ", ".join(allowed) or "none (check the project's python constraint)"
    if value is None:
        if not allowed:
            raise _bad("python", "the project's python constraint allows no known CPython",
                       f"The plugin knows {', '.join(PYTHON_MINORS)}.")  # fmt: skip
        return tuple(allowed)
    if not isinstance(value, list) or not value:
        raise _bad("python", "must be a non-empty list", f"Allowed: {allowed_text}.")
    for minor in value:
        if not isinstance(minor, str):
            raise _bad(
                "python",
                f'{minor!r} must be a string like "3.11", not {_toml_type(minor)}',
                f"Quote each version. Allowed: {allowed_text}.",
            )
        if minor not in allowed:
            raise _bad(
                "python",
                f"{minor!r} is not a CPython minor the project allows",
                f"Allowed: {allowed_text}.",
            )
    if duplicates := sorted(m for m, n in Counter(value).items() if n > 1):
        raise _bad("python", f"{', '.join(duplicates)} listed twice", "List each once.")
    return tuple(value)
