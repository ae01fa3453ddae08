from __future__ import annotations

import json

import pytest

from poetry_plugin_multiarch.config import parse_config
from poetry_plugin_multiarch.coverage import FindingKind, check_coverage
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.report import (
    RELOCK_HINT,
    coverage_error,
    fix_hints,
    render_json,
    render_report,
)
from poetry_plugin_multiarch.targets import KNOWN_TARGETS, TargetEnvironment
from tests.unit.lockdata import INDEX, seed_lock_data


def envs(*names: str, pythons=("3.11",)) -> list[TargetEnvironment]:
    return [TargetEnvironment(target=KNOWN_TARGETS[n], python=p) for n in names for p in pythons]


def lock_with_wheels(*wheels: str, markers: str | None = None) -> MultiarchLock:
    entry = {
        "name": "jaxlib",
        "version": "0.1.71",
        "groups": ["main"],
        # as the plugin writes them: with each artifact's url
        "files": [{"file": w, "hash": "sha256:00", "url": f"{INDEX}/../{w}"} for w in wheels],
        "source": {"type": "legacy", "url": INDEX, "reference": "main"},
    }
    if markers:
        entry["markers"] = markers
    return MultiarchLock.from_lock_data({"package": [entry]})


@pytest.mark.parametrize(
    ("wheel", "target", "python", "covered"),
    [
        ("jaxlib-0.1.71-cp311-cp311-manylinux_2_28_aarch64.whl", "linux-aarch64", "3.11", True),
        ("jaxlib-0.1.71-cp311-cp311-manylinux_2_31_aarch64.whl", "linux-aarch64", "3.11", False),
        ("jaxlib-0.1.71-cp311-cp311-manylinux2010_x86_64.whl", "linux-x86_64", "3.11", True),
        ("jaxlib-0.1.71-cp311-cp311-macosx_11_0_arm64.whl", "macos-arm64", "3.11", True),
        ("jaxlib-0.1.71-cp311-cp311-macosx_11_0_arm64.whl", "macos-x86_64", "3.11", False),
        ("jaxlib-0.1.71-cp38-abi3-manylinux2014_aarch64.whl", "linux-aarch64", "3.13", True),
        ("jaxlib-0.1.71-cp311-cp311-manylinux2014_aarch64.whl", "linux-aarch64", "3.12", False),
        ("jaxlib-0.1.71-py3-none-any.whl", "windows-amd64", "3.10", True),
        ("jaxlib-0.1.71-cp312-cp312-win_amd64.whl", "windows-amd64", "3.12", True),
        ("jaxlib-0.1.71-cp312-cp312-musllinux_1_2_x86_64.whl", "linux-x86_64-musl", "3.12", True),
        ("jaxlib-0.1.71-cp312-cp312-musllinux_1_2_x86_64.whl", "linux-x86_64", "3.12", False),
    ],
)
def test_a_wheel_covers_a_target_when_a_tag_matches(wheel, target, python, covered) -> None:
    report = check_coverage(lock_with_wheels(wheel), envs(target, pythons=(python,)))
    assert report.ok is covered
    if not covered:
        (finding,) = report.findings
        assert (finding.kind, finding.target, finding.python) == (FindingKind.GAP, target, python)


def test_sdist_counts_but_is_reported_as_building_from_source() -> None:
    report = check_coverage(
        lock_with_wheels(
            "jaxlib-0.1.71-cp311-cp311-manylinux2014_x86_64.whl", "jaxlib-0.1.71.tar.gz"
        ),
        envs("linux-aarch64"),
    )
    assert report.ok
    assert [f.kind for f in report.findings] == [FindingKind.FROM_SOURCE]


def test_every_gap_is_collected_with_the_platforms_there_are() -> None:
    report = check_coverage(
        lock_with_wheels("jaxlib-0.1.71-py3-none-manylinux2014_x86_64.whl"),
        envs("linux-aarch64", "macos-arm64", pythons=("3.11", "3.12")),
    )
    assert [(f.target, f.python) for f in report.errors] == [
        ("linux-aarch64", "3.11"), ("linux-aarch64", "3.12"),
        ("macos-arm64", "3.11"), ("macos-arm64", "3.12"),
    ]  # fmt: skip
    assert report.errors[0].message() == (
        f"jaxlib 0.1.71 (source main ({INDEX})): no wheel or sdist for linux-aarch64,"
        " Python 3.11; it only has wheels for: manylinux2014_x86_64"
    )


def test_seed_alternatives_cover_their_machines_and_overlap_is_an_error() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    assert check_coverage(lock, envs("linux-x86_64", "linux-aarch64")).ok
    overlapping = MultiarchLock.from_lock_data(seed_lock_data('sys_platform == "linux"'))
    (finding,) = check_coverage(overlapping, envs("linux-aarch64")).errors
    assert finding.kind is FindingKind.OVERLAP


def test_direct_dependency_selected_nowhere_on_a_target_is_reported() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    report = check_coverage(lock, envs("linux-x86_64", "macos-arm64"), direct={"jaxlib"})
    assert report.ok
    assert [(f.kind, f.target) for f in report.findings] == [
        (FindingKind.UNSELECTED, "macos-arm64")
    ]


def test_report_matrix_summary_json_and_error() -> None:
    report = check_coverage(
        lock_with_wheels("jaxlib-0.1.71-py3-none-manylinux2014_x86_64.whl"),
        envs("linux-x86_64", "linux-aarch64"),
    )
    assert render_report(report) == [
        "package        linux-x86_64 3.11  linux-aarch64 3.11",
        "jaxlib 0.1.71  ok                 GAP",
        "",
        "linux-x86_64 (Python 3.11): 1 packages, covered",
        "linux-aarch64 (Python 3.11): 1 packages, 1 gap",
    ]
    assert '"kind": "gap"' in render_json(report)
    error = coverage_error(report)
    assert error.message.endswith("poetry.lock was not written.")
    assert "drop linux-aarch64 / Python 3.11" in error.hint


def test_config_builds_target_environments_for_every_python() -> None:
    config = parse_config(
        {"tool": {"poetry-plugin-multiarch": {"environments": ["linux-x86_64", "macos-arm64"]}}},
        ["3.11", "3.12"],
    )
    assert [e.label for e in config.target_environments] == [
        "linux-x86_64 (Python 3.11)", "linux-x86_64 (Python 3.12)",
        "macos-arm64 (Python 3.11)", "macos-arm64 (Python 3.12)",
    ]  # fmt: skip


def test_target_no_alternative_applies_on_is_shown_plainly_with_the_complement() -> None:
    """jaxlib is given for x86_64 and aarch64 only: macos-arm64 gets no gap, but the
    text and JSON say jaxlib is not installed there, and which marker would cover it."""
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    complement = 'platform_machine != "x86_64" and platform_machine != "aarch64"'
    report = check_coverage(
        lock, envs("linux-x86_64", "macos-arm64"), direct={"jaxlib": complement}
    )
    text = render_report(report)
    assert "macos-arm64 (Python 3.11): 1 packages, no gaps, not installed: jaxlib" in text
    assert "not installed on macos-arm64 (Python 3.11): jaxlib — no alternative applies" in text
    assert f"  If jaxlib is needed there, add an alternative with markers = '{complement}'" in (
        "\n".join(text)
    )
    (finding,) = json.loads(render_json(report))["findings"]
    assert finding["kind"] == "unselected"
    assert finding["message"] == (
        "not installed on macos-arm64 (Python 3.11): jaxlib — no alternative applies"
    )
    assert complement in finding["hint"]


@pytest.mark.parametrize(
    ("wheel", "detail"),
    [
        ("cp312-cp312-manylinux2014_x86_64", "it has wheels only for cp312-cp312"),
        ("cp312-none-any", "it has wheels only for cp312-none"),
        ("cp312-abi3-manylinux2014_x86_64", "it has wheels only for cp312-abi3"),
    ],
)
def test_a_gap_for_another_interpreter_names_it_not_the_platform(wheel, detail) -> None:
    report = check_coverage(lock_with_wheels(f"jaxlib-0.1.71-{wheel}.whl"), envs("linux-x86_64"))
    (finding,) = report.errors
    assert finding.message().endswith(f"; {detail} (this target: cp311-cp311)")
    assert "only has wheels for: any" not in finding.message()


def test_a_gap_with_wheels_for_other_platforms_and_interpreters_names_both() -> None:
    report = check_coverage(
        lock_with_wheels(
            "jaxlib-0.1.71-cp312-cp312-manylinux2014_x86_64.whl",
            "jaxlib-0.1.71-cp311-cp311-macosx_11_0_arm64.whl",
        ),
        envs("linux-x86_64"),
    )
    assert (
        report.errors[0]
        .message()
        .endswith(
            "; it only has wheels for: macosx_11_0_arm64; and for this platform only for"
            " cp312-cp312 (this target: cp311-cp311)"
        )
    )


def test_musl_gap_hint_says_markers_cannot_pick_musl() -> None:
    report = check_coverage(
        lock_with_wheels("jaxlib-0.1.71-py3-none-manylinux2014_x86_64.whl"),
        envs("linux-x86_64", "linux-x86_64-musl"),
    )
    (hint,) = fix_hints(report)
    assert hint.startswith("jaxlib on linux-x86_64-musl: musl Linux, and markers cannot tell")
    assert "musllinux wheel" in hint
    assert "add an alternative" not in hint


def test_glibc_gap_of_a_musl_only_package_says_so() -> None:
    report = check_coverage(
        lock_with_wheels("jaxlib-0.1.71-py3-none-musllinux_1_2_x86_64.whl"),
        envs("linux-x86_64", "linux-x86_64-musl"),
    )
    (hint,) = fix_hints(report)
    assert hint.startswith(
        "jaxlib on linux-x86_64: it has musllinux (musl) wheels only and linux-x86_64 is glibc"
    )
    assert "manylinux wheel" in hint
    assert "add an alternative" not in hint


def test_gap_of_a_stock_lock_says_relock_with_the_plugin() -> None:
    """Stock Poetry locks the seed as one URL entry for every machine (#7722): the
    fix is re-locking with the plugin, not another alternative."""
    data = seed_lock_data()
    del data["package"][1]  # the index entry stock Poetry loses
    del data["package"][1]["markers"]
    report = check_coverage(MultiarchLock.from_lock_data(data), envs("linux-x86_64"))
    assert not report.ok
    assert fix_hints(report) == [RELOCK_HINT]
    assert "Re-lock with the plugin (`poetry lock`)" in RELOCK_HINT


def test_gap_of_a_plugin_lock_suggests_an_alternative() -> None:
    data = seed_lock_data()
    data["metadata"]["poetry-plugin-multiarch"] = {"environments": ["linux-x86_64"]}
    del data["package"][1]
    del data["package"][1]["markers"]
    (hint,) = fix_hints(check_coverage(MultiarchLock.from_lock_data(data), envs("linux-x86_64")))
    assert hint.startswith("jaxlib on linux-x86_64: add an alternative with markers")


def test_a_package_for_another_system_only_is_told_to_take_a_marker() -> None:
    """pywin32 on Linux: the fix is a marker on the dependency, not an alternative."""
    report = check_coverage(
        lock_with_wheels(
            "jaxlib-0.1.71-cp311-cp311-win_amd64.whl", "jaxlib-0.1.71-cp311-cp311-win32.whl"
        ),
        envs("linux-x86_64"),
    )
    (hint,) = fix_hints(report)
    assert hint.startswith(
        "jaxlib on linux-x86_64: it has wheels for win32 only; if it is needed only there,"
        " restrict the dependency in pyproject.toml with markers = \"sys_platform == 'win32'\""
    )
    assert "add an alternative" not in hint


def test_a_package_with_a_wheel_for_the_targets_system_still_gets_an_alternative_hint() -> None:
    report = check_coverage(
        lock_with_wheels("jaxlib-0.1.71-cp311-cp311-manylinux2014_x86_64.whl"),
        envs("linux-aarch64"),
    )
    (hint,) = fix_hints(report)
    assert "add an alternative" in hint


def sdist_only(*extra_files: str, source: dict | None = None) -> MultiarchLock:
    entry = {
        "name": "b",
        "version": "1.0",
        "groups": ["main"],
        "files": [
            {"file": f, "hash": "sha256:00", "url": f"{INDEX}/../{f}"}
            for f in ("b-1.0.tar.gz", *extra_files)
        ],
    }
    if source:
        entry["source"] = source
        entry["files"] = []
    return MultiarchLock.from_lock_data({"package": [entry]})


def test_sdist_only_is_a_gap_on_a_no_build_target_and_builds_elsewhere() -> None:
    report = check_coverage(
        sdist_only(), envs("linux-x86_64", "linux-aarch64"), no_build=("linux-aarch64",)
    )
    assert [(f.kind, f.target, f.no_build) for f in report.findings] == [
        (FindingKind.FROM_SOURCE, "linux-x86_64", False),
        (FindingKind.GAP, "linux-aarch64", True),
    ]
    assert report.errors[0].message() == (
        "b 1.0 (PyPI): no wheel for linux-aarch64, Python 3.11; it has only an sdist,"
        " and no-build is set for linux-aarch64"
    )
    (hint,) = fix_hints(report)
    assert hint == (
        "b on linux-aarch64: no-build is set for linux-aarch64 (wheels only): pick a version"
        " or source with a wheel for it, or remove linux-aarch64 from no-build in"
        " [tool.poetry-plugin-multiarch] to build it from source there."
    )
    # today's behaviour without no-build: the sdist covers both
    assert check_coverage(sdist_only(), envs("linux-x86_64", "linux-aarch64")).ok


def test_no_build_gap_with_wheels_for_other_platforms_names_them_and_the_sdist() -> None:
    report = check_coverage(
        sdist_only("b-1.0-py3-none-manylinux2014_x86_64.whl"),
        envs("linux-x86_64", "linux-aarch64"),
        no_build=("linux-x86_64", "linux-aarch64"),
    )
    (gap,) = report.errors  # the x86_64 wheel installs on linux-x86_64
    assert gap.available == ("manylinux2014_x86_64",)
    assert gap.message().endswith(
        "no wheel for linux-aarch64, Python 3.11; it only has wheels for: manylinux2014_x86_64;"
        " it has an sdist too, but no-build is set for linux-aarch64"
    )


def test_a_git_source_is_a_gap_on_a_no_build_target() -> None:
    git = {"type": "git", "url": "https://example.org/b.git", "resolved_reference": "abc"}
    report = check_coverage(
        sdist_only(source=git), envs("linux-x86_64", "linux-aarch64"), no_build=("linux-aarch64",)
    )
    assert [(f.kind, f.detail) for f in report.findings] == [
        (FindingKind.FROM_SOURCE, "git"),
        (
            FindingKind.GAP,
            "it is a git source (built on install), and no-build is set for linux-aarch64",
        ),
    ]


def test_check_text_says_which_targets_build_from_source_and_which_are_wheels_only() -> None:
    report = check_coverage(
        sdist_only(),
        envs("linux-x86_64", "linux-aarch64", "macos-arm64", pythons=("3.11", "3.12")),
        no_build=("linux-aarch64",),
    )
    text = render_report(report)
    assert "linux-aarch64 (Python 3.11): 1 packages, 1 gap, wheels only (no-build)" in text
    assert "linux-x86_64 (Python 3.12): 1 packages, covered, 1 from source" in text
    start = text.index("Builds from source on install:")
    assert text[start - 1 : start + 3] == [
        "",
        "Builds from source on install:",
        "  linux-x86_64 (Python 3.11, 3.12): b 1.0 (sdist)",
        "  macos-arm64 (Python 3.11, 3.12): b 1.0 (sdist)",
    ]
