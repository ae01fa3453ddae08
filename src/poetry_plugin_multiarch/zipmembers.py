"""Copy a zip archive's members straight from its file: what unpacking a wheel needs.

``zipfile`` serves a member through a ``ZipExtFile`` over one file position shared
behind a lock, reading and inflating it a few KiB at a time; for the thousands of small
files of a wheel that costs more than inflating them, and keeps threads waiting on each
other. :func:`copy_member` reads the member's local header and data with ``pread``
(nothing shared between threads; Windows, which has no ``pread``, reads under a lock),
inflates it in one call (in slices for a large member) and writes it with ``os.write``,
checking its size and CRC-32 as ``zipfile`` does.

Inflating uses python-isal's zlib (Intel ISA-L, 2–3× zlib's speed) where it is
installed, else the standard ``zlib``: the two produce the same bytes.
"""

from __future__ import annotations

import os
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

_zlib: Any
try:
    from isal import isal_zlib as _zlib  # type: ignore[import-not-found, no-redef, unused-ignore]
except ImportError:  # the plugin depends on it only where it ships wheels
    _zlib = zlib

__all__ = ["INFLATE", "MemberError", "UnsupportedMember", "copy_member"]

#: which inflate is in use, for ``-v`` output and benchmarks
INFLATE = "zlib" if _zlib is zlib else "isal"

_LOCAL_HEADER = struct.Struct("<4s2xHH4xIII2H")  # signature, flags, method, crc, sizes, lengths
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED = 0x1
#: members larger than this (compressed, or inflated) are copied in slices of it: a
#: slice's bytes in and out are what a thread holds, and a 1 GB shared library (torch)
#: never sits in memory whole. Slices freed by several threads stay in glibc's
#: per-thread arenas: on the real-wheel benchmark an install's peak RSS was 1.6× stock
#: Poetry's with 8 MiB slices, 1.12× with 1 MiB, 1.02× with 128 KiB, and unpacking no
#: slower (the inflating dominates, not the calls)
_SLICE = 128 << 10
#: bytes read past a local header for its name and extra field, with the data
_NAME_AND_EXTRA = 512


if hasattr(os, "pread"):
    _pread = os.pread
else:  # Windows: a file position, so one reader at a time
    _seeking = threading.Lock()

    def _pread(fd: int, size: int, offset: int, /) -> bytes:
        with _seeking:
            os.lseek(fd, offset, os.SEEK_SET)
            return os.read(fd, size)


class MemberError(ValueError):
    """A member whose bytes are not what the archive's directory says."""


class UnsupportedMember(MemberError):
    """A member this module does not copy (compressed other than stored or deflated):
    ``zipfile`` can copy it."""


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...


def copy_member(
    archive_fd: int, info: zipfile.ZipInfo, target_fd: int, hashers: Iterable[Hasher] = ()
) -> None:
    """Write *info*'s inflated bytes to *target_fd*, each slice also to *hashers*.

    :param archive_fd: the archive, opened for reading (only ``pread`` is used, so
        threads may share it)
    :raises UnsupportedMember: a compression method other than stored or deflated
    :raises MemberError: an encrypted member, a local header that is not one, or bytes
        whose size or CRC-32 differ from the directory's
    """
    method = info.compress_type
    if method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise UnsupportedMember(f"{info.filename}: compression method {method}")
    hashers = list(hashers)
    try:
        written, crc = _copy(archive_fd, info, target_fd, hashers)
    except _zlib.error as e:
        raise MemberError(f"{info.filename}: {e}") from None
    if written != info.file_size:
        raise MemberError(f"{info.filename}: {written} bytes, the archive says {info.file_size}")
    if crc != info.CRC:
        raise MemberError(f"{info.filename}: CRC-32 does not match the archive's")


def _copy(
    archive_fd: int, info: zipfile.ZipInfo, target_fd: int, hashers: list[Hasher]
) -> tuple[int, int]:
    """Copy the member; return its size and CRC-32."""
    size, crc = info.compress_size, 0
    if info.compress_type == zipfile.ZIP_DEFLATED and max(size, info.file_size) <= _SLICE:
        # the header and the data in one read, as a rule (a long name or local extra
        # field takes a second)
        start, head = _data_offset(archive_fd, info, read_ahead=size + _NAME_AND_EXTRA)
        compressed = memoryview(head)[start - info.header_offset :]
        if len(compressed) < size:
            compressed = memoryview(_read(archive_fd, size, start, info))
        data = _zlib.decompress(compressed[:size], -15, max(info.file_size, 1))
        crc = _zlib.crc32(data)
        _emit(target_fd, data, hashers)
        written = len(data)
    else:
        start, _ = _data_offset(archive_fd, info)
        deflated = info.compress_type == zipfile.ZIP_DEFLATED
        inflater = _zlib.decompressobj(-15) if deflated else None
        written = 0
        for offset in range(start, start + size, _SLICE):
            data = _read(archive_fd, min(_SLICE, start + size - offset), offset, info)
            pieces = [data] if inflater is None else _inflate_slice(inflater, data, info)
            for piece in pieces:
                crc = _zlib.crc32(piece, crc)
                _emit(target_fd, piece, hashers)
                written += len(piece)
        if inflater is not None:
            rest = inflater.flush()
            if rest:
                crc = _zlib.crc32(rest, crc)
                _emit(target_fd, rest, hashers)
                written += len(rest)
            if not inflater.eof:
                raise MemberError(f"{info.filename}: compressed data ends early")
    return written, crc


def _data_offset(archive_fd: int, info: zipfile.ZipInfo, read_ahead: int = 0) -> tuple[int, bytes]:
    """Where *info*'s data starts (after its local header, whose name and extra field
    may differ in length from the directory's), and the bytes read from the header on
    (*read_ahead* more than the header, as far as the archive goes)."""
    header = _pread(archive_fd, _LOCAL_HEADER.size + read_ahead, info.header_offset)
    if len(header) < _LOCAL_HEADER.size:
        raise MemberError(f"{info.filename}: the archive ends inside its header")
    fields = _LOCAL_HEADER.unpack_from(header)
    signature, flags, _, _, _, _, name_length, extra_length = fields
    if signature != _LOCAL_SIGNATURE:
        raise MemberError(f"{info.filename}: no local file header where the directory says")
    if flags & _ENCRYPTED:
        raise MemberError(f"{info.filename}: encrypted")
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length, header


def _read(archive_fd: int, size: int, offset: int, info: zipfile.ZipInfo) -> bytes:
    data = _pread(archive_fd, size, offset)
    if len(data) != size:
        raise MemberError(f"{info.filename}: the archive ends inside its data")
    return data


def _inflate_slice(inflater: Any, data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """*data* inflated, in pieces of at most :data:`_SLICE` bytes (a full piece may
    leave output pending with no input left: asked for with no input)."""
    while True:
        piece = inflater.decompress(data, _SLICE)
        if piece:
            yield piece
        data = inflater.unconsumed_tail
        if len(piece) < _SLICE and not data:
            return
        if not piece and data:  # no progress
            raise MemberError(f"{info.filename}: compressed data does not inflate")


def _emit(target_fd: int, data: bytes, hashers: list[Hasher]) -> None:
    for hasher in hashers:
        hasher.update(data)
    view = memoryview(data)
    while view:
        view = view[os.write(target_fd, view) :]
