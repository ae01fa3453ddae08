from __future__ import annotations

import pytest
from packaging.tags import Tag

from poetry_plugin_multiarch.errors import (
    AmbiguousAlternativesError,
    MissingAlternativeError,
    NoArtifactForMachineError,
)
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.selection import (
    check_artifacts_install,
    check_requirements_met,
    select_for_environment,
    wheels_only_target,
)
from poetry_plugin_multiarch.targets import KNOWN_TARGETS, marker_environment
from tests.unit.lockdata import INDEX, URL, seed_lock_data


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


def needs_of(lock: MultiarchLock, *names: str) -> dict:
    return {f"{p.name} {p.version}": p.dependencies for p in lock.packages if p.name in names}


def with_jax_needing_jaxlib(index_markers: str = 'platform_machine == "x86_64"') -> MultiarchLock:
    data = seed_lock_data(index_markers)
    data["package"][0]["dependencies"] = {
        "jaxlib": ">=0.1.69",
        "six": {"version": "*", "markers": 'sys_platform == "win32"'},
        "scipy": {"version": "*", "optional": True},
    }
    return MultiarchLock.from_lock_data(data)


@pytest.mark.parametrize("machine", ["linux-x86_64", "linux-aarch64"])
def test_requirements_met_where_an_alternative_applies(machine) -> None:
    lock = with_jax_needing_jaxlib()
    check_requirements_met(lock, needs_of(lock, "jax", "jaxlib"), env(machine))


def test_required_package_without_alternative_is_named_with_the_locked_ones() -> None:
    lock = with_jax_needing_jaxlib()
    with pytest.raises(MissingAlternativeError) as info:
        check_requirements_met(lock, needs_of(lock, "jax"), env("ppc64le"))
    assert info.value.message == (
        'Nothing can be installed on this machine (sys_platform == "linux",'
        ' platform_machine == "ppc64le", python_version == "3.11"):\n'
        "jaxlib (needed by jax 0.2.20) has no locked alternative for it.\n"
        f"  locked: jaxlib 0.1.71 from source main ({INDEX});"
        ' markers: platform_machine == "x86_64"\n'
        f'  locked: jaxlib 0.1.71 from url {URL}; markers: platform_machine == "aarch64"'
    )


def test_requirements_off_this_machine_or_optional_are_not_needed() -> None:
    lock = with_jax_needing_jaxlib()
    # six only on win32, scipy optional: neither is missing on linux-x86_64
    check_requirements_met(lock, needs_of(lock, "jax", "jaxlib"), env("linux-x86_64"))
    with pytest.raises(MissingAlternativeError, match=r"six \(needed by jax 0\.2\.20\)"):
        check_requirements_met(lock, needs_of(lock, "jax", "jaxlib"), env("windows-amd64"))


#: as this machine's interpreter orders them: most specific first
AARCH64_TAGS = [
    Tag("cp311", "cp311", "linux_aarch64"),
    Tag("cp311", "cp311", "manylinux_2_36_aarch64"),
    *sorted(KNOWN_TARGETS["linux-aarch64"].tags("3.11"), key=str),
]


def test_index_only_wheels_for_x86_64_do_not_install_on_aarch64() -> None:
    """A lock without alternatives, read on aarch64: jaxlib is selected, but only an
    x86_64 wheel is locked. Named before anything is installed, with its platforms."""
    data = seed_lock_data()
    del data["package"][1]["markers"]  # stock Poetry's lock of `jaxlib = "0.1.71"`
    lock = MultiarchLock.from_lock_data(data)
    env = marker_environment(KNOWN_TARGETS["linux-aarch64"].platform, "3.11")
    from_index = [p for p in lock.packages if p.source and p.source.type == "legacy"]
    with pytest.raises(NoArtifactForMachineError) as raised:
        check_artifacts_install(from_index, AARCH64_TAGS, env)
    message = raised.value.message
    assert "jaxlib 0.1.71" in message
    assert "only has wheels for: manylinux2014_x86_64" in message
    assert 'platform_machine == "aarch64"' in message
    assert "it accepts wheels tagged cp311-cp311-manylinux_2_36_aarch64" in message
    assert "jax 0.2.20" not in message  # a py3-none-any wheel installs anywhere
    assert "environments" in raised.value.hint


def test_each_machine_installs_its_selected_artifacts() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    env = marker_environment(KNOWN_TARGETS["linux-aarch64"].platform, "3.11")
    selected = select_for_environment(lock, env).values()
    check_artifacts_install(selected, AARCH64_TAGS, env)  # the URL wheel is aarch64


def test_a_wheel_for_another_interpreter_is_named_with_this_machines() -> None:
    """'only has wheels for: any' said nothing: the wheel is for another CPython."""
    data = seed_lock_data()
    data["package"][0]["files"] = [{"file": "jax-0.2.20-cp312-none-any.whl", "hash": "sha256:aa"}]
    lock = MultiarchLock.from_lock_data(data)
    env = marker_environment(KNOWN_TARGETS["linux-aarch64"].platform, "3.11")
    with pytest.raises(NoArtifactForMachineError) as raised:
        check_artifacts_install(lock.packages[:1], AARCH64_TAGS, env)
    assert (
        "jax 0.2.20 (source main (http://127.0.0.1:8080/main/simple)): poetry.lock has wheels"
        " only for cp312-none (this machine: cp311-cp311)"
    ) in raised.value.message
    assert "only has wheels for: any" not in raised.value.message


def stock_lock_of_the_seed() -> MultiarchLock:
    """What stock Poetry locks for the seed (#7722): one URL entry for every machine,
    and no artifact URLs."""
    data = seed_lock_data()
    del data["package"][1]
    del data["package"][1]["markers"]
    return MultiarchLock.from_lock_data(data)


def test_stock_lock_gaps_say_relock_with_the_plugin() -> None:
    lock = stock_lock_of_the_seed()
    env = marker_environment(KNOWN_TARGETS["linux-x86_64"].platform, "3.11")
    tags = sorted(KNOWN_TARGETS["linux-x86_64"].tags("3.11"), key=str)
    with pytest.raises(NoArtifactForMachineError) as raised:
        check_artifacts_install(lock.packages, tags, env, lock)
    assert "Re-lock with the plugin (`poetry lock`)" in raised.value.hint
    assert "Add an alternative" not in raised.value.hint


def test_stock_lock_missing_alternative_says_relock_with_the_plugin() -> None:
    data = seed_lock_data()
    data["package"][0]["dependencies"] = {"jaxlib": ">=0.1.69"}
    plugin_lock = MultiarchLock.from_lock_data(
        {**data, "metadata": {**data["metadata"], "poetry-plugin-multiarch": {"python": []}}}
    )
    for lock, hint in ((MultiarchLock.from_lock_data(data), "Re-lock"), (plugin_lock, "Add")):
        with pytest.raises(MissingAlternativeError) as raised:
            check_requirements_met(lock, needs_of(lock, "jax"), env("ppc64le"))
        assert hint in raised.value.hint


def test_a_no_build_machine_refuses_an_sdist_only_package_before_installing() -> None:
    data = seed_lock_data()
    data["package"][0]["files"] = [{"file": "jax-0.2.20.tar.gz", "hash": "sha256:aa"}]
    lock = MultiarchLock.from_lock_data(data)
    env = marker_environment(KNOWN_TARGETS["linux-aarch64"].platform, "3.11")
    targets = [KNOWN_TARGETS["linux-x86_64"], KNOWN_TARGETS["linux-aarch64"]]
    assert wheels_only_target(targets, {"linux-aarch64"}, env) == "linux-aarch64"
    x86_64 = marker_environment(KNOWN_TARGETS["linux-x86_64"].platform, "3.11")
    assert wheels_only_target(targets, {"linux-aarch64"}, x86_64) == ""

    check_artifacts_install(lock.packages[:1], AARCH64_TAGS, env)  # builds: allowed
    with pytest.raises(NoArtifactForMachineError) as raised:
        check_artifacts_install(lock.packages[:1], AARCH64_TAGS, env, no_build="linux-aarch64")
    message = raised.value.message
    assert message.startswith("No locked wheel installs on this machine (")
    assert "; it is linux-aarch64, wheels only (no-build)):\n" in message
    assert message.endswith(
        f"  jax 0.2.20 (source main ({INDEX})): poetry.lock has only an sdist, and no-build"
        " is set for linux-aarch64\nNothing was installed."
    )
    assert "remove linux-aarch64 from no-build" in raised.value.hint
