"""Benchmark the plugin against stock Poetry and uv; write the tables and the plot.

    .venv/bin/python benchmarks/run.py [--runs 7] [--out docs]
    .venv/bin/python benchmarks/run.py --smoke --out /tmp/bench   # seconds, no download
    .venv/bin/python benchmarks/run.py --only-lock-targets --runs 15  # issue 10's gate
    .venv/bin/python benchmarks/run.py --only-install-warm --runs 5  # issue 12's targets
    .venv/bin/python benchmarks/run.py --report-from RESULTS   # rewrite the report only

Fixtures (see fixtures.py, mirror.py): a synthetic wide index, the real-wheel mirror
(downloaded once with pip, cached under ~/.cache/poetry-plugin-multiarch/), and a
300-package lock for ``poetry multiarch check``. Every comparison runs after one
untimed warm-up round, alternating the commands run by run (measure.py); each
install starts from a fresh venv and empty caches, except issue 12's warm install
(each tool's cache primed by the warm-up round and kept; the floor, `cp -al` of an
installed site-packages plus Poetry's start-up, measured in the same rounds). Only
127.0.0.1 is contacted, except by pip when the mirror is first downloaded.
"""

from __future__ import annotations

import argparse
import functools
import os
import pickle
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

import tomlkit  # noqa: E402
from packaging.specifiers import SpecifierSet  # noqa: E402
from tests.harness.index import IndexServer  # noqa: E402
from tests.harness.poetry import PoetryInstall  # noqa: E402

from benchmarks import report  # noqa: E402
from benchmarks.contenders import Tools, poetry_command, prepare_tools, uv_command  # noqa: E402
from benchmarks.fixtures import (  # noqa: E402
    CHECK_ENVIRONMENTS,
    CHECK_PYTHONS,
    LOCK_TARGETS,
    LOCK_TARGETS_GAP,
    Project,
    Targets,
    check_lock_data,
    publish_wide_index,
    write_check_project,
    write_poetry_project,
    write_uv_project,
)
from benchmarks.measure import (  # noqa: E402
    Command,
    Comparison,
    Contender,
    Sample,
    compare,
    load_average,
    run_measured,
    time_calls,
    time_command,
)
from benchmarks.mirror import real_mirror, stand_in_mirror  # noqa: E402
from benchmarks.report import COPY, DRY_RUN, FLOOR, NOOP, STARTUP  # noqa: E402
from poetry_plugin_multiarch.targets import PYTHON_MINORS  # noqa: E402

#: Free space the graveyard leaves on the scratch file system; below it, it is emptied.
GRAVEYARD_RESERVE = 8 << 30


class Session:
    """One benchmark session: its scratch directory, tools and index server.

    Trees a run leaves (venvs, Poetry homes, uv caches) are moved into a graveyard,
    not deleted, and the graveyard is emptied only when the disk runs short: on ext4
    without a journal (this box's root file system) the kernel does not reuse an
    inode freed in the last minutes, and the search past them made creating a file
    up to 20× slower right after a run deleted 17,000 (seen here: 0.05 s to create
    8,500 empty files long after a deletion, 0.7–2 s within a few minutes of one). A
    CI job on a fresh runner pays nothing of the kind, and it would have weighed on
    each tool by how many files it creates, not by what it does."""

    def __init__(self, work: Path, tools: Tools, server: IndexServer, args: argparse.Namespace):
        self.work = work
        self.tools = tools
        self.server = server
        self.runs = args.runs
        self.warmup = not args.no_warmup
        self._scratch = 0
        self._latest: dict[str, Path] = {}
        self.graveyard = work / "graveyard"
        #: how often the graveyard had to be emptied between runs (reported)
        self.graveyard_emptied = 0

    def discard(self, path: Path) -> None:
        """Move *path* out of the way (into the graveyard) if it exists."""
        if not os.path.lexists(path):
            return
        if shutil.disk_usage(self.work).free < GRAVEYARD_RESERVE and self.graveyard.exists():
            shutil.rmtree(self.graveyard, ignore_errors=True)
            self.graveyard_emptied += 1
            print("  (the disk ran short: the graveyard was emptied between runs)")
        self.graveyard.mkdir(exist_ok=True)
        self._scratch += 1
        os.rename(path, self.graveyard / f"{self._scratch}-{path.name}")

    def fresh(self, name: str) -> Path:
        """A new empty directory (a Poetry home, a uv cache…); the previous one of that
        name goes to the graveyard (real-wheel caches and venvs are large)."""
        previous = self._latest.get(name)
        if previous:
            self.discard(previous)
        self._scratch += 1
        path = self.work / "scratch" / f"{name}-{self._scratch}"
        path.mkdir(parents=True)
        self._latest[name] = path
        return path

    def index_pages(self) -> int:
        return sum("/simple/" in path for path in self.server.paths())

    def downloads(self) -> int:
        return sum(path.startswith("/files/") for path in self.server.paths())

    def compare(
        self, title: str, contenders: list[Contender], *, warmup: bool | None = None
    ) -> Comparison:
        result = compare(
            title,
            contenders,
            runs=self.runs,
            warmup=self.warmup if warmup is None else warmup,
            pages=self.index_pages,
            clear_log=self.server.clear_log,
            downloads=self.downloads,
        )
        for name in result.samples:
            if name != "stock":
                ratio = result.ratio(name, "stock")
                print(
                    f"  {name} / stock: median {ratio.median:.2f}"
                    f" ({ratio.low:.2f}–{ratio.high:.2f})"
                )
        return result

    def lock_cache(self, tag: str, name: str, *, warm: bool, uv: bool = False) -> Path:
        """The cache a lock run of contender *name* starts from: a new empty one
        (a Poetry home, or a uv cache with *uv*), or with *warm* the contender's own,
        kept from run to run."""
        if not warm:
            return self.fresh("uv-cache" if uv else "home")
        cache = self.work / f"{tag}-warm-cache-{name}"
        cache.mkdir(exist_ok=True)
        return cache


def quiet_disconnects(server: IndexServer) -> None:
    """A client closing a download early (uv stops reading a wheel once it has the
    metadata) is no error worth a traceback from the server's thread."""
    httpd = server._httpd
    report_error = httpd.handle_error

    def handle_error(request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            report_error(request, client_address)

    httpd.handle_error = handle_error  # type: ignore[method-assign]


def install_comparison(
    session: Session,
    title: str,
    project: Project,
    tag: str,
    *,
    after_lock: Callable[[], object] | None = None,
) -> Comparison:
    """`poetry install` (plugin, stock) and `uv sync` from one lock each, written once
    beforehand (Poetry's by the plugin, so it carries the URLs stock Poetry ignores);
    *after_lock* changes the index between locking and installing.
    Afterwards, all three venvs must hold the same distributions."""
    tools, index_url = session.tools, session.server.index_url()
    plugin_dir = write_poetry_project(session.work / f"{tag}-install-plugin", project, index_url)
    uv_dir = write_uv_project(session.work / f"{tag}-install-uv", project, index_url)
    home = session.fresh("lock-home")
    run_measured(poetry_command(tools.plugin, "lock", cwd=plugin_dir, home=home))
    run_measured(uv_command(tools, "lock", cwd=uv_dir, cache=session.fresh("uv-cache")))
    stock_dir = session.work / f"{tag}-install-stock"
    shutil.copytree(plugin_dir, stock_dir)  # the same pyproject.toml and poetry.lock
    if after_lock is not None:
        after_lock()

    def poetry_install(poetry: PoetryInstall, project_dir: Path) -> Command:
        session.discard(project_dir / ".venv")
        return poetry_command(poetry, "install", cwd=project_dir, home=session.fresh("home"))

    def uv_sync() -> Command:
        session.discard(uv_dir / ".venv")
        return uv_command(tools, "sync", "--locked", cwd=uv_dir, cache=session.fresh("uv-cache"))

    result = session.compare(
        title,
        [
            Contender("plugin", lambda: poetry_install(tools.plugin, plugin_dir)),
            Contender("stock", lambda: poetry_install(tools.stock, stock_dir)),
            Contender("uv", uv_sync),
        ],
    )
    dirs = {"plugin": plugin_dir, "stock": stock_dir, "uv": uv_dir}
    installed = {name: _distributions(project_dir) for name, project_dir in dirs.items()}
    if len({tuple(found) for found in installed.values()}) != 1 or not installed["plugin"]:
        raise SystemExit(f"the installs differ, the comparison is void: {installed}")
    print(f"  all three venvs hold the same {len(installed['plugin'])} distributions")
    return result


def install_warm_comparison(session: Session, title: str, project: Project, tag: str) -> Comparison:
    """Issue 12's CI case: `poetry install` (plugin, stock) and `uv sync` into a fresh
    venv with the artifact cache warm. Each contender keeps its own Poetry home (cache,
    config, data) or uv cache from run to run, primed by the untimed warm-up round
    (which always runs); each run deletes only the project's `.venv`.

    In the same rounds, the floor (see :data:`FLOOR`) on the same box: stock Poetry's
    start-up in the project (`poetry env info --path`: the interpreter, Poetry's
    imports and plugins, pyproject.toml, the Poetry object and its sources, the
    in-project venv found) and `cp -al` of an installed venv's site-packages (the
    hard-link copy of the installed tree: what linking from an unpacked-wheel cache
    cannot beat), summed round by round; and stock Poetry's `poetry install` when
    everything is installed already (its no-op: what Poetry's install costs with no
    package to touch). All venvs must hold the same distributions."""
    tools, index_url, work = session.tools, session.server.index_url(), session.work
    plugin_dir = write_poetry_project(work / f"{tag}-warm-plugin", project, index_url)
    uv_dir = write_uv_project(work / f"{tag}-warm-uv", project, index_url)
    run_measured(poetry_command(tools.plugin, "lock", cwd=plugin_dir, home=session.fresh("home")))
    run_measured(uv_command(tools, "lock", cwd=uv_dir, cache=session.fresh("uv-cache")))
    stock_dir = work / f"{tag}-warm-stock"
    floor_dir = work / f"{tag}-warm-floor"
    dry_dir = work / f"{tag}-warm-dry-run"
    for copy in (stock_dir, floor_dir, dry_dir):
        shutil.copytree(plugin_dir, copy)  # the same pyproject.toml and poetry.lock
    homes = {name: work / f"{tag}-warm-home-{name}" for name in ("plugin", "stock", "floor")}
    for home in homes.values():
        home.mkdir()
    uv_cache = work / f"{tag}-warm-uv-cache"
    # the floor's installed tree, and the venv its start-up and no-op run in (untimed)
    run_measured(poetry_command(tools.stock, "install", cwd=floor_dir, home=homes["floor"]))
    (site_packages,) = floor_dir.glob(".venv/lib/python*/site-packages")
    copied = work / f"{tag}-warm-copied"  # beside it, on the same file system: hard links
    cp = shutil.which("cp")
    if cp is None:
        raise SystemExit("no cp on PATH for the floor's hard-link copy")

    def poetry_install(name: str, poetry: PoetryInstall, project_dir: Path) -> Command:
        session.discard(project_dir / ".venv")
        return poetry_command(poetry, "install", cwd=project_dir, home=homes[name])

    def uv_sync() -> Command:
        session.discard(uv_dir / ".venv")
        return uv_command(tools, "sync", "--locked", cwd=uv_dir, cache=uv_cache)

    def startup() -> Command:
        return poetry_command(
            tools.stock, "env", "info", "--path", cwd=floor_dir, home=homes["floor"]
        )

    def hard_link_copy() -> Command:
        session.discard(copied)
        return Command([cp, "-al", str(site_packages), str(copied)], work, dict(os.environ))

    def noop() -> Command:
        return poetry_command(tools.stock, "install", cwd=floor_dir, home=homes["floor"])

    def dry_run() -> Command:
        session.discard(dry_dir / ".venv")
        return poetry_command(tools.stock, "install", "--dry-run", cwd=dry_dir, home=homes["floor"])

    result = session.compare(
        title,
        [
            Contender(
                "plugin", functools.partial(poetry_install, "plugin", tools.plugin, plugin_dir)
            ),
            Contender("stock", functools.partial(poetry_install, "stock", tools.stock, stock_dir)),
            Contender("uv", uv_sync),
            Contender(STARTUP, startup),
            Contender(COPY, hard_link_copy),
            Contender(NOOP, noop),
            Contender(DRY_RUN, dry_run),
        ],
        warmup=True,  # primes every cache
    )
    result.samples[FLOOR] = [
        Sample(a.seconds + b.seconds, max(a.max_rss_mib, b.max_rss_mib), a.index_pages)
        for a, b in zip(result.samples[STARTUP], result.samples[COPY], strict=True)
    ]
    for base in ("uv", FLOOR, DRY_RUN):
        ratio = result.ratio("plugin", base)
        print(f"  plugin / {base}: median {ratio.median:.2f} ({ratio.low:.2f}–{ratio.high:.2f})")
    installed = {
        name: _distributions(project_dir)
        for name, project_dir in {
            "plugin": plugin_dir, "stock": stock_dir, "uv": uv_dir, FLOOR: floor_dir
        }.items()
    }  # fmt: skip
    installed[COPY] = sorted(
        p.name.removesuffix(".dist-info").lower() for p in copied.glob("*.dist-info")
    )
    if len({tuple(found) for found in installed.values()}) != 1 or not installed["plugin"]:
        raise SystemExit(f"the installs differ, the comparison is void: {installed}")
    print(f"  all venvs and the copy hold the same {len(installed['plugin'])} distributions")
    return result


def _distributions(project_dir: Path) -> list[str]:
    """``name-version`` of every distribution in the project's venv."""
    site_packages = project_dir.glob(".venv/lib/python*/site-packages/*.dist-info")
    return sorted(p.name.removesuffix(".dist-info").lower() for p in site_packages)


def lock_comparison(
    session: Session, title: str, project: Project, tag: str, *, warm: bool = False
) -> Comparison:
    """`poetry lock` (plugin, stock) and `uv lock`, each run in a new project without a
    lock file. Empty caches: every run fetches index pages and wheel metadata afresh.
    *warm*: each tool keeps its own cache from run to run (primed by the warm-up round,
    which then always runs), so what is left is resolving and writing the lock."""
    tools, index_url = session.tools, session.server.index_url()

    def poetry_lock(name: str, poetry: PoetryInstall) -> Command:
        project_dir = write_poetry_project(session.fresh(f"{tag}-lock-poetry"), project, index_url)
        home = session.lock_cache(tag, name, warm=warm)
        return poetry_command(poetry, "lock", cwd=project_dir, home=home)

    def uv_lock() -> Command:
        project_dir = write_uv_project(session.fresh(f"{tag}-lock-uv"), project, index_url)
        cache = session.lock_cache(tag, "uv", warm=warm, uv=True)
        return uv_command(tools, "lock", cwd=project_dir, cache=cache)

    return session.compare(
        title,
        [
            Contender("plugin", lambda: poetry_lock("plugin", tools.plugin)),
            Contender("stock", lambda: poetry_lock("stock", tools.stock)),
            Contender("uv", uv_lock),
        ],
        warmup=warm or session.warmup,
    )


#: The lock-with-targets contenders besides stock Poetry: the plugin without targets,
#: with targets the mirror serves, and with one it does not serve (on-gap = "warn").
TARGET_CONTENDERS: dict[str, Targets | None] = {
    "plugin": None,
    "targets": LOCK_TARGETS,
    "gapwarn": LOCK_TARGETS_GAP,
}


def lock_targets_comparison(
    session: Session, title: str, project: Project, tag: str, *, warm: bool = False
) -> Comparison:
    """`poetry lock` of the same project by stock Poetry, by the plugin without
    targets, and by the plugin with the targets of :data:`TARGET_CONTENDERS` declared
    (the solver steering by them); each run in a new project without a lock file,
    from empty caches or (*warm*) each contender's own cache kept from run to run.
    The locks of each run must pin the same versions: the targets change nothing
    here (every package has one release, and it serves the linux targets)."""
    tools, index_url = session.tools, session.server.index_url()
    written: dict[str, Path] = {}

    def poetry_lock(name: str, poetry: PoetryInstall, targets: Targets | None) -> Command:
        project_dir = write_poetry_project(
            session.fresh(f"{tag}-lock-{name}"), project, index_url, targets=targets
        )
        written[name] = project_dir
        home = session.lock_cache(tag, name, warm=warm)
        return poetry_command(poetry, "lock", cwd=project_dir, home=home)

    contenders = [Contender("stock", functools.partial(poetry_lock, "stock", tools.stock, None))]
    contenders += [
        Contender(name, functools.partial(poetry_lock, name, tools.plugin, targets))
        for name, targets in TARGET_CONTENDERS.items()
    ]
    result = session.compare(title, contenders, warmup=warm or session.warmup)
    pinned = {name: _locked_versions(path) for name, path in written.items()}
    if len({tuple(p) for p in pinned.values()}) != 1 or not pinned["stock"]:
        raise SystemExit(f"the locks differ, the comparison is void: {pinned}")
    print(f"  all {len(pinned)} locks pin the same {len(pinned['stock'])} packages")
    return result


def project_minors(python: str) -> list[str]:
    """The Python minors a project's constraint allows (the plugin's default targets)."""
    allowed = SpecifierSet(python)
    return [minor for minor in PYTHON_MINORS if allowed.contains(f"{minor}.0")]


def _locked_versions(project_dir: Path) -> list[str]:
    """``name version`` of every package in the project's lock (with its URL, if any)."""
    lock = tomlkit.parse((project_dir / "poetry.lock").read_text())
    return sorted(
        f"{p['name']} {p['version']} {p.get('source', {}).get('url', '')}" for p in lock["package"]
    )


def check_benchmark(session: Session, packages: int, runs: int) -> report.CheckFigures:
    """`poetry multiarch check` on a big lock: the analysis in-process, the whole
    command, and Poetry's start-up (`--version`, with and without the plugin)."""
    from poetry_plugin_multiarch.config import parse_config
    from poetry_plugin_multiarch.coverage import check_coverage
    from poetry_plugin_multiarch.lockmodel import MultiarchLock

    data = check_lock_data(packages)
    settings = {"environments": list(CHECK_ENVIRONMENTS), "python": list(CHECK_PYTHONS)}
    config = parse_config({"tool": {"poetry-plugin-multiarch": settings}})

    def analyse() -> None:
        result = check_coverage(MultiarchLock.from_lock_data(data), config.target_environments)
        assert result.ok, result.errors[:3]

    project = write_check_project(session.work / "check-project", data)
    home = session.fresh("check-home")
    tools = session.tools

    def command(poetry: PoetryInstall, *args: str) -> Command:
        return poetry_command(poetry, *args, cwd=project, home=home)

    print(
        f"\n== poetry multiarch check: {packages} packages x {len(CHECK_ENVIRONMENTS)}"
        f" environments x {len(CHECK_PYTHONS)} Pythons"
    )
    if session.warmup:
        analyse()
        run_measured(command(tools.plugin, "multiarch", "check"))
    figures = report.CheckFigures(
        packages=packages,
        targets=len(config.target_environments),
        runs=runs,
        analysis=time_calls(analyse, runs),
        command=time_command(command(tools.plugin, "multiarch", "check"), runs),
        version_plugin=time_command(command(tools.plugin, "--version"), runs),
        version_stock=time_command(command(tools.stock, "--version"), runs),
    )
    for label, stats in figures.rows():
        print(f"  {label:45s} median {stats.median:.3f} s ({stats.low:.3f}–{stats.high:.3f})")
    return figures


def machine_description(tools: Tools) -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "system": f"{platform.system()} {platform.machine()}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "load": load_average(),
        **tools.versions(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="timed rounds per comparison (default 7)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed round")
    parser.add_argument("--smoke", action="store_true", help="1 run, tiny fixtures, no download")
    parser.add_argument("--out", type=Path, help="where benchmarks.md/.png go (default docs/)")
    parser.add_argument("--poetry", default="2.5.1", help="Poetry version (default 2.5.1)")
    parser.add_argument("--packages", type=int, help="wide index: packages (default 60)")
    parser.add_argument("--releases", type=int, help="wide index: releases per page (120)")
    parser.add_argument("--check-packages", type=int, help="packages in the check lock (300)")
    parser.add_argument(
        "--only-lock-targets",
        action="store_true",
        help="only the lock with targets (both cache states): print its figures, write nothing",
    )
    parser.add_argument(
        "--only-install-warm",
        action="store_true",
        help="only issue 12's install comparisons (real-wheel mirror, empty caches and"
        " artifact cache warm, with the floor): print their section (and write it as"
        " install-targets.md with --out)",
    )
    parser.add_argument(
        "--report-from",
        type=Path,
        metavar="PICKLE",
        help="measure nothing: write the report again from the results a run kept",
    )
    args = parser.parse_args()
    if args.report_from:
        with args.report_from.open("rb") as saved:
            results = pickle.load(saved)
        out = args.out or REPO / "docs"
        markdown, plot = report.write(results, out)
        print(f"wrote {markdown} and {plot} from {args.report_from}")
        return
    smoke = args.smoke
    args.runs = args.runs or (1 if smoke else 7)
    args.no_warmup = args.no_warmup or smoke
    packages = args.packages or (3 if smoke else 60)
    releases = args.releases or (5 if smoke else 120)
    check_packages = args.check_packages or (20 if smoke else 300)
    out = args.out or (Path(tempfile.mkdtemp(prefix="bench-out-")) if smoke else REPO / "docs")

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="multiarch-bench-"))
    try:
        mirror = stand_in_mirror(work / "stand-in") if smoke else real_mirror()
        tools = prepare_tools(args.poetry, work)
        server = IndexServer(work / "index").start()
        quiet_disconnects(server)
        try:
            session = Session(work, tools, server, args)
            machine = machine_description(tools)
            print(", ".join(f"{k}: {v}" for k, v in machine.items()))
            if args.only_lock_targets:
                real = mirror.publish(server)
                for warm in (False, True):
                    caches = "warm caches" if warm else "empty caches"
                    lock_targets_comparison(
                        session,
                        f"lock with targets, {caches}, {mirror.label}",
                        real,
                        "targets",
                        warm=warm,
                    )
                print(f"\nload average at the end {load_average()}")
                return
            if args.only_install_warm:
                real = mirror.publish(server)
                empty = install_comparison(session, f"install, {mirror.label}", real, "real")
                warm = install_warm_comparison(
                    session, f"install, artifact cache warm, {mirror.label}", real, "real"
                )
                section = report.install_targets_section(
                    empty, warm, runs=args.runs, warmup=session.warmup, label=mirror.label
                )
                print(f"graveyard emptied between runs: {session.graveyard_emptied} times")
                print("\n" + section)
                print(f"load average at the end {load_average()}")
                if args.out:
                    args.out.mkdir(parents=True, exist_ok=True)
                    (args.out / "install-targets.md").write_text(section)
                    print(f"wrote {args.out / 'install-targets.md'}")
                return
            wide = publish_wide_index(server, work, packages, releases)
            real = mirror.publish(server)
            results = report.Results(
                machine=machine,
                runs=args.runs,
                warmup=session.warmup,
                smoke=smoke,
                wide_label=f"synthetic wide index ({packages} packages x {releases} releases"
                " x 4 wheels per page)",
                mirror_label=mirror.label,
                mirror_origin=mirror.origin,
                other_releases_origin=mirror.other_releases_origin,
                install_wide=install_comparison(
                    session, f"install, wide index ({packages} x {releases} x 4)", wide, "wide"
                ),
                install_real=install_comparison(session, f"install, {mirror.label}", real, "real"),
                install_real_warm=install_warm_comparison(
                    session, f"install, artifact cache warm, {mirror.label}", real, "real"
                ),
                lock_real=lock_comparison(session, f"lock, {mirror.label}", real, "real"),
                lock_real_warm=lock_comparison(
                    session, f"lock with warm caches, {mirror.label}", real, "real", warm=True
                ),
                lock_targets=lock_targets_comparison(
                    session, f"lock with targets, {mirror.label}", real, "targets"
                ),
                lock_targets_warm=lock_targets_comparison(
                    session,
                    f"lock with targets, warm caches, {mirror.label}",
                    real,
                    "targets",
                    warm=True,
                ),
                targets={name: t.toml() for name, t in TARGET_CONTENDERS.items() if t},
                target_pythons=", ".join(project_minors(real.python)),
                # last: the long pages list releases whose files do not exist, which
                # a lock would pick
                install_real_pypi=install_comparison(
                    session,
                    f"install, {mirror.label}, PyPI's page listings",
                    real,
                    "real-pypi",
                    after_lock=lambda: print(
                        f"  listed {mirror.list_other_releases(server)} files of other releases"
                    ),
                ),
                check=check_benchmark(session, check_packages, max(args.runs, 3)),
            )
            machine["graveyard_emptied"] = str(session.graveyard_emptied)
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results.duration = time.perf_counter() - started
    results.load_end = load_average()
    out.mkdir(parents=True, exist_ok=True)
    # the figures, to write the report again after its text changes (--report-from);
    # not for a smoke run (the test suite's), whose figures mean nothing
    scratch = Path(tempfile.gettempdir()) / f"multiarch-bench-results-{os.getpid()}.pickle"
    if not smoke:
        scratch.write_bytes(pickle.dumps(results))
    markdown, plot = report.write(results, out)
    print()
    print(report.summary_text(results))
    print(f"\nwrote {markdown} and {plot}; the whole run took {results.duration:.0f} s")
    if not smoke:
        print(f"figures kept in {scratch} (--report-from)")


if __name__ == "__main__":
    main()
