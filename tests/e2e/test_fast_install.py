"""`poetry install` through the unpacked-wheel cache (issue 12): what it writes is what
Poetry's own installer writes, stock Poetry then manages the venv as its own, and the
cache is shared safely, repaired when damaged and left when it cannot link."""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.harness.checks import ok, venv_files
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall, isolated_environment
from tests.harness.project import alternatives, write_project
from tests.harness.wheels import (
    build_rich_wheel,
    build_sdist,
    build_wheel,
    build_wheel_from_files,
)

pytestmark = [pytest.mark.e2e, pytest.mark.x86_64_host]

#: the plugin's cache under Poetry's cache dir (a test home's is ``home / "cache"``)
UNPACKED = Path("multiarch", "unpacked-wheels")
CACHE = Path("cache") / UNPACKED
SITE = Path(".venv", "lib", "python3.11", "site-packages")
SUMMARY = "wheels installed from the unpacked-wheel cache"
FALLBACK = "installing through Poetry's wheel installer"


def publish_rich(index: IndexServer, work: Path, version: str = "1.0", **kwargs) -> Path:
    """rich-tool (console and GUI scripts, every ``.data`` dir) on the index."""
    wheel = build_rich_wheel(work / f"dist-{version}", version=version, **kwargs)
    index.publish(wheel)
    return wheel


def rich_project(index: IndexServer, work: Path, name: str = "project", **kwargs) -> Path:
    """rich-tool from the index and `urlpkg` as alternatives: its URL wheel on x86_64
    (so the install writes direct_url.json), the index release elsewhere."""
    publish_rich(index, work, **kwargs)
    index.publish(build_wheel(work / "dist-url-index", "urlpkg", "1.0"))
    url_wheel = build_wheel(work / "dist-url", "urlpkg", "1.1")
    url = index.file_url(index.host(url_wheel).name)
    deps = 'rich-tool = "*"\n' + alternatives(
        "urlpkg",
        {"url": url, "markers": "platform_machine == 'x86_64'"},
        {"version": "1.0", "markers": "platform_machine != 'x86_64'"},
    )
    return write_project(work / name, deps, {"main": index.index_url()})


def record_rows(project: Path) -> dict[str, set[tuple[str, str, str]]]:
    """Every dist-info's RECORD rows; hashes and sizes blanked for what an install
    generates per venv (scripts with its interpreter, RECORD itself)."""
    rows: dict[str, set[tuple[str, str, str]]] = {}
    for record in sorted((project / SITE).glob("*.dist-info/RECORD")):
        with record.open(newline="") as f:
            found = set()
            for path, digest, size in csv.reader(f):
                if path.startswith("../../../bin/") or path.endswith("/RECORD"):
                    digest = size = ""
                found.add((path, digest, size))
        rows[record.parent.name] = found
    return rows


def modes(project: Path) -> dict[str, bool]:
    """Whether each installed file (venv base aside) is executable."""
    venv = project / ".venv"
    return {
        str(p.relative_to(venv)): bool(p.stat().st_mode & stat.S_IXUSR)
        for p in venv.rglob("*")
        if (p.is_file() and "__pycache__" not in p.parts and "site-packages" in str(p))
        or (p.parent.name == "bin" and p.name.startswith("rich_tool"))
    }


def cache_entries(cache_dir: Path) -> list[Path]:
    """The unpacked-wheel cache's entries under Poetry's cache dir *cache_dir*."""
    root = cache_dir / UNPACKED
    return sorted(e for shard in root.iterdir() for e in shard.iterdir()) if root.exists() else []


def run_in_venv(project: Path, program: str, *args: str) -> str:
    return subprocess.run(
        [str(project / ".venv" / "bin" / program), *args],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def stock(poetry: PoetryInstall, project: Path, home: Path, *args: str) -> str:
    result = poetry.run(*args, cwd=project, home=home, plugins=False)
    assert result.returncode == 0, f"stock poetry {args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_fast_path_installs_what_stock_poetry_installs_and_stock_poetry_manages_it(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    # a stray __pycache__ file: installer 1.x (Poetry 2.4+) skips it, 0.7 installs it
    stray = {"rich_tool/__pycache__/cli.cpython-311.pyc": b"\x00" * 16}
    fast = rich_project(index, tmp_path, "fast", extra=stray)
    ok(poetry, fast, home, "lock")
    shutil.rmtree(fast / ".venv", ignore_errors=True)
    slow = tmp_path / "stock"
    shutil.copytree(fast, slow)

    out = ok(poetry, fast, home, "install", "-v")
    stock(poetry, slow, tmp_path / "stock-home", "install")

    assert f"2 {SUMMARY}" in out, out
    assert FALLBACK not in out
    # the same files, modes and RECORD rows (scripts aside, which name their venv)
    assert venv_files(fast) == venv_files(slow)
    assert modes(fast) == modes(slow)
    assert record_rows(fast) == record_rows(slow)
    dist = fast / SITE / "urlpkg-1.1.dist-info"
    assert (dist / "direct_url.json").read_text() == (
        slow / SITE / "urlpkg-1.1.dist-info" / "direct_url.json"
    ).read_text()
    assert (dist / "INSTALLER").read_text() == f"Poetry {poetry.version}"
    # the scripts run with this venv's interpreter
    assert run_in_venv(fast, "rich_tool-cli") == "hello\n"
    shebang = (fast / ".venv" / "bin" / "rich_tool-py").read_text().splitlines()[0]
    assert shebang == f"#!{fast / '.venv' / 'bin' / 'python'}"
    # the package's files are hard links to the cache's
    data = fast / SITE / "rich_tool" / "sub" / "data.bin"
    (entry,) = [e for e in cache_entries(home / "cache") if (e / "files" / "rich_tool").exists()]
    assert os.path.samefile(data, entry / "files" / "rich_tool" / "sub" / "data.bin")

    # stock Poetry sees the venv as installed, and removes from it cleanly
    assert "No dependencies to install or update" in stock(poetry, fast, home, "install")
    stock(poetry, fast, home, "remove", "rich-tool", "urlpkg")
    stock(poetry, slow, tmp_path / "stock-home", "remove", "rich-tool", "urlpkg")
    assert venv_files(fast) == venv_files(slow)
    assert not [f for f in venv_files(fast) if "rich_tool" in f or "urlpkg" in f]
    # removing unlinked the venv's names only: the cache entry is whole
    assert (entry / "files" / "rich_tool" / "sub" / "data.bin").read_bytes() == bytes(
        range(256)
    ) * 64


def test_an_upgrade_replaces_files_and_stock_sync_removes_them(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project = rich_project(index, tmp_path)
    ok(poetry, project, home, "install")
    old_entry_files = {e: sorted(e.rglob("*")) for e in cache_entries(home / "cache")}
    # 2.0 drops rich_tool/sub/data.bin and adds rich_tool/new.py
    wheel = build_rich_wheel(tmp_path / "dist-2.0", version="2.0", extra={"rich_tool/new.py": ""})
    with zipfile.ZipFile(wheel) as zf:
        kept = {n: zf.read(n) for n in zf.namelist() if not n.endswith(("RECORD", "data.bin"))}
    index.publish(build_wheel_from_files(tmp_path / "dist-2.0b", wheel.name, kept))

    out = ok(poetry, project, home, "update", "rich-tool", "-v")

    assert f"1 {SUMMARY}" in out, out
    installed = venv_files(project)
    assert "lib/python3.11/site-packages/rich_tool/new.py" in installed
    assert not [f for f in installed if f.endswith("data.bin") or "rich_tool-1.0" in f]
    assert run_in_venv(
        project, "python", "-c", "import rich_tool; print(rich_tool.__version__)"
    ) == ("2.0\n")
    # the old release's entry is untouched (the upgrade unlinked, never wrote through)
    for entry, files in old_entry_files.items():
        assert sorted(entry.rglob("*")) == files

    # stock `poetry sync` after dropping it removes every file of it
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('rich-tool = "*"\n', ""))
    stock(poetry, project, home, "lock")
    stock(poetry, project, home, "sync")
    assert not [f for f in venv_files(project) if "rich_tool" in f]


def test_two_installs_at_once_share_one_cache(poetry: PoetryInstall, index, home, tmp_path) -> None:
    first = rich_project(index, tmp_path, "first")
    ok(poetry, first, home, "lock")
    second = tmp_path / "second"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns(".venv"))
    shutil.rmtree(first / ".venv", ignore_errors=True)
    runs = [
        subprocess.Popen(
            [str(poetry.poetry), "install", "-v"],
            cwd=project,
            env=isolated_environment(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for project in (first, second)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]

    for run, out in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out
        assert f"2 {SUMMARY}" in out, out
    assert venv_files(first) == venv_files(second)
    assert run_in_venv(second, "rich_tool-cli") == "hello\n"
    entries = cache_entries(home / "cache")
    assert len(entries) == 2, entries  # one per wheel, no leftover temporary directory
    assert not list((home / CACHE).glob("*/.*"))


def test_a_damaged_cache_entry_is_rebuilt_never_linked(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    first = rich_project(index, tmp_path, "first")
    ok(poetry, first, home, "install")
    init = SITE / "rich_tool" / "__init__.py"
    original = (first / init).read_bytes()
    # an edit in a venv writes through its hard link into the cache (same size)
    with (first / init).open("r+b") as f:
        f.write(b"#" * 4)
    (entry,) = [e for e in cache_entries(home / "cache") if (e / "files" / "rich_tool").exists()]
    assert (entry / "files" / "rich_tool" / "__init__.py").read_bytes() != original

    second = tmp_path / "second"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns(".venv"))
    out = ok(poetry, second, home, "install", "-v")

    assert f"2 {SUMMARY}" in out
    assert (second / init).read_bytes() == original
    assert (entry / "files" / "rich_tool" / "__init__.py").read_bytes() == original

    # a file gone from the entry
    (entry / "files" / "rich_tool" / "cli.py").unlink()
    third = tmp_path / "third"
    shutil.copytree(second, third, ignore=shutil.ignore_patterns(".venv"))
    ok(poetry, third, home, "install")
    assert run_in_venv(third, "rich_tool-cli") == "hello\n"
    assert (entry / "files" / "rich_tool" / "cli.py").exists()


def other_file_system(tmp_path: Path) -> Path:
    """A directory on another file system than *tmp_path* (tmpfs /dev/shm)."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system (/dev/shm) on this machine")
    path = Path(os.path.join(shm, f"multiarch-test-{os.getpid()}-{tmp_path.name}"))
    path.mkdir()
    return path


@pytest.mark.parametrize("case", ["cross-device", "copy-mode"])
def test_files_are_copied_across_file_systems_or_when_asked(
    poetry: PoetryInstall, index, home, tmp_path, case
) -> None:
    project = rich_project(index, tmp_path)
    ok(poetry, project, home, "lock")
    env = {"MULTIARCH_LINK_MODE": "copy"}
    cache_dir = home / "cache"
    if case == "cross-device":
        cache_dir = other_file_system(tmp_path)
        env = {"POETRY_CACHE_DIR": str(cache_dir)}
    try:
        result = poetry.run("install", "-v", cwd=project, home=home, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"2 {SUMMARY}" in result.stdout
        assert "0 files hard-linked" in result.stdout
        data = project / SITE / "rich_tool" / "sub" / "data.bin"
        assert data.stat().st_nlink == 1
        assert data.read_bytes() == bytes(range(256)) * 64
        assert len(cache_entries(cache_dir)) == 2
        assert run_in_venv(project, "rich_tool-cli") == "hello\n"
    finally:
        if case == "cross-device":
            shutil.rmtree(cache_dir, ignore_errors=True)


def test_link_mode_poetry_uses_poetrys_installer_and_a_bad_mode_is_refused(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    project = rich_project(index, tmp_path)
    ok(poetry, project, home, "lock")

    bad = poetry.run("install", cwd=project, home=home, env={"MULTIARCH_LINK_MODE": "symlink"})
    assert bad.returncode == 1
    assert "MULTIARCH_LINK_MODE='symlink' is not a link mode" in bad.stderr + bad.stdout
    assert "Traceback" not in bad.stderr
    assert not (project / SITE / "rich_tool").exists()

    out = poetry.run("install", "-v", cwd=project, home=home, env={"MULTIARCH_LINK_MODE": "poetry"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "MULTIARCH_LINK_MODE=poetry" in out.stdout
    assert SUMMARY not in out.stdout
    assert not (home / CACHE).exists()
    assert (project / SITE / "rich_tool" / "sub" / "data.bin").stat().st_nlink == 1


def test_a_malformed_wheel_goes_through_poetrys_installer(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    # RECORD does not list rich_tool/cli.py
    project = rich_project(index, tmp_path, unrecorded=["rich_tool/cli.py"])

    out = ok(poetry, project, home, "install", "-v")

    assert f"{FALLBACK}: rich_tool-1.0-py3-none-any.whl is not a well-formed wheel" in out
    assert "rich_tool/cli.py" in out
    assert f"1 {SUMMARY}" in out  # urlpkg
    assert run_in_venv(project, "rich_tool-cli") == "hello\n"


def test_compile_writes_the_bytecode_poetry_writes(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    fast = rich_project(index, tmp_path, "fast")
    ok(poetry, fast, home, "lock")
    shutil.rmtree(fast / ".venv", ignore_errors=True)
    slow = tmp_path / "stock"
    shutil.copytree(fast, slow)

    out = ok(poetry, fast, home, "install", "--compile", "-v")
    assert f"2 {SUMMARY}" in out
    stock(poetry, slow, tmp_path / "stock-home", "install", "--compile")

    def bytecode(project: Path) -> list[str]:
        return sorted(str(p.relative_to(project)) for p in (project / SITE).rglob("*.pyc"))

    assert bytecode(fast) == bytecode(slow)
    assert "lib/python3.11/site-packages/rich_tool/__pycache__" in "\n".join(
        str(p.parent.relative_to(fast / ".venv")) for p in (fast / SITE).rglob("*.pyc")
    )


def test_cache_clear_deletes_the_unpacked_wheels(poetry: PoetryInstall, index, home, tmp_path):
    project = rich_project(index, tmp_path)
    ok(poetry, project, home, "install")
    assert len(cache_entries(home / "cache")) == 2

    dry = ok(poetry, project, home, "multiarch", "cache", "clear", "--dry-run")
    assert f"Would delete 2 unpacked wheels in {home / CACHE}" in dry
    assert len(cache_entries(home / "cache")) == 2
    out = ok(poetry, project, home, "multiarch", "cache", "clear")

    assert f"Deleted 2 unpacked wheels in {home / CACHE}" in out
    assert not (home / CACHE).exists()
    # the venv keeps its files (the cache's names only were deleted); a new venv refills it
    assert run_in_venv(project, "rich_tool-cli") == "hello\n"
    shutil.rmtree(project / ".venv")
    ok(poetry, project, home, "install")
    assert len(cache_entries(home / "cache")) == 2


def test_a_whole_entry_is_linked_without_reading_the_archive_again(
    poetry: PoetryInstall, index, home, tmp_path
) -> None:
    first = rich_project(index, tmp_path, "first")
    ok(poetry, first, home, "install")
    (archive,) = (home / "cache" / "artifacts").rglob("rich_tool-1.0-py3-none-any.whl")
    original = archive.read_bytes()
    # other bytes of the same size in Poetry's artifact cache
    archive.write_bytes(bytes(len(original)))
    second = tmp_path / "second"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns(".venv"))

    out = ok(poetry, second, home, "install", "-v")

    # linked from the entry the lock's sha256 names: the archive was not read
    assert "(2 unpacked before, 0 now)" in out, out
    assert run_in_venv(second, "rich_tool-cli") == "hello\n"
    # without the entry, the archive is read, and its hash checked, before any change
    shutil.rmtree(home / CACHE)
    third = tmp_path / "third"
    shutil.copytree(first, third, ignore=shutil.ignore_patterns(".venv"))
    result = poetry.run("install", cwd=third, home=home)
    assert result.returncode == 1
    assert "hash mismatch" in result.stderr + result.stdout
    assert not (third / SITE / "rich_tool").exists()


@pytest.mark.parametrize("no_binary", [False, True])
def test_sdists_and_no_binary_keep_poetrys_build_path(
    poetry: PoetryInstall, index, home, tmp_path, no_binary
) -> None:
    # src-only has only an sdist; both has a wheel and an sdist
    index.publish(build_sdist(tmp_path / "dist", "src-only", "1.0", buildable=True))
    index.publish(build_sdist(tmp_path / "dist", "both", "1.0", buildable=True))
    index.publish(build_wheel(tmp_path / "dist", "both", "1.0"))
    deps = 'src-only = "1.0"\nboth = "1.0"\n'
    project = write_project(tmp_path / "project", deps, {"main": index.index_url()})
    ok(poetry, project, home, "lock")
    env = {"POETRY_INSTALLER_NO_BINARY": "both"} if no_binary else {}

    result = poetry.run("install", "-v", cwd=project, home=home, env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    artifact = "import {0}; print({0}.ARTIFACT)"
    assert run_in_venv(project, "python", "-c", artifact.format("src_only")) == "sdist\n"
    both = run_in_venv(project, "python", "-c", artifact.format("both")).strip()
    if no_binary:  # built from its sdist by Poetry, installed by Poetry's installer
        assert both == "sdist"
        assert SUMMARY not in result.stdout
    else:
        assert both == "both-1.0-py3-none-any.whl"
        assert f"1 {SUMMARY}" in result.stdout
    # stock Poetry sees both as installed
    assert "No dependencies to install or update" in stock(poetry, project, home, "install")
