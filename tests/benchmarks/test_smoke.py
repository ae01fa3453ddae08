"""The benchmark runs end to end: `benchmarks/run.py --smoke` with real Poetry, real
uv and a real loopback index, writing its tables and plot into a temporary directory.

Smoke mode uses tiny fixtures and a locally built stand-in for the real-wheel mirror,
so nothing beyond 127.0.0.1 is contacted (the pinned Poetry venv is the one the e2e
tests use, made once).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: One row per figure in the summary table.
FIGURES = (
    "install wall time, synthetic wide index",
    "install wall time, real-wheel mirror",
    "install wall time, real-wheel mirror with PyPI's page listings",
    "index-page requests during install",
    "`poetry lock` wall time, real-wheel mirror",
    "`poetry lock` wall time with targets declared, real-wheel mirror",
    "`poetry multiarch check`",
    "peak RSS, `poetry lock`",
    "peak RSS, `poetry install`",
)

pytestmark = pytest.mark.e2e


def test_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    markdown = (out / "benchmarks.md").read_text()
    summary = markdown.split("## Summary", 1)[1].split("\n\n")[1]
    rows = [line for line in summary.splitlines() if line.startswith("| ")]
    for figure in FIGURES:
        row = next((r for r in rows if r.startswith(f"| {figure}")), None)
        assert row is not None, f"no row for {figure!r} in:\n{summary}"
        assert row.count("|") == 9, row  # figure, plugin, stock, ratio, target, met, uv, uv/stock
    assert "Smoke run" in markdown
    # the lock with targets: stock, plugin without targets, with targets, with a gap
    targets = markdown.split("## Lock time with targets", 1)[1].split("\n## ", 1)[0]
    for ratio in ("(b) / (a)", "(c) / (a)", "(d) / (a)"):
        assert targets.count(f"| **{ratio}**, per pair |") == 2, targets  # empty, warm caches
    assert 'environments = ["linux-x86_64", "linux-aarch64"]' in targets
    assert "targets / stock" in result.stdout
    for figure in FIGURES[:4]:
        assert figure in result.stdout  # printed too

    png = (out / "benchmarks.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
