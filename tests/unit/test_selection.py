from __future__ import annotations

import pytest

from poetry_plugin_multiarch.errors import AmbiguousAlternativesError
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.selection import select_for_environment
from poetry_plugin_multiarch.targets import KNOWN_TARGETS, marker_environment
from tests.unit.lockdata import seed_lock_data


def env(name: str) -> dict[str, str]:
    if name in KNOWN_TARGETS:
        return KNOWN_TARGETS[name].environment("3.11")
    return marker_environment(
        {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": name}, "3.11"
    )


@pytest.mark.parametrize(
    ("machine", "origin"),
    [
        ("linux-x86_64", "legacy"),
        ("linux-aarch64", "url"),
        ("macos-x86_64", "legacy"),
        ("macos-arm64", None),
        ("windows-amd64", None),
        ("ppc64le", None),
    ],
)
def test_each_machine_gets_its_alternative(machine, origin) -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    selected = select_for_environment(lock, env(machine))
    got = selected.get("jaxlib")
    assert (got.source.type if got else None) == origin
    assert selected["jax"].version == "0.2.20"


def test_groups_select_entries() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    assert "pytest" not in select_for_environment(lock, env("linux-x86_64"), ["main"])
    assert "pytest" in select_for_environment(lock, env("linux-x86_64"), ["main", "dev"])
    assert "pytest" not in select_for_environment(lock, env("macos-x86_64"), ["dev"])


def test_two_matching_alternatives_are_an_error() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data(index_markers='sys_platform == "linux"'))
    with pytest.raises(AmbiguousAlternativesError) as info:
        select_for_environment(lock, env("linux-aarch64"))
    assert info.value.message.startswith(
        "2 locked alternatives of jaxlib apply to this machine"
        ' (sys_platform == "linux", platform_machine == "aarch64", python_version == "3.11"):'
    )
    assert 'markers: sys_platform == "linux"' in info.value.message
    assert 'markers: platform_machine == "aarch64"' in info.value.message
