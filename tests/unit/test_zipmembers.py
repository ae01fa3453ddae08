"""Copying zip members straight from the archive, against ``zipfile``'s own reading."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from poetry_plugin_multiarch import zipmembers
from poetry_plugin_multiarch.zipmembers import MemberError, UnsupportedMember, copy_member

MEMBERS: dict[str, bytes] = {
    "empty.txt": b"",
    "small.py": b"x = 1\n" * 10,
    "random.bin": os.urandom(50_000),  # inflates to about its own size
    "repetitive.so": bytes(range(256)) * 4096,  # 1 MiB from a few KiB
    "long-extra.txt": b"its header is longer than the bytes read past it" * 3,
}
#: extra fields (any id) by member: a short one, and one longer than the read-ahead
EXTRA = {
    "small.py": b"\xfe\xca\x04\x00abcd",
    "long-extra.txt": b"\xfe\xca" + struct.pack("<H", 1000) + b"e" * 1000,
}


def inflaters() -> list[str]:
    """Both inflaters where isal is installed (the plugin's requirement on the
    platforms it has wheels for, and in this project's test venv)."""
    return ["zlib", "isal"] if importlib.util.find_spec("isal") else ["zlib"]


@pytest.fixture(params=inflaters())
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "isal":
        from isal import isal_zlib

        monkeypatch.setattr(zipmembers, "_zlib", isal_zlib)
    else:
        monkeypatch.setattr(zipmembers, "_zlib", zlib)
    return str(request.param)


def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            info.extra = EXTRA.get(name, b"")
            zf.writestr(info, data)
    return path


def copied(archive: Path, tmp_path: Path) -> Iterator[tuple[zipfile.ZipInfo, bytes, str]]:
    """Each member as copy_member writes it, with the sha256 it fed its hasher."""
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
    fd = os.open(archive, os.O_RDONLY)
    try:
        for info in infos:
            target = tmp_path / "out" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            sha = hashlib.sha256()
            sink = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                copy_member(fd, info, sink, [sha])
            finally:
                os.close(sink)
            yield info, target.read_bytes(), sha.hexdigest()
    finally:
        os.close(fd)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("slice_size", [1 << 23, 4096])  # one call, or in slices
def test_members_are_copied_as_zipfile_reads_them(
    inflater: str,
    method: int,
    slice_size: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zipmembers, "_SLICE", slice_size)
    archive = write_zip(tmp_path / "a.zip", MEMBERS, method)
    seen = {}
    for info, data, sha in copied(archive, tmp_path):
        assert data == MEMBERS[info.filename]
        assert sha == hashlib.sha256(MEMBERS[info.filename]).hexdigest()
        seen[info.filename] = len(data)
    assert seen == {name: len(data) for name, data in MEMBERS.items()}


def test_the_inflater_in_use_is_named() -> None:
    assert ("isal" if importlib.util.find_spec("isal") else "zlib") == zipmembers.INFLATE


def _damage(archive: Path, member: str, offset_in_data: int, byte: bytes) -> None:
    """Overwrite one byte of *member*'s compressed data."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    raw = bytearray(archive.read_bytes())
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    raw[start + offset_in_data] = byte[0] if raw[start + offset_in_data] != byte[0] else byte[0] ^ 1
    archive.write_bytes(bytes(raw))


@pytest.mark.parametrize("slice_size", [1 << 23, 4096])
def test_a_damaged_member_is_an_error_naming_it(
    inflater: str, slice_size: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipmembers, "_SLICE", slice_size)
    stored = write_zip(tmp_path / "stored.zip", MEMBERS, zipfile.ZIP_STORED)
    _damage(stored, "random.bin", 100, b"\x00")
    with pytest.raises(MemberError, match=r"random\.bin: CRC-32 does not match"):
        list(copied(stored, tmp_path))

    deflated = write_zip(tmp_path / "deflated.zip", MEMBERS)
    _damage(deflated, "repetitive.so", 2, b"\xff")
    with pytest.raises(MemberError, match=r"repetitive\.so: "):
        list(copied(deflated, tmp_path))


def _copy_to(fd: int, info: zipfile.ZipInfo, target: Path) -> None:
    sink = os.open(target, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        copy_member(fd, info, sink)
    finally:
        os.close(sink)


def test_an_archive_cut_short_or_a_header_elsewhere_is_an_error(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", MEMBERS)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("random.bin")
    fd = os.open(archive, os.O_RDONLY)
    try:
        short = zipfile.ZipInfo("random.bin")
        for field in ("compress_type", "file_size", "CRC", "header_offset"):
            setattr(short, field, getattr(info, field))
        short.compress_size = info.compress_size + archive.stat().st_size  # past the end
        with pytest.raises(MemberError, match=r"random\.bin: the archive ends inside its data"):
            _copy_to(fd, short, tmp_path / "x")
        elsewhere = zipfile.ZipInfo("random.bin")
        for field in ("compress_type", "compress_size", "file_size", "CRC"):
            setattr(elsewhere, field, getattr(info, field))
        elsewhere.header_offset = info.header_offset + 1
        with pytest.raises(MemberError, match=r"no local file header where the directory says"):
            _copy_to(fd, elsewhere, tmp_path / "y")
    finally:
        os.close(fd)


def test_an_encrypted_member_is_an_error(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", {"secret.txt": b"hidden"})
    raw = bytearray(archive.read_bytes())
    raw[6] |= 0x1  # the local header's "encrypted" flag
    archive.write_bytes(bytes(raw))
    with pytest.raises(MemberError, match=r"secret\.txt: encrypted"):
        list(copied(archive, tmp_path))


def test_other_compression_methods_are_left_to_zipfile(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", {"x.txt": b"x" * 1000}, zipfile.ZIP_BZIP2)
    with pytest.raises(UnsupportedMember, match=r"x\.txt: compression method 12"):
        list(copied(archive, tmp_path))
