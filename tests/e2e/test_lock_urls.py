"""The plugin's lock names every index artifact's URL, never a credential, and does
not depend on the machine that wrote it; stock Poetry still reads and installs it."""

from __future__ import annotations

import pytest

from tests.harness.checks import installed_artifact, ok
from tests.harness.fakearch import fake_machine
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall
from tests.harness.project import lock_entries, read_lock, write_project
from tests.harness.scenarios import X86, publish_seed, seed_dependencies

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]


def test_index_artifacts_carry_their_urls(poetry: PoetryInstall, index, home, tmp_path):
    seed = publish_seed(index, tmp_path)
    project = write_project(tmp_path / "project", seed_dependencies(seed), {"main": seed.index_url})
    ok(poetry, project, home, "lock")

    lock = read_lock(project)
    index_files = [
        f for p in lock["package"] if p["source"]["type"] == "legacy" for f in p["files"]
    ]
    assert len(index_files) == 3  # jax, jaxlib x86_64 + macOS
    for entry in index_files:
        assert entry["url"] == index.file_url(entry["file"])
    (url_entry,) = [p for p in lock_entries(lock, "jaxlib") if p["source"]["type"] == "url"]
    assert url_entry["source"]["url"] == seed.aarch64_url
    assert lock["metadata"]["lock-version"] == "2.1"


def test_stock_poetry_checks_and_installs_the_plugins_lock(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    seed = publish_seed(index, tmp_path)
    project = write_project(tmp_path / "project", seed_dependencies(seed), {"main": seed.index_url})
    ok(poetry, project, home, "lock")
    assert "url = " in (project / "poetry.lock").read_text()

    check = poetry.run("check", "--lock", cwd=project, home=home, plugins=False)
    assert check.returncode == 0, check.stdout + check.stderr
    install = poetry.run("install", cwd=project, home=home, plugins=False)
    assert install.returncode == 0, install.stdout + install.stderr
    assert installed_artifact(project, "jaxlib") == f"jaxlib-0.1.71-{X86}.whl"


@pytest.fixture
def auth_index(tmp_path):
    server = IndexServer(tmp_path / "auth-index", auth=("alice", "s3cr3t-pw")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("where", ["url", "env"], ids=["in-source-url", "poetry-config"])
def test_credentials_never_reach_the_lock_or_output(
    poetry: PoetryInstall, auth_index, home, tmp_path, where
) -> None:
    seed = publish_seed(auth_index, tmp_path)
    plain = seed.index_url
    env = {}
    if where == "url":
        source = plain.replace("http://", "http://alice:s3cr3t-pw@")
    else:
        source = plain
        env = {
            "POETRY_HTTP_BASIC_MAIN_USERNAME": "alice",
            "POETRY_HTTP_BASIC_MAIN_PASSWORD": "s3cr3t-pw",
        }
    project = write_project(tmp_path / "project", 'jax = "0.2.20"', {"main": source})
    # -v, not -vvv: at debug level Poetry itself logs a source URL as written,
    # before any plugin is loaded (its Factory's "Adding repository" line).
    verbosity = "-vvv" if where == "env" else "-v"
    result = poetry.run("lock", verbosity, cwd=project, home=home, env=env)
    assert result.returncode == 0, result.stdout + result.stderr

    text = (project / "poetry.lock").read_text()
    assert "s3cr3t-pw" not in text and "alice" not in text
    assert "s3cr3t-pw" not in result.stdout + result.stderr
    for package in read_lock(project)["package"]:
        for entry in package["files"]:
            assert entry["url"] == auth_index.file_url(entry["file"])
    assert "/main/simple/jax/" in auth_index.paths()


@pytest.mark.parametrize("hashes", [True, False], ids=["hashed-links", "bare-links"])
def test_lock_is_the_same_whatever_machine_writes_it(
    poetry: PoetryInstall, tmp_path, hashes
) -> None:
    """x86_64 Poetry and a Poetry (and project env) reporting aarch64 write the
    same bytes, also when the index's links carry no hashes."""
    server = IndexServer(tmp_path / "index", hashes=hashes).start()
    try:
        seed = publish_seed(server, tmp_path)
        locks = []
        for machine in ("x86_64", "aarch64"):
            home = tmp_path / f"home-{machine}"
            home.mkdir()
            env = {}
            project = write_project(
                tmp_path / f"project-{machine}", seed_dependencies(seed), {"main": seed.index_url}
            )
            if machine == "aarch64":  # Poetry's process and the project env both
                env = fake_machine(project, machine)
            result = poetry.run("lock", cwd=project, home=home, env=env)
            assert result.returncode == 0, result.stdout + result.stderr
            reported = poetry.run(
                "run", "python", "-I", "-c", "import platform; print(platform.machine())",
                cwd=project, home=home, env=env,
            )  # fmt: skip
            assert reported.stdout.strip() == machine
            locks.append((project / "poetry.lock").read_bytes())
    finally:
        server.stop()
    assert locks[0] == locks[1]
    assert b"sha256:" in locks[0]
