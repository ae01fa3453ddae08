"""Install downloads are bounded and authenticated only where they belong: an overall
deadline per archive, one more try for a body cut short, a source's credentials for
that source's host only, and no credentials in the lock or in any message."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import PASSWORD, USER, with_userinfo
from tests.harness.checks import installed_artifact, ok, venv_files
from tests.harness.faults import Drip, Redirect, Truncate
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall, make_venv
from tests.harness.project import write_project
from tests.harness.scenarios import X86, publish_seed
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]

JAXLIB = f"jaxlib-0.1.71-{X86}.whl"


def locked_jax(poetry: PoetryInstall, server: IndexServer, tmp_path: Path, **kw) -> Path:
    """A project locked on *server* for jax (and jaxlib, from the index); *kw*:
    ``source`` (its URL) and ``env`` for the lock."""
    seed = publish_seed(server, tmp_path)
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": kw.get("source", seed.index_url)}
    )
    lock_home = tmp_path / "lock-home"
    lock_home.mkdir()
    result = poetry.run("lock", cwd=project, home=lock_home, env=kw.get("env"))
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.rmtree(project / ".venv", ignore_errors=True)
    server.clear_log()
    return project


def cold_home(tmp_path: Path) -> Path:
    """Poetry dirs with an empty artifact cache: every archive is downloaded."""
    home = tmp_path / "cold-home"
    home.mkdir()
    return home


# -- the download deadline and retry ------------------------------------------------


def test_a_dripping_download_fails_at_the_deadline(poetry: PoetryInstall, index, tmp_path) -> None:
    project = locked_jax(poetry, index, tmp_path)
    index.failures[f"/files/{JAXLIB}"] = Drip(rate=1)
    make_venv(project / ".venv")
    before = venv_files(project)

    # Without a deadline the install lasts as long as the drip (the wheel's size in
    # seconds): the run's timeout fails the test.
    result = poetry.run(
        "install", cwd=project, home=cold_home(tmp_path),
        env={"MULTIARCH_DOWNLOAD_DEADLINE": "2"}, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1, result.stdout + result.stderr
    line = f"  jaxlib 0.1.71: {index.file_url(JAXLIB)}: download deadline of 2 s passed ("
    assert line in result.stderr, result.stderr
    received = int(re.search(r"passed \((\d+) of \d+ bytes received\)", result.stderr)[1])
    assert received <= 4  # one byte a second: stopped at the deadline, not later
    assert "MULTIARCH_DOWNLOAD_DEADLINE" in result.stderr
    assert "nothing was installed, updated or removed" in result.stderr
    assert "Traceback" not in result.stderr
    assert venv_files(project) == before


def test_a_body_cut_short_once_is_fetched_again(poetry: PoetryInstall, index, tmp_path) -> None:
    project = locked_jax(poetry, index, tmp_path)
    index.failures[f"/files/{JAXLIB}"] = Truncate(times=1)

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_artifact(project, "jaxlib") == JAXLIB
    assert [r.method for r in index.requests_for(f"/files/{JAXLIB}")] == ["GET", "GET"]


def test_a_body_cut_short_twice_fails_and_changes_nothing(
    poetry: PoetryInstall, index, tmp_path
) -> None:
    project = locked_jax(poetry, index, tmp_path)
    index.failures[f"/files/{JAXLIB}"] = Truncate()
    make_venv(project / ".venv")
    before = venv_files(project)

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path))

    assert result.returncode == 1
    reason = result.stderr.split(f"{index.file_url(JAXLIB)}: ", 1)[1].splitlines()[0]
    assert re.fullmatch(r"connection closed early \(\d+ bytes read, \d+ more expected\)", reason)
    assert [r.method for r in index.requests_for(f"/files/{JAXLIB}")] == ["GET", "GET"]
    assert venv_files(project) == before


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_an_invalid_deadline_is_a_clear_error_before_any_download(
    poetry: PoetryInstall, index, tmp_path, value
) -> None:
    project = locked_jax(poetry, index, tmp_path)
    make_venv(project / ".venv")
    before = venv_files(project)

    result = poetry.run(
        "install", cwd=project, home=cold_home(tmp_path),
        env={"MULTIARCH_DOWNLOAD_DEADLINE": value},
    )  # fmt: skip

    assert result.returncode == 1
    assert f"MULTIARCH_DOWNLOAD_DEADLINE={value!r} is not a number of seconds" in result.stderr
    assert "Traceback" not in result.stderr
    assert index.paths() == []
    assert venv_files(project) == before


# -- credentials ----------------------------------------------------------------------


@pytest.fixture
def other_host(tmp_path):
    """A server on 127.0.0.2: another host than the index's 127.0.0.1."""
    server = IndexServer(tmp_path / "other-host", host="127.0.0.2").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("where", ["url", "env"], ids=["in-source-url", "poetry-config"])
def test_source_credentials_reach_the_source_host_only(
    poetry: PoetryInstall, auth_index, other_host, tmp_path, where
) -> None:
    """The lock keeps no credentials, yet install downloads from the source with the
    source's credentials; the archive's redirect to another host gets none."""
    creds = {
        "POETRY_HTTP_BASIC_MAIN_USERNAME": USER,
        "POETRY_HTTP_BASIC_MAIN_PASSWORD": PASSWORD,
    }
    env = creds if where == "env" else {}
    source = with_userinfo(auth_index.index_url()) if where == "url" else auth_index.index_url()
    project = locked_jax(poetry, auth_index, tmp_path, source=source, env=env)
    lock = (project / "poetry.lock").read_text()
    assert PASSWORD not in lock and f"{USER}:" not in lock
    wheel = f"/files/{JAXLIB}"
    other_host.host(auth_index.files / JAXLIB)
    auth_index.failures[wheel] = Redirect(other_host.url)

    result = poetry.run("install", "-v", cwd=project, home=cold_home(tmp_path), env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_artifact(project, "jaxlib") == JAXLIB
    assert PASSWORD not in result.stdout + result.stderr
    assert auth_index.requests_for(wheel)
    assert all(r.authorization for r in auth_index.requests_for(wheel))
    assert other_host.requests_for(wheel)
    assert [r.authorization for r in other_host.requests_for(wheel)] == [None]


def test_a_refused_source_download_says_how_to_give_credentials(
    poetry: PoetryInstall, auth_index, tmp_path
) -> None:
    creds = {
        "POETRY_HTTP_BASIC_MAIN_USERNAME": USER,
        "POETRY_HTTP_BASIC_MAIN_PASSWORD": PASSWORD,
    }
    project = locked_jax(poetry, auth_index, tmp_path, env=creds)

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path))

    assert result.returncode == 1
    line = f"  jaxlib 0.1.71: {auth_index.file_url(JAXLIB)}: HTTP 401 Unauthorized ("
    assert line in result.stderr, result.stderr
    assert "`poetry config http-basic.main <user> <password>`" in result.stderr
    assert "POETRY_HTTP_BASIC_MAIN_USERNAME/_PASSWORD" in result.stderr


@pytest.fixture
def url_wheel(auth_index, tmp_path) -> str:
    """A wheel at a URL that needs credentials (the URL has none)."""
    wheel = build_wheel(tmp_path / "url-dist", "wheelpkg", "1.0")
    return auth_index.file_url(auth_index.host(wheel).name)


def locked_url_dependency(poetry: PoetryInstall, index, url: str, tmp_path: Path) -> Path:
    """A project with ``wheelpkg = { url = <url with user:password@> }``, locked."""
    project = write_project(
        tmp_path / "project",
        f'wheelpkg = {{ url = "{with_userinfo(url)}" }}',
        {"main": index.index_url()},
    )
    lock_home = tmp_path / "lock-home"
    lock_home.mkdir()
    ok(poetry, project, lock_home, "lock")
    assert PASSWORD not in (project / "poetry.lock").read_text()
    return project


def test_a_refused_url_download_says_how_to_give_credentials(
    poetry: PoetryInstall, index, url_wheel, tmp_path
) -> None:
    project = locked_url_dependency(poetry, index, url_wheel, tmp_path)

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path))

    assert result.returncode == 1
    assert f"  wheelpkg 1.0 {url_wheel}: {url_wheel}: HTTP 401 Unauthorized (" in result.stderr
    reason = result.stderr.split("HTTP 401 Unauthorized (", 1)[1]
    assert "~/.netrc" in reason and "http-basic.<name>" in reason, result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    assert f"{USER}@" not in result.stderr + result.stdout


@pytest.mark.parametrize("how", ["netrc", "poetry-config"])
def test_url_dependency_credentials_from_netrc_or_poetry_config(
    poetry: PoetryInstall, index, auth_index, url_wheel, tmp_path, how
) -> None:
    """The two ways README gives for a URL dependency's credentials, which the lock
    does not keep."""
    project = locked_url_dependency(poetry, index, url_wheel, tmp_path)
    if how == "netrc":
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
        netrc.chmod(0o600)
        env = {"NETRC": str(netrc)}
    else:
        env = {
            "POETRY_REPOSITORIES_WHEELS_URL": f"{auth_index.url}/files/",
            "POETRY_HTTP_BASIC_WHEELS_USERNAME": USER,
            "POETRY_HTTP_BASIC_WHEELS_PASSWORD": PASSWORD,
        }

    result = poetry.run("install", cwd=project, home=cold_home(tmp_path), env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed_artifact(project, "wheelpkg") == "wheelpkg-1.0-py3-none-any.whl"
    assert PASSWORD not in result.stdout + result.stderr


def test_failure_lines_never_show_userinfo_from_a_lock_with_credentials(
    poetry: PoetryInstall, index, auth_index, url_wheel, tmp_path
) -> None:
    """Stock Poetry writes a URL dependency's ``user:password@`` into its lock; the
    plugin installs such a lock but never prints them."""
    project = write_project(
        tmp_path / "project",
        f'wheelpkg = {{ url = "{with_userinfo(url_wheel)}" }}',
        {"main": index.index_url()},
    )
    stock = poetry.run("lock", cwd=project, home=cold_home(tmp_path), plugins=False)
    assert stock.returncode == 0, stock.stdout + stock.stderr
    assert PASSWORD in (project / "poetry.lock").read_text()
    shutil.rmtree(project / ".venv", ignore_errors=True)
    auth_index.failures["/files/wheelpkg-1.0-py3-none-any.whl"] = 404
    home = tmp_path / "install-home"
    home.mkdir()

    result = poetry.run("install", cwd=project, home=home)

    assert result.returncode == 1
    assert f"  wheelpkg 1.0 {url_wheel}: {url_wheel}: HTTP 404 Not Found" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert f"{USER}:" not in result.stdout + result.stderr
