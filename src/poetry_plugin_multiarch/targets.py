"""Target environments: the machines a project's lock must serve, as plain data.

A :class:`Target` fixes the platform marker values of a kind of machine and the
platform tags its installers accept; the Python values and interpreter tags come from
the CPython minor it is paired with. Nothing here reads the host: ``platform_machine``
of macOS arm64 is ``arm64`` because that is what such a machine reports, and manylinux
tags come from the glibc declared below, never from this machine's.

Presets model: Linux with glibc 2.28 (manylinux_2_28 and older wheels; x86_64 from
manylinux1, other architectures from manylinux2014), musl 1.2, macOS 14 (arm64 wheels
from 11.0, x86_64 from 10.9), Windows x64.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from packaging.tags import Tag, compatible_tags, cpython_tags, mac_platforms

__all__ = [
    "KNOWN_TARGETS",
    "LINUX_GLIBC",
    "PLATFORM_KEYS",
    "PYTHON_MINORS",
    "Target",
    "TargetEnvironment",
    "marker_environment",
]

#: CPython minors the plugin knows, oldest first.
PYTHON_MINORS: tuple[str, ...] = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")

#: glibc of the Linux presets: a manylinux_2_28 wheel installs there.
LINUX_GLIBC = (2, 28)
#: musl of the musllinux presets.
LINUX_MUSL = (1, 2)
#: macOS release of the macOS presets.
MACOS = (14, 0)

#: Marker keys a target fixes (the rest come from the Python version).
PLATFORM_KEYS = ("sys_platform", "platform_system", "os_name", "platform_machine")

_LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """A kind of machine: its name, platform marker values and platform tags."""

    name: str
    platform: Mapping[str, str]
    #: platform parts of the wheel tags its installers accept, most preferred first
    platform_tags: tuple[str, ...]

    def environment(self, python: str) -> dict[str, str]:
        """The full PEP 508 marker environment of this machine running *python*."""
        return marker_environment(self.platform, python)

    def tags(self, python: str) -> frozenset[Tag]:
        """Every wheel tag a CPython *python* on this machine installs."""
        return _tags(self.platform_tags, python)

    def ordered_tags(self, python: str) -> tuple[Tag, ...]:
        """The same tags, most preferred first: the order an installer picks a wheel in."""
        return _ordered_tags(self.platform_tags, python)

    def matches(self, environment: Mapping[str, str]) -> bool:
        """Whether a real interpreter's marker environment is this kind of machine."""
        return all(environment.get(key) == value for key, value in self.platform.items())


@dataclass(frozen=True, kw_only=True)
class TargetEnvironment:
    """One target with one CPython minor: what coverage is checked against.

    (No ``__slots__``: its environment and tags are computed once, on first use.)"""

    target: Target
    python: str

    @property
    def label(self) -> str:
        return f"{self.target.name} (Python {self.python})"

    @functools.cached_property
    def environment(self) -> dict[str, str]:
        return self.target.environment(self.python)

    @functools.cached_property
    def tags(self) -> frozenset[Tag]:
        return self.target.tags(self.python)

    @functools.cached_property
    def ordered_tags(self) -> tuple[Tag, ...]:
        return self.target.ordered_tags(self.python)

    @functools.cached_property
    def marker(self) -> str:
        """A PEP 508 marker true on this kind of machine with this Python
        (``platform_system`` and ``os_name`` follow from ``sys_platform``).

        >>> TargetEnvironment(target=KNOWN_TARGETS["linux-aarch64"], python="3.12").marker
        'sys_platform == "linux" and platform_machine == "aarch64" and python_version == "3.12"'
        """
        platform = self.target.platform
        implied = ("platform_system", "os_name") if platform.get("sys_platform") else ()
        pairs = [*((k, v) for k, v in platform.items() if k not in implied and v)]
        pairs.append(("python_version", self.python))
        return " and ".join(f'{key} == "{value}"' for key, value in pairs)


@functools.cache
def _tags(platforms: tuple[str, ...], python: str) -> frozenset[Tag]:
    return frozenset(_ordered_tags(platforms, python))


@functools.cache
def _ordered_tags(platforms: tuple[str, ...], python: str) -> tuple[Tag, ...]:
    version = tuple(int(part) for part in python.split("."))
    return tuple(
        dict.fromkeys(
            [
                *cpython_tags(version, platforms=platforms),
                *compatible_tags(
                    version, interpreter=f"cp{version[0]}{version[1]}", platforms=platforms
                ),
            ]
        )
    )


def manylinux_platforms(arch: str, glibc: tuple[int, int] = LINUX_GLIBC) -> tuple[str, ...]:
    """``manylinux_2_28_x86_64`` … down to the oldest policy for *arch*, with aliases.

    >>> manylinux_platforms("aarch64", (2, 17))
    ('manylinux_2_17_aarch64', 'manylinux2014_aarch64')
    """
    oldest = 5 if arch in ("x86_64", "i686") else 17
    found = []
    for minor in range(glibc[1], oldest - 1, -1):
        found.append(f"manylinux_2_{minor}_{arch}")
        if (legacy := _LEGACY_MANYLINUX.get((2, minor))) and (
            minor == 17 or arch in ("x86_64", "i686")
        ):
            found.append(f"{legacy}_{arch}")
    return tuple(found)


def musllinux_platforms(arch: str, musl: tuple[int, int] = LINUX_MUSL) -> tuple[str, ...]:
    return tuple(f"musllinux_1_{minor}_{arch}" for minor in range(musl[1], 0, -1))


def macos_platforms(arch: str, oldest: tuple[int, int]) -> tuple[str, ...]:
    """macOS platform tags from :data:`MACOS` down to *oldest*, and every universal2 tag
    ``packaging`` gives: a universal2 wheel's version is that of its x86_64 half, so an
    arm64 Mac installs ``macosx_10_9_universal2`` (pip does)."""
    found = []
    for platform in mac_platforms(MACOS, arch):
        major, minor = (int(p) for p in platform.split("_")[1:3])
        if (major, minor) >= oldest or platform.endswith("_universal2"):
            found.append(platform)
    return tuple(found)


def _target(
    name: str, sys_platform: str, system: str, os_name: str, machine: str, tags: Iterable[str]
) -> Target:
    platform = MappingProxyType(
        {
            "sys_platform": sys_platform,
            "platform_system": system,
            "os_name": os_name,
            "platform_machine": machine,
        }
    )
    return Target(name=name, platform=platform, platform_tags=tuple(tags))


_LINUX = ("linux", "Linux", "posix")

#: Presets by name. ``platform_machine`` is what each OS itself reports.
KNOWN_TARGETS: Mapping[str, Target] = MappingProxyType(
    {
        t.name: t
        for t in (
            _target("linux-x86_64", *_LINUX, "x86_64", manylinux_platforms("x86_64")),
            _target("linux-aarch64", *_LINUX, "aarch64", manylinux_platforms("aarch64")),
            _target("linux-x86_64-musl", *_LINUX, "x86_64", musllinux_platforms("x86_64")),
            _target("linux-aarch64-musl", *_LINUX, "aarch64", musllinux_platforms("aarch64")),
            _target(
                "macos-x86_64",
                "darwin",
                "Darwin",
                "posix",
                "x86_64",
                macos_platforms("x86_64", (10, 9)),
            ),
            _target(
                "macos-arm64",
                "darwin",
                "Darwin",
                "posix",
                "arm64",
                macos_platforms("arm64", (11, 0)),
            ),
            _target("windows-amd64", "win32", "Windows", "nt", "AMD64", ["win_amd64"]),
        )
    }
)


def marker_environment(platform: Mapping[str, str], python: str) -> dict[str, str]:
    """Every PEP 508 marker key, so that evaluation never falls back to the host.

    >>> env = marker_environment(KNOWN_TARGETS["macos-arm64"].platform, "3.12")
    >>> env["platform_machine"], env["python_full_version"]
    ('arm64', '3.12.0')
    """
    full = f"{python}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "python_version": python,
        "python_full_version": full,
        "extra": "",
        # platform keys the caller left out stay empty, never the host's values
        "os_name": "",
        "platform_machine": "",
        "platform_system": "",
        "sys_platform": "",
        **platform,
    }
