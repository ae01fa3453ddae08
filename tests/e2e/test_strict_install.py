"""`poetry install` takes exactly what the lock names: no index page, only locked
URLs, every hash checked before the environment changes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.harness.checks import installed_artifact, ok, venv_files
from tests.harness.fakearch import fake_machine
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall, make_venv
from tests.harness.project import write_project
from tests.harness.scenarios import AARCH64, X86, publish_seed, seed_dependencies
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]

ON_X86 = "platform_machine == 'x86_64'"
ON_ARM = "platform_machine == 'aarch64'"


def locked_seed(poetry, index, home, tmp_path):
    seed = publish_seed(index, tmp_path)
    deps = seed_dependencies(seed)
    project = write_project(tmp_path / "project", deps, {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    shutil.rmtree(project / ".venv", ignore_errors=True)  # `lock` made one; start clean
    index.clear_log()
    return project, seed


#: one operation at a time, so the order of installs is Poetry's, not the scheduler's
ONE_WORKER = {"POETRY_INSTALLER_MAX_WORKERS": "1"}

TAMPERED = {
    "jax": ("0.2.20", "jax-0.2.20-py3-none-any.whl"),
    "jaxlib": ("0.1.71", f"jaxlib-0.1.71-{X86}.whl"),
}


def tamper(index, name):
    """Serve other bytes under the locked wheel's name (an extra requirement)."""
    version, filename = TAMPERED[name]
    tag = filename.removesuffix(".whl").split("-", 2)[2]
    requires = ["jaxlib>=0.1.69"] if name == "jax" else []
    build_wheel(index.files, name, version, tag, requires=[*requires, "six"])


@pytest.mark.parametrize("re_resolve", ["false", "true"])
def test_install_fetches_only_locked_files(
    poetry: PoetryInstall, index, home, tmp_path, re_resolve
) -> None:
    project, _seed = locked_seed(poetry, index, home, tmp_path)
    fresh_cache = tmp_path / "fresh-home"
    fresh_cache.mkdir()

    result = poetry.run(
        "install", cwd=project, home=fresh_cache,
        env={"POETRY_INSTALLER_RE_RESOLVE": re_resolve},
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(index.paths()) == [
        "/files/jax-0.2.20-py3-none-any.whl",
        f"/files/jaxlib-0.1.71-{X86}.whl",
    ]
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"


@pytest.mark.parametrize("re_resolve", ["false", "true"])
def test_aarch64_interpreter_gets_the_url_wheel_without_index_pages(
    poetry: PoetryInstall, index, home, tmp_path, re_resolve
) -> None:
    project, seed = locked_seed(poetry, index, home, tmp_path)
    # An aarch64 runner: Poetry and the project venv both report aarch64 (Poetry
    # 2.0-2.2 compute the venv's platform tags in Poetry's own process).
    env = {**fake_machine(project, "aarch64"), "POETRY_INSTALLER_RE_RESOLVE": re_resolve}
    cold = tmp_path / "cold-home"  # the lock's home has the URL wheel cached
    cold.mkdir()

    result = poetry.run("install", cwd=project, home=cold, env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(index.paths()) == [
        "/files/jax-0.2.20-py3-none-any.whl",
        f"/files/{seed.aarch64_file.name}",
    ]
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{AARCH64}.whl"


@pytest.mark.parametrize("name", list(TAMPERED))
def test_tampered_artifact_fails_before_anything_is_installed(
    poetry: PoetryInstall, index, home, tmp_path, name
) -> None:
    project, _seed = locked_seed(poetry, index, home, tmp_path)
    tamper(index, name)
    make_venv(project / ".venv")
    before = venv_files(project)

    cold = tmp_path / "cold-home"
    cold.mkdir()

    result = poetry.run("install", cwd=project, home=cold, env=ONE_WORKER)

    version, filename = TAMPERED[name]
    assert result.returncode == 1
    assert (
        "Could not fetch every locked artifact; nothing was installed, updated or removed:\n"
        f"  {name} {version}: {index.file_url(filename)}: hash mismatch: got sha256:"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(project) == before


def test_stock_poetry_leaves_a_partial_install_when_a_hash_fails(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """What the plugin prevents: stock Poetry installs packages one by one and stops
    at the bad one, so whichever of jax/jaxlib it installs first stays behind."""
    changed = []
    for name in TAMPERED:
        work = tmp_path / name
        project, _seed = locked_seed(poetry, index, home, work)
        tamper(index, name)
        make_venv(project / ".venv")
        before = venv_files(project)
        result = poetry.run("install", cwd=project, home=home, plugins=False, env=ONE_WORKER)
        assert result.returncode == 1
        changed.append(venv_files(project) != before)
    assert any(changed)


def test_lock_without_urls_reads_index_pages_and_says_so(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url})
    stock = poetry.run("lock", cwd=project, home=home, plugins=False)
    assert stock.returncode == 0, stock.stderr
    index.clear_log()

    out = ok(poetry, project, home, "install", "-v")

    assert "poetry.lock names no artifact URLs for jax (0.2.20)" in out
    assert "/main/simple/jax/" in index.paths()


def test_dry_run_downloads_nothing(poetry: PoetryInstall, index, home, tmp_path) -> None:
    project, _seed = locked_seed(poetry, index, home, tmp_path)
    out = ok(poetry, project, home, "install", "--dry-run")
    assert "Installing jaxlib (0.1.71)" in out
    assert index.paths() == []


def edit_lock(project, old, new):
    """Change the lock's markers by hand (not covered by its content-hash)."""
    lock = project / "poetry.lock"
    text = lock.read_text()
    assert old in text
    lock.write_text(text.replace(old, new))


def test_two_matching_alternatives_fail_and_install_nothing(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project, seed = locked_seed(poetry, index, home, tmp_path)
    edit_lock(
        project,
        'markers = "platform_machine != \\"aarch64\\""',
        'markers = "sys_platform == \\"linux\\""',
    )
    env = fake_machine(project, "aarch64")
    before = venv_files(project)

    result = poetry.run("install", cwd=project, home=home, env=env)

    assert result.returncode == 1
    py = result.stderr.split('python_version == "')[1].split('"')[0]
    assert (
        "2 locked alternatives of jaxlib apply to this machine (sys_platform =="
        f' "linux", platform_machine == "aarch64", python_version == "{py}"):\n'
        f"  jaxlib 0.1.71 from source main ({seed.index_url[:-1]});"
        ' markers: sys_platform == "linux"\n'
        f"  jaxlib 0.1.71 from url {seed.aarch64_url};"
        ' markers: platform_machine == "aarch64"\n'
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(project) == before
    assert index.paths() == []


def test_required_package_without_alternative_fails_and_installs_nothing(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    """jax needs jaxlib everywhere; a lock whose jaxlib entries cover only x86_64 and
    aarch64 cannot serve ppc64le."""
    project, seed = locked_seed(poetry, index, home, tmp_path)
    edit_lock(
        project,
        'markers = "platform_machine != \\"aarch64\\""',
        'markers = "platform_machine == \\"x86_64\\""',
    )
    env = fake_machine(project, "ppc64le")
    before = venv_files(project)

    result = poetry.run("install", cwd=project, home=home, env=env)

    assert result.returncode == 1
    assert (
        "Nothing can be installed on this machine"
        ' (sys_platform == "linux", platform_machine == "ppc64le"' in result.stderr
    )
    assert (
        "jaxlib (needed by jax 0.2.20) has no locked alternative for it.\n"
        f"  locked: jaxlib 0.1.71 from source main ({seed.index_url[:-1]});"
        ' markers: platform_machine == "x86_64"\n'
        f"  locked: jaxlib 0.1.71 from url {seed.aarch64_url};"
        ' markers: platform_machine == "aarch64"\n'
    ) in result.stderr
    assert venv_files(project) == before
    assert index.paths() == []


def test_install_authenticates_recorded_urls_with_configured_credentials(
    poetry: PoetryInstall, tmp_path
) -> None:
    server = IndexServer(tmp_path / "auth-index", auth=("alice", "s3cr3t-pw")).start()
    try:
        seed = publish_seed(server, tmp_path)
        creds = {
            "POETRY_HTTP_BASIC_MAIN_USERNAME": "alice",
            "POETRY_HTTP_BASIC_MAIN_PASSWORD": "s3cr3t-pw",
        }
        project = write_project(tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url})
        lock_home, install_home = tmp_path / "lock-home", tmp_path / "install-home"
        lock_home.mkdir()
        install_home.mkdir()
        assert poetry.run("lock", cwd=project, home=lock_home, env=creds).returncode == 0
        assert "s3cr3t-pw" not in (project / "poetry.lock").read_text()
        server.clear_log()

        result = poetry.run("install", "-v", cwd=project, home=install_home, env=creds)

        assert result.returncode == 0, result.stdout + result.stderr
        assert "s3cr3t-pw" not in result.stdout + result.stderr
        assert set(server.paths()) == {
            "/files/jax-0.2.20-py3-none-any.whl",
            f"/files/jaxlib-0.1.71-{X86}.whl",
        }
        assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"
    finally:
        server.stop()


def test_sync_removes_what_the_lock_does_not_select(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project, _seed = locked_seed(poetry, index, home, tmp_path)
    ok(poetry, project, home, "install")
    extra = build_wheel(tmp_path / "extra", "six", "1.16.0")
    venv_python = str(project / ".venv" / "bin" / "python")
    installer = subprocess.run(
        [sys.executable, "-m", "pip", "--python", venv_python, "install", "-q", "--no-deps",
         "--no-index", str(extra)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert installer.returncode == 0, installer.stderr
    index.clear_log()

    out = ok(poetry, project, home, "install", "--sync")

    assert "Removing six (1.16.0" in out
    assert index.paths() == []
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"


@pytest.mark.parametrize("failure", [404, 500, "truncate"])
def test_failed_download_names_package_url_and_reason_and_changes_nothing(
    poetry: PoetryInstall, index, home, tmp_path, failure
) -> None:
    project, _seed = locked_seed(poetry, index, home, tmp_path)
    url = index.file_url(f"jaxlib-0.1.71-{X86}.whl")
    index.failures[f"/files/jaxlib-0.1.71-{X86}.whl"] = failure
    make_venv(project / ".venv")
    before = venv_files(project)
    cold = tmp_path / "cold-home"
    cold.mkdir()

    result = poetry.run("install", cwd=project, home=cold)

    assert result.returncode == 1
    assert f"  jaxlib 0.1.71: {url}: " in result.stderr
    reason = result.stderr.split(f"{url}: ", 1)[1].splitlines()[0]
    expected = {
        404: r"HTTP 404 Not Found",
        500: r"HTTP 500 Internal Server Error",
        "truncate": r"connection closed early \(\d+ bytes read, \d+ more expected\)",
    }[failure]
    assert re.fullmatch(expected, reason), reason
    assert "nothing was installed, updated or removed" in result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(project) == before


def test_groups_select_from_the_lock(poetry: PoetryInstall, index, home, tmp_path) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url},
        extra='\n[tool.poetry.group.dev.dependencies]\nnumpy = "1.26.4"\n',
    )  # fmt: skip
    ok(poetry, project, home, "lock")
    index.clear_log()

    ok(poetry, project, home, "install", "--without", "dev")
    assert installed_artifact(project, "jax") == "jax-0.2.20-py3-none-any.whl"
    assert "numpy" not in " ".join(venv_files(project))

    ok(poetry, project, home, "install", "--only", "dev", "--sync")
    assert installed_artifact(project, "numpy") == f"numpy-1.26.4-{X86}.whl"
    assert "jax/__init__.py" not in " ".join(venv_files(project))
    assert not any("/simple/" in path for path in index.paths())


def test_add_to_a_project_without_lock(poetry: PoetryInstall, index, home, tmp_path) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(tmp_path / "project", "", {"main": seed.index_url})

    ok(poetry, project, home, "add", "jax==0.2.20")

    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"
    assert (project / "poetry.lock").exists()


def test_root_project_is_installed_too(poetry: PoetryInstall, index, home, tmp_path) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": seed.index_url}, package="demo-app"
    )
    ok(poetry, project, home, "lock")
    index.clear_log()

    out = ok(poetry, project, home, "install")

    assert "Installing the current project: demo-app (0.1.0)" in out
    assert installed_artifact(project, "demo_app") == "root project"
    assert installed_artifact(project, "jax") == "jax-0.2.20-py3-none-any.whl"
    assert not any("/simple/" in path for path in index.paths())


def test_extras_select_from_the_lock(poetry: PoetryInstall, index, home, tmp_path) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(
        tmp_path / "project",
        'jax = "0.2.20"\nnumpy = { version = "1.26.4", optional = true }',
        {"main": seed.index_url},
        extra='\n[tool.poetry.extras]\nnp = ["numpy"]\n',
        package="demo-app",
    )
    ok(poetry, project, home, "lock")
    index.clear_log()

    ok(poetry, project, home, "install")
    assert "numpy" not in " ".join(venv_files(project))

    ok(poetry, project, home, "install", "--extras", "np")
    assert installed_artifact(project, "numpy") == f"numpy-1.26.4-{X86}.whl"
    assert not any("/simple/" in path for path in index.paths())


EXCLUSIVE_EXTRAS = """dep = [
  { version = "1.0", markers = "extra == 'one' and extra != 'two'", optional = true },
  { version = "2.0", markers = "extra != 'one' and extra == 'two'", optional = true },
]
"""


@pytest.mark.parametrize("plugins", [True, False], ids=["plugin", "stock"])
def test_exclusive_extras_install_the_requested_alternative(
    poetry: PoetryInstall, index, home, tmp_path, plugins
) -> None:
    """Poetry's documented CPU/CUDA pattern; the plugin installs what stock installs."""
    for version in ("1.0", "2.0"):
        index.publish(build_wheel(tmp_path / "dist", "dep", version))
    project = write_project(
        tmp_path / "project", EXCLUSIVE_EXTRAS, {"main": index.index_url()},
        extra='\n[tool.poetry.extras]\none = ["dep"]\ntwo = ["dep"]\n', package="demo-app",
    )  # fmt: skip

    def run(*args: str) -> None:
        result = poetry.run(*args, cwd=project, home=home, plugins=plugins)
        assert result.returncode == 0, result.stdout + result.stderr

    run("lock")
    run("install")
    assert "dep" not in [path.split("/")[-1] for path in venv_files(project)]
    run("install", "-E", "one")
    assert installed_artifact(project, "dep") == "dep-1.0-py3-none-any.whl"
    run("install", "-E", "two")
    assert installed_artifact(project, "dep") == "dep-2.0-py3-none-any.whl"
