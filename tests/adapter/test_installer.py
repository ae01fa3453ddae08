"""The strict installer's pieces, in-process against Poetry's own objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from cleo.io.buffered_io import BufferedIO
from cleo.io.null_io import NullIO
from packaging.tags import Tag
from poetry.config.config import Config
from poetry.core.packages.package import Package
from poetry.core.packages.project_package import ProjectPackage
from poetry.core.packages.utils.link import Link
from poetry.installation import executor as executor_module
from poetry.installation.chooser import Chooser
from poetry.installation.executor import Executor
from poetry.installation.installer import Installer
from poetry.installation.operations import Install
from poetry.packages.locker import Locker
from poetry.repositories import Repository, RepositoryPool
from poetry.repositories.legacy_repository import LegacyRepository
from poetry.utils.env import MockEnv

from poetry_plugin_multiarch.adapter.artifacts import (
    LockedArtifactChooser,
    failure_reason,
    locked_links,
    prefetch_artifacts,
    use_locked_artifacts,
)
from poetry_plugin_multiarch.adapter.installer import (
    MultiarchInstaller,
    _check_selection,
    _StrictConfig,
    make_strict,
)
from poetry_plugin_multiarch.errors import (
    AmbiguousAlternativesError,
    ArtifactFetchError,
    NoArtifactForMachineError,
    UnhashedArtifactError,
)
from tests.harness.index import IndexServer
from tests.harness.scenarios import AARCH64, X86
from tests.harness.wheels import build_wheel, sha256_of
from tests.unit.lockdata import INDEX, seed_lock_data

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


X86_ENV = MockEnv(
    (3, 11, 4), platform="linux", platform_machine="x86_64",
    supported_tags=[Tag("py3", "none", "manylinux2014_x86_64"), Tag("py3", "none", "any")],
)  # fmt: skip


def locked_chooser(pool: RepositoryPool, io=None, tmp_path: Path | None = None) -> Chooser:
    config = Config()
    if tmp_path is not None:
        config.merge({"cache-dir": str(tmp_path / "cache")})
    chooser = Chooser(pool, X86_ENV, config)
    use_locked_artifacts(chooser, io or NullIO())
    return chooser


def test_chooser_picks_among_the_locked_files_without_the_index() -> None:
    arm = URL.replace("x86_64", "aarch64")
    package = package_with([
        {"file": f"jaxlib-0.1.71-{AARCH64}.whl", "hash": "sha256:aa", "url": arm},
        {"file": f"jaxlib-0.1.71-{X86}.whl", "hash": "sha256:bb", "url": URL},
    ])  # fmt: skip
    chooser = locked_chooser(RepositoryPool([NoIndexRepository("main")]))

    link = chooser.choose_for(package)

    assert isinstance(chooser, Chooser)
    assert link.url_without_fragment == URL
    assert link.hashes == {"sha256": "bb"}


def test_chooser_without_locked_urls_hashes_bare_index_links_and_says_so(tmp_path: Path) -> None:
    """A stock lock has hashes but no URLs; on an index whose links carry no hash,
    Poetry's own chooser computes each link's hash to match the lock's."""
    server = IndexServer(tmp_path / "index", hashes=False).start()
    try:
        wheel = build_wheel(tmp_path / "dist", "jaxlib", "0.1.71", X86)
        server.publish(wheel)
        config = Config()
        config.merge({"cache-dir": str(tmp_path / "cache")})
        repository = LegacyRepository("main", server.index_url(), config=config, disable_cache=True)
        io = BufferedIO()
        io.set_verbosity(io.output.verbosity.VERBOSE)
        chooser = locked_chooser(RepositoryPool([repository], config=config), io, tmp_path)
        package = package_with([{"file": wheel.name, "hash": f"sha256:{sha256_of(wheel)}"}])
        package._source_url = server.index_url()

        link = chooser.choose_for(package)

        assert link.url_without_fragment == server.file_url(wheel.name)
        assert "/main/simple/jaxlib/" in server.paths()
        assert (
            "multiarch: poetry.lock names no artifact URLs for jaxlib (0.1.71);"
            " reading the index page of source main"
        ) in io.fetch_output()
        # said once: the install asks again for the link prefetch chose
        assert chooser.choose_for(package) == link
        assert "no artifact URLs" not in io.fetch_output()
    finally:
        server.stop()


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
    assert failure_reason(error) == reason


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
    assert type(installer.executor._chooser) is LockedArtifactChooser
    assert installer.executor._chooser._pool is pool


def fetching_executor(tmp_path: Path) -> Executor:
    """An executor whose caches live under *tmp_path*, not the user's."""
    config = Config()
    config.merge({"cache-dir": str(tmp_path / "cache")})
    return Executor(MockEnv(), RepositoryPool(config=config), config, NullIO())


def test_prefetched_archives_are_not_hashed_again_unless_changed(
    index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prefetch hashes an archive as it downloads it (no second read), and the
    executor's re-check before unpacking takes that hash for an archive that has not
    changed since."""
    wheel = build_wheel(tmp_path / "dist", "jaxlib", "0.1.71", X86)
    url = index.publish(wheel)
    package = Package("jaxlib", "0.1.71", source_type="url", source_url=url)
    package.files = [{"file": wheel.name, "hash": f"sha256:{sha256_of(wheel)}"}]
    executor = fetching_executor(tmp_path)
    hashed = []
    real_hash = executor_module.get_file_hash
    monkeypatch.setattr(
        executor_module,
        "get_file_hash",
        lambda path, kind: hashed.append(path) or real_hash(path, kind),
    )

    prefetch_artifacts(executor, [Install(package)], NullIO())
    archive = executor._artifact_cache.get_cached_archive_for_link(Link(url), strict=True)
    assert hashed == []  # checked on the way in: the file was never read back

    assert executor._validate_archive_hash(archive, package) == package.files[0]["hash"]
    assert hashed == []

    archive.write_bytes(b"changed after the check")
    with pytest.raises(RuntimeError, match="Hash for jaxlib"):
        executor._validate_archive_hash(archive, package)
    assert hashed == [archive]


@pytest.mark.parametrize("files", [[], [{"file": "six-1.16.0-py3-none-any.whl"}]],
                         ids=["no-files", "file-without-hash"])  # fmt: skip
def test_prefetch_refuses_an_archive_without_a_locked_hash(index, tmp_path: Path, files) -> None:
    url = index.publish(build_wheel(tmp_path / "dist", "six", "1.16.0"))
    package = Package("six", "1.16.0", source_type="url", source_url=url)
    package.files = files

    with pytest.raises(UnhashedArtifactError) as raised:
        prefetch_artifacts(fetching_executor(tmp_path), [Install(package)], NullIO())

    reason = "`files` is empty" if not files else "no hash for six-1.16.0-py3-none-any.whl"
    assert f"  six 1.16.0 (url {url}): {reason}" in raised.value.message
    assert "poetry lock --regenerate" in raised.value.hint
    assert index.paths() == []


@pytest.mark.parametrize("offset", [0, 1])
def test_prefetch_checks_a_recorded_size(index, tmp_path: Path, offset: int) -> None:
    wheel = build_wheel(tmp_path / "dist", "six", "1.16.0")
    url = index.publish(wheel)
    size = wheel.stat().st_size + offset
    package = Package("six", "1.16.0", source_type="url", source_url=url)
    package.files = [{"file": wheel.name, "hash": f"sha256:{sha256_of(wheel)}", "size": size}]
    executor = fetching_executor(tmp_path)

    if offset == 0:
        prefetch_artifacts(executor, [Install(package)], NullIO())
        assert list((tmp_path / "cache").rglob(wheel.name))
        return
    with pytest.raises(ArtifactFetchError) as raised:
        prefetch_artifacts(executor, [Install(package)], NullIO())
    assert (
        f"{url}: size mismatch: got {size - 1} bytes, poetry.lock has {size} bytes"
    ) in raised.value.message
    assert not list((tmp_path / "cache").rglob(wheel.name))


def test_a_download_whose_hash_differs_is_refused_and_removed(index, tmp_path: Path) -> None:
    """The hash taken while downloading decides: a mismatch fails the prefetch, names
    both hashes and leaves no archive in the cache."""
    wheel = build_wheel(tmp_path / "dist", "six", "1.16.0")
    url = index.publish(wheel)
    package = Package("six", "1.16.0", source_type="url", source_url=url)
    locked = "sha256:" + "0" * 64
    package.files = [{"file": wheel.name, "hash": locked}]

    with pytest.raises(ArtifactFetchError) as raised:
        prefetch_artifacts(fetching_executor(tmp_path), [Install(package)], NullIO())

    got = f"sha256:{sha256_of(wheel)}"
    assert f"{url}: hash mismatch: got {got}, poetry.lock has {locked}" in raised.value.message
    assert not list((tmp_path / "cache").rglob(wheel.name))


class RecordingSink:
    """An archive sink that holds what it is told to and records the calls."""

    def __init__(self, held: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.held = held
        self.calls: list[tuple[str, str]] = []

    def holds(self, archive: Path, locked_hash: str) -> bool:
        self.calls.append(("holds", archive.name))
        return archive.name in self.held

    def checked(self, archive: Path, checked_hash: str) -> None:
        self.calls.append(("checked", archive.name))

    def settle(self) -> None:
        self.calls.append(("settle", ""))


def _url_package(index, tmp_path: Path, name: str, *, locked: str | None = None) -> Package:
    wheel = build_wheel(tmp_path / "dist", name, "1.0")
    package = Package(name, "1.0", source_type="url", source_url=index.publish(wheel))
    package.files = [{"file": wheel.name, "hash": locked or f"sha256:{sha256_of(wheel)}"}]
    return package


def test_the_sink_is_settled_before_prefetch_returns_or_fails(index, tmp_path: Path) -> None:
    """The sink's work on the archives (the unpacked-wheel cache unpacking them in its
    own threads) is over before the venv changes, and before a failure is reported."""
    good = _url_package(index, tmp_path, "good")
    bad = _url_package(index, tmp_path, "bad", locked="sha256:" + "0" * 64)
    executor = fetching_executor(tmp_path)

    sink = RecordingSink()
    prefetch_artifacts(executor, [Install(good)], NullIO(), sink)
    assert sink.calls == [("checked", "good-1.0-py3-none-any.whl"), ("settle", "")]

    sink = RecordingSink()
    with pytest.raises(ArtifactFetchError, match="hash mismatch"):
        prefetch_artifacts(executor, [Install(good), Install(bad)], NullIO(), sink)
    assert sink.calls[-1] == ("settle", "")
    assert ("checked", "bad-1.0-py3-none-any.whl") not in sink.calls


def test_an_archive_the_sink_holds_is_neither_fetched_nor_read(index, tmp_path: Path) -> None:
    package = _url_package(index, tmp_path, "held")
    executor = fetching_executor(tmp_path)
    prefetch_artifacts(executor, [Install(package)], NullIO())  # now in the artifact cache
    index.clear_log()
    (archive,) = (tmp_path / "cache").rglob("held-1.0-py3-none-any.whl")
    sink = RecordingSink(held={archive.name})

    prefetch_artifacts(executor, [Install(package)], NullIO(), sink)

    assert sink.calls == [("holds", archive.name), ("settle", "")]
    assert index.paths() == []
    # the executor takes the locked hash for it, without reading the archive
    assert executor._validate_archive_hash(archive, package) == package.files[0]["hash"]


def test_the_executor_installs_a_prefetched_index_wheel_without_looking_it_up_again(
    index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index package whose wheel the prefetch chose among the lock's links: the
    executor's ``_download`` returns that wheel (its hash recorded for the install)
    without the artifact cache's globbing look-ups; another package object, or a wheel
    gone since, goes Poetry's way."""
    wheel = build_wheel(tmp_path / "dist", "six", "1.16.0")
    package = Package("six", "1.16.0", source_type="legacy", source_reference="main",
                      source_url=index.index_url())  # fmt: skip
    package.files = [
        {"file": wheel.name, "hash": f"sha256:{sha256_of(wheel)}", "url": index.publish(wheel)}
    ]
    executor = fetching_executor(tmp_path)
    use_locked_artifacts(executor._chooser, NullIO())
    prefetch_artifacts(executor, [Install(package)], NullIO())
    (archive,) = (tmp_path / "cache").rglob(wheel.name)
    cache = type(executor._artifact_cache)
    looked_up = []
    real_lookup = cache.get_cached_archive_for_link
    monkeypatch.setattr(
        cache,
        "get_cached_archive_for_link",
        lambda self, link, **kw: looked_up.append(link.filename) or real_lookup(self, link, **kw),
    )

    assert executor._download(Install(package)) == archive
    assert looked_up == []
    assert executor._hashes["six"] == package.files[0]["hash"]

    other = Package("six", "1.16.0", source_type="legacy", source_reference="main",
                    source_url=index.index_url())  # fmt: skip
    other.files = package.files
    assert executor._download(Install(other)) == archive
    assert looked_up == [wheel.name, wheel.name]  # Poetry's own: strict, then by tag

    archive.unlink()
    index.clear_log()
    assert executor._download(Install(package)) == archive
    assert archive.is_file()  # fetched again, as Poetry does
    assert index.paths() == [f"/files/{wheel.name}"]


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


def test_selection_check_of_a_stock_lock_says_relock_with_the_plugin() -> None:
    """A wheel missing for this machine in a lock stock Poetry wrote (no artifact URLs):
    the fix is re-locking with the plugin, not adding an alternative."""
    data = seed_lock_data()
    jax = Package("jax", "0.2.20", source_type="legacy", source_reference="main",
                  source_url=INDEX)  # fmt: skip
    env = MockEnv(platform_machine="aarch64")
    operations = [Install(jax)]
    data["package"][0]["files"] = [{"file": "jax-0.2.20-py3-none-manylinux2014_x86_64.whl",
                                    "hash": "sha256:aa"}]  # fmt: skip
    with pytest.raises(NoArtifactForMachineError) as raised:
        _check_selection(
            operations, env.marker_env, [Tag("py3", "none", "manylinux2014_aarch64")], data
        )
    assert "Re-lock with the plugin" in raised.value.hint
