"""Exports from the lock alone: the install plan of a target, pylock.toml (validated
and read back with ``packaging.pylock``) and requirements.txt."""

from __future__ import annotations

import pytest
import tomlkit
from packaging.markers import Marker
from packaging.pylock import Pylock

from poetry_plugin_multiarch.errors import ExportError, MissingAlternativeError
from poetry_plugin_multiarch.install_plan import ArtifactKind, best_wheel, plan_install
from poetry_plugin_multiarch.lock_file_markers import (
    any_of,
    decide_extras,
    extras_as_lock_file,
    group_term,
)
from poetry_plugin_multiarch.lockmodel import LockedFile, MultiarchLock
from poetry_plugin_multiarch.pylock_export import (
    PylockScope,
    multi_use_pylock,
    pylock_toml,
    single_use_pylock,
)
from poetry_plugin_multiarch.requirements_export import requirements_txt
from poetry_plugin_multiarch.targets import KNOWN_TARGETS, TargetEnvironment

HOST = "http://127.0.0.1:8080"
INDEX = f"{HOST}/main/simple"
X86 = "py3-none-manylinux2014_x86_64"
ARM = "py3-none-manylinux2014_aarch64"
ARM_NEW = "cp311-cp311-manylinux_2_28_aarch64"
URL_WHEEL = f"jaxlib-0.1.71-{ARM}.whl"


def _file(name: str, digest: str = "aa", size: int | None = 10) -> dict:
    entry = {"file": name, "hash": f"sha256:{digest}", "url": f"{HOST}/files/{name}"}
    if size is not None:
        entry["size"] = size
    return entry


def _legacy(name: str, version: str, *files: dict, markers: object = None, groups=("main",)):
    entry = {
        "name": name,
        "version": version,
        "groups": list(groups),
        "files": list(files),
        "source": {"type": "legacy", "url": INDEX, "reference": "main"},
    }
    if markers is not None:
        entry["markers"] = markers
    return entry


def lock_data() -> dict:
    """The seed (jaxlib from the index on x86_64, from a URL on aarch64), numpy with
    wheels for both, an extra, a dev-only package, and a git dependency."""
    return {
        "package": [
            {
                **_legacy("jax", "0.2.20", _file("jax-0.2.20-py3-none-any.whl", "a1")),
                "dependencies": {"jaxlib": ">=0.1.69"},
            },
            _legacy(
                "jaxlib",
                "0.1.71",
                _file(f"jaxlib-0.1.71-{X86}.whl", "b1"),
                markers='platform_machine == "x86_64"',
            ),
            {
                "name": "jaxlib",
                "version": "0.1.71",
                "groups": ["main"],
                "markers": 'platform_machine == "aarch64"',
                "files": [{"file": URL_WHEEL, "hash": "sha256:c1"}],
                "source": {"type": "url", "url": f"{HOST}/hosted/{URL_WHEEL}"},
            },
            _legacy(
                "numpy",
                "1.26.4",
                _file(f"numpy-1.26.4-{X86}.whl", "d1"),
                _file(f"numpy-1.26.4-{ARM}.whl", "d2"),
                _file(f"numpy-1.26.4-{ARM_NEW}.whl", "d3"),
                _file("numpy-1.26.4.tar.gz", "d4"),
            ),
            _legacy(
                "pyyaml",
                "6.0",
                _file("pyyaml-6.0-py3-none-any.whl", "e1"),
                markers='extra == "yaml"',
            ),
            _legacy(
                "pytest",
                "8.0.0",
                _file("pytest-8.0.0-py3-none-any.whl", "f1"),
                markers={"dev": 'sys_platform == "linux"'},
                groups=("dev",),
            ),
            {
                "name": "tool",
                "version": "1.0",
                "groups": ["main"],
                "markers": 'platform_machine == "aarch64"',
                "source": {
                    "type": "git",
                    "url": "https://user:secret@git.example/tool.git",
                    "reference": "main",
                    "resolved_reference": "0123abcd",
                },
            },
        ],
        "extras": {"yaml": ["pyyaml"]},
        "metadata": {"lock-version": "2.1", "python-versions": ">=3.10", "content-hash": "x"},
    }


def lock() -> MultiarchLock:
    return MultiarchLock.from_lock_data(lock_data())


def env(name: str, python: str = "3.11") -> TargetEnvironment:
    return TargetEnvironment(target=KNOWN_TARGETS[name], python=python)


AARCH64 = env("linux-aarch64")
X86_64 = env("linux-x86_64")


class TestLockFileMarkers:
    @pytest.mark.parametrize(
        ("marker", "extras", "expected"),
        [
            ('extra == "gpu"', {"gpu"}, True),
            ('extra == "gpu"', set(), False),
            ('extra != "gpu" and os_name == "nt"', set(), 'os_name == "nt"'),
            ('extra != "gpu" and os_name == "nt"', {"gpu"}, False),
            (
                '(extra == "a" or os_name == "nt") and sys_platform == "linux"',
                {"a"},
                'sys_platform == "linux"',
            ),
            (
                '(extra == "a" or os_name == "nt") and sys_platform == "linux"',
                set(),
                'os_name == "nt" and sys_platform == "linux"',
            ),
            (
                'os_name == "nt" and extra == "a" or python_version < "3.12"',
                set(),
                'python_version < "3.12"',
            ),
            ('extra == "Fancy.Thing"', {"fancy-thing"}, True),
        ],
    )
    def test_extras_are_decided(self, marker: str, extras: set[str], expected) -> None:
        decided = decide_extras(Marker(marker), extras)
        assert (str(decided) if isinstance(decided, Marker) else decided) == expected

    def test_a_decided_marker_agrees_with_evaluating_the_original(self) -> None:
        original = Marker(
            '(extra == "a" or platform_machine == "aarch64") and (extra != "b" or os_name == "nt")'
        )
        for extras in ({"a"}, {"b"}, {"a", "b"}, set()):
            decided = decide_extras(original, extras)
            for machine in ("x86_64", "aarch64"):
                for os_name in ("nt", "posix"):
                    values = {"platform_machine": machine, "os_name": os_name}
                    expected = original.evaluate({**values, "extra": frozenset(extras) or ""})
                    got = decided if isinstance(decided, bool) else decided.evaluate(values)
                    assert got == expected, (extras, values, decided)

    def test_extras_become_lock_file_membership(self) -> None:
        translated = extras_as_lock_file(
            Marker('platform_machine == "aarch64" and (extra == "gpu" or extra != "cpu")')
        )
        assert str(translated) == (
            'platform_machine == "aarch64" and ("gpu" in extras or "cpu" not in extras)'
        )
        environment = {"platform_machine": "aarch64", "extras": {"cpu"}}
        assert not translated.evaluate(environment, context="lock_file")  # type: ignore[union-attr]
        environment["extras"] = {"cpu", "gpu"}
        assert translated.evaluate(environment, context="lock_file")  # type: ignore[union-attr]

    def test_groups_other_than_main_are_dependency_groups(self) -> None:
        dev = group_term("dev", Marker('sys_platform == "linux"'))
        assert str(dev) == '"dev" in dependency_groups and sys_platform == "linux"'
        assert group_term("main", True) is True
        assert any_of([False, group_term("dev", True)]) == Marker('"dev" in dependency_groups')
        assert any_of([group_term("dev", True), True]) is True
        assert any_of([False]) is False


class TestPlan:
    def test_each_target_gets_its_alternative_and_its_best_wheel(self) -> None:
        on_arm = {p.package.name: p for p in plan_install(lock(), AARCH64)}
        assert set(on_arm) == {"jax", "jaxlib", "numpy", "tool"}
        assert on_arm["jaxlib"].kind is ArtifactKind.ARCHIVE
        assert on_arm["jaxlib"].location == f"{HOST}/hosted/{URL_WHEEL}"
        # manylinux_2_28 cp311 is preferred over the older py3 manylinux2014 wheel
        assert on_arm["numpy"].filename == f"numpy-1.26.4-{ARM_NEW}.whl"
        assert on_arm["tool"].kind is ArtifactKind.VCS
        assert on_arm["tool"].file is None
        on_x86 = {p.package.name: p for p in plan_install(lock(), X86_64)}
        assert on_x86["jaxlib"].filename == f"jaxlib-0.1.71-{X86}.whl"
        assert on_x86["jaxlib"].location == f"{HOST}/files/jaxlib-0.1.71-{X86}.whl"
        assert on_x86["numpy"].filename == f"numpy-1.26.4-{X86}.whl"
        assert "tool" not in on_x86

    def test_other_pythons_pick_other_wheels(self) -> None:
        on_312 = {p.package.name: p for p in plan_install(lock(), env("linux-aarch64", "3.12"))}
        assert on_312["numpy"].filename == f"numpy-1.26.4-{ARM}.whl"

    def test_groups_and_extras_are_selected(self) -> None:
        names = {p.package.name for p in plan_install(lock(), X86_64, groups=("main", "dev"))}
        assert "pytest" in names and "pyyaml" not in names
        names = {p.package.name for p in plan_install(lock(), X86_64, extras=("yaml",))}
        assert "pyyaml" in names and "pytest" not in names

    def test_the_sdist_serves_a_target_without_a_wheel_unless_no_build(self) -> None:
        mac = env("macos-arm64")
        numpy = next(p for p in plan_install(lock_without_jax(), mac) if p.package.name == "numpy")
        assert numpy.kind is ArtifactKind.SDIST
        with pytest.raises(ExportError, match=r"numpy 1\.26\.4 .*only has wheels for"):
            plan_install(lock_without_jax(), mac, build=False)

    def test_a_target_no_alternative_covers_is_an_error(self) -> None:
        with pytest.raises(MissingAlternativeError, match="jaxlib") as error:
            plan_install(lock(), env("macos-arm64"))
        assert error.value.message.startswith(
            "Nothing can be installed on macos-arm64 (Python 3.11) ("
        )

    def test_best_wheel_is_none_without_a_matching_wheel(self) -> None:
        files = [LockedFile(name=f"x-1-{X86}.whl", hash="sha256:00")]
        assert best_wheel(files, AARCH64.ordered_tags) is None


def lock_without_jax() -> MultiarchLock:
    data = lock_data()
    data["package"] = [p for p in data["package"] if p["name"] == "numpy"]
    return MultiarchLock.from_lock_data(data)


class TestMultiUsePylock:
    def test_every_alternative_is_kept_with_its_marker_and_validates(self) -> None:
        pylock, notes = multi_use_pylock(lock(), PylockScope(groups=("main", "dev")))
        text = pylock_toml(pylock)
        back = Pylock.from_dict(tomlkit.parse(text).unwrap())  # validates
        assert notes == []
        markers = [(p.name, str(p.marker) if p.marker else None) for p in back.packages]
        assert markers == [
            ("jax", None),
            ("jaxlib", 'platform_machine == "x86_64"'),
            ("jaxlib", 'platform_machine == "aarch64"'),
            ("numpy", None),
            ("pyyaml", '"yaml" in extras'),
            ("pytest", '"dev" in dependency_groups and sys_platform == "linux"'),
            ("tool", 'platform_machine == "aarch64"'),
        ]
        assert back.extras == ["yaml"]
        assert back.dependency_groups == ["dev"] and back.default_groups == ["dev"]
        by_name = {(p.name, str(p.marker)): p for p in back.packages}
        url_jaxlib = by_name[("jaxlib", 'platform_machine == "aarch64"')]
        assert url_jaxlib.archive is not None
        assert url_jaxlib.archive.url == f"{HOST}/hosted/{URL_WHEEL}"
        assert url_jaxlib.archive.hashes == {"sha256": "c1"}
        numpy = by_name[("numpy", "None")]
        assert numpy.index == INDEX
        assert [w.name for w in numpy.wheels or ()] == [
            f"numpy-1.26.4-{X86}.whl",
            f"numpy-1.26.4-{ARM}.whl",
            f"numpy-1.26.4-{ARM_NEW}.whl",
        ]
        assert numpy.sdist is not None and numpy.sdist.size == 10
        tool = by_name[("tool", 'platform_machine == "aarch64"')]
        assert tool.vcs is not None and tool.vcs.commit_id == "0123abcd"
        assert "secret" not in text and "user" not in text

    def test_packagings_selection_from_it_is_the_plan(self) -> None:
        """PEP 751 selection (``packaging.pylock.Pylock.select``) over the exported
        lock installs what the plugin's plan installs, on each target."""
        pylock, _ = multi_use_pylock(lock(), PylockScope())
        for environment in (AARCH64, X86_64):
            selected = {
                package.name: getattr(chosen, "name", None) or getattr(chosen, "url", None)
                for package, chosen in pylock.select(
                    environment=environment.environment,  # type: ignore[arg-type]
                    tags=environment.ordered_tags,
                )
                if package.vcs is None
            }
            planned = {
                p.package.name: p.filename if p.kind is ArtifactKind.WHEEL else p.location
                for p in plan_install(lock(), environment)
                if p.kind is not ArtifactKind.VCS
            }
            assert selected == planned

    def test_extras_asked_for_are_decided(self) -> None:
        pylock, _ = multi_use_pylock(lock(), PylockScope(extras=("yaml",)))
        assert pylock.extras is None
        assert next(p for p in pylock.packages if p.name == "pyyaml").marker is None
        pylock, _ = multi_use_pylock(lock(), PylockScope(extras=()))
        assert "pyyaml" not in [p.name for p in pylock.packages]
        assert "pytest" not in [p.name for p in pylock.packages]  # dev not asked for

    def test_a_lock_without_urls_is_refused(self) -> None:
        data = lock_data()
        for package in data["package"]:
            for file in package.get("files", []):
                file.pop("url", None)
        with pytest.raises(ExportError, match=r"no URL .*jax 0\.2\.20") as error:
            multi_use_pylock(MultiarchLock.from_lock_data(data), PylockScope())
        assert "poetry lock --regenerate" in error.value.hint

    def test_environments_and_python_are_declared(self) -> None:
        scope = PylockScope(environments=(AARCH64, X86_64), requires_python=">=3.10")
        pylock, _ = multi_use_pylock(lock(), scope)
        assert [str(m) for m in pylock.environments or ()] == [AARCH64.marker, X86_64.marker]
        assert str(pylock.requires_python) == ">=3.10"


class TestLocalSources:
    """``file`` and ``directory`` sources: paths relative to the exported file."""

    def lock(self) -> MultiarchLock:
        return MultiarchLock.from_lock_data(
            {
                "package": [
                    {
                        "name": "local-wheel",
                        "version": "1.0",
                        "groups": ["main"],
                        "files": [{"file": "local_wheel-1.0-py3-none-any.whl", "hash": "sha256:a"}],
                        "source": {"type": "file", "url": "dist/local_wheel-1.0-py3-none-any.whl"},
                    },
                    {
                        "name": "tree",
                        "version": "0.1",
                        "groups": ["main"],
                        "source": {"type": "directory", "url": "libs/tree"},
                    },
                ],
                "metadata": {"lock-version": "2.1", "python-versions": ">=3.10"},
            }
        )

    def test_pylock_paths_are_relative_to_it(self) -> None:
        scope = PylockScope(project_dir="/p", output_dir="/p/out")
        pylock, _ = multi_use_pylock(self.lock(), scope)
        Pylock.from_dict(pylock.to_dict())  # validates
        wheel, tree = pylock.packages
        assert wheel.archive is not None
        assert wheel.archive.path == "../dist/local_wheel-1.0-py3-none-any.whl"
        assert wheel.archive.hashes == {"sha256": "a"}
        assert tree.directory is not None and tree.directory.path == "../libs/tree"
        assert tree.version is None  # a source tree's version is not pinned

    def test_requirements_name_them_by_absolute_path(self) -> None:
        planned = plan_install(self.lock(), AARCH64)
        assert [p.kind for p in planned] == [ArtifactKind.ARCHIVE, ArtifactKind.DIRECTORY]
        text = requirements_txt([(AARCH64, planned)], project_dir="/p")
        assert "local-wheel @ file:///p/dist/local_wheel-1.0-py3-none-any.whl \\" in text
        assert "tree @ file:///p/libs/tree" in text


class TestSingleUse:
    def test_only_what_the_target_installs(self) -> None:
        plans = [(AARCH64, plan_install(lock(), AARCH64))]
        pylock, _ = single_use_pylock(plans, PylockScope(environments=(AARCH64,)))
        back = Pylock.from_dict(tomlkit.parse(pylock_toml(pylock)).unwrap())
        files = {
            p.name: [w.name for w in p.wheels or ()] or [p.archive and p.archive.url]
            for p in back.packages
            if p.vcs is None
        }
        assert files == {
            "jax": ["jax-0.2.20-py3-none-any.whl"],
            "jaxlib": [f"{HOST}/hosted/{URL_WHEEL}"],
            "numpy": [f"numpy-1.26.4-{ARM_NEW}.whl"],
        }
        assert all(p.marker is None for p in back.packages)

    def test_download_layout_names_files_by_path(self) -> None:
        plans = [(AARCH64, plan_install(lock(), AARCH64))]
        pylock, _ = single_use_pylock(plans, PylockScope(local_files=True))
        jaxlib = next(p for p in pylock.packages if p.name == "jaxlib")
        assert jaxlib.archive is not None and jaxlib.archive.path == URL_WHEEL
        numpy = next(p for p in pylock.packages if p.name == "numpy")
        assert [(w.path, w.url) for w in numpy.wheels or ()] == [
            (f"numpy-1.26.4-{ARM_NEW}.whl", None)
        ]


class TestRequirements:
    def test_one_target_pins_each_file_by_url_and_hash(self) -> None:
        text = requirements_txt([(AARCH64, plan_install(lock(), AARCH64))], header=["hello"])
        assert text.splitlines() == [
            "# hello",
            f"jax @ {HOST}/files/jax-0.2.20-py3-none-any.whl \\",
            "    --hash=sha256:a1",
            f"jaxlib @ {HOST}/hosted/{URL_WHEEL} \\",
            "    --hash=sha256:c1",
            f"numpy @ {HOST}/files/numpy-1.26.4-{ARM_NEW}.whl \\",
            "    --hash=sha256:d3",
            "tool @ git+https://git.example/tool.git@0123abcd",
        ]

    def test_several_targets_mark_what_differs(self) -> None:
        plans = [(env, plan_install(lock(), env)) for env in (AARCH64, X86_64)]
        lines = requirements_txt(plans).splitlines()
        assert f"jax @ {HOST}/files/jax-0.2.20-py3-none-any.whl \\" in lines
        assert f"jaxlib @ {HOST}/hosted/{URL_WHEEL} ; ({AARCH64.marker}) \\" in lines
        assert f"jaxlib @ {HOST}/files/jaxlib-0.1.71-{X86}.whl ; ({X86_64.marker}) \\" in lines

    def test_a_download_directory_is_found_by_name(self) -> None:
        plans = [(env("linux-aarch64", p), plan_install(lock(), env("linux-aarch64", p)))
                 for p in ("3.11", "3.12")]  # fmt: skip
        lines = requirements_txt(plans, local_files=True).splitlines()
        assert lines[:2] == ["--no-index", "--find-links ."]
        # one line for numpy: the cp311 and the py3 wheel are both there
        start = lines.index("numpy==1.26.4 \\")
        assert lines[start + 1 : start + 3] == ["    --hash=sha256:d2 \\", "    --hash=sha256:d3"]
        assert "jaxlib==0.1.71 \\" in lines

    def test_a_lock_without_urls_is_refused(self) -> None:
        data = lock_data()
        data["package"][0]["files"][0].pop("url")
        stock = MultiarchLock.from_lock_data(data)
        with pytest.raises(ExportError, match=r"jax 0\.2\.20"):
            requirements_txt([(AARCH64, plan_install(stock, AARCH64))])
