"""Unpack archives into the unpacked-wheel cache as they arrive, the largest first.

Downloads finish in whatever order the index serves them, and the lock does not always
record sizes to start the largest first. Unpacking in the download threads made the
order of arrival the order of unpacking: a large wheel arriving late (scipy, after
the small ones alphabetically before it) was the install's tail, unpacked while the
other core sat idle. :class:`UnpackQueue` hands each free worker the largest archive
waiting, with as many workers as cores (inflating and writing files keep a core busy;
more workers would only contend).
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType

from poetry_plugin_multiarch.wheelcache import unpacked

__all__ = ["UnpackQueue", "unpack_all"]


class UnpackQueue:
    """Archives to unpack into the cache at *cache_root*, served largest first.

    :meth:`put` returns at once with a future of the archive's entry; :meth:`close`
    (or leaving the ``with`` block) waits until every archive put is unpacked. Workers
    start with the first archive, so a queue that is never used costs no thread.
    """

    def __init__(
        self, cache_root: Path, *, workers: int | None = None, verify_contents: bool = False
    ) -> None:
        self._cache_root = cache_root
        self._verify = verify_contents
        self._workers = max(1, workers or os.cpu_count() or 1)
        self._waiting: list[tuple[int, int, Path, str, Future[Path]]] = []
        self._order = itertools.count()  # equal sizes: first come, first served
        self._ready = threading.Condition()
        self._closed = False
        self._threads: list[threading.Thread] = []

    def put(self, archive: Path, sha256: str) -> Future[Path]:
        """Queue *archive* (its hash *sha256* checked by the caller). Thread-safe.

        :raises RuntimeError: after :meth:`close`
        """
        future: Future[Path] = Future()
        size = os.path.getsize(archive)
        with self._ready:
            if self._closed:
                raise RuntimeError("the unpack queue is closed")
            heapq.heappush(self._waiting, (-size, next(self._order), archive, sha256, future))
            if len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, name=f"multiarch-unpack-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._ready.notify()
        return future

    def close(self) -> None:
        """Take no more archives; return once every archive put is unpacked (or failed:
        each future holds its exception)."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join()

    def __enter__(self) -> UnpackQueue:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._waiting and not self._closed:
                    self._ready.wait()
                if not self._waiting:
                    return
                _, _, archive, sha256, future = heapq.heappop(self._waiting)
            if not future.set_running_or_notify_cancel():
                continue
            try:
                entry = unpacked(self._cache_root, archive, sha256, verify_contents=self._verify)
            except BaseException as e:  # the caller decides; the worker goes on
                future.set_exception(e)
            else:
                future.set_result(entry)


def unpack_all(
    cache_root: Path,
    archives: Iterable[tuple[Path, str]],
    *,
    workers: int | None = None,
    verify_contents: bool = False,
) -> dict[Path, Path]:
    """Unpack each ``(archive, sha256)`` into the cache; return each archive's entry.
    The first error is raised after every unpack has finished."""
    with UnpackQueue(cache_root, workers=workers, verify_contents=verify_contents) as queue:
        futures = {archive: queue.put(archive, sha256) for archive, sha256 in archives}
    return {archive: future.result() for archive, future in futures.items()}
