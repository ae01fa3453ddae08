"""Target environments: the machines a project's lock must serve, as plain data.

A :class:`Target` fixes every platform marker value of a kind of machine; the Python
values come from the interpreter version it is paired with. Nothing here reads the
host: ``platform_machine`` of macOS arm64 is ``arm64`` because that is what such a
machine reports, not because this machine does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "KNOWN_TARGETS",
    "PYTHON_MINORS",
    "Target",
    "marker_environment",
]

#: CPython minors the plugin knows, oldest first.
PYTHON_MINORS: tuple[str, ...] = (
    "3.8",
    "3.9",
    "3.10",
    "3.11",
    "3.12",
    "3.13",
    "3.14",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """A kind of machine: its name and its platform marker values."""

    name: str
    platform: Mapping[str, str]

    def environment(self, python: str) -> dict[str, str]:
        """The full PEP 508 marker environment of this machine running *python*."""
        return marker_environment(self.platform, python)


def _target(name: str, sys_platform: str, system: str, os_name: str, machine: str):
    platform = MappingProxyType(
        {
            "sys_platform": sys_platform,
            "platform_system": system,
            "os_name": os_name,
            "platform_machine": machine,
        }
    )
    return Target(name=name, platform=platform)


#: Presets by name. ``platform_machine`` is what each OS itself reports.
KNOWN_TARGETS: Mapping[str, Target] = MappingProxyType(
    {
        t.name: t
        for t in (
            _target("linux-x86_64", "linux", "Linux", "posix", "x86_64"),
            _target("linux-aarch64", "linux", "Linux", "posix", "aarch64"),
            _target("macos-x86_64", "darwin", "Darwin", "posix", "x86_64"),
            _target("macos-arm64", "darwin", "Darwin", "posix", "arm64"),
            _target("windows-amd64", "win32", "Windows", "nt", "AMD64"),
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
