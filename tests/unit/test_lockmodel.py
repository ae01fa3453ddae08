from __future__ import annotations

import pytest

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.lockmodel import LockedFile, LockedSource, MultiarchLock
from tests.unit.lockdata import INDEX, URL, seed_lock_data


def test_reads_entries_sources_markers_and_files() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    jax, index_lib, url_lib, pytest_ = lock.packages
    assert jax.markers == {}
    assert index_lib.source == LockedSource(type="legacy", url=INDEX, reference="main")
    assert str(index_lib.markers["main"]) == 'platform_machine == "x86_64"'
    assert url_lib.source == LockedSource(type="url", url=URL)
    assert url_lib.files == (
        LockedFile(name="jaxlib-0.1.71-py3-none-manylinux2014_aarch64.whl", hash="sha256:cc"),
    )
    assert pytest_.groups == ("dev",)
    assert str(pytest_.markers["dev"]) == 'sys_platform == "linux"'


def test_alternatives_are_packages_locked_more_than_once() -> None:
    lock = MultiarchLock.from_lock_data(seed_lock_data())
    assert list(lock.alternatives()) == ["jaxlib"]
    assert [p.origin for p in lock.alternatives()["jaxlib"]] == [
        f"source main ({INDEX})",
        f"url {URL}",
    ]


def test_origin_hides_credentials() -> None:
    data = seed_lock_data()
    data["package"][2]["source"]["url"] = "https://user:secret@host.example/jaxlib.whl"
    lock = MultiarchLock.from_lock_data(data)
    assert lock.packages[2].origin == "url https://host.example/jaxlib.whl"


def test_unreadable_marker_is_a_lock_error() -> None:
    data = seed_lock_data(index_markers="platform_machine === ")
    with pytest.raises(LockDataError, match=r"jaxlib 0\.1\.71 has a marker packaging cannot read"):
        MultiarchLock.from_lock_data(data)


def test_entry_without_name_is_a_lock_error() -> None:
    with pytest.raises(LockDataError, match="lacks 'name'"):
        MultiarchLock.from_lock_data({"package": [{"version": "1"}]})


def test_marker_text_per_group() -> None:
    data = seed_lock_data()
    data["package"][3]["groups"] = ["dev", "test"]
    pkg = MultiarchLock.from_lock_data(data).packages[3]
    assert pkg.marker_text() == 'dev: sys_platform == "linux"; test: *'


def test_dependencies_in_every_lock_shape() -> None:
    data = seed_lock_data()
    data["package"][0]["dependencies"] = {
        "jaxlib": ">=0.1.69",
        "numpy": {"version": ">=1", "markers": 'python_version >= "3.11"'},
        "scipy": {"version": "*", "optional": True},
        "six": [
            {"version": "1.16", "markers": 'sys_platform == "linux"'},
            {"version": "1.15", "markers": 'sys_platform != "linux"'},
        ],
    }
    jax = MultiarchLock.from_lock_data(data).packages[0]
    assert [
        (d.name, str(d.marker) if d.marker else None, d.optional) for d in jax.dependencies
    ] == [
        ("jaxlib", None, False),
        ("numpy", 'python_version >= "3.11"', False),
        ("scipy", None, True),
        ("six", 'sys_platform == "linux"', False),
        ("six", 'sys_platform != "linux"', False),
    ]
