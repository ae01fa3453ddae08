"""Targets steer the solver past a constraint (issue 10): when no release a
dependency's constraint allows installs on a target, but an older release of what
constrains it would take one that does, that target gets the older pair; when none
would, the gate names the gap and what the solver tried."""

from __future__ import annotations

import pytest

from tests.harness.checks import ok, versions_by_target
from tests.harness.machines import make_machine_venv, venv_report
from tests.harness.poetry import PoetryInstall
from tests.harness.project import targets, write_project
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e]

X86, ARM = "manylinux2014_x86_64", "manylinux2014_aarch64"
LINUX = ("linux-x86_64", "linux-aarch64")


def publish(index, tmp_path, minor: str) -> None:
    """``t`` 2.0 has an x86_64 wheel only, 1.0 both; ``app`` 2.0 pins t 2.0, app 1.0
    takes t>=1.0; ``solo`` (one release) pins t 2.0."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    cp = "cp" + minor.replace(".", "")
    index.publish(build_wheel(wheels, "t", "2.0", f"{cp}-{cp}-{X86}"))
    for platform in (X86, ARM):
        index.publish(build_wheel(wheels, "t", "1.0", f"{cp}-{cp}-{platform}"))
    index.publish(build_wheel(wheels, "app", "2.0", requires=["t==2.0"]))
    index.publish(build_wheel(wheels, "app", "1.0", requires=["t>=1.0"]))
    index.publish(build_wheel(wheels, "solo", "1.0", requires=["t==2.0"]))


@pytest.mark.aarch64
def test_an_older_release_of_the_constraining_package_serves_aarch64(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of
) -> None:
    aarch64 = interpreter_of("aarch64")
    minor = aarch64.minor()
    publish(index, tmp_path, minor)
    project = write_project(
        tmp_path / "project", 'app = "*"', {"main": index.index_url()},
        extra=targets("linux-x86_64", "linux-aarch64", python=(minor,)),
    )  # fmt: skip

    result = poetry.run("lock", "-v", cwd=project, home=home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        'multiarch: solving separately for platform_machine == "aarch64": no release of t'
        " allowed by 2.0 installs there"
    ) in result.stdout + result.stderr
    for name in ("app", "t"):
        assert versions_by_target(project, name, LINUX, minor) == {
            "linux-x86_64": "2.0",
            "linux-aarch64": "1.0",
        }
    check = poetry.run("multiarch", "check", cwd=project, home=home)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "  app: 2.0 on linux-x86_64; 1.0 on linux-aarch64 (forked)" in check.stdout
    # stable: a second lock writes the same bytes
    written = (project / "poetry.lock").read_bytes()
    ok(poetry, project, home, "lock")
    assert (project / "poetry.lock").read_bytes() == written

    make_machine_venv(aarch64, project / ".venv")
    installed = poetry.run("install", cwd=project, home=home, env=aarch64.env)

    assert installed.returncode == 0, installed.stdout + installed.stderr
    report = venv_report(aarch64, project / ".venv", "t", "app")
    assert report["machine"] == "aarch64"
    assert (
        report["artifacts"]["t"]
        == f"t-1.0-cp{minor.replace('.', '')}-cp{minor.replace('.', '')}-{ARM}.whl"
    )
    assert report["artifacts"]["app"] == "app-1.0-py3-none-any.whl"


def test_no_release_of_the_constraining_package_serves_aarch64_fails_at_the_gate(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    publish(index, tmp_path, "3.11")
    project = write_project(
        tmp_path / "project", 'solo = "*"', {"main": index.index_url()},
        extra=targets("linux-x86_64", "linux-aarch64"),
    )  # fmt: skip

    result = poetry.run("lock", cwd=project, home=home)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "version solving failed" not in result.stdout + result.stderr
    assert (
        f"  t 2.0 (source main ({index.index_url()[:-1]})): no wheel or sdist for"
        " linux-aarch64, Python 3.11; it only has wheels for: manylinux2014_x86_64\n"
        "  t: none of the 1 release allowed by 2.0 installs on linux-aarch64 (Python 3.11);"
        " the newest, 2.0: it only has wheels for: manylinux2014_x86_64\n"
        "poetry.lock was not written.\n"
    ) in result.stderr
    assert not (project / "poetry.lock").exists()
