"""`poetry multiarch check` on a 300-package lock x 6 environments x 2 Pythons.

Writes a synthetic lock (each package: wheels for Linux x86_64/aarch64, macOS
arm64/x86_64 and Windows across cp311/cp312 or abi3, plus an sdist for some) and
times, median of --runs: the pure analysis (`check_coverage`, in-process), the whole
`poetry multiarch check` command, and `poetry --version` (Poetry's own start-up) for
scale. Target: check < 1 s.

    .venv/bin/python benchmarks/check_bench.py [--runs 7] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import tomlkit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.harness.poetry import build_plugin_wheel, install_plugin, prepare_poetry  # noqa: E402

from poetry_plugin_multiarch.config import parse_config  # noqa: E402
from poetry_plugin_multiarch.coverage import check_coverage  # noqa: E402
from poetry_plugin_multiarch.lockmodel import MultiarchLock  # noqa: E402

ENVIRONMENTS = [
    "linux-x86_64", "linux-aarch64", "linux-x86_64-musl",
    "macos-x86_64", "macos-arm64", "windows-amd64",
]  # fmt: skip
PYTHONS = ["3.11", "3.12"]
PLATFORMS = [
    "manylinux_2_17_x86_64.manylinux2014_x86_64", "manylinux_2_28_aarch64",
    "musllinux_1_2_x86_64", "macosx_10_9_x86_64", "macosx_11_0_arm64", "win_amd64",
]  # fmt: skip


def lock_data(packages: int) -> dict:
    entries = []
    for i in range(packages):
        name = f"pkg{i:03d}"
        files = []
        for platform in PLATFORMS:
            for abi in ("cp311-cp311", "cp312-cp312") if i % 3 else ("cp38-abi3",):
                files.append(f"{name}-1.0-{abi}-{platform}.whl")
        if i % 10 == 0:
            files.append(f"{name}-1.0.tar.gz")
        entry = {
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


def median_time(func, runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--poetry", default="2.5.1")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    data = lock_data(args.packages)
    config = parse_config(
        {"tool": {"poetry-plugin-multiarch": {"environments": ENVIRONMENTS, "python": PYTHONS}}}
    )

    def analyse() -> None:
        report = check_coverage(MultiarchLock.from_lock_data(data), config.target_environments)
        assert report.ok, report.errors[:3]

    core = median_time(analyse, args.runs)

    work = Path(tempfile.mkdtemp(prefix="multiarch-check-bench-"))
    poetry = prepare_poetry(args.poetry)
    install_plugin(poetry, build_plugin_wheel(poetry, work / "wheel"))
    project = work / "project"
    project.mkdir()
    envs = ", ".join(f'"{e}"' for e in ENVIRONMENTS)
    (project / "pyproject.toml").write_text(
        "[tool.poetry]\npackage-mode = false\n\n"
        '[tool.poetry.dependencies]\npython = ">=3.10,<3.14"\n'
        f"\n[tool.poetry-plugin-multiarch]\nenvironments = [{envs}]\n"
        f'python = ["{PYTHONS[0]}", "{PYTHONS[1]}"]\n'
    )
    (project / "poetry.lock").write_text(tomlkit.dumps(data))
    home = work / "home"
    home.mkdir()

    def command() -> None:
        result = poetry.run("multiarch", "check", cwd=project, home=home)
        assert result.returncode == 0, result.stdout + result.stderr

    def version() -> None:
        poetry.run("--version", cwd=project, home=home)

    command()  # warm-up (bytecode)
    whole = median_time(command, args.runs)
    startup = median_time(version, args.runs)
    rows = [
        ("check_coverage (in-process analysis)", core),
        ("`poetry multiarch check` (whole command)", whole),
        ("`poetry --version` (start-up, for scale)", startup),
    ]
    title = (
        f"{args.packages} packages x {len(ENVIRONMENTS)} environments x {len(PYTHONS)} Pythons"
        f" ({len(config.target_environments)} target environments), Poetry {args.poetry}"
    )
    print(title)
    for label, (med, lo, hi) in rows:
        print(f"{label:45s} median {med:.3f} s  (min {lo:.3f}, max {hi:.3f})")
    if args.markdown:
        lines = ["| measured | median | min–max |", "|---|---|---|"]
        lines += [
            f"| {label} | {med:.3f} s | {lo:.3f}–{hi:.3f} s |" for label, (med, lo, hi) in rows
        ]
        args.markdown.write_text("\n".join(lines) + f"\n\n{title}, {args.runs} runs.\n")


if __name__ == "__main__":
    main()
