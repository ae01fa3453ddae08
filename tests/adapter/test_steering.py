"""Targets steering Poetry's solver, in-process: Poetry's own ``Solver`` with the
plugin's provider over an in-memory repository whose packages carry artifact names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cleo.io.buffered_io import BufferedIO
from cleo.io.outputs.output import Verbosity
from packaging.markers import Marker
from poetry.core.packages.dependency import Dependency
from poetry.core.packages.package import Package
from poetry.core.packages.project_package import ProjectPackage
from poetry.repositories import Repository, RepositoryPool

from poetry_plugin_multiarch.adapter.provider import MultiarchSolver, install_provider
from poetry_plugin_multiarch.adapter.steering import solver_notes, steer_by
from poetry_plugin_multiarch.config import MultiarchConfig, parse_config
from poetry_plugin_multiarch.targets import KNOWN_TARGETS

X86, ARM = "manylinux2014_x86_64", "manylinux2014_aarch64"


def release(name: str, version: str, *platforms: str, requires: tuple[str, ...] = ()) -> Package:
    package = Package(name, version)
    package.files = [
        {"file": f"{name}-{version}-cp311-cp311-{p}.whl", "hash": "sha256:00"} for p in platforms
    ]
    for requirement in requires:
        dep_name, _, constraint = requirement.partition(" ")
        package.add_dependency(Dependency(dep_name, constraint or "*"))
    return package


@pytest.fixture
def steered(monkeypatch) -> Iterator[None]:
    import poetry.puzzle.solver as solver_module

    monkeypatch.setattr(solver_module, "Provider", solver_module.Provider)
    monkeypatch.setattr(solver_module, "Solver", solver_module.Solver)
    install_provider()
    yield
    steer_by(MultiarchConfig())


def solve(packages: list[Package], root_requires: dict[str, str], targets: list[str], **keys):
    steer_by(
        parse_config(
            {"tool": {"poetry-plugin-multiarch": {"environments": targets, **keys}}}, ["3.11"]
        )
    )
    root = ProjectPackage("root", "1.0")
    root.python_versions = "~3.11"
    for name, constraint in root_requires.items():
        root.add_dependency(Dependency(name, constraint))
    repository = Repository("repo", packages)
    io = BufferedIO()
    io.set_verbosity(Verbosity.VERBOSE)  # -v
    transaction = MultiarchSolver(root, RepositoryPool([repository]), [], [], io).solve()
    return transaction, io


def served(transaction, name: str, target: str) -> list[str]:
    """Versions of *name* whose markers hold on *target* (Python 3.11)."""
    environment = KNOWN_TARGETS[target].environment("3.11")
    found = []
    for package, info in transaction._result_packages.items():
        if package.name == name:
            marker = str(info.get_marker(["main"]) if hasattr(info, "get_marker") else "")
            if not marker or Marker(marker.replace("<empty>", "python_version < '0'")).evaluate(
                environment
            ):
                found.append(package.version.text)
    return found


def test_a_release_without_a_target_wheel_is_not_offered(steered) -> None:
    packages = [release("a", "2.0", X86), release("a", "1.0", X86, ARM)]
    transaction, _ = solve(packages, {"a": "*"}, ["linux-x86_64", "linux-aarch64"],
                            versions="same-for-all")  # fmt: skip
    assert [p.version.text for p in transaction._result_packages] == ["1.0"]


def test_targets_needing_different_releases_split_the_dependency(steered) -> None:
    packages = [release("a", "2.0", X86), release("a", "1.0", X86, ARM)]
    transaction, io = solve(packages, {"a": "*"}, ["linux-x86_64", "linux-aarch64"])
    assert served(transaction, "a", "linux-x86_64") == ["2.0"]
    assert served(transaction, "a", "linux-aarch64") == ["1.0"]
    output = io.fetch_error()
    assert (
        "multiarch: a 2.0 skipped for linux-aarch64 (Python 3.11): it only has wheels for:"
        in output
    )
    assert "multiarch: a splits by target: 2.0 on linux-x86_64 (Python 3.11); 1.0 on" in output


def test_a_constraint_no_target_release_satisfies_moves_what_sets_it(steered) -> None:
    packages = [
        release("t", "2.0", X86),
        release("t", "1.0", X86, ARM),
        release("app", "2.0", "any", requires=("t ==2.0",)),
        release("app", "1.0", "any", requires=("t >=1.0",)),
    ]
    for package in packages[2:]:
        package.files = [{"file": f"app-{package.version.text}-py3-none-any.whl", "hash": "x"}]
    transaction, _ = solve(packages, {"app": "*"}, ["linux-x86_64", "linux-aarch64"])
    assert served(transaction, "app", "linux-x86_64") == ["2.0"]
    assert served(transaction, "app", "linux-aarch64") == ["1.0"]
    assert served(transaction, "t", "linux-aarch64") == ["1.0"]


def test_without_a_release_for_a_target_the_solve_is_poetrys_and_the_gap_noted(steered) -> None:
    packages = [release("t", "2.0", X86), release("t", "1.0", X86)]
    transaction, _ = solve(packages, {"t": "*"}, ["linux-x86_64", "linux-aarch64"])
    assert [p.version.text for p in transaction._result_packages] == ["2.0"]
    assert solver_notes() == {
        ("t", "linux-aarch64 (Python 3.11)"): "t: none of the 2 releases allowed by * installs"
        " on linux-aarch64 (Python 3.11); the newest, 2.0: it only has wheels for:"
        " manylinux2014_x86_64"
    }


def test_without_targets_nothing_is_steered(steered) -> None:
    steer_by(MultiarchConfig())
    root = ProjectPackage("root", "1.0")
    root.python_versions = "~3.11"
    root.add_dependency(Dependency("a", "*"))
    pool = RepositoryPool(
        [Repository("repo", [release("a", "2.0", X86), release("a", "1.0", ARM)])]
    )
    transaction = MultiarchSolver(root, pool, [], [], BufferedIO()).solve()
    assert [p.version.text for p in transaction._result_packages] == ["2.0"]
