"""The unpack queue: largest archive first, every archive's own result, bounded threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from poetry_plugin_multiarch import unpack_queue
from poetry_plugin_multiarch.unpack_queue import UnpackQueue, unpack_all
from poetry_plugin_multiarch.wheelcache import MalformedWheel
from tests.harness.wheels import build_rich_wheel, build_wheel, sha256_of


class Recorder:
    """Stands in for ``wheelcache.unpacked``: records the order and how many run at
    once; the first call waits until *release* is set (so the rest queue up), and
    the first *together* calls wait for each other."""

    def __init__(self, together: int = 0) -> None:
        self.together = threading.Barrier(together) if together else None
        self.order: list[str] = []
        self.running = self.most = 0
        self.release = threading.Event()
        self.started = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, cache_root: Path, archive: Path, sha256: str, **_: object) -> Path:
        with self._lock:
            self.order.append(archive.name)
            self.running += 1
            self.most = max(self.most, self.running)
            first = len(self.order) == 1
            calls = len(self.order)
        self.started.set()
        if first:
            assert self.release.wait(10)
        if self.together is not None and calls <= self.together.parties:
            self.together.wait(10)  # these calls run at the same time, or this fails
        with self._lock:
            self.running -= 1
        if archive.name.startswith("bad"):
            raise MalformedWheel(archive, [f"{archive.name}: broken"])
        return cache_root / sha256


def archives(tmp_path: Path, sizes: dict[str, int]) -> list[Path]:
    paths = []
    for name, size in sizes.items():
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        paths.append(path)
    return paths


def test_the_largest_waiting_archive_goes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(unpack_queue, "unpacked", recorder)
    first, *rest = archives(tmp_path, {"first": 1, "s": 10, "xl": 5000, "m": 300, "l": 2000})
    with UnpackQueue(tmp_path / "cache", workers=1) as queue:
        futures = [queue.put(first, "0")]
        assert recorder.started.wait(10)  # the worker is busy with the first
        futures += [queue.put(path, str(i)) for i, path in enumerate(rest, 1)]
        recorder.release.set()
    # arrival order was s, xl, m, l: the worker took them by size instead
    assert recorder.order == ["first", "xl", "l", "m", "s"]
    assert [f.result().name for f in futures] == ["0", "1", "2", "3", "4"]


def test_each_archive_gets_its_own_result_and_close_waits_for_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(together=3)
    recorder.release.set()
    monkeypatch.setattr(unpack_queue, "unpacked", recorder)
    paths = archives(tmp_path, {f"{kind}{i}": i + 1 for i in range(12) for kind in ("ok", "bad")})
    queue = UnpackQueue(tmp_path / "cache", workers=3)
    futures = {path.name: queue.put(path, path.name) for path in paths}
    queue.close()
    assert all(future.done() for future in futures.values())
    for name, future in futures.items():
        if name.startswith("bad"):
            with pytest.raises(MalformedWheel, match=f"{name}: broken"):
                future.result()
        else:
            assert future.result() == tmp_path / "cache" / name
    assert recorder.most == 3  # as many at once as workers, never more
    with pytest.raises(RuntimeError, match="closed"):
        queue.put(paths[0], "late")


def test_no_thread_until_an_archive_is_put(tmp_path: Path) -> None:
    before = threading.active_count()
    queue = UnpackQueue(tmp_path / "cache", workers=4)
    assert threading.active_count() == before
    queue.close()  # nothing to wait for


def test_unpack_all_unpacks_real_wheels_and_raises_after_the_others(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = [
        build_wheel(tmp_path / "wheels", f"pkg{i}", "1.0", files={f"pkg{i}/x.py": "x = 1\n"})
        for i in range(4)
    ]
    entries = unpack_all(cache, [(w, sha256_of(w)) for w in good], workers=2)
    assert list(entries) == good
    assert all((entries[w] / "entry.json").exists() for w in good)

    bad = build_rich_wheel(tmp_path / "wheels", unrecorded=["rich_tool/cli.py"])
    other = build_wheel(tmp_path / "wheels", "other", "1.0")
    with pytest.raises(MalformedWheel, match=r"rich_tool/cli\.py"):
        unpack_all(cache, [(bad, sha256_of(bad)), (other, sha256_of(other))])
    assert (cache / sha256_of(other)[:2] / sha256_of(other) / "entry.json").exists()
