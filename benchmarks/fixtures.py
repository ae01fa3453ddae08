"""Synthetic fixtures, and one project written for both Poetry and uv.

- the wide index: packages whose pages list many releases x 4 platform wheels, of
  which only the locked release's files exist — what makes reading index pages at
  install time cost something;
- the ``check`` lock: many packages with wheels for six platforms and two CPythons;
- :class:`Project`: a dependency set (optionally with one marker-split dependency in
  the seed's shape: an index release on x86_64, a wheel URL on aarch64) written as a
  Poetry project and as the equivalent PEP 621 project for uv;
- :class:`Targets`: the ``[tool.poetry-plugin-multiarch]`` table a Poetry project may
  declare, for the lock with targets (the plugin's solver steering).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tests.harness.index import IndexServer
from tests.harness.project import alternatives, write_project
from tests.harness.wheels import build_wheel

__all__ = [
    "CHECK_ENVIRONMENTS",
    "CHECK_PYTHONS",
    "LOCK_TARGETS",
    "LOCK_TARGETS_GAP",
    "Project",
    "Split",
    "Targets",
    "check_lock_data",
    "publish_wide_index",
    "write_check_project",
    "write_poetry_project",
    "write_uv_project",
]

ON_X86_64 = "platform_machine == 'x86_64'"
ON_AARCH64 = "platform_machine == 'aarch64'"

WIDE_PLATFORMS = (
    "py3-none-manylinux2014_x86_64",
    "py3-none-manylinux2014_aarch64",
    "py3-none-macosx_11_0_arm64",
    "py3-none-win_amd64",
)

CHECK_ENVIRONMENTS = (
    "linux-x86_64", "linux-aarch64", "linux-x86_64-musl",
    "macos-x86_64", "macos-arm64", "windows-amd64",
)  # fmt: skip
CHECK_PYTHONS = ("3.11", "3.12")
_CHECK_PLATFORMS = (
    "manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_28_aarch64",
    "musllinux_1_2_x86_64", "macosx_10_9_x86_64", "macosx_11_0_arm64", "win_amd64",
)  # fmt: skip


@dataclass(frozen=True)
class Split:
    """A dependency given as two alternatives: *version* from the index on x86_64,
    the wheel at *url* on aarch64."""

    name: str
    version: str
    url: str


@dataclass(frozen=True)
class Project:
    """What a benchmark project depends on, for either tool."""

    pins: dict[str, str]
    split: Split | None = None
    #: PEP 440 constraint on Python (Poetry's ``python`` and uv's ``requires-python``)
    python: str = ">=3.10,<3.14"


@dataclass(frozen=True)
class Targets:
    """What a project declares in ``[tool.poetry-plugin-multiarch]``: target
    environments (presets), Python minors (empty: every minor the project allows, the
    plugin's default) and what a target left without an artifact does."""

    environments: tuple[str, ...]
    python: tuple[str, ...] = ()
    on_gap: str = "fail"

    def toml(self) -> str:
        """The table, as written into pyproject.toml (and shown in the report)."""
        lines = [
            "[tool.poetry-plugin-multiarch]",
            f"environments = {json.dumps(list(self.environments))}",
        ]
        if self.python:
            lines.append(f"python = {json.dumps(list(self.python))}")
        if self.on_gap != "fail":
            lines.append(f"on-gap = {json.dumps(self.on_gap)}")
        return "\n".join(lines) + "\n"


#: The lock with targets: targets whose wheels the real-wheel mirror serves for every
#: package (its wheels are manylinux2014 x86_64 and aarch64), Python minors left to the
#: plugin's default (every minor the project allows: 3.11 on the real mirror).
LOCK_TARGETS = Targets(("linux-x86_64", "linux-aarch64"))
#: The same plus a target the mirror has no wheels for in its binary packages: the
#: solver looks for a release that covers macos-arm64, finds none, and the lock is
#: written with a warning per gap (``on-gap = "warn"``; "fail" would refuse it).
LOCK_TARGETS_GAP = Targets(("linux-x86_64", "linux-aarch64", "macos-arm64"), on_gap="warn")


def write_poetry_project(
    path: Path, project: Project, index_url: str, *, targets: Targets | None = None
) -> Path:
    """A non-package Poetry project whose only (primary) source is *index_url*; with
    *targets*, declaring them."""
    deps = "".join(f'{name} = "{version}"\n' for name, version in project.pins.items())
    if project.split:
        split = project.split
        deps += alternatives(
            split.name,
            {"version": split.version, "markers": ON_X86_64},
            {"url": split.url, "markers": ON_AARCH64},
        )
    extra = f"\n{targets.toml()}" if targets else ""
    return write_project(path, deps, {"main": index_url}, python=project.python, extra=extra)


def write_uv_project(path: Path, project: Project, index_url: str) -> Path:
    """The same dependencies as a PEP 621 project for uv: not a package (nothing of
    its own to build or install), *index_url* its only index, the aarch64 wheel of the
    split dependency a ``tool.uv.sources`` URL with that marker."""
    requirements = [f"{name}=={version}" for name, version in project.pins.items()]
    data: dict[str, Any] = {
        "project": {
            "name": "bench-project",
            "version": "0.1.0",
            "requires-python": project.python,
            "dependencies": requirements,
        },
        "tool": {
            "uv": {"package": False, "index": [{"name": "main", "url": index_url, "default": True}]}
        },
    }
    if project.split:
        split = project.split
        requirements.append(f"{split.name}=={split.version}")
        data["tool"]["uv"]["sources"] = {
            split.name: [{"url": split.url, "marker": ON_AARCH64}],
        }
    path.mkdir(parents=True, exist_ok=True)
    (path / "pyproject.toml").write_text(tomlkit.dumps(data))
    return path


def publish_wide_index(server: IndexServer, work: Path, packages: int, releases: int) -> Project:
    """*packages* packages, each page listing *releases* releases x 4 platform wheels;
    only the newest release's wheels exist (the project pins it)."""
    chosen = f"1.0.{releases - 1}"
    pins = {}
    for i in range(packages):
        name = f"pkg{i:03d}"
        for r in range(releases):
            version = f"1.0.{r}"
            for tag in WIDE_PLATFORMS:
                if version == chosen:
                    server.publish(build_wheel(work / "wide-dist", name, version, tag))
                else:
                    fake = hashlib.sha256(f"{name}-{version}-{tag}".encode()).hexdigest()
                    server.list_only(f"{name}-{version}-{tag}.whl", fake)
        pins[name] = chosen
    return Project(pins)


def check_lock_data(packages: int) -> dict[str, Any]:
    """A lock of *packages* packages in a chain, each with wheels for six platforms x
    cp311/cp312 (every third abi3 instead), an sdist for every tenth, a marker on
    every seventh; every target environment is covered."""
    entries = []
    for i in range(packages):
        name = f"pkg{i:03d}"
        files = [
            f"{name}-1.0-{abi}-{platform}.whl"
            for platform in _CHECK_PLATFORMS
            for abi in (("cp311-cp311", "cp312-cp312") if i % 3 else ("cp38-abi3",))
        ]
        if i % 10 == 0:
            files.append(f"{name}-1.0.tar.gz")
        entry: dict[str, Any] = {
            "name": name, "version": "1.0", "description": "", "optional": False,
            "python-versions": ">=3.8", "groups": ["main"],
            "files": [
                {"file": f, "hash": f"sha256:{i:064x}", "url": f"http://127.0.0.1/files/{f}"}
                for f in files
            ],
            "source": {"type": "legacy", "url": "http://127.0.0.1/simple", "reference": "main"},
        }  # fmt: skip
        if i % 7 == 0:
            entry["markers"] = (
                'python_version >= "3.9" and platform_python_implementation == "CPython"'
            )
        if i:
            entry["dependencies"] = {f"pkg{i - 1:03d}": ">=1.0"}
        entries.append(entry)
    return {
        "package": entries,
        "metadata": {"lock-version": "2.1", "python-versions": ">=3.10,<3.14",
                     "content-hash": "0" * 64},
    }  # fmt: skip


def write_check_project(path: Path, lock: dict[str, Any]) -> Path:
    """A project declaring the six environments x two Pythons, with *lock* as its lock."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "pyproject.toml").write_text(
        "[tool.poetry]\npackage-mode = false\n\n"
        '[tool.poetry.dependencies]\npython = ">=3.10,<3.14"\n'
        "\n[tool.poetry-plugin-multiarch]\n"
        f"environments = {json.dumps(list(CHECK_ENVIRONMENTS))}\n"
        f"python = {json.dumps(list(CHECK_PYTHONS))}\n"
    )
    (path / "poetry.lock").write_text(tomlkit.dumps(lock))
    return path
