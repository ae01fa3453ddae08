"""Which release each target gets (``versions.plan_versions``), on plain data."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from poetry_plugin_multiarch.targets import KNOWN_TARGETS, TargetEnvironment
from poetry_plugin_multiarch.versions import Release, plan_versions, release_installs


def envs(*names: str, pythons: tuple[str, ...] = ("3.11",)) -> list[TargetEnvironment]:
    return [TargetEnvironment(target=KNOWN_TARGETS[n], python=p) for n in names for p in pythons]


def wheel(name: str, version: str, platform: str, python: str = "cp311") -> str:
    return f"{name}-{version}-{python}-{python}-{platform}.whl"


def release(version: str, *platforms: str, python: str = "cp311", sdist: bool = False):
    files = tuple(wheel("a", version, p, python) for p in platforms)
    return Release(version, files + ((f"a-{version}.tar.gz",) if sdist else ()))


def served(plan, environments) -> dict[str, str]:
    """Which version each environment gets, by evaluating the branch markers."""
    markers = [b.marker for b in plan.branches if b.marker]
    result = {}
    for env in environments:
        for branch in plan.branches:
            marker = branch.marker or (f"not ({' or '.join(markers)})" if markers else None)
            if marker is None or _evaluate(marker, env):
                result[env.target.name + "/" + env.python] = branch.version
                break
    return result


def _evaluate(marker: str, env: TargetEnvironment) -> bool:
    if marker.startswith("not ("):
        return not Marker(marker[5:-1]).evaluate(env.environment)
    return Marker(marker).evaluate(env.environment)


X86, ARM = "manylinux2014_x86_64", "manylinux2014_aarch64"
MAC_ARM, MAC_X86 = "macosx_11_0_arm64", "macosx_10_9_x86_64"


def test_newest_release_installing_everywhere_is_the_one_branch() -> None:
    targets = envs("linux-x86_64", "linux-aarch64")
    plan = plan_versions([release("2.0", X86, ARM), release("1.0", X86, ARM)], targets)
    assert not plan.forks
    assert [b.version for b in plan.branches] == ["2.0"]
    assert plan.skipped == ()


def test_only_the_releases_needed_are_read() -> None:
    read = []

    def releases():
        for r in [release("3.0", X86), release("2.0", X86, ARM), release("1.0", X86, ARM)]:
            read.append(r.version)
            yield r

    plan_versions(releases(), envs("linux-x86_64", "linux-aarch64"))
    assert read == ["3.0", "2.0"]


def test_python_tags_pick_the_older_release_for_every_target() -> None:
    targets = envs("linux-x86_64", "linux-aarch64")
    plan = plan_versions(
        [release("2.0", X86, ARM, python="cp313"), release("1.0", X86, ARM)], targets
    )
    assert not plan.forks
    assert plan.branches[0].version == "1.0"
    assert not plan.allows("2.0") and plan.allows("1.0")
    assert {(s.version, s.environment.target.name) for s in plan.skipped} == {
        ("2.0", "linux-x86_64"),
        ("2.0", "linux-aarch64"),
    }
    assert "cp313-cp313 (this target: cp311-cp311)" in plan.skipped[0].reason


def test_machine_tags_fork_newest_per_target() -> None:
    targets = envs("linux-x86_64", "linux-aarch64")
    plan = plan_versions([release("2.0", X86), release("1.0", X86, ARM)], targets)
    assert plan.forks
    assert [(b.version, b.marker) for b in plan.branches] == [
        ("2.0", None),
        ("1.0", 'platform_machine == "aarch64"'),
    ]
    assert served(plan, targets) == {"linux-x86_64/3.11": "2.0", "linux-aarch64/3.11": "1.0"}
    assert plan.allows("2.0") and plan.allows("1.0")


def test_same_for_all_takes_one_release_where_one_installs_everywhere() -> None:
    targets = envs("linux-x86_64", "linux-aarch64")
    plan = plan_versions(
        [release("2.0", X86), release("1.0", X86, ARM)], targets, same_for_all=True
    )
    assert [b.version for b in plan.branches] == ["1.0"]
    # none installs everywhere: branches after all
    plan = plan_versions([release("2.0", X86), release("1.0", ARM)], targets, same_for_all=True)
    assert [b.version for b in plan.branches] == ["2.0", "1.0"]


def test_dropped_platform_gets_the_last_release_that_had_it() -> None:
    targets = envs("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64")
    plan = plan_versions(
        [release("2.5.0", X86, ARM, MAC_ARM), release("2.2.2", X86, ARM, MAC_ARM, MAC_X86)],
        targets,
    )
    assert [(b.version, b.marker) for b in plan.branches] == [
        ("2.5.0", None),
        ("2.2.2", 'platform_machine == "x86_64" and sys_platform == "darwin"'),
    ]
    assert served(plan, targets) == {
        "linux-x86_64/3.11": "2.5.0",
        "linux-aarch64/3.11": "2.5.0",
        "macos-arm64/3.11": "2.5.0",
        "macos-x86_64/3.11": "2.2.2",
    }


def test_python_minors_are_told_apart_by_python_version() -> None:
    targets = envs("linux-x86_64", pythons=("3.11", "3.12"))
    plan = plan_versions(
        [
            Release("2.0", (wheel("a", "2.0", X86, "cp312"),)),
            Release("1.0", (wheel("a", "1.0", X86, "cp311"), wheel("a", "1.0", X86, "cp312"))),
        ],
        targets,
    )
    assert [(b.version, b.marker) for b in plan.branches] == [
        ("2.0", None),
        ("1.0", 'python_version == "3.11"'),
    ]


def test_sdist_covers_unless_the_target_may_not_build() -> None:
    targets = envs("linux-x86_64", "linux-aarch64")
    releases = [release("2.0", X86, sdist=True), release("1.0", X86, ARM)]
    assert not plan_versions(releases, targets).forks
    plan = plan_versions(releases, targets, builds=lambda env: env.target.name != "linux-aarch64")
    assert served(plan, targets) == {"linux-x86_64/3.11": "2.0", "linux-aarch64/3.11": "1.0"}
    assert "no-build is set" in plan.skipped[0].reason


def test_nothing_fits_leaves_the_target_uncovered_with_the_newest_release() -> None:
    targets = envs("linux-x86_64", "linux-aarch64")
    plan = plan_versions([release("2.0", X86), release("1.0", X86)], targets)
    assert not plan.forks
    assert plan.branches[0].version == "2.0"
    assert [e.target.name for e in plan.uncovered] == ["linux-aarch64"]
    assert plan.allows("2.0")
    assert [s.version for s in plan.skipped if s.environment.target.name == "linux-aarch64"] == [
        "2.0", "1.0"
    ]  # fmt: skip


def test_glibc_and_musl_of_one_machine_share_a_branch() -> None:
    targets = envs("linux-x86_64", "linux-x86_64-musl", "linux-aarch64")
    musl = "musllinux_1_2_x86_64"
    plan = plan_versions([release("3.0", X86, ARM), release("2.0", X86, musl, ARM)], targets)
    # markers cannot tell musl from glibc: both x86_64 targets get the release with
    # wheels for both, aarch64 the newest
    assert [(b.version, b.marker) for b in plan.branches] == [
        ("3.0", None),
        ("2.0", 'platform_machine == "x86_64"'),
    ]


@pytest.mark.parametrize(
    ("files", "build", "installs"),
    [
        ((wheel("a", "1", ARM),), True, True),
        ((wheel("a", "1", X86),), True, False),
        (("a-1.tar.gz",), True, True),
        (("a-1.tar.gz",), False, False),
        (("a-1-py3-none-any.whl",), False, True),
    ],
)
def test_release_installs(files, build, installs) -> None:
    (env,) = envs("linux-aarch64")
    assert (release_installs(files, env, build=build) is None) is installs
