from __future__ import annotations

import pytest

from poetry_plugin_multiarch.overlap import find_shared_environment


@pytest.mark.parametrize(
    ("markers", "described"),
    [
        (
            ["sys_platform == 'linux'", "platform_machine == 'aarch64'"],
            'linux-aarch64 (sys_platform == "linux", platform_machine == "aarch64")',
        ),
        (
            ["sys_platform == 'darwin'", "platform_machine == 'arm64'"],
            'macos-arm64 (sys_platform == "darwin", platform_machine == "arm64")',
        ),
        (
            ["python_version >= '3.10'", "platform_machine == 'x86_64'"],
            'linux-x86_64 (python_version == "3.14", platform_machine == "x86_64")',
        ),
        (
            ["platform_machine == 'riscv64'", "sys_platform != 'win32'"],
            'machines with platform_machine == "riscv64", sys_platform == "linux"',
        ),
    ],
    ids=["linux-aarch64", "macos-arm64", "python", "synthesised"],
)
def test_finds_a_machine_where_both_apply(markers, described) -> None:
    found = find_shared_environment(markers)
    assert found is not None
    assert found.describe() == described


def test_python_candidates_are_respected() -> None:
    found = find_shared_environment(
        ["python_version >= '3.10'", "platform_machine == 'x86_64'"], ["3.10", "3.11"]
    )
    assert found is not None
    assert found.environment["python_version"] == "3.11"


@pytest.mark.parametrize(
    "markers",
    [
        ["platform_machine == 'x86_64'", "platform_machine == 'aarch64'"],
        ["sys_platform == 'linux'", "sys_platform != 'linux'"],
    ],
)
def test_disjoint_markers_share_nothing(markers) -> None:
    assert find_shared_environment(markers) is None
