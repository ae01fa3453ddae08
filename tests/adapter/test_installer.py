"""The strict installer's pieces, in-process against Poetry's own objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from cleo.io.buffered_io import BufferedIO
from cleo.io.null_io import NullIO
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.core.packages.project_package import ProjectPackage
from poetry.core.packages.utils.link import Link
from poetry.installation import executor as executor_module
from poetry.installation.executor import Executor
from poetry.installation.installer import Installer
from poetry.installation.operations import Install
from poetry.packages.locker import Locker
from poetry.repositories import Repository, RepositoryPool
from poetry.utils.env import MockEnv

from poetry_plugin_multiarch.adapter.artifacts import (
    LockedArtifactPool,
    _reason,
    locked_links,
    prefetch_artifacts,
)
from poetry_plugin_multiarch.adapter.installer import (
    MultiarchInstaller,
    _check_selection,
    _StrictConfig,
    make_strict,
)
from poetry_plugin_multiarch.errors import AmbiguousAlternativesError
from tests.harness.scenarios import X86
from tests.harness.wheels import build_wheel, sha256_of

URL = "https://host.example/files/jaxlib-0.1.71-py3-none-manylinux2014_x86_64.whl"


def package_with(files) -> Package:
    package = Package("jaxlib", "0.1.71", source_type="legacy", source_reference="main",
                      source_url="https://host.example/simple")  # fmt: skip
    package.files = files
    return package


class NoIndexRepository(Repository):
    """Fails the test if the chooser asks the index."""

    def find_links_for_package(self, package):
        raise AssertionError("index page read")


def test_locked_links_carry_the_locked_hash() -> None:
    (link,) = locked_links(package_with([{"file": "x.whl", "hash": "sha256:abc", "url": URL}]))
    assert link.url_without_fragment == URL
    assert link.hashes == {"sha256": "abc"}


@pytest.mark.parametrize(
    "files",
    [
        [],
        [{"file": "a.whl", "hash": "sha256:a", "url": URL}, {"file": "b.whl", "hash": "sha256:b"}],
    ],
    ids=["no-files", "one-without-url"],
)
def test_locked_links_need_every_url(files) -> None:
    assert locked_links(package_with(files)) is None


def test_pool_answers_from_the_lock_without_the_index() -> None:
    pool = RepositoryPool([NoIndexRepository("main")])
    wrapped = LockedArtifactPool(pool, NullIO())
    package = package_with([{"file": "x.whl", "hash": "sha256:abc", "url": URL}])
    assert [
        link.url_without_fragment
        for link in wrapped.repository("main").find_links_for_package(package)
    ] == [URL]
    assert wrapped.has_repository("main")


def test_pool_falls_back_to_the_index_and_says_so_at_verbose() -> None:
    repository = Repository("main")
    pool = RepositoryPool([repository])
    io = BufferedIO()
    io.set_verbosity(io.output.verbosity.VERBOSE)
    links = (
        LockedArtifactPool(pool, io)
        .repository("main")
        .find_links_for_package(package_with([{"file": "x.whl", "hash": "sha256:abc"}]))
    )
    assert links == []
    assert (
        "multiarch: poetry.lock names no artifact URLs for jaxlib (0.1.71);"
        " reading the index page of source main"
    ) in io.fetch_output()


class FakeResponse:
    status_code = 404
    reason = "Not Found"


class FakeHTTPError(Exception):
    response = FakeResponse()


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (FakeHTTPError("404 for url: https://u:p@host/x"), "HTTP 404 Not Found"),
        (OSError("('Connection broken: IncompleteRead(5 bytes read, 7 more expected)')"),
         "connection closed early (5 bytes read, 7 more expected)"),
        (OSError("refused by https://user:pw@host.example/x.whl\nmore"),
         "refused by https://host.example/x.whl"),
        (TimeoutError(), "TimeoutError"),
    ],
)  # fmt: skip
def test_reasons_are_short_and_without_credentials(error, reason) -> None:
    assert _reason(error) == reason


def test_strict_config_never_re_resolves() -> None:
    config = Config()
    config.merge({"installer": {"re-resolve": True, "max-workers": 3}})
    strict = _StrictConfig(config)
    assert strict.get("installer.re-resolve") is False
    assert strict.get("installer.max-workers") == 3


def test_make_strict_turns_poetrys_installer_into_ours(tmp_path: Path) -> None:
    pool = RepositoryPool([NoIndexRepository("main")])
    installer = Installer(
        NullIO(), MockEnv(), ProjectPackage("root", "1.0"),
        Locker(tmp_path / "poetry.lock", {}), pool, Config(),
    )  # fmt: skip
    make_strict(installer, NullIO())
    make_strict(installer, NullIO())
    assert type(installer) is MultiarchInstaller
    assert isinstance(installer.executor._chooser._pool, LockedArtifactPool)
    assert not isinstance(installer.executor._chooser._pool._pool, LockedArtifactPool)


def test_prefetched_archives_are_not_hashed_again_unless_changed(
    index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The executor re-checks each archive's hash before unpacking; for one the
    prefetch checked (and that has not changed since) it takes the checked hash."""
    wheel = build_wheel(tmp_path / "dist", "jaxlib", "0.1.71", X86)
    url = index.publish(wheel)
    package = Package("jaxlib", "0.1.71", source_type="url", source_url=url)
    package.files = [{"file": wheel.name, "hash": f"sha256:{sha256_of(wheel)}"}]
    config = Config()
    config.merge({"cache-dir": str(tmp_path / "cache")})
    executor = Executor(MockEnv(), RepositoryPool(), config, NullIO())
    hashed = []
    real_hash = executor_module.get_file_hash
    monkeypatch.setattr(
        executor_module,
        "get_file_hash",
        lambda path, kind: hashed.append(path) or real_hash(path, kind),
    )

    prefetch_artifacts(executor, [Install(package)], NullIO())
    archive = executor._artifact_cache.get_cached_archive_for_link(Link(url), strict=True)
    assert hashed == [archive]  # the prefetch's check

    assert executor._validate_archive_hash(archive, package) == package.files[0]["hash"]
    assert hashed == [archive]

    archive.write_bytes(b"changed after the check")
    with pytest.raises(RuntimeError, match="Hash for jaxlib"):
        executor._validate_archive_hash(archive, package)


def _exclusive_extras() -> tuple[list[Package], dict]:
    """dep 1.0 for extra `one`, dep 2.0 for extra `two`, as Poetry locks the
    documented CPU/CUDA pattern (each with a wheel for any machine)."""
    packages, entries = [], []
    for version, extra in (("1.0", "one"), ("2.0", "two")):
        wheel = f"dep-{version}-py3-none-any.whl"
        package = Package("dep", version)
        package.optional = True
        package.files = [{"file": wheel, "hash": "sha256:aa"}]
        packages.append(package)
        entries.append(
            {"name": "dep", "version": version, "optional": True, "groups": ["main"],
             "markers": f'extra == "{extra}"', "files": package.files}
        )  # fmt: skip
    lock = {"package": entries, "metadata": {"lock-version": "2.1", "content-hash": "x"}}
    return packages, lock


def test_extras_poetry_skips_as_not_required_are_not_selected() -> None:
    """`install -E one`: Poetry's transaction skips dep 2.0 ("Not required")."""
    (one, two), lock = _exclusive_extras()
    env = MockEnv()
    operations = [Install(one), Install(two).skip("Not required")]
    _check_selection(operations, env.marker_env, env.supported_tags, lock)


def test_already_installed_alternatives_still_count_as_selected() -> None:
    """A skip for "Already installed" leaves the package on this machine."""
    (one, two), lock = _exclusive_extras()
    env = MockEnv()
    operations = [Install(one).skip("Already installed"), Install(two)]
    with pytest.raises(AmbiguousAlternativesError, match="2 locked alternatives of dep apply"):
        _check_selection(operations, env.marker_env, env.supported_tags, lock)
