"""Declared target environments are checked at lock time (`poetry lock` fails on a
gap and keeps the old lock), by `poetry multiarch check`, and at install."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness.checks import ok, project_state, venv_files
from tests.harness.fakearch import fake_machine
from tests.harness.poetry import PoetryInstall
from tests.harness.project import targets, write_project
from tests.harness.scenarios import publish_seed, seed_dependencies
from tests.harness.wheels import build_sdist, build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]


def set_targets(project, text: str) -> None:
    pyproject = project / "pyproject.toml"
    body = pyproject.read_text().split("\n[tool.poetry-plugin-multiarch]")[0]
    pyproject.write_text(body + text)


def check(poetry, project, home, *args):
    return poetry.run("multiarch", "check", *args, cwd=project, home=home)


def test_gap_fails_the_lock_and_keeps_the_old_one(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """(a) jaxlib 0.1.71 has x86_64 and macOS x86_64 wheels only."""
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jaxlib = "0.1.71"', {"main": seed.index_url},
        extra=targets("linux-x86_64"),
    )  # fmt: skip
    ok(poetry, project, home, "lock")
    old = (project / "poetry.lock").read_bytes()
    set_targets(project, targets("linux-x86_64", "linux-aarch64"))

    result = poetry.run("lock", cwd=project, home=home)

    assert result.returncode == 1
    assert (
        "The lock does not install on every target environment of"
        " [tool.poetry-plugin-multiarch]:\n"
        f"  jaxlib 0.1.71 (source main ({seed.index_url[:-1]})): no wheel or sdist for"
        " linux-aarch64, Python 3.11; it only has wheels for: macosx_10_9_x86_64,"
        " manylinux2014_x86_64\n"
        # what the solver tried (issue 10: targets steer it): no release fits
        "  jaxlib: none of the 1 release allowed by 0.1.71 installs on linux-aarch64"
        " (Python 3.11); the newest, 0.1.71: it only has wheels for: macosx_10_9_x86_64,"
        " manylinux2014_x86_64\n"
        "poetry.lock was not written.\n"
    ) in result.stderr
    assert (
        "jaxlib on linux-aarch64: add an alternative with markers = \"sys_platform == 'linux'"
        " and platform_machine == 'aarch64'\""
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert (project / "poetry.lock").read_bytes() == old

    text = check(poetry, project, home)
    assert text.returncode == 1
    assert "jaxlib 0.1.71  ok                 GAP" in text.stdout
    assert "linux-aarch64 (Python 3.11): 1 packages, 1 gap" in text.stdout
    assert "The declared targets changed since poetry.lock was written" in text.stdout
    report = json.loads(check(poetry, project, home, "--format", "json").stdout)
    assert report["ok"] is False
    assert [(f["kind"], f["package"], f["target"]) for f in report["findings"]] == [
        ("gap", "jaxlib", "linux-aarch64")
    ]


@pytest.mark.parametrize(
    ("python", "gap"), [(("3.11", "3.12"), True), (("3.11",), False)], ids=["3.11+3.12", "3.11"]
)
def test_cp311_only_aarch64_wheel_covers_only_python_311(
    poetry: PoetryInstall, index, home, tmp_path, python, gap
) -> None:
    """(b) the seed with an aarch64 URL wheel built for CPython 3.11 only."""
    seed = publish_seed(index, tmp_path)
    cp311 = index.host(
        build_wheel(tmp_path / "hosted", "jaxlib", "0.1.71", "cp311-cp311-manylinux2014_aarch64")
    )
    deps = seed_dependencies(seed, jax=False, url=index.file_url(cp311.name))
    project = write_project(
        tmp_path / "project", deps, {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64", python=python),
    )  # fmt: skip

    result = poetry.run("lock", cwd=project, home=home)
    checked = check(poetry, project, home, "--format", "json")

    if gap:
        assert result.returncode == 1
        assert "no wheel or sdist for linux-aarch64, Python 3.12" in result.stderr
        assert "it has wheels only for cp311-cp311 (this target: cp312-cp312)" in result.stderr
        assert "linux-x86_64, Python" not in result.stderr
        assert not (project / "poetry.lock").exists()
        assert checked.returncode == 2  # no lock to check
    else:
        assert result.returncode == 0, result.stderr
        lock_text = (project / "poetry.lock").read_text()
        assert '[metadata.poetry-plugin-multiarch]\nenvironments = ["linux-x86_64",' in lock_text
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert json.loads(checked.stdout)["ok"] is True


def test_adding_macos_arm64_without_an_arm64_wheel_fails(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """(c) jax needs jaxlib everywhere; the index release has no arm64 wheel."""
    seed = publish_seed(index, tmp_path)
    deps = seed_dependencies(seed)
    project = write_project(
        tmp_path / "project", deps, {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64"),
    )  # fmt: skip
    ok(poetry, project, home, "lock")
    assert check(poetry, project, home).returncode == 0
    set_targets(project, targets("linux-x86_64", "linux-aarch64", "macos-arm64"))

    result = poetry.run("lock", cwd=project, home=home)

    assert result.returncode == 1
    assert "no wheel or sdist for macos-arm64, Python 3.11" in result.stderr
    checked = check(poetry, project, home)
    assert checked.returncode == 1
    assert "macos-arm64 (Python 3.11): 2 packages, 1 gap" in checked.stdout


def test_on_gap_warn_writes_the_lock_with_a_warning(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jaxlib = "0.1.71"', {"main": seed.index_url},
        extra=targets("linux-aarch64", on_gap="warn"),
    )  # fmt: skip
    result = poetry.run("lock", cwd=project, home=home)
    assert result.returncode == 0, result.stderr
    assert "Warning: The lock does not install on every target environment" in result.stderr
    assert "poetry.lock was written anyway." in result.stderr
    assert (project / "poetry.lock").exists()


def test_install_on_a_machine_outside_the_targets_changes_nothing(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    deps = seed_dependencies(seed, index_markers="platform_machine != 'aarch64'")
    project = write_project(
        tmp_path / "project", deps, {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64"),
    )  # fmt: skip
    ok(poetry, project, home, "lock")
    (project / ".venv").rename(tmp_path / "old-venv")
    env = fake_machine(project, "ppc64le")
    before = venv_files(project)
    index.clear_log()

    result = poetry.run("install", cwd=project, home=home, env=env)

    assert result.returncode == 1
    assert (
        'This machine (sys_platform == "linux", platform_machine == "ppc64le", python_version =='
    ) in result.stderr
    assert (
        "is none of the target environments of [tool.poetry-plugin-multiarch]:"
        " linux-x86_64, linux-aarch64; Python 3.11. Nothing was installed."
    ) in result.stderr
    assert venv_files(project) == before
    assert index.paths() == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('environments = ["linux-risc"]', "environments: unknown environment 'linux-risc'"),
        ("environments = []", "environments: must be a non-empty list"),
        ('environments = ["linux-x86_64"]\npython = ["3.9"]',
         "python: '3.9' is not a CPython minor the project allows"),
        ('environments = ["linux-x86_64"]\non-gap = "ignore"', "on-gap: 'ignore' is not allowed"),
        ('environments = [{ name = "jetson", markers = { platform_machine = ["x86_64",'
         ' "aarch64"] }, platform-tags = ["manylinux_2_31_aarch64"] }]',
         "environments: jetson: markers.platform_machine = ['x86_64', 'aarch64'] must be a string"),
        ('environments = ["linux-x86_64"]\npython = [3.11]',
         'python: 3.11 must be a string like "3.11", not float'),
    ],
)  # fmt: skip
def test_bad_configuration_is_named_and_check_exits_2(
    poetry: PoetryInstall, index, home, tmp_path, table, message
) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url},
        extra=f"\n[tool.poetry-plugin-multiarch]\n{table}\n",
    )  # fmt: skip
    locked = poetry.run("lock", cwd=project, home=home)
    assert locked.returncode == 1
    assert f"[tool.poetry-plugin-multiarch] {message}" in locked.stderr
    checked = check(poetry, project, home)
    assert checked.returncode == 2
    assert message in checked.stderr


def installed_with_onlyx86_published(
    poetry: PoetryInstall, index, home: Path, tmp_path: Path
) -> Path:
    """The seed installed with targets linux-x86_64 + linux-aarch64 (jaxlib has an
    aarch64 wheel), and onlyx86 1.0 on the index: an x86_64 wheel only, a gap."""
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64"),
    )  # fmt: skip
    index.publish(
        build_wheel(tmp_path / "dist", "jaxlib", "0.1.71", "py3-none-manylinux2014_aarch64")
    )
    index.publish(build_wheel(tmp_path / "dist", "onlyx86", "1.0", "py3-none-manylinux2014_x86_64"))
    ok(poetry, project, home, "install")
    return project


def test_add_with_a_gap_fails_and_keeps_lock_and_pyproject(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project = installed_with_onlyx86_published(poetry, index, home, tmp_path)
    before = project_state(project)

    result = poetry.run("add", "onlyx86==1.0", cwd=project, home=home)

    assert result.returncode == 1
    assert "onlyx86 1.0 (source main" in result.stderr
    assert "no wheel or sdist for linux-aarch64, Python 3.11" in result.stderr
    assert "Installing onlyx86" not in result.stdout
    assert project_state(project) == before


def test_update_with_a_gap_fails_before_the_venv_changes(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """`poetry update` after a dependency was added to pyproject.toml by hand."""
    project = installed_with_onlyx86_published(poetry, index, home, tmp_path)
    before = project_state(project)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('jax = "0.2.20"', 'jax = "0.2.20"\nonlyx86 = "1.0"'))

    result = poetry.run("update", cwd=project, home=home)

    assert result.returncode == 1
    assert "onlyx86 1.0 (source main" in result.stderr
    assert "no wheel or sdist for linux-aarch64, Python 3.11" in result.stderr
    assert "poetry.lock was not written." in result.stderr
    lock, _, files = project_state(project)
    assert (lock, files) == (before[0], before[2])


def test_adding_a_windows_only_package_on_linux_gives_the_gate_message(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """Not "Could not fetch every locked artifact": no locked wheel installs here."""
    seed = publish_seed(index, tmp_path)
    index.publish(build_wheel(tmp_path / "dist", "pywin32", "306", "cp311-cp311-win_amd64"))
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url},
        extra=targets("linux-x86_64"),
    )  # fmt: skip
    ok(poetry, project, home, "install")
    before = project_state(project)

    result = poetry.run("add", "pywin32", cwd=project, home=home)

    assert result.returncode == 1
    assert (
        "The lock does not install on every target environment of"
        " [tool.poetry-plugin-multiarch]:\n"
        "  pywin32 306 (source main"
    ) in result.stderr
    assert (
        "no wheel or sdist for linux-x86_64, Python 3.11; it only has wheels for: win_amd64"
    ) in result.stderr
    # a Windows-only package wants a marker on the dependency, not an alternative
    assert "restrict the dependency in pyproject.toml with markers" in result.stderr
    assert "sys_platform == 'win32'" in result.stderr
    assert "Could not fetch" not in result.stderr
    assert "Traceback" not in result.stderr
    assert project_state(project) == before


def test_install_says_when_targets_changed_since_locking(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    index.publish(
        build_wheel(tmp_path / "dist", "jaxlib", "0.1.71", "py3-none-manylinux2014_aarch64")
    )
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64"),
    )  # fmt: skip
    ok(poetry, project, home, "lock")
    set_targets(project, targets("linux-x86_64"))

    result = poetry.run("install", cwd=project, home=home)

    assert result.returncode == 0, result.stderr
    assert "the target environments in pyproject.toml changed since poetry.lock" in result.stderr


def test_target_no_alternative_applies_on_is_named_but_platform_only_dependency_is_not(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """jaxlib alternatives for aarch64 and x86_64 only leave macos-arm64 without jaxlib:
    the lock's warning, `check` text and JSON say so, with the complementing marker. A
    plain dependency for win32 only is meant to be missing elsewhere: nothing said."""
    seed = publish_seed(index, tmp_path)
    index.publish(build_wheel(tmp_path / "dist", "winonly", "1.0"))
    deps = seed_dependencies(seed, jax=False)
    deps += 'winonly = { version = "1.0", markers = "sys_platform == \'win32\'" }\n'
    project = write_project(
        tmp_path / "project", deps, {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64", "macos-arm64", "windows-amd64"),
    )  # fmt: skip

    locked = poetry.run("lock", cwd=project, home=home)

    assert locked.returncode == 0, locked.stderr
    missing = "not installed on macos-arm64 (Python 3.11): jaxlib — no alternative applies"
    complement = 'platform_machine != "aarch64" and platform_machine != "x86_64"'
    hint = f"If jaxlib is needed there, add an alternative with markers = '{complement}'"
    assert f"Warning: {missing}\n" in locked.stderr
    assert hint in locked.stderr
    assert "winonly" not in locked.stderr

    text = check(poetry, project, home)
    assert text.returncode == 0, text.stdout + text.stderr
    assert "macos-arm64 (Python 3.11): 0 packages, no gaps, not installed: jaxlib" in text.stdout
    assert f"{missing}\n  {hint}" in text.stdout
    assert "winonly" not in text.stdout
    report = json.loads(check(poetry, project, home, "--format", "json").stdout)
    assert [(f["kind"], f["package"], f["target"]) for f in report["findings"]] == [
        ("unselected", "jaxlib", "macos-arm64"),
        ("unselected", "jaxlib", "windows-amd64"),
    ]
    assert report["findings"][0]["message"] == missing
    assert complement in report["findings"][0]["hint"]


def test_check_of_a_stock_lock_says_relock_with_the_plugin(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """Stock Poetry locks the seed's alternatives as one URL entry (#7722): x86_64
    gets the aarch64 wheel. Adding an alternative would not help: re-locking does."""
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", seed_dependencies(seed, jax=False), {"main": seed.index_url},
        extra=targets("linux-x86_64", "linux-aarch64"),
    )  # fmt: skip
    stock = poetry.run("lock", cwd=project, home=home, plugins=False)
    assert stock.returncode == 0, stock.stderr

    checked = check(poetry, project, home)

    assert checked.returncode == 1
    assert "no wheel or sdist for linux-x86_64, Python 3.11" in checked.stdout
    assert "written without poetry-plugin-multiarch" in checked.stdout
    assert "Re-lock with the plugin (`poetry lock`)" in checked.stdout
    assert "add an alternative" not in checked.stdout
    ok(poetry, project, home, "lock")
    assert check(poetry, project, home).returncode == 0


FOUR = ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64")


def forked_lock(index_url: str) -> str:
    """poetry.lock as the steered solver writes it for `t` (2.5.0 has no macOS x86_64
    wheel, 2.2.2 has one), with `b` an sdist only; written by hand: no solve needed."""
    source = f'[package.source]\ntype = "legacy"\nurl = "{index_url}"\nreference = "main"\n'

    def entry(name: str, version: str, markers: str | None, *files: str) -> str:
        listed = ", ".join(
            f'{{file = "{f}", hash = "sha256:{"0" * 64}", url = "{index_url}/../{f}"}}'
            for f in files
        )
        marker = f"markers = '{markers}'\n" if markers else ""
        return (
            f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\n'
            f'optional = false\npython-versions = "*"\ngroups = ["main"]\n{marker}'
            f"files = [{listed}]\n\n{source}\n"
        )

    return (
        "# hand-written\n\n"
        + entry("b", "1.0", None, "b-1.0.tar.gz")
        + entry(
            "t", "2.2.2", 'platform_machine == "x86_64" and sys_platform == "darwin"',
            "t-2.2.2-py3-none-macosx_10_9_x86_64.whl",
        )
        + entry(
            "t", "2.5.0", 'platform_machine != "x86_64" or sys_platform != "darwin"',
            "t-2.5.0-py3-none-manylinux2014_x86_64.whl",
            "t-2.5.0-py3-none-manylinux2014_aarch64.whl",
            "t-2.5.0-py3-none-macosx_11_0_arm64.whl",
        )
        + '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10,<3.14"\n'
        'content-hash = "0"\n\n[metadata.poetry-plugin-multiarch]\nenvironments = ['
        + ", ".join(f'"{n}"' for n in FOUR)
        + ']\npython = ["3.11"]\nno-build = ["linux-aarch64"]\n'
    )  # fmt: skip


def test_check_and_show_give_each_target_its_version_of_a_forked_package(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """`t` locked as two entries by the solver: check says which target gets which
    version and that it is forked, which targets build `b` from source, and that
    linux-aarch64 (no-build) cannot; show --target marks `t` forked."""
    url = index.index_url()
    project = write_project(
        tmp_path / "project", 't = ">=2.2"\nb = "1.0"', {"main": url},
        extra=targets(*FOUR) + 'no-build = ["linux-aarch64"]\n',
    )  # fmt: skip
    (project / "poetry.lock").write_text(forked_lock(url.rstrip("/")))

    text = check(poetry, project, home)

    assert text.returncode == 1, text.stdout + text.stderr
    out = text.stdout
    assert (
        "Versions that differ between targets:\n"
        "  t: 2.5.0 on linux-x86_64, linux-aarch64, macos-arm64; 2.2.2 on macos-x86_64"
        " (forked)\n"
    ) in out
    assert (
        "Builds from source on install:\n"
        "  linux-x86_64 (Python 3.11): b 1.0 (sdist)\n"
        "  macos-arm64 (Python 3.11): b 1.0 (sdist)\n"
        "  macos-x86_64 (Python 3.11): b 1.0 (sdist)\n"
    ) in out
    assert "linux-aarch64 (Python 3.11): 2 packages, 1 gap, wheels only (no-build)" in out
    assert (
        "no wheel for linux-aarch64, Python 3.11; it has only an sdist, and no-build is set"
        " for linux-aarch64"
    ) in out
    assert "remove linux-aarch64 from no-build" in out
    assert "The declared targets changed" not in out
    report = json.loads(check(poetry, project, home, "--format", "json").stdout)
    assert report["versions"]["t"]["kind"] == "forked"
    assert [(t["target"], t["version"]) for t in report["versions"]["t"]["targets"]] == [
        ("linux-x86_64", "2.5.0"), ("linux-aarch64", "2.5.0"),
        ("macos-arm64", "2.5.0"), ("macos-x86_64", "2.2.2"),
    ]  # fmt: skip

    shown = ok(
        poetry, project, home, "multiarch", "show", "--target", "macos-x86_64",
        "--target", "linux-aarch64",
    )  # fmt: skip
    origin = f"source main ({url.rstrip('/')})"
    assert "  t (forked)\n" in shown
    assert f"macos-x86_64 (Python 3.11) installs:\n  t 2.2.2 from {origin} (forked)\n" in shown
    assert (
        f"linux-aarch64 (Python 3.11) installs:\n  t 2.5.0 from {origin} (forked)\n"
        f"  b 1.0 from {origin} GAP: it has only an sdist, and no-build is set for"
        " linux-aarch64\n"
    ) in shown


def test_no_build_refuses_an_sdist_at_lock_and_install(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """`b` has a macOS wheel and an sdist: locked for linux-x86_64, which builds it from
    source; then linux-x86_64 is made wheels only: the lock gate and the install refuse
    it, and the install changes nothing."""
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "b", "1.0", tag="py3-none-macosx_11_0_arm64"))
    index.publish(build_sdist(dist, "b", "1.0"))
    project = write_project(
        tmp_path / "project", 'b = "1.0"', {"main": index.index_url()},
        extra=targets("linux-x86_64"),
    )  # fmt: skip
    ok(poetry, project, home, "lock")
    assert "b 1.0 (sdist)" in ok(poetry, project, home, "multiarch", "check")
    old = (project / "poetry.lock").read_bytes()
    set_targets(project, targets("linux-x86_64") + "no-build = true\n")

    locked = poetry.run("lock", cwd=project, home=home)
    assert locked.returncode == 1
    assert "an sdist too, but no-build is set for linux-x86_64" in locked.stderr
    assert (project / "poetry.lock").read_bytes() == old

    before = venv_files(project)
    index.clear_log()
    installed = poetry.run("install", cwd=project, home=home)
    assert installed.returncode == 1
    assert "No locked wheel installs on this machine (" in installed.stderr
    assert "; it is linux-x86_64, wheels only (no-build)):\n" in installed.stderr
    assert (
        "poetry.lock has an sdist too, but no-build is set for linux-x86_64\nNothing was installed."
    ) in installed.stderr
    assert venv_files(project) == before
    assert index.paths() == []
