"""Timing one command, and comparing commands run by run.

A run is a child process: wall time from spawn to exit, and its peak resident set
size from ``os.wait4`` (``ru_maxrss``: the largest single process of the command's
tree — Poetry or uv itself, not the sum with the helpers they spawn), both taken by a
small launcher process (see ``_LAUNCHER``). The index server's log is cleared before
each run, so the pages a run requested are its own.

Commands are compared in rounds: every round runs each contender once, in an order
that reverses from one round to the next (plugin, stock, uv / uv, stock, plugin), so
any pair alternates ABBA and drift in the machine's load hits both sides alike. Before
each run the file system is synced: installs write hundreds of megabytes, and the
write-back of one run's files must not land in the next run's time.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Command",
    "Comparison",
    "Contender",
    "RunFailed",
    "Sample",
    "Stats",
    "compare",
    "load_average",
    "run_measured",
    "time_calls",
    "time_command",
]


class RunFailed(RuntimeError):
    """A benchmarked command exited non-zero: its figures would mean nothing."""


@dataclass(frozen=True)
class Command:
    """What to run: argv in cwd with exactly env."""

    argv: Sequence[str]
    cwd: Path
    env: dict[str, str]
    timeout: float = 900


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_mib: float
    index_pages: int
    #: archives fetched from the index server's ``/files/`` during the run
    downloads: int = 0


@dataclass(frozen=True)
class Stats:
    """Median and range of one series (seconds, MiB or a ratio)."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class Contender:
    """A named command; *prepare* resets its state (fresh venv, empty cache…) and
    returns what to run, so that every run starts alike."""

    name: str
    prepare: Callable[[], Command]


@dataclass
class Comparison:
    """The samples of every contender, by round (``samples[name][round]``)."""

    title: str
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    #: the machine's load average (1, 5, 15 min) before the first and after the last run
    load_start: str = ""
    load_end: str = ""

    def seconds(self, name: str) -> Stats:
        return Stats.of([s.seconds for s in self.samples[name]])

    def rss(self, name: str) -> Stats:
        return Stats.of([s.max_rss_mib for s in self.samples[name]])

    def pages(self, name: str) -> int:
        """The most index pages any run of *name* requested."""
        return max(s.index_pages for s in self.samples[name])

    def downloads(self, name: str) -> int:
        """The most archives any run of *name* downloaded."""
        return max(s.downloads for s in self.samples[name])

    def ratio(self, name: str, base: str, what: str = "seconds") -> Stats:
        """*name* / *base* round by round: the median and range of the per-pair ratios."""
        pairs = zip(self.samples[name], self.samples[base], strict=True)
        if what == "seconds":
            return Stats.of([a.seconds / b.seconds for a, b in pairs])
        return Stats.of([a.max_rss_mib / b.max_rss_mib for a, b in pairs])


#: Spawns the command from a small process and reports its wall time and peak RSS.
#: Measured from here, not from the benchmark's process: a child's ru_maxrss starts at
#: the RSS of the process that spawned it (Linux records the parent's memory image at
#: exec), and the benchmark's process holds the index server and its files.
_LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump([elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss], out)
"""


def run_measured(command: Command, pages: Callable[[], int] = lambda: 0) -> tuple[Sample, str]:
    """Run *command*; return its sample and its output.

    :raises RunFailed: with the output, when it exits non-zero or times out.
    """
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        figures = Path(scratch) / "figures.json"
        output = Path(scratch) / "output.txt"
        with output.open("wb") as out:
            launcher = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(figures), *command.argv],
                cwd=command.cwd,
                env=command.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                launcher.wait(command.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
        text = output.read_text(errors="replace")
        if launcher.returncode != 0 or not figures.exists():
            raise RunFailed(f"{_shown(command)}: killed or failed to start:\n{text[-4000:]}")
        elapsed, returncode, max_rss_kib = json.loads(figures.read_text())
    if returncode != 0:
        raise RunFailed(
            f"{_shown(command)} exited {returncode} after {elapsed:.1f} s:\n{text[-4000:]}"
        )
    # ru_maxrss is in KiB on Linux
    return Sample(elapsed, max_rss_kib / 1024, pages()), text


def _shown(command: Command) -> str:
    return f"{' '.join(map(str, command.argv))} (in {command.cwd})"


def compare(
    title: str,
    contenders: Sequence[Contender],
    *,
    runs: int,
    warmup: bool,
    pages: Callable[[], int] = lambda: 0,
    clear_log: Callable[[], None] = lambda: None,
    downloads: Callable[[], int] = lambda: 0,
) -> Comparison:
    """Run every contender *runs* times in alternating order (after one untimed round
    when *warmup*), printing each run."""
    result = Comparison(title, {c.name: [] for c in contenders}, load_start=load_average())
    print(f"\n== {title} (load average {result.load_start})")
    # round -1 is the untimed warm-up; it runs in the reverse of round 0's order
    for number in ([-1] if warmup else []) + list(range(runs)):
        order = contenders if number % 2 == 0 else list(reversed(contenders))
        for contender in order:
            command = contender.prepare()
            os.sync()  # no run pays for writing back an earlier run's files
            clear_log()
            sample, _ = run_measured(command, pages)
            sample = dataclasses.replace(sample, downloads=downloads())
            label = "warm-up" if number < 0 else f"run {number + 1}"
            print(
                f"  {label:8s} {contender.name:8s} {sample.seconds:7.2f} s"
                f"  {sample.max_rss_mib:6.0f} MiB  index pages: {sample.index_pages}"
                f"  downloads: {sample.downloads}",
                flush=True,
            )
            if number >= 0:
                result.samples[contender.name].append(sample)
    result.load_end = load_average()
    return result


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


def time_command(command: Command, runs: int) -> Stats:
    """Median and range of *command*'s wall time over *runs* runs."""
    return Stats.of([run_measured(command)[0].seconds for _ in range(runs)])


def time_calls(func: Callable[[], object], runs: int) -> Stats:
    """Median and range of *func*'s wall time over *runs* calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return Stats.of(times)
