"""Coverage findings as people and CI read them: a matrix, one line per target,
the errors with what to do, and JSON."""

from __future__ import annotations

import json
from collections import defaultdict

from poetry_plugin_multiarch.coverage import CoverageReport, Finding, FindingKind
from poetry_plugin_multiarch.errors import CoverageError

__all__ = ["coverage_error", "fix_hints", "gap_lines", "render_json", "render_report"]

_CELL = {
    FindingKind.GAP: "GAP",
    FindingKind.OVERLAP: "2 ALT",
    FindingKind.FROM_SOURCE: "src",
    FindingKind.UNSELECTED: "none",
}


def render_report(report: CoverageReport) -> list[str]:
    """Packages with findings x target environments, then a summary per target."""
    labels = [f"{env.target.name} {env.python}" for env in report.environments]
    rows: dict[str, dict[str, str]] = defaultdict(dict)
    for finding in report.findings:
        rows[f"{finding.package} {finding.version}"][f"{finding.target} {finding.python}"] = _CELL[
            finding.kind
        ]
    lines: list[str] = []
    if rows:
        widths = [max(len("package"), *(len(name) for name in rows))]
        widths += [max(len(label), 5) for label in labels]
        lines.append(_row(["package", *labels], widths))
        for name, cells in sorted(rows.items()):
            lines.append(_row([name, *(cells.get(label, "ok") for label in labels)], widths))
        lines.append("")
    counts = dict(report.selected)
    for env in report.environments:
        mine = [
            f for f in report.findings if f.target == env.target.name and f.python == env.python
        ]
        errors = sum(f.is_error for f in mine)
        source = sum(f.kind is FindingKind.FROM_SOURCE for f in mine)
        state = f"{errors} gap{'s' if errors != 1 else ''}" if errors else "covered"
        extra = f", {source} from source" if source else ""
        lines.append(f"{env.label}: {counts.get(env.label, 0)} packages, {state}{extra}")
    return lines


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def render_json(report: CoverageReport) -> str:
    return json.dumps(
        {
            "ok": report.ok,
            "environments": [
                {"target": env.target.name, "python": env.python, "selected": count}
                for env, (_, count) in zip(report.environments, report.selected, strict=True)
            ],
            "findings": [_finding_json(f) for f in report.findings],
        },
        indent=2,
    )


def _finding_json(finding: Finding) -> dict[str, object]:
    return {
        "kind": finding.kind.value,
        "error": finding.is_error,
        "package": finding.package,
        "version": finding.version,
        "origin": finding.origin,
        "groups": list(finding.groups),
        "target": finding.target,
        "python": finding.python,
        "available": list(finding.available),
        "message": finding.message(),
    }


def coverage_error(report: CoverageReport, *, written: bool = False) -> CoverageError:
    """The lock gate's error: every gap, then what to try for each target."""
    where = "poetry.lock was written anyway." if written else "poetry.lock was not written."
    return CoverageError(
        "The lock does not install on every target environment of"
        " [tool.poetry-plugin-multiarch]:\n" + "\n".join(gap_lines(report)) + f"\n{where}",
        "\n".join(fix_hints(report)),
        report=report,
    )


def gap_lines(report: CoverageReport) -> list[str]:
    """One indented line per error finding."""
    return [f"  {finding.message()}" for finding in report.errors]


def fix_hints(report: CoverageReport) -> list[str]:
    """What to try, once per package and target with an error."""
    hints: list[str] = []
    for finding in report.errors:
        env = next(e for e in report.environments if e.target.name == finding.target)
        marker = " and ".join(
            f"{key} == '{env.target.platform[key]}'"
            for key in ("sys_platform", "platform_machine")
            if key in env.target.platform
        )
        hint = (
            f"{finding.package} on {finding.target}: add an alternative with"
            f' markers = "{marker}" (e.g. a url or source that has such a wheel),'
            f" pick a version with a wheel for it, or drop {finding.target}"
            f" / Python {finding.python} from [tool.poetry-plugin-multiarch]."
        )
        if hint not in hints:
            hints.append(hint)
    return hints
