"""Which version each target gets: the table `poetry multiarch check` prints and its
JSON, read from the lock alone; forked packages told from the user's alternatives."""

from __future__ import annotations

import json

from poetry_plugin_multiarch.coverage import check_coverage
from poetry_plugin_multiarch.lockmodel import MultiarchLock
from poetry_plugin_multiarch.report import render_json, render_report, version_lines
from poetry_plugin_multiarch.splits import forked_names
from tests.unit.lockdata import forked_lock_data, seed_lock_data
from tests.unit.test_coverage import envs

FOUR = ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64")


def test_each_target_gets_a_version_forked_and_alternatives_told_apart() -> None:
    """`t` was split by the solver; `numpy` the user wrote as alternatives (a direct
    dependency given as a list with markers), and macos-arm64 gets none of it."""
    lock = MultiarchLock.from_lock_data(forked_lock_data())
    report = check_coverage(lock, envs(*FOUR), direct={"numpy": ""})

    assert version_lines(report) == [
        "Versions that differ between targets:",
        "  numpy: 1.26.4 on linux-x86_64, macos-x86_64; 1.24.0 on linux-aarch64;"
        " not installed on macos-arm64 (alternatives)",
        "  t: 2.5.0 on linux-x86_64, linux-aarch64, macos-arm64; 2.2.2 on macos-x86_64 (forked)",
    ]
    text = render_report(report)
    assert text[text.index("Versions that differ between targets:") - 1] == ""
    assert forked_names(lock, {"numpy": ""}) == {"t"}


def test_a_package_not_among_the_users_alternatives_is_forked() -> None:
    """Without *direct* (as the gate has none for a transitive package), several
    versions are the solver's split."""
    lock = MultiarchLock.from_lock_data(forked_lock_data())
    report = check_coverage(lock, envs(*FOUR))
    assert [(s.package, s.kind) for s in report.versions] == [
        ("numpy", "forked"),
        ("t", "forked"),
    ]
    assert forked_names(lock) == {"numpy", "t"}


def test_a_version_split_by_python_names_the_pythons() -> None:
    data = forked_lock_data()
    t_old, t_new = data["package"][3:5]
    t_old["markers"] = 'python_version < "3.13"'
    t_new["markers"] = 'python_version >= "3.13"'
    t_old["files"] = t_new["files"] = [{"file": "t-2.5.0-py3-none-any.whl", "hash": "sha256:00"}]
    report = check_coverage(
        MultiarchLock.from_lock_data(data),
        envs("linux-x86_64", "linux-aarch64", pythons=("3.12", "3.13")),
    )
    (split,) = [s for s in report.versions if s.package == "t"]
    assert split.describe() == (
        "t: 2.2.2 on linux-x86_64 (Python 3.12), linux-aarch64 (Python 3.12);"
        " 2.5.0 on linux-x86_64 (Python 3.13), linux-aarch64 (Python 3.13) (forked)"
    )


def test_same_version_alternatives_and_single_entries_are_not_listed() -> None:
    """The seed's jaxlib is 0.1.71 from the index and from a URL: one version."""
    report = check_coverage(
        MultiarchLock.from_lock_data(seed_lock_data()), envs("linux-x86_64", "linux-aarch64")
    )
    assert report.versions == ()
    assert "Versions that differ between targets:" not in render_report(report)
    assert json.loads(render_json(report))["versions"] == {}


def test_json_gives_each_split_package_its_kind_and_version_per_target() -> None:
    lock = MultiarchLock.from_lock_data(forked_lock_data())
    report = check_coverage(
        lock, envs(*FOUR), direct={"numpy": ""}, no_build=("linux-aarch64", "macos-x86_64")
    )
    data = json.loads(render_json(report))

    assert data["versions"]["t"] == {
        "kind": "forked",
        "targets": [
            {"target": "linux-x86_64", "python": "3.11", "version": "2.5.0"},
            {"target": "linux-aarch64", "python": "3.11", "version": "2.5.0"},
            {"target": "macos-arm64", "python": "3.11", "version": "2.5.0"},
            {"target": "macos-x86_64", "python": "3.11", "version": "2.2.2"},
        ],
    }
    assert data["versions"]["numpy"]["kind"] == "alternatives"
    assert data["versions"]["numpy"]["targets"][2] == {
        "target": "macos-arm64",
        "python": "3.11",
        "version": None,
    }
    assert data["no_build"] == ["linux-aarch64", "macos-x86_64"]
    b_findings = [
        (f["kind"], f["target"], f["detail"], f["no_build"])
        for f in data["findings"]
        if f["package"] == "b"
    ]
    assert b_findings == [
        ("from-source", "linux-x86_64", "sdist", False),
        ("gap", "linux-aarch64", "it has only an sdist, and no-build is set for linux-aarch64",
         True),
        ("from-source", "macos-arm64", "sdist", False),
        ("gap", "macos-x86_64", "it has only an sdist, and no-build is set for macos-x86_64",
         True),
    ]  # fmt: skip
    assert data["ok"] is False
