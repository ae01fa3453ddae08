"""Poetry's wheel installer, installing from the unpacked-wheel cache.

:func:`use_wheel_cache` turns the executor's ``WheelInstaller`` into a
:class:`CachedWheelInstaller` in place (``__class__``, as for the chooser), so Poetry
still decides what to install, in which order, and writes ``direct_url.json`` itself.
It is the sink of :func:`~poetry_plugin_multiarch.adapter.artifacts.prefetch_artifacts`:
an archive whose entry is whole already (:meth:`CachedWheelInstaller.holds`) is not
read again; any other is queued right after its hash is checked
(:meth:`CachedWheelInstaller.checked`) and unpacked once into the cache
(:mod:`poetry_plugin_multiarch.wheelcache`) by one thread per core, the largest
archive waiting first (:mod:`poetry_plugin_multiarch.unpack_queue`), while the other
downloads go on; :meth:`CachedWheelInstaller.settle` waits for them, before the venv
changes. Installing it then links the entry's files into the venv. A wheel the cache
cannot serve (an unusual hash, a RECORD that does not match the archive, a cache that
cannot be written) goes through Poetry's own installer, with a ``-v`` note.

``MULTIARCH_LINK_MODE`` (a machine's setting, like the download deadline) chooses how
files get into the venv: ``hardlink`` (default; a copy where the venv is on another
file system), ``copy`` (a reflink where the file system offers one), or ``poetry``
(Poetry's own installer, no cache).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from poetry.__version__ import __version__ as poetry_version
from poetry.installation.wheel_installer import WheelInstaller

from poetry_plugin_multiarch.adapter.compat import venv_scheme
from poetry_plugin_multiarch.errors import ConfigError
from poetry_plugin_multiarch.unpack_queue import UnpackQueue
from poetry_plugin_multiarch.wheelcache import (
    CacheEntryError,
    LinkMode,
    MalformedWheel,
    intact_entry,
    link_install,
)
from poetry_plugin_multiarch.zipmembers import INFLATE

if TYPE_CHECKING:
    from collections.abc import Mapping
    from concurrent.futures import Future

    from cleo.io.io import IO
    from poetry.config.config import Config

__all__ = [
    "LINK_MODE_VARIABLE",
    "CachedWheelInstaller",
    "clear_unpacked_wheels",
    "count_unpacked_wheels",
    "link_mode",
    "unpacked_wheels_dir",
    "use_wheel_cache",
]

#: Environment variable: how installed files get into the venv.
LINK_MODE_VARIABLE = "MULTIARCH_LINK_MODE"
#: its values, and the wheel cache's link mode for each (``None``: no cache)
LINK_MODES: dict[str, LinkMode | None] = {"hardlink": "auto", "copy": "copy", "poetry": None}
#: the cache's directory under Poetry's ``cache-dir``
CACHE_SUBDIR = Path("multiarch", "unpacked-wheels")


def link_mode(environ: Mapping[str, str]) -> LinkMode | None:
    """The link mode ``MULTIARCH_LINK_MODE`` asks for (``None``: Poetry's installer).

    :raises ConfigError: for a value that is not one of :data:`LINK_MODES`.
    """
    value = environ.get(LINK_MODE_VARIABLE, "").strip().lower() or "hardlink"
    if value not in LINK_MODES:
        raise ConfigError(
            f"{LINK_MODE_VARIABLE}={value!r} is not a link mode.",
            f"Set it to {', '.join(LINK_MODES)} (hardlink is the default: files are"
            " hard-linked from the unpacked-wheel cache, copied across file systems),"
            " or unset it.",
        )
    return LINK_MODES[value]


def unpacked_wheels_dir(config: Config) -> Path:
    """Where the unpacked-wheel cache lives: beside Poetry's artifact cache, so that a
    CI job restoring Poetry's cache directory restores it too."""
    return Path(config.get("cache-dir")).expanduser() / CACHE_SUBDIR


class CachedWheelInstaller(WheelInstaller):
    """Poetry's ``WheelInstaller``; a wheel prepared in the cache is linked from it."""

    _multiarch_cache: Path
    _multiarch_mode: LinkMode
    _multiarch_io: IO
    _multiarch_entries: dict[Path, Path]
    _multiarch_lock: threading.Lock
    _multiarch_linking: threading.Lock
    _multiarch_queue: UnpackQueue | None
    _multiarch_unpacking: dict[Path, Future[Path]]
    _multiarch_counts: dict[str, int]

    def holds(self, archive: Path, locked_hash: str) -> bool:
        """Whether the cache has a whole entry for *locked_hash* (see
        :class:`~poetry_plugin_multiarch.adapter.artifacts.ArchiveSink`)."""
        if archive.suffix != ".whl":
            return False
        try:
            entry = intact_entry(self._multiarch_cache, locked_hash)
        except (OSError, ValueError):
            return False
        if entry is None:
            return False
        with self._multiarch_lock:
            self._multiarch_entries[archive] = entry
            self._multiarch_counts["held"] += 1
        return True

    def checked(self, archive: Path, checked_hash: str) -> None:
        """Queue *archive* (its hash *checked_hash* just checked) for unpacking into the
        cache, or note why it will go through Poetry's installer. Thread-safe; returns
        at once (:meth:`settle` waits for the unpacking)."""
        if archive.suffix != ".whl":
            return  # an sdist: Poetry builds it
        algorithm, _, digest = checked_hash.partition(":")
        if algorithm != "sha256":
            self._note(f"{archive.name}: the lock's hash is {algorithm}, the cache keys by sha256")
            return
        with self._multiarch_lock:
            if self._multiarch_queue is None:
                self._multiarch_queue = UnpackQueue(self._multiarch_cache)
            queue = self._multiarch_queue
        try:
            future = queue.put(archive, digest)
        except OSError as e:  # the archive vanished: Poetry's installer meets that
            self._note(f"{archive.name}: the unpacked-wheel cache failed: {e}")
            return
        with self._multiarch_lock:
            self._multiarch_unpacking[archive] = future

    def settle(self) -> None:
        """Wait until every archive queued is unpacked; note each that failed (it goes
        through Poetry's installer). Never raises for a wheel the cache cannot serve."""
        with self._multiarch_lock:
            queue, self._multiarch_queue = self._multiarch_queue, None
            unpacking, self._multiarch_unpacking = self._multiarch_unpacking, {}
        if queue is not None:
            queue.close()
        for archive, future in unpacking.items():
            try:
                entry = future.result()
            except MalformedWheel as e:
                self._note(str(e))
                continue
            except Exception as e:  # no zip, a cache that cannot be written, …:
                # Poetry's installer then meets the archive as it would without the plugin
                self._note(f"{archive.name}: the unpacked-wheel cache failed: {e}")
                continue
            self._multiarch_entries[archive] = entry
            self._multiarch_counts["unpacked"] += 1

    def install(self, wheel: Path) -> None:
        entry = self._multiarch_entries.get(wheel)
        if entry is not None:
            scheme = dict(venv_scheme(self._env))
            scheme["headers"] = os.path.join(scheme["include"], _distribution(wheel))
            try:
                # one wheel at a time: linking is a syscall per file, and Poetry's
                # install threads doing it at once mostly wait on each other for the GIL
                with self._multiarch_linking:
                    done = link_install(
                        entry,
                        scheme,
                        interpreter=str(self._env.python),
                        installer_name=f"Poetry {poetry_version}",
                        script_kind=self._script_kind,
                        link_mode=self._multiarch_mode,
                        bytecode_optimization_levels=self._bytecode_optimization_levels,
                    )
            except CacheEntryError as e:
                self._note(f"{wheel.name}: {e}")
            else:
                with self._multiarch_lock:
                    counts = self._multiarch_counts
                    counts["wheels"] += 1
                    counts["linked"] += done.linked
                    counts["copied"] += done.copied
                    counts["written"] += done.written
                return
        super().install(wheel)

    def summary(self) -> str | None:
        """A ``-v`` line: what the fast path did in this install."""
        counts = self._multiarch_counts
        if not counts["wheels"]:
            return None
        return (
            f"multiarch: {counts['wheels']} wheels installed from the unpacked-wheel cache"
            f" {self._multiarch_cache}: {counts['linked']} files hard-linked,"
            f" {counts['copied']} copied, {counts['written']} written"
            f" ({counts['held']} unpacked before, {counts['unpacked']} now"
            + (f", inflated with {INFLATE}" if counts["unpacked"] else "")
            + ")"
        )

    def _note(self, text: str) -> None:
        if self._multiarch_io.is_verbose():
            with self._multiarch_lock:
                self._multiarch_io.write_line(
                    f"<debug>multiarch: installing through Poetry's wheel installer: {text}</debug>"
                )


def _distribution(wheel: Path) -> str:
    """The distribution part of a wheel's file name, as ``installer`` names headers."""
    return wheel.name.split("-", 1)[0]


def use_wheel_cache(
    installer: WheelInstaller, config: Config, io: IO, environ: Mapping[str, str] = os.environ
) -> CachedWheelInstaller | None:
    """Turn the executor's *installer* into a :class:`CachedWheelInstaller`, unless
    ``MULTIARCH_LINK_MODE=poetry``. Idempotent; each call starts a new install.

    :raises ConfigError: for a bad ``MULTIARCH_LINK_MODE``.
    """
    mode = link_mode(environ)
    if mode is None:
        if io.is_verbose():
            io.write_line(
                f"<debug>multiarch: {LINK_MODE_VARIABLE}=poetry: installing wheels"
                " through Poetry's wheel installer</debug>"
            )
        return None
    installer.__class__ = CachedWheelInstaller
    assert isinstance(installer, CachedWheelInstaller)
    installer._multiarch_cache = unpacked_wheels_dir(config)
    installer._multiarch_mode = mode
    installer._multiarch_io = io
    installer._multiarch_entries = {}
    installer._multiarch_lock = threading.Lock()
    installer._multiarch_linking = threading.Lock()
    installer._multiarch_queue = None
    installer._multiarch_unpacking = {}
    installer._multiarch_counts = dict.fromkeys(
        ("wheels", "linked", "copied", "written", "held", "unpacked"), 0
    )
    return installer


def count_unpacked_wheels(root: Path) -> int:
    """How many entries the unpacked-wheel cache at *root* holds."""
    if not root.is_dir():
        return 0
    return sum(
        1
        for shard in root.iterdir()
        if shard.is_dir()
        for entry in shard.iterdir()
        if not entry.name.startswith(".")
    )


def clear_unpacked_wheels(config: Config) -> tuple[Path, int]:
    """Delete the unpacked-wheel cache; return its directory and the entries it held.

    Safe while another install runs: an install links only whole entries and falls
    back to Poetry's installer for one that vanished."""
    root = unpacked_wheels_dir(config)
    if not root.is_dir():
        return root, 0
    entries = count_unpacked_wheels(root)
    trash = root.with_name(f".{root.name}.{os.getpid()}.trash")
    os.rename(root, trash)
    shutil.rmtree(trash, ignore_errors=True)
    return root, entries
