"""Coverage findings as people and CI read them: a matrix, one line per target,
the versions that differ between targets, what builds from source where, the errors
with what to do, and JSON."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence

from poetry_plugin_multiarch.coverage import CoverageReport, Finding, FindingKind
from poetry_plugin_multiarch.errors import CoverageError
from poetry_plugin_multiarch.targets import TargetEnvironment

__all__ = [
    "RELOCK_HINT",
    "coverage_error",
    "fix_hints",
    "from_source_lines",
    "gap_lines",
    "render_json",
    "render_report",
    "unselected_lines",
    "version_lines",
]

_CELL = {
    FindingKind.GAP: "GAP",
    FindingKind.OVERLAP: "2 ALT",
    FindingKind.FROM_SOURCE: "src",
    FindingKind.UNSELECTED: "none",
}


def render_report(report: CoverageReport) -> list[str]:
    """Packages with findings x target environments, a summary per target, then the
    versions that differ between targets and what builds from source where."""
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
        missing = [f.package for f in mine if f.kind is FindingKind.UNSELECTED]
        state = f"{errors} gap{'s' if errors != 1 else ''}" if errors else "covered"
        if missing and not errors:  # "covered" would hide it
            state = "no gaps"
        extra = f", {source} from source" if source else ""
        if env.target.name in report.no_build:
            extra += ", wheels only (no-build)"
        if missing:
            extra += f", not installed: {', '.join(missing)}"
        lines.append(f"{env.label}: {counts.get(env.label, 0)} packages, {state}{extra}")
    for section in (version_lines(report), from_source_lines(report), unselected_lines(report)):
        if section:
            lines += ["", *section]
    return lines


def version_lines(report: CoverageReport) -> list[str]:
    """Each package whose version differs between targets, with the version each
    target gets, marked ``forked`` (split by the solver) or ``alternatives`` (the
    user's)."""
    if not report.versions:
        return []
    return [
        "Versions that differ between targets:",
        *(f"  {split.describe()}" for split in report.versions),
    ]


def from_source_lines(report: CoverageReport) -> list[str]:
    """Per target, what installs by building from source there (an sdist, or a git or
    directory source); a target's Pythons share a line when they build the same."""
    built: dict[str, list[str]] = defaultdict(list)
    for finding in report.findings:
        if finding.kind is FindingKind.FROM_SOURCE:
            what = f"{finding.package} {finding.version} ({finding.detail or 'sdist'})"
            built[f"{finding.target} {finding.python}"].append(what)
    if not built:
        return []
    lines = ["Builds from source on install:"]
    by_target: dict[str, list[TargetEnvironment]] = defaultdict(list)
    for env in report.environments:
        by_target[env.target.name].append(env)
    for target, envs in by_target.items():
        lists = [built.get(f"{target} {env.python}", []) for env in envs]
        if all(lists) and all(items == lists[0] for items in lists):
            pythons = ", ".join(env.python for env in envs)
            lines.append(f"  {target} (Python {pythons}): {', '.join(lists[0])}")
            continue
        lines += [
            f"  {env.label}: {', '.join(items)}"
            for env, items in zip(envs, lists, strict=True)
            if items
        ]
    return lines


def unselected_lines(report: CoverageReport) -> list[str]:
    """Each direct dependency a target gets none of, and (once per package) the
    marker that would cover it: not an error (it may be meant), but never silent."""
    lines: list[str] = []
    hinted: set[str] = set()
    for finding in report.findings:
        if finding.kind is not FindingKind.UNSELECTED:
            continue
        lines.append(finding.message())
        if finding.hint and finding.package not in hinted:
            hinted.add(finding.package)
            lines.append(f"  {finding.hint}")
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
            "no_build": [
                name
                for name in dict.fromkeys(env.target.name for env in report.environments)
                if name in report.no_build
            ],
            "findings": [_finding_json(f) for f in report.findings],
            "versions": {
                split.package: {
                    "kind": split.kind,
                    "targets": [
                        {"target": env.target.name, "python": env.python, "version": version}
                        for env, version in split.versions
                    ],
                }
                for split in report.versions
            },
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
        "detail": finding.detail,
        "no_build": finding.no_build,
        "message": finding.message(),
        "hint": finding.hint,
    }


def coverage_error(
    report: CoverageReport, *, written: bool = False, notes: Sequence[str] = ()
) -> CoverageError:
    """The lock gate's error: every gap (and *notes*: what the solver tried for it),
    then what to try for each target."""
    where = "poetry.lock was written anyway." if written else "poetry.lock was not written."
    lines = [*gap_lines(report), *(f"  {note}" for note in notes)]
    return CoverageError(
        "The lock does not install on every target environment of"
        " [tool.poetry-plugin-multiarch]:\n" + "\n".join(lines) + f"\n{where}",
        "\n".join(fix_hints(report)),
        report=report,
    )


def gap_lines(report: CoverageReport) -> list[str]:
    """One indented line per error finding."""
    return [f"  {finding.message()}" for finding in report.errors]


#: what re-locking fixes on a lock stock Poetry wrote
RELOCK_HINT = (
    "poetry.lock was written without poetry-plugin-multiarch (it records no artifact URLs"
    " and no targets): stock Poetry locks one entry for all alternatives of a dependency."
    " Re-lock with the plugin (`poetry lock`), then check again."
)


def fix_hints(report: CoverageReport) -> list[str]:
    """What to try, once per package and target with an error."""
    hints: list[str] = []
    # re-locking with the plugin fixes what stock Poetry got wrong, not no-build
    relock = report.stock_lock and any(not f.no_build for f in report.errors)
    if relock:
        hints.append(RELOCK_HINT)
    for finding in report.errors:
        if relock and not finding.no_build:
            continue
        env = next(e for e in report.environments if e.target.name == finding.target)
        drop = f"drop {finding.target} / Python {finding.python}"
        drop += " from [tool.poetry-plugin-multiarch]."
        if finding.no_build:
            hint = (
                f"{finding.package} on {finding.target}: no-build is set for {finding.target}"
                " (wheels only): pick a version or source with a wheel for it, or remove"
                f" {finding.target} from no-build in [tool.poetry-plugin-multiarch] to build"
                " it from source there."
            )
        elif _is_musl(env.target.platform_tags):
            hint = (
                f"{finding.package} on {finding.target}: musl Linux, and markers cannot tell"
                " musl from glibc Linux, so an alternative cannot pick a wheel for it: pick a"
                " version or source of every Linux alternative that has a musllinux wheel (or"
                f" an sdist) for it, or {drop}"
            )
        elif env.target.platform.get("sys_platform") == "linux" and _is_musl(finding.available):
            hint = (
                f"{finding.package} on {finding.target}: it has musllinux (musl) wheels only and"
                f" {finding.target} is glibc Linux: pick a version or source with a manylinux"
                f" wheel (or an sdist), or {drop}"
            )
        elif (systems := _other_systems(finding.available, env.target.platform)) is not None:
            only = " or ".join(f"sys_platform == '{system}'" for system in systems)
            hint = (
                f"{finding.package} on {finding.target}: it has wheels for {', '.join(systems)}"
                f" only; if it is needed only there, restrict the dependency in"
                f' pyproject.toml with markers = "{only}", or {drop}'
            )
        else:
            marker = " and ".join(
                f"{key} == '{env.target.platform[key]}'"
                for key in ("sys_platform", "platform_machine")
                if key in env.target.platform
            )
            hint = (
                f"{finding.package} on {finding.target}: add an alternative with"
                f' markers = "{marker}" (e.g. a url or source that has such a wheel),'
                f" pick a version with a wheel for it, or {drop}"
            )
        if hint not in hints:
            hints.append(hint)
    return hints


#: ``sys_platform`` of a wheel's platform tag, by the tag's prefix
_SYSTEM_OF_TAG = (("win", "win32"), ("macosx", "darwin"), ("manylinux", "linux"),
                  ("musllinux", "linux"), ("linux", "linux"))  # fmt: skip


def _other_systems(platforms: tuple[str, ...], target: Mapping[str, str]) -> list[str] | None:
    """The ``sys_platform`` values *platforms* (a package's wheel tags) are all for,
    when the target's is not among them (a Windows-only package on Linux: the
    dependency wants a marker, not an alternative); ``None`` otherwise."""
    systems: list[str] = []
    for tag in platforms:
        system = next((s for prefix, s in _SYSTEM_OF_TAG if tag.startswith(prefix)), None)
        if system is None:  # "any", or a platform not known here
            return None
        if system not in systems:
            systems.append(system)
    if not systems or target.get("sys_platform") in systems:
        return None
    return systems


def _is_musl(platforms: tuple[str, ...]) -> bool:
    return bool(platforms) and all(p.startswith("musllinux") for p in platforms)
