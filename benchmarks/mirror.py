"""The real-wheel mirror: a scientific stack's actual wheels on a loopback index.

The wheels are fetched once with ``pip download --only-binary=:all:`` for CPython
3.11 on ``manylinux2014_x86_64`` and ``manylinux2014_aarch64`` and kept under
``~/.cache/poetry-plugin-multiarch/real-wheels-<digest of the pins>/`` (never in the
repository). Every version below has a wheel for both machines (cp311, abi3 or
pure), so the run is reproducible. The index lists both machines' wheels of every
package, except the split dependency's aarch64 wheel, which is only served at a
plain URL (the seed's shape: index release on x86_64, URL wheel on aarch64).

For the install comparison with PyPI-sized pages, :meth:`Mirror.list_other_releases`
adds to each page every file PyPI lists for the package's other releases (names and
hashes from PyPI's JSON simple API, cached beside the wheels; never served, as nobody
fetches them). The pinned release keeps exactly its downloaded files.

For ``--smoke``, :func:`stand_in_mirror` builds a tiny stack of the same shape
locally: nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from tests.harness.index import IndexServer
from tests.harness.poetry import cache_root
from tests.harness.wheels import build_wheel, sha256_of

from benchmarks.fixtures import Project, Split

__all__ = ["DIRECT", "MACHINES", "STACK", "Mirror", "real_mirror", "stand_in_mirror"]

#: Every distribution of the mirror, pinned: the direct dependencies and their closure.
STACK = {
    "certifi": "2026.10.19.post1",
    "cffi": "2.1.1",
    "charset-normalizer": "3.5.3",
    "cloudpickle": "3.1.3",
    "contourpy": "1.3.2",
    "cryptography": "50.0.2",
    "cycler": "0.12.1",
    "fonttools": "4.68.0",
    "idna": "3.20",
    "jinja2": "3.1.6",
    "joblib": "1.6.0",
    "kiwisolver": "1.4.8",
    "markupsafe": "3.0.4",
    "matplotlib": "3.10.3",
    "msgpack": "1.2.4",
    "numpy": "2.2.6",
    "packaging": "26.4",
    "pandas": "2.3.2",
    "pillow": "12.2.0",
    "pycparser": "3.12",
    "pyparsing": "3.3.3",
    "python-dateutil": "4.0.0",
    "pytz": "2026.6",
    "pyyaml": "6.0.4",
    "requests": "2.34.2",
    "scikit-learn": "1.7.0",
    "scipy": "1.16.3",
    "threadpoolctl": "3.8.0",
    "tzdata": "2026.6",
    "urllib3": "2.8.0",
}
#: What the project asks for; the rest of STACK comes in as their dependencies.
DIRECT = (
    "numpy", "scipy", "pandas", "pyyaml", "cffi", "cryptography", "pillow",
    "charset-normalizer", "msgpack", "matplotlib", "scikit-learn", "requests", "jinja2",
)  # fmt: skip
SPLIT = "msgpack"
MACHINES = {"x86_64": "manylinux2014_x86_64", "aarch64": "manylinux2014_aarch64"}

#: The stand-in: (name, version, dependencies, has platform wheels)
_STAND_IN = (
    ("numpy", "2.2.6", (), True),
    ("pandas", "2.3.2", ("numpy>=1.23", "python-dateutil>=2.8", "tzdata"), True),
    ("python-dateutil", "4.0.0", ("tzdata",), False),
    ("tzdata", "2026.6", (), False),
    ("msgpack", "1.2.4", (), True),
)


@dataclass(frozen=True)
class Mirror:
    """Wheels per machine and the project that uses them."""

    wheels: dict[str, list[Path]]
    stack: dict[str, str]
    direct: tuple[str, ...]
    #: the project's Python constraint (the real wheels are cp311)
    python: str
    label: str
    #: where the wheels come from, for the report
    origin: str
    #: every file name and sha256 of each package's other releases (PyPI's listing)
    other_releases: Callable[[], dict[str, list[tuple[str, str]]]]
    #: where those listings come from, for the report
    other_releases_origin: str

    def list_other_releases(self, server: IndexServer) -> int:
        """Make each package's index page as long as its listing says (files never
        served); return how many links that added."""
        added = 0
        for files in self.other_releases().values():
            for filename, sha256 in files:
                server.list_only(filename, sha256)
                added += 1
        return added

    def publish(self, server: IndexServer) -> Project:
        """Serve the wheels (symlinked, hashed once) and list them on the index, except
        the split dependency's aarch64 wheel: that one only has a URL."""
        hashes = _hashes(self.wheels)
        split_url = ""
        for machine, files in self.wheels.items():
            for wheel in files:
                served = server.files / wheel.name
                if not served.exists():
                    served.symlink_to(wheel.resolve())
                name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
                if name == SPLIT and machine == "aarch64":
                    split_url = server.file_url(wheel.name)
                else:
                    server.list_only(wheel.name, hashes[wheel.name])
        pins = {name: self.stack[name] for name in self.direct if name != SPLIT}
        return Project(pins, Split(SPLIT, self.stack[SPLIT], split_url), python=self.python)


def real_mirror() -> Mirror:
    """The real stack (downloaded on first use); needs CPython 3.11 to install."""
    if sys.version_info[:2] != (3, 11):
        raise SystemExit("the real-wheel mirror holds cp311 wheels: run on CPython 3.11")
    return Mirror(
        _real_wheels(),
        STACK,
        DIRECT,
        ">=3.11,<3.12",
        f"real-wheel mirror ({len(STACK)} packages)",
        "real wheels fetched with `pip download --only-binary=:all:` for"
        " `manylinux2014_x86_64` and `manylinux2014_aarch64`, CPython 3.11, cached under"
        " `~/.cache/poetry-plugin-multiarch/`, versions pinned in `benchmarks/mirror.py`:"
        f" {', '.join(f'{name} {version}' for name, version in STACK.items())}.",
        _pypi_listings,
        "every file PyPI's simple index lists for the other releases of each package"
        " (fetched once from PyPI's JSON simple API, cached beside the wheels)",
    )


def stand_in_mirror(directory: Path) -> Mirror:
    """A few wheels built here in the stack's shape (for ``--smoke``): py3 platform
    wheels for both machines, pure wheels, one dependency chain. Nothing is downloaded."""
    wheels: dict[str, list[Path]] = {machine: [] for machine in MACHINES}
    for name, version, requires, binary in _STAND_IN:
        for machine, platform in MACHINES.items():
            tag = f"py3-none-{platform}" if binary else "py3-none-any"
            wheels[machine].append(
                build_wheel(directory / machine, name, version, tag, requires=requires)
            )
    return Mirror(
        wheels,
        {name: version for name, version, _, _ in _STAND_IN},
        ("numpy", "pandas", SPLIT),
        ">=3.10,<3.14",
        f"stand-in mirror ({len(_STAND_IN)} packages, --smoke)",
        "tiny wheels built locally in the stack's shape (platform wheels for both machines,"
        " pure wheels, one dependency chain): nothing is downloaded.",
        _stand_in_listings,
        "40 made-up older releases x 4 wheels per package",
    )


def _real_wheels() -> dict[str, list[Path]]:
    """The stack's wheels per machine, downloaded on first use."""
    pins = [f"{name}=={version}" for name, version in sorted(STACK.items())]
    root = _real_root()
    wheels = {}
    for machine, platform in MACHINES.items():
        directory = root / machine
        if not (directory / ".complete").exists():
            print(f"downloading the real-wheel mirror for {platform} into {directory}", flush=True)
            directory.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                 "--no-deps", "--only-binary=:all:", "--platform", platform,
                 "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311",
                 "--dest", str(directory), *pins],
                check=True,
            )  # fmt: skip
            found = {canonicalize_name(parse_wheel_filename(p.name)[0]) for p in _wheels(directory)}
            missing = sorted(set(STACK) - found)
            if missing:
                raise SystemExit(f"pip download left out {missing} for {platform}")
            (directory / ".complete").write_text("\n".join(pins) + "\n")
        wheels[machine] = _wheels(directory)
    return wheels


def _wheels(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.whl"))


def _hashes(wheels: dict[str, list[Path]]) -> dict[str, str]:
    """sha256 per file name, remembered next to the wheels (real wheels are large)."""
    hashes = {}
    for files in wheels.values():
        if not files:
            continue
        record = files[0].parent / "sha256.json"
        known = json.loads(record.read_text()) if record.exists() else {}
        for wheel in files:
            if wheel.name not in known:
                known[wheel.name] = sha256_of(wheel)
        record.write_text(json.dumps(known, indent=1, sort_keys=True))
        hashes.update(known)
    return hashes


def _pypi_listings() -> dict[str, list[tuple[str, str]]]:
    """(file name, sha256) of every file of every other release PyPI lists, per package
    of STACK; fetched once (about 10 MB of JSON), then read from the cache."""
    record = _real_root() / "pypi-other-releases.json"
    if record.exists():
        return {
            name: [tuple(f) for f in files]
            for name, files in json.loads(record.read_text()).items()
        }
    listings = {}
    for name, version in sorted(STACK.items()):
        request = urllib.request.Request(
            f"https://pypi.org/simple/{name}/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            page = json.load(response)
        listings[name] = [
            (f["filename"], f["hashes"]["sha256"])
            for f in page["files"]
            if "sha256" in f.get("hashes", {}) and _version_of(f["filename"]) not in (None, version)
        ]
    record.write_text(json.dumps(listings, indent=0, sort_keys=True))
    return listings


def _stand_in_listings() -> dict[str, list[tuple[str, str]]]:
    listings = {}
    for name, _version, _, _ in _STAND_IN:
        module = name.replace("-", "_")
        listings[name] = [
            (f"{module}-0.{release}.0-py3-none-{platform}.whl", hashlib.sha256(
                f"{name}{release}{platform}".encode()).hexdigest())
            for release in range(40)
            for platform in ("manylinux2014_x86_64", "manylinux2014_aarch64", "win_amd64", "any")
        ]  # fmt: skip
    return listings


def _version_of(filename: str) -> str | None:
    """The release a listed file belongs to (``None``: not a wheel or an sdist)."""
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _real_root() -> Path:
    pins = [f"{name}=={version}" for name, version in sorted(STACK.items())]
    digest = hashlib.sha256("\n".join(pins).encode()).hexdigest()[:12]
    return cache_root() / f"real-wheels-{digest}"
