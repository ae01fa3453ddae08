"""The seed scenario on real interpreters: one lock, written by the host's Poetry,
installed into an x86_64 venv and into a venv of a real aarch64 CPython (native on an
aarch64 host, Debian's under qemu-user on an x86_64 one)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.harness.checks import ok, venv_files
from tests.harness.machines import (
    host_machine,
    make_machine_venv,
    prepare_poetry_on,
    venv_report,
)
from tests.harness.native import build_cxx_wheel
from tests.harness.poetry import PoetryInstall
from tests.harness.project import targets, write_project
from tests.harness.scenarios import AARCH64, X86, publish_seed, seed_dependencies

pytestmark = [pytest.mark.e2e, pytest.mark.aarch64]

WHEEL_TAG = {"x86_64": X86, "aarch64": AARCH64}


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_one_lock_installs_the_right_wheels_on_each_machine(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    interpreter = interpreter_of(machine)
    seed = publish_seed(index, tmp_path)
    deps = seed_dependencies(seed) + 'numpy = "1.26.4"\n'
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    make_machine_venv(interpreter, project / ".venv")
    index.clear_log()

    result = poetry.run("install", "-v", cwd=project, home=home, env=interpreter.env)

    assert result.returncode == 0, result.stdout + result.stderr
    # through the unpacked-wheel cache: each file a hard link to the cache's copy
    assert "3 wheels installed from the unpacked-wheel cache" in result.stdout, result.stdout
    # unpacked with ISA-L's inflate: installed with the plugin into Poetry's venv
    assert "0 unpacked before, 3 now, inflated with isal)" in result.stdout, result.stdout
    (numpy_init,) = project.glob(".venv/lib/python3.*/site-packages/numpy/__init__.py")
    cached = list((home / "cache" / "multiarch" / "unpacked-wheels").rglob("numpy/__init__.py"))
    assert [p for p in cached if p.samefile(numpy_init)], cached
    report = venv_report(interpreter, project / ".venv", "jaxlib", "numpy", "jax")
    assert report["machine"] == machine  # the venv's own interpreter says so
    tag = WHEEL_TAG[machine]
    assert report["artifacts"] == {
        "jaxlib": f"jaxlib-0.1.71-{tag}.whl",
        "numpy": f"numpy-1.26.4-{tag}.whl",
        "jax": "jax-0.2.20-py3-none-any.whl",
    }
    assert report["wheel_tags"]["jaxlib"] == [tag]
    assert report["wheel_tags"]["numpy"] == [tag]
    requested = index.paths()
    assert not [p for p in requested if "/simple/" in p], requested  # no index page
    if machine == "aarch64":
        assert f"/files/numpy-1.26.4-{AARCH64}.whl" in requested
        assert f"/files/jaxlib-0.1.71-{X86}.whl" not in requested


def test_aarch64_gap_fails_the_lock_with_targets_and_the_install_without(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of
) -> None:
    """jaxlib 0.1.71 from the index only: no aarch64 artifact anywhere."""
    aarch64 = interpreter_of("aarch64")
    minor = aarch64.minor()
    seed = publish_seed(index, tmp_path)
    deps = 'jaxlib = "0.1.71"\nnumpy = "1.26.4"\n'
    gated = write_project(
        tmp_path / "gated", deps, {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64", python=(minor,)),
    )  # fmt: skip

    locked = poetry.run("lock", cwd=gated, home=home)

    assert locked.returncode == 1
    assert (
        f"jaxlib 0.1.71 (source main ({seed.index_url[:-1]})): no wheel or sdist for"
        f" linux-aarch64, Python {minor}"
    ) in locked.stderr
    assert not (gated / "poetry.lock").exists()

    plain = write_project(tmp_path / "plain", deps, {"main": seed.index_url})
    ok(poetry, plain, home, "lock")
    make_machine_venv(aarch64, plain / ".venv")
    before = venv_files(plain)

    result = poetry.run("install", cwd=plain, home=home, env=aarch64.env)

    assert result.returncode == 1
    assert "No locked wheel or sdist installs on this machine (" in result.stderr
    assert 'platform_machine == "aarch64"' in result.stderr
    assert (
        f"jaxlib 0.1.71 (source main ({seed.index_url[:-1]})): poetry.lock only has wheels"
        " for: macosx_10_9_x86_64, manylinux2014_x86_64\nNothing was installed."
    ) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(plain) == before  # numpy (which has an aarch64 wheel) included


@pytest.mark.skipif(host_machine() != "x86_64", reason="compares with a Poetry on x86_64")
def test_poetry_on_aarch64_writes_the_same_lock_bytes(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, plugin_wheel
) -> None:
    """The lock does not depend on the machine that writes it."""
    aarch64 = interpreter_of("aarch64")
    foreign = prepare_poetry_on(aarch64, poetry.version, plugin_wheel)
    machine = aarch64.of_venv(foreign.root).run("-c", "import platform; print(platform.machine())")
    seed = publish_seed(index, tmp_path)
    extra = targets("linux-x86_64", "linux-aarch64", python=(aarch64.minor(),))
    deps = seed_dependencies(seed) + 'numpy = "1.26.4"\n'
    on_x86 = write_project(tmp_path / "x86_64", deps, {"main": seed.index_url}, extra=extra)
    on_arm = tmp_path / "aarch64"
    shutil.copytree(on_x86, on_arm)

    ok(poetry, on_x86, home, "lock")
    result = foreign.run("lock", cwd=on_arm, home=tmp_path / "arm-home", env=aarch64.env)

    assert machine.stdout.strip() == "aarch64"
    assert result.returncode == 0, result.stdout + result.stderr
    written = (on_arm / "poetry.lock").read_bytes()
    assert b"[metadata.poetry-plugin-multiarch]" in written  # the plugin ran on aarch64
    assert written == (on_x86 / "poetry.lock").read_bytes()


def test_a_cxx_linked_wheel_imports_on_aarch64(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of
) -> None:
    """C++-linked wheels (numpy 2.x) need the machine's libstdc++.so.6 and libgcc_s.so.1."""
    aarch64 = interpreter_of("aarch64")
    index.publish(build_cxx_wheel(tmp_path / "dist", aarch64, "cxxgreet", "1.0"))
    project = write_project(tmp_path / "project", 'cxxgreet = "1.0"\n', {"main": index.index_url()})
    ok(poetry, project, home, "lock")
    make_machine_venv(aarch64, project / ".venv")

    result = poetry.run("install", cwd=project, home=home, env=aarch64.env)

    assert result.returncode == 0, result.stdout + result.stderr
    venv = aarch64.of_venv(project / ".venv")
    try:
        greeting = venv.run("-c", "import cxxgreet; print(cxxgreet.greet('aarch64'))")
    except subprocess.CalledProcessError as e:
        pytest.fail(f"import cxxgreet on aarch64 failed:\n{e.stderr}")
    assert greeting.stdout == "hello aarch64 from C++\n"
