"""Install wall time: the plugin's strict install vs stock Poetry, on the same lock.

Fixture: a loopback index with PACKAGES packages whose pages each list RELEASES
releases x 4 platform wheels (only the locked release's files exist). The project
depends on every package; it is locked once by the plugin (the lock carries URLs).
Then, alternating run by run, `poetry install` with the plugin and with
`--no-plugins` (stock Poetry reading the same lock), each into a fresh venv with an
empty cache. Prints each run, the medians and the ratio; `--markdown FILE` writes
the table for docs/benchmarks.md.

    .venv/bin/python benchmarks/install_bench.py [--runs 5] [--packages 60] [--releases 120]
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.harness.index import IndexServer  # noqa: E402
from tests.harness.poetry import build_plugin_wheel, install_plugin, prepare_poetry  # noqa: E402
from tests.harness.project import write_project  # noqa: E402
from tests.harness.wheels import build_wheel  # noqa: E402

PLATFORMS = (
    "py3-none-manylinux2014_x86_64",
    "py3-none-manylinux2014_aarch64",
    "py3-none-macosx_11_0_arm64",
    "py3-none-win_amd64",
)


def build_fixture(server: IndexServer, work: Path, packages: int, releases: int) -> str:
    """Publish the wide index; return the project's dependency TOML."""
    deps = []
    chosen = f"1.0.{releases - 1}"
    for i in range(packages):
        name = f"pkg{i:03d}"
        for r in range(releases):
            version = f"1.0.{r}"
            for tag in PLATFORMS:
                if version == chosen:
                    server.publish(build_wheel(work / "dist", name, version, tag))
                else:
                    fake = hashlib.sha256(f"{name}-{version}-{tag}".encode()).hexdigest()
                    server.list_only(f"{name}-{version}-{tag}.whl", fake)
        deps.append(f'{name} = "{chosen}"')
    return "\n".join(deps) + "\n"


def timed_install(poetry, project: Path, home: Path, *, plugins: bool, server) -> tuple[float, int]:
    shutil.rmtree(project / ".venv", ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    server.clear_log()
    start = time.perf_counter()
    result = poetry.run("install", cwd=project, home=home, plugins=plugins)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"install failed (plugins={plugins}):\n{result.stdout}\n{result.stderr}")
    pages = sum("/simple/" in path for path in server.paths())
    return elapsed, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packages", type=int, default=60)
    parser.add_argument("--releases", type=int, default=120)
    parser.add_argument("--poetry", default="2.5.1")
    parser.add_argument("--markdown", type=Path, help="write the result table here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="multiarch-bench-"))
    poetry = prepare_poetry(args.poetry)
    install_plugin(poetry, build_plugin_wheel(poetry, work / "wheel"))
    server = IndexServer(work / "index").start()
    try:
        deps = build_fixture(server, work, args.packages, args.releases)
        project = write_project(work / "project", deps, {"main": server.index_url()})
        lock_home = work / "lock-home"
        lock_home.mkdir()
        locked = poetry.run("lock", cwd=project, home=lock_home)
        if locked.returncode != 0:
            raise SystemExit(locked.stdout + locked.stderr)
        print(
            f"fixture: {args.packages} packages x {args.releases} releases x"
            f" {len(PLATFORMS)} wheels per page; Poetry {args.poetry}"
        )
        times: dict[str, list[float]] = {"plugin": [], "stock": []}
        pages: dict[str, list[int]] = {"plugin": [], "stock": []}
        home = work / "home"
        timed_install(poetry, project, home, plugins=True, server=server)  # warm-up
        for run in range(args.runs):
            for mode in ("stock", "plugin") if run % 2 else ("plugin", "stock"):
                elapsed, n = timed_install(
                    poetry, project, home, plugins=mode == "plugin", server=server
                )
                times[mode].append(elapsed)
                pages[mode].append(n)
                print(f"run {run + 1} {mode:6s} {elapsed:6.2f} s  index pages requested: {n}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    plugin, stock = statistics.median(times["plugin"]), statistics.median(times["stock"])
    ratio = plugin / stock
    print(f"median plugin {plugin:.2f} s, stock {stock:.2f} s, ratio {ratio:.2f} (target <= 0.80)")
    if args.markdown:
        args.markdown.write_text(
            "| install (fresh venv, empty cache) | median | min–max | index pages |\n"
            "|---|---|---|---|\n"
            f"| stock Poetry {args.poetry} | {stock:.2f} s | {min(times['stock']):.2f}–"
            f"{max(times['stock']):.2f} s | {max(pages['stock'])} |\n"
            f"| with poetry-plugin-multiarch | {plugin:.2f} s | {min(times['plugin']):.2f}–"
            f"{max(times['plugin']):.2f} s | {max(pages['plugin'])} |\n"
            f"| **ratio plugin / stock** | **{ratio:.2f}** | | |\n\n"
            f"{args.packages} packages x {args.releases} releases x {len(PLATFORMS)} wheels"
            f" per index page, {args.runs} alternating runs after a warm-up;"
            f" {platform.machine()}, Python {platform.python_version()}.\n"
        )


if __name__ == "__main__":
    main()
