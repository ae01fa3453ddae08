"""Build small but real wheels (and sdists) for any name, version and platform tag.

Each wheel's module records which artifact it came from (``ARTIFACT``), so a test can
import the installed package and tell which alternative the installer picked.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.utils import canonicalize_name

__all__ = ["build_sdist", "build_wheel", "sha256_of"]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _module_name(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    tag: str = "py3-none-any",
    *,
    requires: Iterable[str] = (),
    requires_python: str | None = None,
    files: Mapping[str, str | bytes] | None = None,
) -> Path:
    """Write ``{name}-{version}-{tag}.whl`` into *directory* and return its path.

    *files* (archive name: content) are added, replacing the default module's."""
    module = _module_name(name)
    filename = f"{module}-{version}-{tag}.whl"
    dist_info = f"{module}-{version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
    ]
    if requires_python:
        metadata.append(f"Requires-Python: {requires_python}")
    metadata += [f"Requires-Dist: {req}" for req in requires]
    contents: dict[str, str | bytes] = {
        f"{module}/__init__.py": (f'__version__ = "{version}"\nARTIFACT = "{filename}"\n'),
        f"{dist_info}/METADATA": "\n".join(metadata) + "\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: multiarch-tests\n"
            f"Root-Is-Purelib: {'true' if tag.endswith('-none-any') else 'false'}\n"
            + "".join(f"Tag: {t}\n" for t in _expand(tag))
        ),
        f"{dist_info}/top_level.txt": f"{module}\n",
        **(files or {}),
    }
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, content in contents.items():
            data = content.encode() if isinstance(content, str) else content
            zf.writestr(_zipinfo(arcname), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            record.append(f"{arcname},sha256={digest.rstrip(b'=').decode()},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        zf.writestr(_zipinfo(f"{dist_info}/RECORD"), "\n".join(record) + "\n")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_bytes(buffer.getvalue())
    return path


def build_sdist(directory: Path, name: str, version: str, *, requires: Iterable[str] = ()) -> Path:
    """Write a PEP 517 sdist (flit-free: a tiny setuptools-less pyproject)."""
    module = _module_name(name)
    base = f"{module}-{version}"
    pkg_info = "\n".join(
        ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        + [f"Requires-Dist: {req}" for req in requires]
    )
    files = {
        f"{base}/PKG-INFO": pkg_info + "\n",
        f"{base}/{module}/__init__.py": f'__version__ = "{version}"\nARTIFACT = "sdist"\n',
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{base}.tar.gz"
    # gzip's header holds a time too: fixed, so one build's bytes equal another's
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tf,
    ):
        for arcname, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(arcname)
            info.size = len(data)
            info.mtime = 0
            tf.addfile(info, io.BytesIO(data))
    return path


def _zipinfo(arcname: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _expand(tag: str) -> list[str]:
    """``cp311-cp311-a.b`` → one ``Tag:`` line per compressed platform."""
    python, abi, platforms = tag.split("-")
    return [
        f"{py}-{ab}-{plat}"
        for py in python.split(".")
        for ab in abi.split(".")
        for plat in platforms.split(".")
    ]
