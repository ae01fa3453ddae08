"""The one place that differs between Poetry releases: what older ones lack."""

from __future__ import annotations

import dataclasses
import json
import platform

import pytest
from cleo.io.null_io import NullIO
from packaging.tags import Tag
from poetry.utils.env import MockEnv

from poetry_plugin_multiarch.adapter import compat


class ForeignVenv(MockEnv):
    """A venv whose interpreter reports *machine* and answers the platform-tag script."""

    def __init__(self, machine: str, platforms: list[str]) -> None:
        super().__init__((3, 11, 2), platform_machine=machine, is_venv=True)
        self._platforms = platforms
        self.scripts: list[str] = []

    def run_python_script(self, content: str, **kwargs) -> str:
        self.scripts.append(content)
        return json.dumps(self._platforms)


@pytest.fixture
def poetry_2_0(monkeypatch: pytest.MonkeyPatch) -> None:
    old = dataclasses.replace(compat.poetry_features(), venv_platform_tags=False)
    monkeypatch.setattr(compat, "poetry_features", lambda: old)


def test_old_poetry_gets_the_foreign_venvs_own_platform_tags(poetry_2_0) -> None:
    machine = "aarch64" if platform.machine() != "aarch64" else "x86_64"
    env = ForeignVenv(machine, [f"manylinux_2_17_{machine}", f"linux_{machine}"])

    compat.use_venv_platform_tags(env, NullIO())

    assert len(env.scripts) == 1
    tags = env.supported_tags
    assert tags[0] == Tag("cp311", "cp311", f"manylinux_2_17_{machine}")
    assert Tag("py3", "none", f"linux_{machine}") in tags
    assert Tag("py3", "none", "any") in tags
    assert not [t for t in tags if platform.machine() in t.platform]


def test_a_venv_of_poetrys_own_machine_keeps_poetrys_tags(poetry_2_0) -> None:
    env = ForeignVenv(platform.machine(), ["never_asked"])
    compat.use_venv_platform_tags(env, NullIO())
    assert env.scripts == []


def test_poetry_2_1_3_and_newer_need_no_help(monkeypatch: pytest.MonkeyPatch) -> None:
    new = dataclasses.replace(compat.poetry_features(), venv_platform_tags=True)
    monkeypatch.setattr(compat, "poetry_features", lambda: new)
    env = ForeignVenv("riscv64", ["never_asked"])
    compat.use_venv_platform_tags(env, NullIO())
    assert env.scripts == []


def test_ranked_tags_answer_as_the_list_without_scanning_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Poetry's chooser ranks each locked wheel by ``tags.index`` over the env's
    supported tags: the same ranks, without comparing a tag with every one."""
    from poetry.utils.wheel import Wheel

    tags = [
        *(Tag(f"cp3{m}", "none", f"manylinux_2_{g}_x86_64") for m in (11, 10) for g in range(40)),
        Tag("py3", "none", "any"),
        Tag("cp310", "none", "manylinux_2_5_x86_64"),  # listed twice: the first rank counts
    ]
    env = MockEnv((3, 11, 2), supported_tags=list(tags))
    wheel = Wheel("demo-1.0-cp310-none-manylinux_2_5_x86_64.manylinux1_x86_64.whl")
    expected = wheel.get_minimum_supported_index(tags)

    compat.rank_supported_tags(env)
    compat.rank_supported_tags(env)  # idempotent

    ranked = env.supported_tags
    assert ranked == tags and isinstance(ranked, list)
    assert [ranked.index(t) for t in tags] == [tags.index(t) for t in tags]
    assert Tag("py2", "none", "any") not in ranked
    with pytest.raises(ValueError):
        ranked.index(Tag("py2", "none", "any"))
    compared = []
    equal = Tag.__eq__
    monkeypatch.setattr(Tag, "__eq__", lambda a, b: compared.append(1) or equal(a, b))
    assert wheel.get_minimum_supported_index(ranked) == expected == 45
    assert len(compared) <= 2 * len(wheel.tags)  # a plain list compares up to 160 each
