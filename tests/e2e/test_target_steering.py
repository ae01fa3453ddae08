"""Declared targets steer the solver (issue 10): `poetry lock` picks releases every
target can install, and gives each target the newest release that installs there when
none serves them all, written as marker-tagged entries of one package.

Each case is a real `poetry lock` against the loopback index, with wheels of the
right tags, and a real `poetry install` into an x86_64 venv and into a venv of the
real aarch64 CPython. What a macOS target gets is read from the lock: its markers
evaluated for the target's marker environment (:func:`versions_by_target`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.harness.checks import entries_by_target, ok, versions_by_target
from tests.harness.fakearch import fake_machine
from tests.harness.index import IndexServer
from tests.harness.machines import (
    Interpreter,
    host_machine,
    make_machine_venv,
    prepare_poetry_on,
    venv_report,
)
from tests.harness.poetry import PoetryInstall
from tests.harness.project import alternatives, lock_entries, read_lock, targets, write_project
from tests.harness.scenarios import (
    AARCH64,
    MAC_X86,
    ON_AARCH64,
    ON_X86_64,
    X86,
    publish_seed,
)
from tests.harness.wheels import build_sdist, build_wheel

pytestmark = [pytest.mark.e2e]

MAC_ARM = "py3-none-macosx_11_0_arm64"
LINUX_WHEEL = {"x86_64": X86, "aarch64": AARCH64}
LINUX = ("linux-x86_64", "linux-aarch64")
#: torch's case: every Linux and macOS machine
EVERYWHERE = ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64")
#: the machines an install runs on: the host's venv and the real aarch64 CPython
MACHINES = ["x86_64", pytest.param("aarch64", marks=pytest.mark.aarch64)]


# -- fixtures on the index ---------------------------------------------------------
def publish(index: IndexServer, dist: Path, name: str, version: str, *tags: str, **kw) -> None:
    """One wheel of *name* *version* per tag on the index (``requires=`` passes on)."""
    for tag in tags:
        index.publish(build_wheel(dist, name, version, tag, **kw))


def publish_machine_tags(index: IndexServer, dist: Path) -> None:
    """``a`` 2.0.0: an x86_64 wheel only; 1.0.0: x86_64 and aarch64 wheels."""
    publish(index, dist, "a", "2.0.0", X86)
    publish(index, dist, "a", "1.0.0", X86, AARCH64)


def publish_torchlike(index: IndexServer, dist: Path, *, shared: bool = False) -> None:
    """``t`` 2.5.0: Linux x86_64/aarch64 and macOS arm64 wheels; 2.2.2 also macOS
    x86_64 (torch 2.3+ dropped it). ``app`` 1.0 (pure) needs ``t>=2``. With *shared*,
    t 2.5.0 needs ``shared>=2`` and 2.2.2 ``shared<2`` (shared 2.1.0 and 1.5.0, pure)."""
    publish(index, dist, "t", "2.5.0", X86, AARCH64, MAC_ARM,
            requires=["shared>=2"] if shared else [])  # fmt: skip
    publish(index, dist, "t", "2.2.2", X86, AARCH64, MAC_ARM, MAC_X86,
            requires=["shared<2"] if shared else [])  # fmt: skip
    publish(index, dist, "app", "1.0", "py3-none-any", requires=["t>=2"])
    if shared:
        publish(index, dist, "shared", "2.1.0", "py3-none-any")
        publish(index, dist, "shared", "1.5.0", "py3-none-any")


def project_for(
    tmp_path: Path, index: IndexServer, deps: str, *envs: str, python: str = "3.11",
    settings: str = "", name: str = "project",
) -> Path:  # fmt: skip
    """A project on the ``main`` index; *envs* (none: no targets table) with *python*,
    *settings* more lines of ``[tool.poetry-plugin-multiarch]``."""
    extra = targets(*envs, python=(python,)) + settings if envs else ""
    return write_project(tmp_path / name, deps, {"main": index.index_url()}, extra=extra)


# -- installs ---------------------------------------------------------------------
def install_on(
    poetry: PoetryInstall, project: Path, home: Path, interpreter: Interpreter, *modules: str,
    plugins: bool = True,
) -> dict[str, str]:  # fmt: skip
    """`poetry install` into a fresh venv of *interpreter*; the wheel each of *modules*
    was installed from, as the venv's own interpreter reports it."""
    make_machine_venv(interpreter, project / ".venv")
    result = poetry.run("install", cwd=project, home=home, env=interpreter.env, plugins=plugins)
    assert result.returncode == 0, result.stdout + result.stderr
    report = venv_report(interpreter, project / ".venv", *modules)
    assert report["machine"] == interpreter.machine
    return report["artifacts"]


def check_json(poetry: PoetryInstall, project: Path, home: Path) -> dict:
    result = poetry.run("multiarch", "check", "--format", "json", cwd=project, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def versions(project: Path, name: str) -> list[str]:
    return sorted(entry["version"] for entry in lock_entries(read_lock(project), name))


# -- the cases --------------------------------------------------------------------
@pytest.mark.parametrize("machine", MACHINES)
def test_newest_release_without_wheels_for_the_target_python_is_skipped(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """Python tags: ``a`` 2.0.0 has wheels for the next CPython only (cp312 when the
    interpreters are 3.11), 1.0.0 for this one on both machines: one ``a`` 1.0.0."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    own = "cp" + minor.replace(".", "")
    newer = f"cp3{int(minor.split('.')[1]) + 1}"
    for arch in ("x86_64", "aarch64"):
        publish(index, tmp_path / "dist", "a", "2.0.0", f"{newer}-{newer}-manylinux2014_{arch}")
        publish(index, tmp_path / "dist", "a", "1.0.0", f"{own}-{own}-manylinux2014_{arch}")
    project = project_for(tmp_path, index, 'a = "*"', *LINUX, python=minor)

    ok(poetry, project, home, "lock")

    (entry,) = lock_entries(read_lock(project), "a")
    assert entry["version"] == "1.0.0"
    assert "markers" not in entry
    assert versions_by_target(project, "a", LINUX, minor) == dict.fromkeys(LINUX, "1.0.0")
    assert install_on(poetry, project, home, interpreter, "a") == {
        "a": f"a-1.0.0-{own}-{own}-manylinux2014_{machine}.whl"
    }


@pytest.mark.parametrize("machine", MACHINES)
def test_each_machine_gets_the_newest_release_with_its_wheel(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """Machine tags: x86_64 gets ``a`` 2.0.0 (x86_64 wheel only), aarch64 gets 1.0.0:
    two entries of ``a`` in the lock, told apart by their markers."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    publish_machine_tags(index, tmp_path / "dist")
    project = project_for(tmp_path, index, 'a = "*"', *LINUX, python=minor)

    ok(poetry, project, home, "lock")

    assert versions(project, "a") == ["1.0.0", "2.0.0"]
    assert versions_by_target(project, "a", LINUX, minor) == {
        "linux-x86_64": "2.0.0",
        "linux-aarch64": "1.0.0",
    }
    assert check_json(poetry, project, home)["ok"] is True
    expected = {"x86_64": f"a-2.0.0-{X86}.whl", "aarch64": f"a-1.0.0-{AARCH64}.whl"}
    assert install_on(poetry, project, home, interpreter, "a") == {"a": expected[machine]}


def test_same_for_all_locks_one_release_every_target_installs(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of
) -> None:
    """``versions = "same-for-all"``: one ``a`` 1.0.0 for both machines."""
    interpreter = interpreter_of("x86_64")
    minor = interpreter.minor()
    publish_machine_tags(index, tmp_path / "dist")
    project = project_for(tmp_path, index, 'a = "*"', *LINUX, python=minor,
                          settings='versions = "same-for-all"\n')  # fmt: skip

    ok(poetry, project, home, "lock")

    (entry,) = lock_entries(read_lock(project), "a")
    assert entry["version"] == "1.0.0"
    assert "markers" not in entry
    recorded = read_lock(project)["metadata"]["poetry-plugin-multiarch"]
    assert recorded["versions"] == "same-for-all"
    assert install_on(poetry, project, home, interpreter, "a") == {"a": f"a-1.0.0-{X86}.whl"}


@pytest.mark.parametrize("machine", MACHINES)
def test_dropped_platform_gets_the_last_release_with_its_wheels(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """Torch: 2.5.0 for Linux and macOS arm64, 2.2.2 for macOS x86_64."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    publish_torchlike(index, tmp_path / "dist")
    project = project_for(tmp_path, index, 't = "*"', *EVERYWHERE, python=minor)

    ok(poetry, project, home, "lock")

    assert versions(project, "t") == ["2.2.2", "2.5.0"]
    assert versions_by_target(project, "t", EVERYWHERE, minor) == {
        "linux-x86_64": "2.5.0",
        "linux-aarch64": "2.5.0",
        "macos-arm64": "2.5.0",
        "macos-x86_64": "2.2.2",
    }
    assert check_json(poetry, project, home)["ok"] is True
    assert install_on(poetry, project, home, interpreter, "t") == {
        "t": f"t-2.5.0-{LINUX_WHEEL[machine]}.whl"
    }


@pytest.mark.parametrize("machine", MACHINES)
def test_transitive_dependency_is_split_like_a_direct_one(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """The project needs ``app``, which needs ``t``: the same split as above."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    publish_torchlike(index, tmp_path / "dist")
    project = project_for(tmp_path, index, 'app = "1.0"', *EVERYWHERE, python=minor)

    ok(poetry, project, home, "lock")

    assert versions(project, "app") == ["1.0"]
    assert versions_by_target(project, "app", EVERYWHERE, minor) == dict.fromkeys(EVERYWHERE, "1.0")
    assert versions_by_target(project, "t", EVERYWHERE, minor) == {
        "linux-x86_64": "2.5.0",
        "linux-aarch64": "2.5.0",
        "macos-arm64": "2.5.0",
        "macos-x86_64": "2.2.2",
    }
    assert check_json(poetry, project, home)["ok"] is True
    assert install_on(poetry, project, home, interpreter, "app", "t") == {
        "app": "app-1.0-py3-none-any.whl",
        "t": f"t-2.5.0-{LINUX_WHEEL[machine]}.whl",
    }


@pytest.mark.parametrize("machine", MACHINES)
def test_each_fork_locks_its_own_shared_dependency(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """t 2.5.0 needs ``shared>=2``, t 2.2.2 ``shared<2``: macOS x86_64 gets shared 1.5.0
    with t 2.2.2, the others shared 2.1.0 with t 2.5.0, each under its own markers."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    publish_torchlike(index, tmp_path / "dist", shared=True)
    project = project_for(tmp_path, index, 'app = "1.0"', *EVERYWHERE, python=minor)

    ok(poetry, project, home, "lock")

    assert versions(project, "shared") == ["1.5.0", "2.1.0"]
    assert versions_by_target(project, "t", EVERYWHERE, minor) == {
        "linux-x86_64": "2.5.0",
        "linux-aarch64": "2.5.0",
        "macos-arm64": "2.5.0",
        "macos-x86_64": "2.2.2",
    }
    assert versions_by_target(project, "shared", EVERYWHERE, minor) == {
        "linux-x86_64": "2.1.0",
        "linux-aarch64": "2.1.0",
        "macos-arm64": "2.1.0",
        "macos-x86_64": "1.5.0",
    }
    assert check_json(poetry, project, home)["ok"] is True
    assert install_on(poetry, project, home, interpreter, "t", "shared") == {
        "t": f"t-2.5.0-{LINUX_WHEEL[machine]}.whl",
        "shared": "shared-2.1.0-py3-none-any.whl",
    }


def publish_sdist_case(index: IndexServer, dist: Path) -> None:
    """``a`` 3.0.0: an x86_64 wheel only; 2.0.0: only an sdist (needing ``helper``, so
    that Poetry reads its requirements without building it); 1.0.0: both wheels."""
    publish(index, dist, "a", "3.0.0", X86)
    index.publish(build_sdist(dist, "a", "2.0.0", requires=["helper"]))
    publish(index, dist, "a", "1.0.0", X86, AARCH64)
    publish(index, dist, "helper", "1.0", "py3-none-any")


def test_a_release_with_an_sdist_covers_a_target_that_may_build(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of
) -> None:
    """aarch64 gets 2.0.0 (built from its sdist on install), not 1.0.0; x86_64 gets
    3.0.0; `poetry multiarch check` says aarch64 builds ``a`` from source."""
    interpreter = interpreter_of("x86_64")
    minor = interpreter.minor()
    publish_sdist_case(index, tmp_path / "dist")
    project = project_for(tmp_path, index, 'a = "*"', *LINUX, python=minor)

    ok(poetry, project, home, "lock")

    assert versions_by_target(project, "a", LINUX, minor) == {
        "linux-x86_64": "3.0.0",
        "linux-aarch64": "2.0.0",
    }
    report = check_json(poetry, project, home)
    assert [
        (f["kind"], f["package"], f["version"], f["target"])
        for f in report["findings"]
        if f["package"] == "a"
    ] == [("from-source", "a", "2.0.0", "linux-aarch64")]
    text = ok(poetry, project, home, "multiarch", "check")
    assert re.search(rf"linux-aarch64 \(Python {minor}\): .*1 from source", text), text
    assert install_on(poetry, project, home, interpreter, "a") == {"a": f"a-3.0.0-{X86}.whl"}


@pytest.mark.parametrize("machine", MACHINES)
def test_no_build_target_gets_the_newest_release_with_a_wheel(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """``no-build = ["linux-aarch64"]``: the sdist does not cover aarch64, which gets
    1.0.0 (a wheel); x86_64 still gets 3.0.0."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    publish_sdist_case(index, tmp_path / "dist")
    project = project_for(tmp_path, index, 'a = "*"', *LINUX, python=minor,
                          settings='no-build = ["linux-aarch64"]\n')  # fmt: skip

    ok(poetry, project, home, "lock")

    assert versions_by_target(project, "a", LINUX, minor) == {
        "linux-x86_64": "3.0.0",
        "linux-aarch64": "1.0.0",
    }
    report = check_json(poetry, project, home)
    assert [f for f in report["findings"] if f["kind"] == "from-source"] == []
    expected = {"x86_64": f"a-3.0.0-{X86}.whl", "aarch64": f"a-1.0.0-{AARCH64}.whl"}
    assert install_on(poetry, project, home, interpreter, "a") == {"a": expected[machine]}


def test_no_build_without_a_release_with_a_wheel_fails_the_gate(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """``b`` has an aarch64 sdist (2.0.0) but no aarch64 wheel in any release: it
    covers aarch64 until ``no-build = true`` says it does not; then `poetry lock`
    fails with the gate error and keeps the lock."""
    dist = tmp_path / "dist"
    publish(index, dist, "b", "2.0.0", X86)
    index.publish(build_sdist(dist, "b", "2.0.0"))
    publish(index, dist, "b", "1.0.0", X86)
    project = project_for(tmp_path, index, 'b = "*"', *LINUX)
    ok(poetry, project, home, "lock")
    assert versions(project, "b") == ["2.0.0"]
    old = (project / "poetry.lock").read_bytes()
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "no-build = true\n")

    result = poetry.run("lock", cwd=project, home=home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "The lock does not install on every target environment of [tool.poetry-plugin-multiarch]"
    ) in result.stderr
    assert "b 2.0.0 (source main" in result.stderr
    assert "linux-aarch64, Python 3.11" in result.stderr
    assert "linux-x86_64, Python" not in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "poetry.lock").read_bytes() == old


def test_no_release_fits_fails_the_gate_naming_the_skipped_release(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """``a`` 2.0.0 has cp312 wheels only, 1.0.0 an x86_64 cp311 wheel only: x86_64 is
    steered to 1.0.0, and nothing installs on aarch64. The gate names ``a`` 1.0.0 and
    aarch64 only, and the newest release skipped (2.0.0); the old lock stays."""
    dist = tmp_path / "dist"
    for arch in ("x86_64", "aarch64"):
        publish(index, dist, "a", "2.0.0", f"cp312-cp312-manylinux2014_{arch}")
    publish(index, dist, "a", "1.0.0", "cp311-cp311-manylinux2014_x86_64")
    project = project_for(tmp_path, index, 'a = "*"', "linux-x86_64")
    ok(poetry, project, home, "lock")
    assert versions(project, "a") == ["1.0.0"]
    old = (project / "poetry.lock").read_bytes()
    pyproject = project / "pyproject.toml"
    both = '"linux-x86_64", "linux-aarch64"]'
    pyproject.write_text(pyproject.read_text().replace('"linux-x86_64"]', both))

    result = poetry.run("lock", cwd=project, home=home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "The lock does not install on every target environment of"
        " [tool.poetry-plugin-multiarch]:\n"
        f"  a 1.0.0 (source main ({index.index_url()[:-1]})): no wheel or sdist for"
        " linux-aarch64, Python 3.11"
    ) in result.stderr
    assert "linux-x86_64, Python" not in result.stderr
    # the newest release skipped, and why
    assert (
        "  a: none of the 2 releases allowed by * installs on linux-aarch64 (Python 3.11);"
        " the newest, 2.0.0: it only has wheels for: manylinux2014_x86_64; and for this"
        " platform only for cp312-cp312 (this target: cp311-cp311)\n"
    ) in result.stderr
    assert "poetry.lock was not written." in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "poetry.lock").read_bytes() == old


@pytest.mark.parametrize("machine", MACHINES)
def test_user_alternatives_stay_as_written_and_index_ones_are_narrowed(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, machine
) -> None:
    """The seed's jaxlib: a URL wheel for aarch64, the index for x86_64 (``>=0.1.69``).
    The index's newest jaxlib 0.1.80 has an aarch64 wheel only: the URL entry stays
    for aarch64, and the index alternative is narrowed to 0.1.71 (x86_64 wheels)."""
    interpreter = interpreter_of(machine)
    minor = interpreter.minor()
    seed = publish_seed(index, tmp_path)
    publish(index, tmp_path / "dist", "jaxlib", "0.1.80", AARCH64)
    deps = 'jax = "0.2.20"\n' + alternatives(
        "jaxlib",
        {"url": seed.aarch64_url, "markers": ON_AARCH64},
        {"version": ">=0.1.69", "markers": ON_X86_64},
    )
    project = project_for(tmp_path, index, deps, *LINUX, python=minor)

    ok(poetry, project, home, "lock")

    by_target = entries_by_target(project, "jaxlib", LINUX, minor)
    assert {
        target: (entry["version"], entry["source"]["type"])
        for target, entry in by_target.items()
        if entry is not None
    } == {"linux-x86_64": ("0.1.71", "legacy"), "linux-aarch64": ("0.1.71", "url")}
    assert by_target["linux-aarch64"]["source"]["url"] == seed.aarch64_url
    # (machines that are no target may get another entry, jax's jaxlib from the index)
    entries = lock_entries(read_lock(project), "jaxlib")
    assert [e["source"]["url"] for e in entries if e["source"]["type"] == "url"] == [
        seed.aarch64_url
    ]
    index.clear_log()
    assert install_on(poetry, project, home, interpreter, "jaxlib") == {
        "jaxlib": f"jaxlib-0.1.71-{LINUX_WHEEL[machine]}.whl"
    }
    assert f"/files/jaxlib-0.1.80-{AARCH64}.whl" not in index.paths()


_FILE_URL = re.compile(r', (?:url = "[^"]*"|size = \d+)')


def test_without_targets_the_lock_is_stock_poetrys_plus_urls(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """No ``[tool.poetry-plugin-multiarch]``: nothing is steered. The machine-tags
    fixture locks one ``a`` 2.0.0 without markers, and the lock is stock Poetry's byte
    for byte once the plugin's ``url`` (and ``size``) keys of its files are taken out."""
    publish_machine_tags(index, tmp_path / "dist")
    publish_torchlike(index, tmp_path / "dist", shared=True)
    deps = 'a = "*"\napp = "1.0"\n'
    project = project_for(tmp_path, index, deps)
    stock = project_for(tmp_path, index, deps, name="stock")

    ok(poetry, project, home, "lock")
    result = poetry.run("lock", cwd=stock, home=home, plugins=False)
    assert result.returncode == 0, result.stdout + result.stderr

    lock = read_lock(project)
    for name, version in (("a", "2.0.0"), ("t", "2.5.0"), ("shared", "2.1.0")):
        (entry,) = lock_entries(lock, name)
        assert (entry["version"], "markers" in entry) == (version, False)
    assert "poetry-plugin-multiarch" not in lock["metadata"]
    text = (project / "poetry.lock").read_text()
    assert 'url = "' in text  # the plugin wrote it
    assert _FILE_URL.sub("", text) == (stock / "poetry.lock").read_text()


def test_forked_lock_is_stable_and_stock_poetry_checks_and_installs_it(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of
) -> None:
    """The forked lock (app → t → shared on four targets): `poetry lock` again and
    `poetry lock --regenerate` (twice) write the same bytes, so does another checkout
    locked with an empty cache by a Poetry reporting aarch64. `poetry check --lock`
    passes with and without the plugin, and stock Poetry installs the lock."""
    interpreter = interpreter_of("x86_64")
    minor = interpreter.minor()
    publish_torchlike(index, tmp_path / "dist", shared=True)
    project = project_for(tmp_path, index, 'app = "1.0"', *EVERYWHERE, python=minor)
    ok(poetry, project, home, "lock")
    first = (project / "poetry.lock").read_bytes()
    assert versions(project, "t") == ["2.2.2", "2.5.0"]  # it is forked

    ok(poetry, project, home, "lock")
    assert (project / "poetry.lock").read_bytes() == first
    for _ in range(2):
        ok(poetry, project, home, "lock", "--regenerate")
        assert (project / "poetry.lock").read_bytes() == first

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(project / "pyproject.toml", elsewhere / "pyproject.toml")
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    env = fake_machine(elsewhere, "aarch64")
    result = poetry.run("lock", cwd=elsewhere, home=other_home, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (elsewhere / "poetry.lock").read_bytes() == first

    ok(poetry, project, home, "check", "--lock")
    stock_check = poetry.run("check", "--lock", cwd=project, home=home, plugins=False)
    assert stock_check.returncode == 0, stock_check.stdout + stock_check.stderr
    installed = install_on(poetry, project, home, interpreter, "t", "shared", plugins=False)
    assert installed == {
        "t": f"t-2.5.0-{LINUX_WHEEL[interpreter.machine]}.whl",
        "shared": "shared-2.1.0-py3-none-any.whl",
    }
    assert (project / "poetry.lock").read_bytes() == first


@pytest.mark.aarch64
@pytest.mark.skipif(host_machine() != "x86_64", reason="compares with a Poetry on x86_64")
def test_poetry_on_aarch64_writes_the_same_forked_lock(
    poetry: PoetryInstall, index, home, tmp_path, interpreter_of, plugin_wheel
) -> None:
    """Which release each target gets does not depend on the machine that locks."""
    aarch64 = interpreter_of("aarch64")
    foreign = prepare_poetry_on(aarch64, poetry.version, plugin_wheel)
    publish_torchlike(index, tmp_path / "dist", shared=True)
    on_x86 = project_for(tmp_path, index, 'app = "1.0"', *EVERYWHERE, python=aarch64.minor(),
                         name="x86_64")  # fmt: skip
    on_arm = tmp_path / "aarch64"
    shutil.copytree(on_x86, on_arm)

    ok(poetry, on_x86, home, "lock")
    result = foreign.run("lock", cwd=on_arm, home=tmp_path / "arm-home", env=aarch64.env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert versions(on_x86, "t") == ["2.2.2", "2.5.0"]
    assert (on_arm / "poetry.lock").read_bytes() == (on_x86 / "poetry.lock").read_bytes()
