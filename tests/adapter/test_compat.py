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
