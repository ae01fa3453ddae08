"""Killing Poetry while it writes ``poetry.lock`` leaves the previous lock intact (stock
Poetry truncates the file first: a kill there leaves 0 bytes or half a lock)."""

from __future__ import annotations

import os
import select
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from tests.harness.checks import ok
from tests.harness.index import IndexServer
from tests.harness.poetry import PoetryInstall, isolated_environment
from tests.harness.project import read_lock, write_project
from tests.harness.wheels import build_wheel

pytestmark = [pytest.mark.e2e]

#: Loaded by Poetry's Python (``PYTHONPATH``): a file opened for writing in the project
#: directory writes half of what it is given, tells the test (``READY`` pipe) and
#: waits on the ``GO`` pipe, which the test never writes: it kills Poetry there.
BLOCK_AT_WRITE = """
import builtins, os

_open = builtins.open
_dir = os.path.realpath(os.environ["MULTIARCH_TEST_BLOCK_DIR"])
_ready = int(os.environ["MULTIARCH_TEST_READY_FD"])
_go = int(os.environ["MULTIARCH_TEST_GO_FD"])


class _HalfThenWait:
    def __init__(self, f):
        self._f = f

    def write(self, text):
        half = len(text) // 2
        self._f.write(text[:half])
        self._f.flush()
        os.write(_ready, b"w")
        os.read(_go, 1)
        return half + self._f.write(text[half:])

    def __enter__(self):
        self._f.__enter__()
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def __getattr__(self, name):
        return getattr(self._f, name)


def open(file, mode="r", *args, **kwargs):
    f = _open(file, mode, *args, **kwargs)
    if (
        isinstance(file, (str, os.PathLike))
        and any(m in mode for m in "wxa")
        and os.path.dirname(os.path.realpath(file)) == _dir
    ):
        return _HalfThenWait(f)
    return f


builtins.open = open
"""


def test_killed_at_the_write_the_old_lock_stays(
    poetry: PoetryInstall, index: IndexServer, home: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    index.publish(build_wheel(dist, "alpha", "1.0"))
    index.publish(build_wheel(dist, "beta", "2.0"))
    sources = {"main": index.index_url()}
    project = write_project(tmp_path / "project", 'alpha = "1.0"', sources)
    ok(poetry, project, home, "lock")
    lock = project / "poetry.lock"
    lock.chmod(0o640)
    old = lock.read_bytes()
    before = set(os.listdir(project))

    write_project(project, 'alpha = "1.0"\nbeta = "2.0"', sources)  # a lock to write
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(BLOCK_AT_WRITE)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    env = isolated_environment(
        home,
        {
            "PYTHONPATH": str(shim),
            "MULTIARCH_TEST_BLOCK_DIR": str(project),
            "MULTIARCH_TEST_READY_FD": str(ready_w),
            "MULTIARCH_TEST_GO_FD": str(go_r),
        },
    )
    with (tmp_path / "lock.out").open("w+") as out:
        process = subprocess.Popen(
            [str(poetry.poetry), "lock"],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(ready_w, go_r),
        )
        os.close(ready_w)
        os.close(go_r)
        try:
            # the shim writes one byte at the write; EOF means Poetry exited before it
            readable, _, _ = select.select([ready_r], [], [], 300)
            signalled = os.read(ready_r, 1) if readable else b""
            process.send_signal(signal.SIGKILL)
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(ready_r)
            os.close(go_w)
        out.seek(0)
        assert signalled == b"w", f"poetry never reached the write:\n{out.read()}"

    assert lock.read_bytes() == old
    assert stat.S_IMODE(lock.stat().st_mode) == 0o640
    # what the kill left: at most a hidden temporary file, never read as a lock
    left = set(os.listdir(project)) - before
    assert all(name.startswith(".poetry.lock.") and name.endswith(".tmp") for name in left), left

    # the next lock writes in full and keeps the file's mode; stock Poetry accepts it
    ok(poetry, project, home, "lock")
    assert {p["name"] for p in read_lock(project)["package"]} == {"alpha", "beta"}
    assert stat.S_IMODE(lock.stat().st_mode) == 0o640
    check = poetry.run("check", "--lock", cwd=project, home=home, plugins=False)
    assert check.returncode == 0, check.stdout + check.stderr
