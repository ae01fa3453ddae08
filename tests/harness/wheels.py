"""Build small but real wheels (and sdists) for any name, version and platform tag.

Each wheel's module records which artifact it came from (``ARTIFACT``), so a test can
import the installed package and tell which alternative the installer picked.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.utils import canonicalize_name

__all__ = [
    "build_rich_wheel",
    "build_sdist",
    "build_wheel",
    "build_wheel_from_files",
    "sha256_of",
]


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
            record.append(
                _record_line(arcname, f"sha256={digest.rstrip(b'=').decode()}", len(data))
            )
        record.append(f"{dist_info}/RECORD,,")
        zf.writestr(_zipinfo(f"{dist_info}/RECORD"), "\n".join(record) + "\n")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_bytes(buffer.getvalue())
    return path


def build_sdist(
    directory: Path,
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    buildable: bool = False,
) -> Path:
    """Write an sdist: PKG-INFO and the module. With *buildable*, a PEP 517 one an
    installer can build offline: an in-tree backend (``backend-path``) that needs
    nothing installed and writes a ``py3-none-any`` wheel of the module."""
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
    if buildable:
        files[f"{base}/pyproject.toml"] = (
            '[build-system]\nrequires = []\nbuild-backend = "tiny_backend"\nbackend-path = ["."]\n'
        )
        files[f"{base}/tiny_backend.py"] = _TINY_BACKEND.format(
            module=module, metadata=pkg_info + "\n", dist_info=f"{module}-{version}.dist-info"
        )
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


#: An in-tree PEP 517 backend for :func:`build_sdist` (``str.format``: module,
#: metadata, dist_info).
_TINY_BACKEND = '''"""Builds this sdist's wheel with the standard library only."""
import base64, hashlib, os, zipfile

MODULE, METADATA, DIST_INFO = {module!r}, {metadata!r}, {dist_info!r}


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(MODULE, "__init__.py"), "rb") as f:
        init = f.read()
    files = {{
        MODULE + "/__init__.py": init,
        DIST_INFO + "/METADATA": METADATA.encode(),
        DIST_INFO + "/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }}
    name = DIST_INFO[: -len(".dist-info")] + "-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for arcname, data in files.items():
            zf.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(arcname + ",sha256=" + digest.decode() + "," + str(len(data)))
        record.append(DIST_INFO + "/RECORD,,")
        zf.writestr(DIST_INFO + "/RECORD", "\\n".join(record) + "\\n")
    return name
'''


def build_wheel_from_files(
    directory: Path,
    filename: str,
    files: Mapping[str, str | bytes],
    *,
    executable: Iterable[str] = (),
    unrecorded: Iterable[str] = (),
    record_extra: Iterable[str] = (),
    record_override: Mapping[str, str] | None = None,
) -> Path:
    """Write exactly *files* (archive name: content) as *filename*, plus a RECORD.

    For malformed wheels: *unrecorded* names are left out of RECORD, *record_extra*
    lines are added to it, *record_override* replaces a name's RECORD line. Names in
    *executable* get mode 0o755 (as regular files: the installer reads the type bits)."""
    dist_info = next(n.split("/", 1)[0] for n in files if n.split("/", 1)[0].endswith(".dist-info"))
    executable, unrecorded = set(executable), set(unrecorded)
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            mode = 0o100755 if arcname in executable else 0o100644
            zf.writestr(_zipinfo(arcname, mode), data)
            if arcname in unrecorded:
                continue
            if record_override and arcname in record_override:
                record.append(record_override[arcname])
                continue
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            record.append(
                _record_line(arcname, f"sha256={digest.rstrip(b'=').decode()}", len(data))
            )
        record += [*record_extra, f"{dist_info}/RECORD,,"]
        zf.writestr(_zipinfo(f"{dist_info}/RECORD"), "\n".join(record) + "\n")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    path.write_bytes(buffer.getvalue())
    return path


def build_rich_wheel(
    directory: Path,
    name: str = "rich-tool",
    version: str = "1.0",
    *,
    extra: Mapping[str, str | bytes] | None = None,
    unrecorded: Iterable[str] = (),
    record_extra: Iterable[str] = (),
    record_override: Mapping[str, str] | None = None,
) -> Path:
    """A wheel with what an installer must treat specially: console and GUI entry
    points, ``.data/{scripts,headers,data,purelib,platlib}`` (a ``#!python`` script, a
    shell script), an executable package file, a namespace-style nested package.

    *extra* files are added; the rest is as in :func:`build_wheel_from_files`."""
    module = _module_name(name)
    dist_info, data = f"{module}-{version}.dist-info", f"{module}-{version}.data"
    files: dict[str, str | bytes] = {
        f"{module}/__init__.py": f'__version__ = "{version}"\n',
        f"{module}/cli.py": "def main():\n    print('hello')\n\ndef gui():\n    pass\n",
        f"{module}/sub/__init__.py": "",
        f"{module}/sub/data.bin": bytes(range(256)) * 64,
        f"{module}/helper.sh": "#!/bin/sh\necho helper\n",
        f"{data}/scripts/{module}-py": "#!python\nimport sys\nprint(sys.argv)\n",
        f"{data}/scripts/{module}-sh": "#!/bin/sh\necho hi\n",
        f"{data}/headers/{module}.h": "int x;\n",
        f"{data}/data/share/{module}/notes.txt": "notes\n",
        f"{data}/purelib/{module}_extra.py": "EXTRA = 1\n",
        f"{data}/platlib/{module}_native.py": "NATIVE = 1\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: multiarch-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": (
            f"[console_scripts]\n{module}-cli = {module}.cli:main\n\n"
            f"[gui_scripts]\n{module}-gui = {module}.cli:gui\n"
        ),
    }
    files.update(extra or {})
    executable = {
        f"{module}/helper.sh",
        f"{data}/scripts/{module}-py",
        f"{data}/scripts/{module}-sh",
    }
    return build_wheel_from_files(
        directory,
        f"{module}-{version}-py3-none-any.whl",
        files,
        executable=executable,
        unrecorded=unrecorded,
        record_extra=record_extra,
        record_override=record_override,
    )


def _record_line(path: str, hash_: str, size: int) -> str:
    """One RECORD row as csv writes it (a path with a comma or a quote is quoted)."""
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow((path, hash_, size))
    return line.getvalue()


def _zipinfo(arcname: str, mode: int = 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = mode << 16
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
