"""``poetry multiarch export`` / ``download`` / ``show --files`` with real Poetry on
the loopback index, and the exports installed by pip 26.3 and uv on a real aarch64
CPython: the same distributions and files as ``poetry install`` with the plugin."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import tomlkit
from packaging.markers import Marker
from packaging.pylock import Pylock
from uv import find_uv_bin

from tests.e2e.conftest import PASSWORD, USER, with_userinfo
from tests.harness.checks import installed_distributions, ok
from tests.harness.faults import Status
from tests.harness.index import IndexServer
from tests.harness.machines import add_pip, make_machine_venv
from tests.harness.poetry import PoetryInstall
from tests.harness.project import read_lock, targets, write_project
from tests.harness.scenarios import AARCH64, X86, publish_seed, seed_dependencies
from tests.harness.wheels import build_wheel

pytestmark = pytest.mark.e2e

EXTRAS = """
[tool.poetry.extras]
yaml = ["yamlish"]

[tool.poetry.group.dev.dependencies]
devtool = "1.0"
"""


def seed_project(index: IndexServer, tmp_path: Path) -> Path:
    """The seed (jaxlib from the index on x86_64, from a plain URL on aarch64, numpy
    for both), an extra and a dev group; targets linux-x86_64 and linux-aarch64."""
    seed = publish_seed(index, tmp_path)
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "yamlish", "1.0"))
    index.publish(build_wheel(dist, "devtool", "1.0"))
    deps = seed_dependencies(seed) + 'numpy = "1.26.4"\n'
    deps += 'yamlish = { version = "1.0", optional = true }\n'
    project = write_project(
        tmp_path / "project",
        deps,
        {"main": seed.index_url},
        python=">=3.11,<3.12",
        extra=EXTRAS + targets("linux-x86_64", "linux-aarch64"),
    )
    return project


def test_export_reads_only_the_lock_and_keeps_every_alternative(
    poetry: PoetryInstall, index: IndexServer, home: Path, tmp_path: Path
) -> None:
    project = seed_project(index, tmp_path)
    ok(poetry, project, home, "lock")
    index.clear_log()

    ok(poetry, project, home, "multiarch", "export", "-o", "out/pylock.toml")
    requirements = ok(
        poetry, project, home, "multiarch", "export", "-f", "requirements.txt",
        "-t", "linux-aarch64",
    )  # fmt: skip
    files = ok(poetry, project, home, "multiarch", "show", "-t", "linux-aarch64", "--files")

    misnamed = poetry.run("multiarch", "export", "-o", "lock.toml", cwd=project, home=home)
    assert "named pylock.toml or pylock.<name>.toml" in misnamed.stderr
    assert index.paths() == []  # not one request: the lock is all an export reads
    assert "needs credentials" not in requirements  # the source has none
    pylock = Pylock.from_dict(tomlkit.parse((project / "out/pylock.toml").read_text()).unwrap())
    # every locked entry, alternatives apart, each with its poetry.lock marker
    locked = [(entry["name"], entry.get("markers")) for entry in read_lock(project)["package"]]
    exported = [(p.name, str(p.marker) if p.marker else None) for p in pylock.packages]
    translated = {'extra == "yaml"': '"yaml" in extras', None: '"dev" in dependency_groups'}
    assert exported == [
        (name, translated.get(marker, marker) if name in ("yamlish", "devtool") else marker)
        for name, marker in locked
    ]
    assert [str(m) for m in pylock.environments or ()] == [
        'sys_platform == "linux" and platform_machine == "x86_64" and python_version == "3.11"',
        'sys_platform == "linux" and platform_machine == "aarch64" and python_version == "3.11"',
    ]
    assert pylock.extras == ["yaml"] and pylock.default_groups == ["dev"]
    jaxlibs = {str(p.marker): p for p in pylock.packages if p.name == "jaxlib"}
    assert jaxlibs[str(Marker("platform_machine == 'aarch64'"))].archive.url == index.file_url(  # type: ignore[union-attr]
        f"jaxlib-0.1.71-{AARCH64}.whl"
    )
    assert f"jaxlib @ {index.file_url(f'jaxlib-0.1.71-{AARCH64}.whl')}" in requirements
    assert f"numpy-1.26.4-{X86}.whl" not in requirements
    shown = [" ".join(line.split()) for line in files.splitlines()]
    assert f"jaxlib 0.1.71 jaxlib-0.1.71-{AARCH64}.whl (archive)" in shown
    assert f"numpy 1.26.4 numpy-1.26.4-{AARCH64}.whl (wheel)" in shown


def test_a_lock_of_stock_poetry_is_refused_with_a_fix(
    poetry: PoetryInstall, index: IndexServer, home: Path, tmp_path: Path
) -> None:
    project = seed_project(index, tmp_path)
    locked = poetry.run("lock", cwd=project, home=home, plugins=False)  # stock Poetry
    assert locked.returncode == 0, locked.stdout + locked.stderr

    result = poetry.run("multiarch", "export", cwd=project, home=home)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "poetry.lock records no URL for the files of" in result.stderr
    assert "poetry lock --regenerate" in result.stderr
    assert "Traceback" not in result.stderr

    # a lock pyproject.toml no longer matches is not exported
    pyproject = project / "pyproject.toml"
    fresh = pyproject.read_text()
    pyproject.write_text(fresh.replace('numpy = "1.26.4"', 'numpy = ">=1.26"'))
    result = poetry.run("multiarch", "export", "--allow-index", cwd=project, home=home)
    assert result.returncode == 1
    assert "changed significantly since poetry.lock was last written" in result.stderr
    pyproject.write_text(fresh)

    # asked to, it reads the URLs from the index pages, says so, and fetches no file
    index.clear_log()
    result = poetry.run("multiarch", "export", "--allow-index", cwd=project, home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "read from their index pages (--allow-index)" in result.stderr
    pylock = Pylock.from_dict(tomlkit.parse(result.stdout).unwrap())
    numpy = next(p for p in pylock.packages if p.name == "numpy")
    assert index.file_url(f"numpy-1.26.4-{AARCH64}.whl") in [w.url for w in numpy.wheels or ()]
    assert index.paths() and all("/simple/" in p for p in index.paths())


def test_download_fetches_exactly_the_targets_files_and_checks_them(
    poetry: PoetryInstall, index: IndexServer, home: Path, tmp_path: Path
) -> None:
    project = seed_project(index, tmp_path)
    ok(poetry, project, home, "lock")
    wheelhouse = tmp_path / "wheelhouse"
    index.clear_log()

    out = ok(
        poetry, project, home, "multiarch", "download", "-t", "linux-aarch64", "-d", str(wheelhouse)
    )

    expected = {
        "jax-0.2.20-py3-none-any.whl",
        f"jaxlib-0.1.71-{AARCH64}.whl",
        f"numpy-1.26.4-{AARCH64}.whl",
        "devtool-1.0-py3-none-any.whl",
    }
    assert sorted(index.paths()) == sorted(f"/files/{name}" for name in expected)
    assert {p.name for p in wheelhouse.iterdir()} == expected | {"requirements.txt"}
    assert "4 files" in out and "4 downloaded, 0 already there" in out
    assert (wheelhouse / "jax-0.2.20-py3-none-any.whl").stat().st_mode & 0o044  # not 0600

    # again: every file is checked where it is and kept; one damaged file is fetched anew
    damaged = wheelhouse / f"numpy-1.26.4-{AARCH64}.whl"
    original = damaged.read_bytes()
    damaged.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    index.clear_log()
    out = ok(
        poetry, project, home, "multiarch", "download", "-t", "linux-aarch64", "-d", str(wheelhouse)
    )
    assert index.paths() == [f"/files/{damaged.name}"]
    assert damaged.read_bytes() == original
    assert "1 downloaded, 3 already there" in out

    # a failed download leaves nothing behind, names the file, and fails the command
    damaged.unlink()
    index.failures[f"/files/{damaged.name}"] = Status(503)
    result = poetry.run(
        "multiarch",
        "download",
        "-t",
        "linux-aarch64",
        "-d",
        str(wheelhouse),
        cwd=project,
        home=home,
    )
    assert result.returncode == 1
    assert f"numpy 1.26.4: {damaged.name}" in result.stderr and "HTTP 503" in result.stderr
    assert not damaged.exists()
    assert not [p for p in wheelhouse.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("where", ["url", "env"], ids=["in-source-url", "poetry-config"])
def test_credentials_fetch_the_files_and_are_never_written(
    poetry: PoetryInstall, auth_index: IndexServer, home: Path, tmp_path: Path, where: str
) -> None:
    env = {}
    source = with_userinfo(auth_index.index_url())
    if where == "env":
        env = {"POETRY_HTTP_BASIC_MAIN_USERNAME": USER, "POETRY_HTTP_BASIC_MAIN_PASSWORD": PASSWORD}
        source = auth_index.index_url()
    publish_seed(auth_index, tmp_path)
    project = write_project(
        tmp_path / "project", 'jax = "0.2.20"', {"main": source}, python=">=3.11,<3.12"
    )
    result = poetry.run("lock", cwd=project, home=home, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    auth_index.clear_log()

    outputs = []
    for args in (
        ("export",),
        ("export", "-f", "requirements.txt", "-t", "linux-x86_64"),
        ("download", "-t", "linux-x86_64", "-d", "wheelhouse"),
        ("show", "-t", "linux-x86_64", "--files", "-v"),
    ):
        result = poetry.run("multiarch", *args, cwd=project, home=home, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout + result.stderr)

    written = [p.read_text() for p in (project / "wheelhouse").glob("*.txt")]
    for text in outputs + written:
        assert PASSWORD not in text and f"{USER}:" not in text and f"{USER}@" not in text
    assert f"source main ({auth_index.index_url().rstrip('/')}) needs credentials" in outputs[0]
    assert f"source main ({auth_index.index_url().rstrip('/')}) needs credentials" in written[0]
    fetched = [r for r in auth_index.requests if r.path.startswith("/files/")]
    assert {r.path for r in fetched} == {
        "/files/jax-0.2.20-py3-none-any.whl",
        f"/files/jaxlib-0.1.71-{X86}.whl",
    }
    assert all(r.authorization for r in fetched)


@pytest.mark.aarch64
def test_exports_install_on_aarch64_what_poetry_installs_there(
    poetry: PoetryInstall,
    index: IndexServer,
    home: Path,
    tmp_path: Path,
    interpreter_of,
) -> None:
    aarch64 = interpreter_of("aarch64")
    project = seed_project(index, tmp_path)
    ok(poetry, project, home, "lock")
    ok(poetry, project, home, "multiarch", "export", "-o", "pylock.toml")
    ok(
        poetry,
        project,
        home,
        "multiarch",
        "export",
        "-t",
        "linux-aarch64",
        "-o",
        "pylock.arm64.toml",
    )
    wheelhouse = tmp_path / "wheelhouse"
    ok(poetry, project, home, "multiarch", "download", "-t", "linux-aarch64", "-d", str(wheelhouse))
    index.clear_log()

    # poetry install with the plugin, on the aarch64 CPython
    make_machine_venv(aarch64, project / ".venv")
    result = poetry.run("install", cwd=project, home=home, env=aarch64.env)
    assert result.returncode == 0, result.stdout + result.stderr
    by_poetry = installed_distributions(_site_packages(project / ".venv"))
    assert {name: version for name, (version, _) in by_poetry.items()} == {
        "jax": "0.2.20",
        "jaxlib": "0.1.71",
        "numpy": "1.26.4",
        "devtool": "1.0",
    }

    # pip from the wheelhouse alone: no index, the requirements the download wrote
    pip_venv = make_machine_venv(aarch64, tmp_path / "pip-wheelhouse")
    pip = add_pip(aarch64, pip_venv)
    pip.run(
        "-m", "pip", "install", "-q", "--root-user-action=ignore", "--no-index",
        "--find-links", str(wheelhouse), "-r", str(wheelhouse / "requirements.txt"),
    )  # fmt: skip
    assert installed_distributions(_site_packages(pip_venv)) == by_poetry

    # pip 26.3 from the exported (multi-use) pylock.toml
    pylock_venv = make_machine_venv(aarch64, tmp_path / "pip-pylock")
    pip = add_pip(aarch64, pylock_venv)
    pip.run(
        "-m", "pip", "install", "-q", "--root-user-action=ignore",
        "-r", str(project / "pylock.toml"),
    )  # fmt: skip
    assert installed_distributions(_site_packages(pylock_venv)) == by_poetry

    # uv on this host, for the aarch64 platform, from the multi-use pylock.toml and
    # from the one exported for linux-aarch64 alone
    for exported in ("pylock.toml", "pylock.arm64.toml"):
        target = tmp_path / f"uv-{exported}"
        subprocess.run(
            [
                find_uv_bin(), "pip", "install", "--no-config",
                "--cache-dir", str(tmp_path / "uv-cache"),
                "--python-platform", "aarch64-manylinux_2_28", "--python-version", "3.11",
                "--target", str(target), "-r", str(project / exported),
            ],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        assert installed_distributions(target) == by_poetry, exported
    requested = index.paths()
    assert not [p for p in requested if "/simple/" in p], requested


def _site_packages(venv: Path) -> Path:
    (site_packages,) = venv.glob("lib/python3.*/site-packages")
    return site_packages
