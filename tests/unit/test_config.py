from __future__ import annotations

import re

import pytest

from poetry_plugin_multiarch.config import MultiarchConfig, parse_config
from poetry_plugin_multiarch.errors import ConfigError


@pytest.mark.parametrize(
    "pyproject",
    [{}, {"tool": {}}, {"tool": {"poetry-plugin-multiarch": {}}}],
    ids=["no-tool", "no-table", "empty-table"],
)
def test_absent_or_empty_table_is_accepted(pyproject) -> None:
    assert parse_config(pyproject) == MultiarchConfig()


def test_unknown_key_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"tool": {"poetry-plugin-multiarch": {"environmnets": []}}})
    assert info.value.message == (
        "Unknown key 'environmnets' in [tool.poetry-plugin-multiarch] of pyproject.toml."
    )
    assert info.value.hint == (
        "Known keys: 'environments', 'python', 'on-gap', 'versions', 'no-build'."
        " Remove the key or check the spelling."
    )


def test_every_unknown_key_is_named_at_once() -> None:
    with pytest.raises(ConfigError, match=r"Unknown keys 'a', 'b' in"):
        parse_config({"tool": {"poetry-plugin-multiarch": {"b": 1, "a": 2}}})


def test_table_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"must be a table, not list"):
        parse_config({"tool": {"poetry-plugin-multiarch": ["linux-x86_64"]}})


def table(**keys):
    return {"tool": {"poetry-plugin-multiarch": keys}}


JETSON = {
    "name": "jetson",
    "markers": {"sys_platform": "linux", "platform_machine": "aarch64"},
    "platform-tags": ["manylinux_2_31_aarch64"],
}


def test_custom_environment() -> None:
    config = parse_config(table(environments=["linux-x86_64", JETSON]), ["3.11"])
    assert [t.name for t in config.targets] == ["linux-x86_64", "jetson"]
    assert config.targets[1].platform_tags == ("manylinux_2_31_aarch64",)
    assert config.pythons == ("3.11",)
    assert config.on_gap == "fail"


@pytest.mark.parametrize(
    ("keys", "message", "hint"),
    [
        ({"environments": ["linux-risc"]}, "environments: unknown environment 'linux-risc'",
         "Presets: linux-x86_64, linux-aarch64, linux-x86_64-musl, linux-aarch64-musl,"
         " macos-x86_64, macos-arm64, windows-amd64."),
        ({"environments": []}, "environments: must be a non-empty list", "List presets"),
        ({"environments": "linux-x86_64"}, "environments: must be a non-empty list", "List"),
        ({"environments": ["linux-x86_64", "linux-x86_64"]},
         "environments: linux-x86_64 listed twice", "List each once."),
        ({"environments": [{**JETSON, "markers": {"cpu": "x"}}]},
         "environments: jetson: unknown marker key cpu", "Marker keys: sys_platform,"),
        ({"environments": [{"name": "jetson"}]},
         "environments: a custom environment needs exactly name, markers, platform-tags",
         "For example:"),
        ({"environments": [{**JETSON, "platform-tags": []}]},
         "environments: jetson: platform-tags must be a non-empty list", "For example:"),
        ({"environments": ["linux-x86_64"], "python": ["3.9"]},
         "python: '3.9' is not a CPython minor the project allows", "Allowed: 3.11, 3.12."),
        ({"environments": ["linux-x86_64"], "python": []}, "python: must be a non-empty list",
         "Allowed: 3.11, 3.12."),
        ({"python": ["3.11"]}, "python: needs 'environments'", "Declare environments"),
        ({"environments": ["linux-x86_64"], "on-gap": "ignore"},
         "on-gap: 'ignore' is not allowed", "Use 'fail' or 'warn'."),
        ({"environments": [{**JETSON, "markers": {"platform_machine": ["x86_64", "aarch64"]}}]},
         "environments: jetson: markers.platform_machine = ['x86_64', 'aarch64'] must be a"
         " string (one value: a target is one kind of machine)",
         'Write one value (e.g. platform_machine = "x86_64") and declare another custom'),
        ({"environments": [{**JETSON, "markers": {"sys_platform": 5}}]},
         "environments: jetson: markers.sys_platform = 5 must be a string (one value: a target is"
         " one kind of machine)", 'Write one value (e.g. sys_platform = "value")'),
        ({"environments": [{**JETSON, "platform-tags": ["garbage!!"]}]},
         "environments: jetson: platform-tags: 'garbage!!' is not a platform tag",
         "Use lowercase platform tags as in wheel names: manylinux_X_Y_<arch>,"),
        ({"environments": [{**JETSON, "platform-tags": ["manylinux_2_31_aarch64", "Linux_x86"]}]},
         "environments: jetson: platform-tags: 'Linux_x86' is not a platform tag", "Use"),
        ({"environments": [{**JETSON, "platform-tags": ["manylinux_2_31"]}]},
         "environments: jetson: platform-tags: 'manylinux_2_31' is not a platform tag", "Use"),
        ({"environments": [{**JETSON, "platform-tags": [2014]}]},
         "environments: jetson: platform-tags: 2014 is not a platform tag", "Use"),
        ({"environments": ["linux-x86_64"], "python": ["3.11"] * 5000},
         "python: 3.11 listed twice", "List each once."),
        ({"environments": ["linux-x86_64"], "python": [3.11]},
         'python: 3.11 must be a string like "3.11", not float',
         "Quote each version. Allowed: 3.11, 3.12."),
        ({"environments": [{**JETSON, "name": 5}]},
         "environments: custom name 5 must be a string, not integer", "For example:"),
    ],
)  # fmt: skip
def test_every_config_error_names_key_and_allowed_values(keys, message, hint) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(table(**keys), ["3.11", "3.12"])
    assert info.value.message == f"[tool.poetry-plugin-multiarch] {message}."
    assert info.value.hint.startswith(hint)


@pytest.mark.parametrize(
    "tag",
    ["any", "win_amd64", "win32", "linux_riscv64", "manylinux2014_aarch64", "manylinux1_x86_64",
     "manylinux_2_31_aarch64", "musllinux_1_2_x86_64", "macosx_11_0_arm64",
     "macosx_10_9_universal2", "android_21_arm64_v8a", "ios_13_0_arm64_iphoneos"],
)  # fmt: skip
def test_platform_tags_as_packaging_spells_them_are_accepted(tag: str) -> None:
    config = parse_config(table(environments=[{**JETSON, "platform-tags": [tag]}]), ["3.11"])
    assert config.targets[0].platform_tags == (tag,)


def test_versions_and_no_build_default_to_newest_per_target_and_building() -> None:
    config = parse_config(table(environments=["linux-x86_64", "linux-aarch64"]), ["3.12"])
    assert config.versions == "newest-per-target"
    assert config.no_build == frozenset()
    assert all(config.builds_from_source(t) for t in config.targets)
    # defaults are not recorded: locks of such projects keep their bytes
    assert config.recorded() == {"environments": ["linux-x86_64", "linux-aarch64"],
                                 "python": ["3.12"]}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "wheels_only"),
    [
        (True, {"linux-x86_64", "linux-aarch64"}),
        (False, set()),
        (["linux-aarch64"], {"linux-aarch64"}),
    ],
)
def test_no_build_names_the_targets_that_install_wheels_only(value, wheels_only) -> None:
    config = parse_config(
        table(environments=["linux-x86_64", "linux-aarch64"], **{"no-build": value}), ["3.12"]
    )
    assert config.no_build == wheels_only
    assert {t.name for t in config.targets if not config.builds_from_source(t)} == wheels_only
    assert config.recorded().get("no-build", []) == [
        n for n in ("linux-x86_64", "linux-aarch64") if n in wheels_only
    ]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"versions": "oldest"}, "versions: 'oldest' is not allowed"),
        ({"no-build": ["linux-riscv"]}, "no-build: 'linux-riscv' is not a declared environment"),
        ({"no-build": "yes"}, "no-build: 'yes' is neither true/false nor a non-empty list"),
        ({"no-build": []}, "no-build: [] is neither true/false nor a non-empty list"),
    ],
)
def test_bad_versions_or_no_build_is_named(keys, message) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(table(environments=["linux-x86_64"], **keys), ["3.12"])


def test_no_build_needs_environments() -> None:
    with pytest.raises(ConfigError, match="no-build: needs 'environments'"):
        parse_config(table(**{"no-build": True}), ["3.12"])


def test_same_for_all_is_recorded() -> None:
    config = parse_config(table(environments=["linux-x86_64"], versions="same-for-all"), ["3.12"])
    assert config.versions == "same-for-all"
    assert config.recorded()["versions"] == "same-for-all"


def test_targets_are_named_by_preset_or_declaration() -> None:
    config = parse_config(
        {
            "tool": {
                "poetry-plugin-multiarch": {
                    "environments": [
                        "linux-x86_64",
                        {
                            "name": "jetson",
                            "markers": {"platform_machine": "aarch64"},
                            "platform-tags": ["manylinux_2_31_aarch64"],
                        },
                    ]
                }
            }
        }
    )
    named = config.targets_named(["jetson", "macos-arm64"])
    assert list(named) == ["jetson", "macos-arm64"]
    assert named["jetson"].platform_tags == ("manylinux_2_31_aarch64",)
    with pytest.raises(ConfigError) as info:
        config.targets_named(["linux-risc", "jetson", "solaris"])
    assert info.value.message == "Unknown target linux-risc, solaris."
    assert "jetson" in info.value.hint and "macos-arm64" in info.value.hint
