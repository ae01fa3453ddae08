from __future__ import annotations

import pytest
from packaging.markers import Marker
from packaging.tags import Tag

from poetry_plugin_multiarch.targets import KNOWN_TARGETS, marker_environment

#: every key PEP 508 defines, plus ``extra``
MARKER_KEYS = {
    "implementation_name", "implementation_version", "os_name", "platform_machine",
    "platform_python_implementation", "platform_release", "platform_system",
    "platform_version", "python_full_version", "python_version", "sys_platform", "extra",
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "sys_platform", "machine"),
    [
        ("linux-x86_64", "linux", "x86_64"),
        ("linux-aarch64", "linux", "aarch64"),
        ("macos-x86_64", "darwin", "x86_64"),
        ("macos-arm64", "darwin", "arm64"),  # macOS says arm64, never aarch64
        ("windows-amd64", "win32", "AMD64"),
    ],
)
def test_presets_report_what_the_os_reports(name, sys_platform, machine) -> None:
    platform = KNOWN_TARGETS[name].platform
    assert (platform["sys_platform"], platform["platform_machine"]) == (sys_platform, machine)


@pytest.mark.parametrize("name", list(KNOWN_TARGETS))
def test_environment_sets_every_marker_key(name) -> None:
    env = KNOWN_TARGETS[name].environment("3.12")
    assert set(env) == MARKER_KEYS
    assert env["python_version"] == "3.12"


def test_macos_arm64_is_not_aarch64() -> None:
    env = KNOWN_TARGETS["macos-arm64"].environment("3.11")
    assert not Marker("platform_machine == 'aarch64'").evaluate(env)


def test_host_values_do_not_leak_in() -> None:
    env = marker_environment({"sys_platform": "plan9"}, "3.10")
    assert set(env) == MARKER_KEYS
    assert env["platform_machine"] == ""
    assert Marker("sys_platform == 'plan9'").evaluate(env)


def test_macos_arm64_installs_universal2_wheels_of_any_deployment_target() -> None:
    """ml-dtypes 0.7.0 ships cp311 ``macosx_10_9_universal2`` wheels only for macOS:
    an arm64 Mac installs them (its arm64 half needs 11.0, the tag names the x86_64
    half's), as pip does."""
    tags = KNOWN_TARGETS["macos-arm64"].tags("3.11")
    assert Tag("cp311", "cp311", "macosx_10_9_universal2") in tags
    assert Tag("cp311", "cp311", "macosx_11_0_arm64") in tags
    assert Tag("cp311", "cp311", "macosx_10_9_arm64") not in tags  # no such arm64 build
    assert Tag("cp311", "cp311", "macosx_10_9_x86_64") not in tags
