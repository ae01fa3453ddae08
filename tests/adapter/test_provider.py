"""MultiarchProvider and its wiring, in-process against Poetry's own objects."""

from __future__ import annotations

from pathlib import Path

import poetry.puzzle.solver as solver_module
import pytest
from cleo.events.console_error_event import ConsoleErrorEvent
from cleo.exceptions import CleoUserError
from cleo.io.null_io import NullIO
from poetry.core.constraints.version import parse_constraint
from poetry.core.packages.dependency import Dependency
from poetry.core.packages.project_package import ProjectPackage
from poetry.core.packages.url_dependency import URLDependency
from poetry.core.packages.vcs_dependency import VCSDependency
from poetry.core.version.markers import parse_marker
from poetry.factory import Factory
from poetry.repositories import RepositoryPool
from poetry.utils.env import MockEnv

from poetry_plugin_multiarch.adapter.alternatives import describe_alternative
from poetry_plugin_multiarch.adapter.provider import (
    MultiarchProvider,
    MultiarchSolver,
    install_provider,
    overlap_error,
)
from poetry_plugin_multiarch.errors import ConfigError
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.plugin import show_multiarch_error
from poetry_plugin_multiarch.selection import select_for_environment
from tests.unit.lockdata import seed_lock_data

WHEEL = "https://user:secret@host.example/jaxlib-0.1.71-py3-none-manylinux2014_aarch64.whl"


def with_marker(dep: Dependency, marker: str) -> Dependency:
    dep.marker = parse_marker(marker)
    return dep


def from_source(dep: Dependency, source: str) -> Dependency:
    dep.source_name = source
    return dep


@pytest.fixture
def provider() -> MultiarchProvider:
    return MultiarchProvider(ProjectPackage("root", "1.0"), RepositoryPool(), NullIO())


def test_each_override_solve_starts_without_direct_origin_packages(provider) -> None:
    provider._direct_origin_packages["jaxlib"] = object()  # found by an earlier solve
    provider.set_overrides({})
    assert provider._direct_origin_packages == {}


def test_install_provider_makes_solvers_use_it() -> None:
    original, original_solver = solver_module.Provider, solver_module.Solver
    try:
        install_provider()
        install_provider()
        assert solver_module.Provider is MultiarchProvider
        assert solver_module.Solver is MultiarchSolver
        solver = solver_module.Solver(
            ProjectPackage("root", "1.0"), RepositoryPool(), [], [], NullIO()
        )
        assert isinstance(solver.provider, MultiarchProvider)
    finally:
        solver_module.Provider, solver_module.Solver = original, original_solver


@pytest.mark.parametrize(
    ("dependency", "text"),
    [
        (
            Dependency("jaxlib", "0.1.71"),
            '{ version = "0.1.71", markers = \'platform_machine == "x86_64"\' }',
        ),
        (
            from_source(Dependency("jaxlib", "0.1.71"), "b"),
            '{ version = "0.1.71", source = "b", markers = \'platform_machine == "x86_64"\' }',
        ),
        (
            URLDependency("jaxlib", WHEEL),
            '{ url = "https://host.example/jaxlib-0.1.71-py3-none-manylinux2014_aarch64.whl",'
            " markers = 'platform_machine == \"x86_64\"' }",
        ),
        (
            VCSDependency("jaxlib", "git", "https://tok@example.org/jaxlib.git", branch="arm"),
            '{ git = "https://example.org/jaxlib.git", branch = "arm",'
            " markers = 'platform_machine == \"x86_64\"' }",
        ),
    ],
    ids=["version", "source", "url", "git"],
)
def test_alternatives_are_described_as_written(dependency, text) -> None:
    assert describe_alternative(with_marker(dependency, "platform_machine == 'x86_64'")) == text


def test_overlap_error_names_both_where_and_a_rewrite() -> None:
    first = with_marker(Dependency("jaxlib", "0.1.71"), "sys_platform == 'linux'")
    second = with_marker(URLDependency("jaxlib", WHEEL), "platform_machine == 'aarch64'")
    error = overlap_error(first, second, parse_constraint(">=3.10,<3.12"))
    assert "Both apply on linux-aarch64 (sys_platform" in error.message
    assert "secret" not in str(error)
    assert (
        """{ version = "0.1.71", markers = 'sys_platform == "linux" and"""
        """ platform_machine != "aarch64"' }"""
    ) in error.hint


def test_overlap_rewrite_keeps_the_url_wheel_where_both_apply() -> None:
    """URL wheel first: narrowing it ('aarch64 and not linux') would never install it
    on linux aarch64; the index alternative is narrowed instead, order kept."""
    first = with_marker(URLDependency("jaxlib", WHEEL), "platform_machine == 'aarch64'")
    second = with_marker(Dependency("jaxlib", "0.1.71"), "sys_platform == 'linux'")
    error = overlap_error(first, second, parse_constraint(">=3.10,<3.12"))
    url = WHEEL.replace("user:secret@", "")
    assert error.hint == (
        "Make the markers exclusive, for example:\n"
        f"""  {{ url = "{url}", markers = 'platform_machine == "aarch64"' }}\n"""
        """  { version = "0.1.71", markers = 'sys_platform == "linux" and"""
        """ platform_machine != "aarch64"' }"""
    )


def test_overlap_rewrite_keeps_the_narrower_of_two_index_alternatives() -> None:
    """Narrowing the first (narrower) one would leave it no machine at all."""
    first = with_marker(
        Dependency("jaxlib", "0.1.71"), "sys_platform == 'linux' and platform_machine == 'x86_64'"
    )
    second = with_marker(Dependency("jaxlib", "0.1.70"), "sys_platform == 'linux'")
    error = overlap_error(first, second, parse_constraint(">=3.10,<3.12"))
    assert error.hint.splitlines()[1:] == [
        """  { version = "0.1.71", markers = 'sys_platform == "linux" and"""
        """ platform_machine == "x86_64"' }""",
        """  { version = "0.1.70", markers = 'platform_machine != "x86_64" and"""
        """ sys_platform == "linux"' }""",
    ]


def test_multiarch_errors_become_user_errors_without_trace() -> None:
    event = ConsoleErrorEvent(None, NullIO(), ConfigError("Bad <key>.", "Fix it."))
    show_multiarch_error(event, "console.error", None)
    assert isinstance(event.error, CleoUserError)
    assert event.exit_code == 1
    assert str(event.error) == "Bad \\<key>.\n\n<comment>Fix it.</comment>"


def test_other_errors_are_left_alone() -> None:
    error = RuntimeError("bug")
    event = ConsoleErrorEvent(None, NullIO(), error)
    show_multiarch_error(event, "console.error", None)
    assert event.error is error


@pytest.mark.parametrize(
    ("machine", "platform", "origin"),
    [("x86_64", "linux", "legacy"), ("aarch64", "linux", "url"), ("ppc64le", "linux", None),
     ("arm64", "darwin", None)],
)  # fmt: skip
def test_mockenv_marker_environment_selects_alternative(machine, platform, origin) -> None:
    env = MockEnv((3, 11, 4), platform=platform, platform_machine=machine)
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    chosen = select_for_environment(lock, env.marker_env).get("jaxlib")
    assert (chosen.source.type if chosen else None) == origin


def test_config_is_checked_when_poetry_loads_a_project(tmp_path: Path) -> None:
    from poetry_plugin_multiarch.plugin import MultiarchPlugin

    (tmp_path / "pyproject.toml").write_text(
        "[tool.poetry]\npackage-mode = false\n[tool.poetry-plugin-multiarch]\nbogus = 1\n"
    )
    poetry = Factory().create_poetry(tmp_path, disable_plugins=True)
    with pytest.raises(ConfigError, match="'bogus'"):
        MultiarchPlugin().activate(poetry, NullIO())
