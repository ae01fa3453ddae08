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
    "install wall time, real-wheel mirror, artifact cache warm (issue 12)",
    "index-page requests during install",
    "`poetry lock` wall time, real-wheel mirror",
    "`poetry lock` wall time with targets declared, real-wheel mirror",
    "`poetry multiarch check`",
    "peak RSS, `poetry lock`",
    "peak RSS, `poetry install`",
)

#: issue 12's rows in its own section: (figure, compared with, target)
ISSUE12_ROWS = (
    ("install, real-wheel mirror, fresh venv, empty caches", "stock Poetry", "≤ 0.50×"),
    ("install, real-wheel mirror, fresh venv, artifact cache warm", "stock Poetry", "≤ 0.20×"),
    ("install, real-wheel mirror, fresh venv, artifact cache warm", "uv, cache warm", "reported"),
    ("install, real-wheel mirror, fresh venv, artifact cache warm", "floor (", "reported"),
    ("peak RSS, install, empty caches", "stock Poetry", "≤ 1.10×"),
    ("peak RSS, install, artifact cache warm", "stock Poetry", "≤ 1.10×"),
    ("index pages requested during install", "stock Poetry", "0"),
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
    # issue 12: its targets against stock Poetry, uv warm and the floor, then every
    # warm-install contender with the archives it downloaded
    issue12 = markdown.split("## Install targets (issue 12)", 1)[1].split("\n## ", 1)[0]
    cells = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in issue12.split("\n\n")[2].splitlines()[2:]
    ]
    assert len(cells) == len(ISSUE12_ROWS), issue12
    for (figure, reference, target), row in zip(ISSUE12_ROWS, cells, strict=True):
        # figure, plugin, compared with, its figure, ratio, target, met
        assert len(row) == 7 and row[0].startswith(figure), row
        assert row[2].startswith(reference) and row[5] == target, row
        assert row[6] in (("–",) if target == "reported" else ("yes", "**no**")), row
    for ratio in ("plugin / stock", "uv / stock", "plugin / uv", "plugin / floor"):
        assert f"| **{ratio}**, per pair |" in issue12, ratio
    warm_plugin = next(
        line for line in issue12.splitlines() if line.startswith("| Poetry + poetry-plugin")
    )
    assert warm_plugin.endswith("| 0 | 0 |"), warm_plugin  # no page, no download: warm
    assert "plugin / floor: median" in result.stdout
    for figure in FIGURES[:4]:
        assert figure in result.stdout  # printed too

    png = (out / "benchmarks.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
