from __future__ import annotations

import pytest
from packaging.utils import parse_wheel_filename

from poetry_plugin_multiarch.errors import LockDataError
from poetry_plugin_multiarch.lockmodel import (
    LockedFile,
    LockedSource,
    MultiarchLock,
    validate_lock_data,
)
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


def lock_problems(data: dict) -> list[str]:
    """The problems listed in the one error a malformed lock gets."""
    with pytest.raises(LockDataError) as info:
        validate_lock_data(data)
    assert info.value.hint.startswith("Write the lock anew with `poetry lock --regenerate`")
    return info.value.message.splitlines()[1:]


def test_well_formed_locks_pass() -> None:
    validate_lock_data(seed_lock_data())
    data = seed_lock_data()
    data["package"][0]["files"] = [
        {"file": "jax-0.2.20.tar.gz", "hash": "sha256:aa", "url": f"{INDEX}/jax.tar.gz",
         "size": 3},
        {"file": "jax-0.2.20.zip", "hash": "md5:AB01"},
        {"file": "jax-0.2.20-py3.11.egg", "hash": "sha256:aa"},
        # an old release's sdist may spell its version loosely; nothing selects by it
        {"file": "jax-0.2.20-dev.tar.gz", "hash": "sha256:aa"},
    ]  # fmt: skip
    data["package"].append({"name": "tool", "version": "1", "source": {"type": "git", "url": "x"}})
    validate_lock_data(data)


def test_a_direct_reference_archive_may_have_any_name_but_a_wheel_must_parse() -> None:
    data = seed_lock_data()
    url_entry = data["package"][2]
    url_entry["source"]["url"] = "https://host.example/o/r/archive/main.zip"
    url_entry["files"] = [{"file": "main.zip", "hash": "sha256:cc"}]
    validate_lock_data(data)
    url_entry["files"] = [{"file": "jaxlib-aarch64.whl", "hash": "sha256:cc"}]
    assert lock_problems(data) == [
        "- jaxlib 0.1.71 ([[package]] #3): files[0].file: 'jaxlib-aarch64.whl' is not a wheel"
        " file name (wrong number of parts)"
    ]


def test_old_lock_format_keeps_files_in_metadata() -> None:
    data = seed_lock_data()
    del data["package"][0]["files"]
    data["metadata"]["files"] = {"jax": []}
    validate_lock_data(data)


@pytest.mark.parametrize(
    ("package", "change", "problem"),
    [
        (0, {"files": None},
         "jax 0.2.20 ([[package]] #1): files: missing (the archives and their hashes);"
         " a package from an index or a file needs it"),
        (0, {"files": "jax.whl"},
         "jax 0.2.20 ([[package]] #1): files: 'jax.whl' must be a list of {file, hash} tables"),
        (1, {"markers": "platform_machine === "},
         "jaxlib 0.1.71 ([[package]] #2): markers: 'platform_machine === ' is not a PEP 508"
         " marker (Expected a marker variable or quoted string)"),
        (3, {"markers": {"dev": "os_name = 'nt'"}},
         "pytest 8.0.0 ([[package]] #4): markers.dev: \"os_name = 'nt'\" is not a PEP 508"
         " marker (Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in)"),
        (0, {"dependencies": {"six": {"version": "*", "markers": "python_version >"}}},
         "jax 0.2.20 ([[package]] #1): dependencies.six.markers: 'python_version >' is not a"
         " PEP 508 marker (Expected a marker variable or quoted string)"),
        (2, {"source": {"type": "url"}},
         "jaxlib 0.1.71 ([[package]] #3): source.url: missing"),
        (0, {"name": None}, "[[package]] #1: name: missing"),
    ],
    ids=["no-files", "files-not-list", "marker", "group-marker", "dependency-marker",
         "source-without-url", "no-name"],
)  # fmt: skip
def test_malformed_entry_is_named_with_field_and_value(package, change, problem) -> None:
    data = seed_lock_data()
    entry = data["package"][package]
    for key, value in change.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    assert lock_problems(data) == [f"- {problem}"]


@pytest.mark.parametrize(
    ("file", "problem"),
    [
        ({"hash": "sha256:aa"}, "files[0].file: missing"),
        ({"file": "jax-0.2.20-py3-none-any.whl"},
         'files[0].hash: missing of the form "algorithm:hex digest" (e.g. "sha256:9f2c...")'),
        ({"file": "jax-0.2.20-py3-none-any.whl", "hash": "9f2c"},
         'files[0].hash: \'9f2c\' is not of the form "algorithm:hex digest"'
         ' (e.g. "sha256:9f2c...")'),
        ({"file": "../../etc/jax-0.2.20-py3-none-any.whl", "hash": "sha256:aa"},
         "files[0].file: '../../etc/jax-0.2.20-py3-none-any.whl' must be a plain file name"
         " (no '/', '\\', '..' or percent-encoding)"),
        ({"file": "..%2Fjax-0.2.20-py3-none-any.whl", "hash": "sha256:aa"},
         "files[0].file: '..%2Fjax-0.2.20-py3-none-any.whl' must be a plain file name"
         " (no '/', '\\', '..' or percent-encoding)"),
        ({"file": "jax%2Fx-0.2.20-py3-none-any.whl", "hash": "sha256:aa"},
         "files[0].file: 'jax%2Fx-0.2.20-py3-none-any.whl' must be a plain file name"
         " (no '/', '\\', '..' or percent-encoding)"),
        ({"file": "jax.whl", "hash": "sha256:aa"},
         "files[0].file: 'jax.whl' is not a wheel file name (wrong number of parts)"),
        ({"file": "jax.tar.gz", "hash": "sha256:aa"},
         "files[0].file: 'jax.tar.gz' is not an sdist file name (name-version.tar.gz)"),
        ({"file": "jax-0.2.20.txt", "hash": "sha256:aa"},
         "files[0].file: 'jax-0.2.20.txt' is not a wheel (.whl) or sdist (.tar.gz, .zip) file"
         " name"),
        ({"file": "jax-0.2.20-py3-none-any.whl", "hash": "sha256:aa",
          "url": "file:///tmp/jax-0.2.20-py3-none-any.whl"},
         "files[0].url: 'file:///tmp/jax-0.2.20-py3-none-any.whl' is not an http(s) URL (the"
         " plugin downloads locked archives over HTTP(S) only)"),
        ({"file": "jax-0.2.20-py3-none-any.whl", "hash": "sha256:aa",
          "url": "ftp://user:secret@host.example/jax-0.2.20-py3-none-any.whl"},
         "files[0].url: 'ftp://user@host.example/jax-0.2.20-py3-none-any.whl' is not an"
         " http(s) URL (the plugin downloads locked archives over HTTP(S) only)"),
        ({"file": "jax-0.2.20-py3-none-any.whl", "hash": "sha256:aa", "size": "12"},
         "files[0].size: '12' must be a whole number of bytes"),
        ("jax-0.2.20-py3-none-any.whl",
         "files[0]: 'jax-0.2.20-py3-none-any.whl' must be a table with file and hash"),
    ],
    ids=["no-file", "no-hash", "hash-form", "traversal", "encoded-traversal", "encoded-slash",
         "bad-wheel-name", "bad-sdist-name", "not-an-archive", "file-url", "ftp-url-redacted",
         "size", "not-a-table"],
)  # fmt: skip
def test_malformed_file_entry_is_named_with_field_and_value(file, problem) -> None:
    data = seed_lock_data()
    data["package"][0]["files"] = [file]
    assert lock_problems(data) == [f"- jax 0.2.20 ([[package]] #1): {problem}"]


def test_every_problem_is_listed_in_one_error() -> None:
    data = seed_lock_data(index_markers="platform_machine === ")
    del data["package"][0]["files"]
    data["package"][2]["files"][0]["url"] = "file:///srv/jaxlib.whl"
    with pytest.raises(LockDataError) as info:
        validate_lock_data(data)
    assert info.value.message.startswith("poetry.lock cannot be used, 3 problems:\n")
    assert [line.split(":")[0] for line in info.value.message.splitlines()[1:]] == [
        "- jax 0.2.20 ([[package]] #1)",
        "- jaxlib 0.1.71 ([[package]] #2)",
        "- jaxlib 0.1.71 ([[package]] #3)",
    ]


def test_a_lock_broken_throughout_gets_a_readable_message() -> None:
    data = {"package": [{"name": f"p{i}", "version": "1"} for i in range(500)]}
    with pytest.raises(LockDataError) as info:
        validate_lock_data(data)
    lines = info.value.message.splitlines()
    assert lines[0] == "poetry.lock cannot be used, 500 problems:"
    assert len(lines) == 32
    assert lines[-1] == "- ... and 470 more"


@pytest.mark.parametrize(
    "wheel",
    ["jax-0.2.20-1-py3-none-any.whl", "jax-0.2.20-x1-py3-none-any.whl",
     "jax-lib-0.2.20-py3-none-any.whl", "jax-0.2.20a-py3-none-any.whl",
     "jax-latest-py3-none-any.whl", "jax-0.2.20-py3-none.whl", "Jax.Lib-1!2.0-cp311-abi3-any.whl"],
)  # fmt: skip
def test_wheel_names_are_judged_as_packaging_judges_them(wheel: str) -> None:
    data = seed_lock_data()
    data["package"][0]["files"] = [{"file": wheel, "hash": "sha256:aa"}]
    try:
        parse_wheel_filename(wheel)
    except ValueError:
        assert lock_problems(data)[0].startswith(
            f"- jax 0.2.20 ([[package]] #1): files[0].file: '{wheel}' is not a wheel file name ("
        )
    else:
        validate_lock_data(data)
