"""The unpacked-wheel cache against ``installer`` itself, on real wheels."""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
import threading
import zipfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.exceptions import InvalidWheelSource
from installer.sources import WheelFile

from poetry_plugin_multiarch import wheelcache
from poetry_plugin_multiarch.wheelcache import (
    CacheEntryError,
    MalformedWheel,
    link_install,
    unpacked,
)
from tests.harness.wheels import build_rich_wheel, build_wheel, sha256_of

INSTALLER = "Poetry 2.5.1"
DIRECT_URL = {"url": "https://example.org/rich_tool-1.0-py3-none-any.whl", "archive_info": {}}
DIST_INFO = "rich_tool-1.0.dist-info"
SITE = "lib/python3.11/site-packages"


def scheme_of(venv: Path, distribution: str = "rich_tool") -> dict[str, Path]:
    """A venv's scheme as Poetry hands it to ``installer`` (headers per distribution)."""
    site = venv / SITE
    return {
        "purelib": site,
        "platlib": site,
        "headers": venv / "include" / "site" / "python3.11" / distribution,
        "scripts": venv / "bin",
        "data": venv,
    }


def reference_install(
    wheel: Path,
    venv: Path,
    interpreter: str,
    *,
    direct_url: bool = True,
    bytecode: tuple[int, ...] = (),
) -> None:
    """What Poetry's WheelInstaller does, minus its overwrite tolerance."""
    metadata = {"INSTALLER": INSTALLER.encode()}
    if direct_url:
        metadata["direct_url.json"] = json.dumps(DIRECT_URL).encode()
    with WheelFile.open(wheel) as source:
        destination = SchemeDictionaryDestination(
            {k: str(v) for k, v in scheme_of(venv, source.distribution).items()},
            interpreter=interpreter,
            script_kind="posix",
            bytecode_optimization_levels=bytecode,
        )
        install(source, destination, metadata)


def fast_install(
    entry: Path, venv: Path, interpreter: str, **options: object
) -> wheelcache.Installed:
    options.setdefault("direct_url", DIRECT_URL)
    return link_install(
        entry,
        scheme_of(venv),
        interpreter=interpreter,
        installer_name=INSTALLER,
        **options,  # type: ignore[arg-type]
    )


def tree(venv: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under *venv*: content and permission bits."""
    return {
        str(p.relative_to(venv)): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(venv.rglob("*"))
        if p.is_file()
    }


def record_rows(venv: Path) -> list[list[str]]:
    with open(venv / SITE / DIST_INFO / "RECORD", newline="") as f:
        return list(csv.reader(f))


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return build_rich_wheel(tmp_path / "wheels")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def entry_files(entry: Path) -> list[Path]:
    return sorted(p for p in (entry / "files").rglob("*") if p.is_file())


def recompressed(wheel: Path, target: Path, method: int) -> Path:
    """*wheel* written again with every member compressed by *method*."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.external_attr, copy.compress_type = info.external_attr, method
            out.writestr(copy, source.read(info))
    return target


class TestSameAsInstaller:
    def test_same_interpreter_gives_the_same_tree_and_record(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        python = "/opt/venv/bin/python"
        reference_install(wheel, tmp_path / "ref", python)
        entry = unpacked(cache, wheel, sha256_of(wheel))
        fast_install(entry, tmp_path / "fast", python)

        assert tree(tmp_path / "fast") == tree(tmp_path / "ref")
        assert record_rows(tmp_path / "fast") == record_rows(tmp_path / "ref")

    @pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
    def test_members_stored_or_compressed_otherwise_install_the_same(
        self, wheel: Path, cache: Path, tmp_path: Path, method: int
    ) -> None:
        """Deflate is read straight from the archive; stored members too, and bzip2 or
        lzma (valid in a wheel, if rare) through zipfile: the same venv either way."""
        other = recompressed(wheel, tmp_path / "other" / wheel.name, method)
        reference_install(other, tmp_path / "ref", "/py")
        fast_install(unpacked(cache, other, sha256_of(other)), tmp_path / "fast", "/py")
        assert tree(tmp_path / "fast") == tree(tmp_path / "ref")
        assert record_rows(tmp_path / "fast") == record_rows(tmp_path / "ref")

    def test_each_venv_gets_scripts_for_its_own_interpreter(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        ref, fast = tmp_path / "ref", tmp_path / "fast"
        reference_install(wheel, ref, str(ref / "bin" / "python"))
        entry = unpacked(cache, wheel, sha256_of(wheel))
        fast_install(entry, fast, str(fast / "bin" / "python"))

        ref_tree, fast_tree = tree(ref), tree(fast)
        assert fast_tree.keys() == ref_tree.keys()
        generated = {"bin/rich_tool-cli", "bin/rich_tool-gui", "bin/rich_tool-py"}
        for path in generated:
            content, mode = fast_tree[path]
            assert content.startswith(f"#!{fast / 'bin' / 'python'}\n".encode())
            assert mode == ref_tree[path][1] and mode & 0o111
        for path in fast_tree.keys() - generated - {f"{SITE}/{DIST_INFO}/RECORD"}:
            assert fast_tree[path] == ref_tree[path], path
        # RECORD: same rows, same hashes but for the generated scripts
        ref_rows = {row[0]: row for row in record_rows(ref)}
        fast_rows = {row[0]: row for row in record_rows(fast)}
        assert fast_rows.keys() == ref_rows.keys()
        for path, row in fast_rows.items():
            if path.split("/")[-1] not in {p.split("/")[-1] for p in generated}:
                assert row == ref_rows[path], path

    def test_data_dirs_go_to_their_scheme(self, wheel: Path, cache: Path, tmp_path: Path) -> None:
        venv = tmp_path / "venv"
        fast_install(unpacked(cache, wheel, sha256_of(wheel)), venv, "/usr/bin/python3")
        assert (venv / "bin" / "rich_tool-sh").read_text() == "#!/bin/sh\necho hi\n"
        assert (venv / "include/site/python3.11/rich_tool/rich_tool.h").exists()
        assert (venv / "share/rich_tool/notes.txt").exists()
        assert (venv / SITE / "rich_tool_extra.py").exists()
        assert (venv / SITE / "rich_tool_native.py").exists()
        assert (venv / SITE / DIST_INFO / "INSTALLER").read_text() == INSTALLER
        assert json.loads((venv / SITE / DIST_INFO / "direct_url.json").read_text()) == DIRECT_URL
        rows = {row[0] for row in record_rows(venv)}
        assert "../../../bin/rich_tool-cli" in rows
        assert "../../../include/site/python3.11/rich_tool/rich_tool.h" in rows
        assert not any(".data/" in row for row in rows)

    def test_no_direct_url_unless_given(self, wheel: Path, cache: Path, tmp_path: Path) -> None:
        venv = tmp_path / "venv"
        entry = unpacked(cache, wheel, sha256_of(wheel))
        fast_install(entry, venv, "/usr/bin/python3", direct_url=None)
        reference_install(wheel, tmp_path / "ref", "/usr/bin/python3", direct_url=False)
        assert not (venv / SITE / DIST_INFO / "direct_url.json").exists()
        assert record_rows(venv) == record_rows(tmp_path / "ref")

    def test_bytecode_compiled_as_installer_does(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        python = "/opt/venv/bin/python"
        reference_install(wheel, tmp_path / "ref", python, bytecode=(-1,))
        entry = unpacked(cache, wheel, sha256_of(wheel))
        fast_install(entry, tmp_path / "fast", python, bytecode_optimization_levels=(-1,))
        pyc = {p for p in tree(tmp_path / "fast") if p.endswith(".pyc")}
        assert pyc and pyc == {p for p in tree(tmp_path / "ref") if p.endswith(".pyc")}

    def test_record_quotes_and_orders_paths_as_installer_does(
        self, cache: Path, tmp_path: Path
    ) -> None:
        """RECORD is written without csv where no field needs quoting: a path csv
        quotes (a comma, a quote, a space) gives the same bytes as installer's."""
        odd = ["rich_tool/a,b.py", 'rich_tool/say "hi".txt', "rich_tool/two words.txt"]
        wheel = build_rich_wheel(
            tmp_path / "wheels", extra={**dict.fromkeys(odd, "x"), "rich_tool/\u00e9.txt": "y"}
        )
        reference_install(wheel, tmp_path / "ref", "/py")
        fast_install(unpacked(cache, wheel, sha256_of(wheel)), tmp_path / "fast", "/py")

        assert tree(tmp_path / "fast") == tree(tmp_path / "ref")
        record = (tmp_path / "fast" / SITE / DIST_INFO / "RECORD").read_text("utf-8")
        assert '"rich_tool/a,b.py",sha256=' in record
        assert '"rich_tool/say ""hi"".txt",sha256=' in record
        assert {row[0] for row in record_rows(tmp_path / "fast")} >= {*odd, "rich_tool/\u00e9.txt"}

    def test_directories_without_files_of_their_own_are_made_too(
        self, cache: Path, tmp_path: Path
    ) -> None:
        """A namespace package's directories hold only directories: each is made before
        what is in it."""
        wheel = build_rich_wheel(
            tmp_path / "wheels", extra={"ns_top/mid/leaf/mod.py": "X = 1\n", "ns_top/b/c.py": ""}
        )
        reference_install(wheel, tmp_path / "ref", "/py")
        fast_install(unpacked(cache, wheel, sha256_of(wheel)), tmp_path / "fast", "/py")

        assert tree(tmp_path / "fast") == tree(tmp_path / "ref")
        assert (tmp_path / "fast" / SITE / "ns_top" / "mid" / "leaf" / "mod.py").is_file()

    def test_signature_file_recorded_with_its_hash(self, cache: Path, tmp_path: Path) -> None:
        wheel = build_rich_wheel(
            tmp_path / "wheels",
            extra={f"{DIST_INFO}/RECORD.jws": "signature"},
            unrecorded=[f"{DIST_INFO}/RECORD.jws"],
        )
        reference_install(wheel, tmp_path / "ref", "/py")
        fast_install(unpacked(cache, wheel, sha256_of(wheel)), tmp_path / "fast", "/py")
        assert record_rows(tmp_path / "fast") == record_rows(tmp_path / "ref")

    @pytest.mark.filterwarnings("ignore:Skip installing:RuntimeWarning")
    def test_files_in_a_pycache_directory_are_treated_as_installer_treats_them(
        self, cache: Path, tmp_path: Path
    ) -> None:
        # installer 1.x skips them (with a warning), 0.7 installs them: the same here
        pyc = "rich_tool/__pycache__/cli.cpython-311.pyc"
        wheel = build_rich_wheel(tmp_path / "wheels", extra={pyc: b"\x00" * 16})
        reference_install(wheel, tmp_path / "ref", "/py")
        entry = unpacked(cache, wheel, sha256_of(wheel))
        fast_install(entry, tmp_path / "fast", "/py")

        assert tree(tmp_path / "fast") == tree(tmp_path / "ref")
        assert record_rows(tmp_path / "fast") == record_rows(tmp_path / "ref")

    def test_a_wheel_of_another_major_version_is_refused_before_any_file_is_placed(
        self, cache: Path, tmp_path: Path
    ) -> None:
        wheel_text = "Wheel-Version: 2.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        wheel = build_rich_wheel(
            tmp_path / "wheels", extra={"rich_tool-1.0.dist-info/WHEEL": wheel_text}
        )
        entry = unpacked(cache, wheel, sha256_of(wheel))

        with pytest.raises(InvalidWheelSource, match=r"Incompatible Wheel-Version 2\.0"):
            fast_install(entry, tmp_path / "fast", "/py")
        assert not [p for p in (tmp_path / "fast").rglob("*") if p.is_file()]

    def test_plain_wheel_from_the_harness(self, cache: Path, tmp_path: Path) -> None:
        wheel = build_wheel(tmp_path / "wheels", "demo", "2.0", "cp311-cp311-manylinux_2_17_x86_64")
        reference_install(wheel, tmp_path / "ref", "/py")
        entry = unpacked(cache, wheel, sha256_of(wheel))
        link_install(
            entry,
            scheme_of(tmp_path / "fast", "demo"),
            interpreter="/py",
            installer_name=INSTALLER,
            direct_url=DIRECT_URL,
        )
        assert tree(tmp_path / "fast") == tree(tmp_path / "ref")


class TestLinks:
    def test_hard_links_on_one_file_system(self, wheel: Path, cache: Path, tmp_path: Path) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))
        done = fast_install(entry, tmp_path / "venv", "/py")

        cached = entry / "files" / "rich_tool" / "sub" / "data.bin"
        installed = tmp_path / "venv" / SITE / "rich_tool" / "sub" / "data.bin"
        assert os.path.samefile(cached, installed)
        # 12 files linked; written: 2 entry-point scripts, the #!python and the shell
        # .data script, INSTALLER, direct_url.json, RECORD
        assert (done.linked, done.copied, done.written) == (12, 0, 7)
        for script in ("rich_tool-cli", "rich_tool-py", "rich_tool-sh"):
            assert (tmp_path / "venv" / "bin" / script).stat().st_nlink == 1

    def test_copy_when_forced(self, wheel: Path, cache: Path, tmp_path: Path) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))
        done = fast_install(entry, tmp_path / "venv", "/py", link_mode="copy")
        assert (done.linked, done.copied) == (0, 12)
        for cached in entry_files(entry):
            assert cached.stat().st_nlink == 1
        reference_install(wheel, tmp_path / "ref", "/py")
        assert tree(tmp_path / "venv") == tree(tmp_path / "ref")

    def test_cross_device_falls_back_to_copy_once(
        self, wheel: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))
        calls = []

        def no_link(source: str, target: str) -> None:
            calls.append(target)
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(wheelcache.os, "link", no_link)
        done = fast_install(entry, tmp_path / "venv", "/py")
        assert (done.linked, done.copied, len(calls)) == (0, 12, 1)
        reference_install(wheel, tmp_path / "ref", "/py")
        assert tree(tmp_path / "venv") == tree(tmp_path / "ref")

    def test_other_link_errors_are_raised(
        self, wheel: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))

        def broken(source: str, target: str) -> None:
            raise OSError(errno.EIO, "I/O error")

        monkeypatch.setattr(wheelcache.os, "link", broken)
        with pytest.raises(OSError, match="I/O error"):
            fast_install(entry, tmp_path / "venv", "/py")

    def test_reinstall_replaces_files_and_leaves_the_cache_alone(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))
        venv = tmp_path / "venv"
        fast_install(entry, venv, "/py", link_mode="copy")
        fast_install(entry, venv, "/py")  # over the copies
        fast_install(entry, venv, "/py")  # over its own links
        fast_install(entry, venv, "/py", link_mode="copy")  # over links: must not write into them
        assert unpacked(cache, wheel, sha256_of(wheel)) == entry
        assert all(p.stat().st_nlink == 1 for p in entry_files(entry))
        reference_install(wheel, tmp_path / "ref", "/py")
        assert tree(venv) == tree(tmp_path / "ref")


class TestEntries:
    def test_layout_and_reuse(self, wheel: Path, cache: Path) -> None:
        sha = sha256_of(wheel)
        entry = unpacked(cache, wheel, sha)
        assert entry == cache / sha[:2] / sha
        assert (entry / "entry.json").exists()
        inode = (entry / "entry.json").stat().st_ino
        assert unpacked(cache, wheel, f"sha256:{sha.upper()}") == entry
        assert (entry / "entry.json").stat().st_ino == inode
        assert sorted(p.name for p in entry.parent.iterdir()) == [sha]  # no leftovers
        record = f"files/{DIST_INFO}/RECORD"
        assert not (entry / record).exists()  # the venv's is written from the manifest

    def test_not_a_digest(self, wheel: Path, cache: Path) -> None:
        with pytest.raises(ValueError, match="Not a sha256"):
            unpacked(cache, wheel, "abc")

    @pytest.mark.parametrize(
        "tamper",
        ["truncate", "grow", "touch", "delete", "directory", "no-manifest", "bad-manifest"],
    )
    def test_tampered_entry_is_rebuilt(
        self, wheel: Path, cache: Path, tmp_path: Path, tamper: str
    ) -> None:
        sha = sha256_of(wheel)
        entry = unpacked(cache, wheel, sha)
        victim = entry / "files" / "rich_tool" / "cli.py"
        original = victim.read_bytes()
        if tamper == "truncate":
            victim.write_bytes(original[:-1])
        elif tamper == "grow":
            victim.write_bytes(original + b"#")
        elif tamper == "touch":  # same size, new content: only the mtime tells
            victim.write_bytes(original.upper())
            st = victim.stat()
            os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        elif tamper == "delete":
            victim.unlink()
        elif tamper == "directory":
            victim.unlink()
            victim.mkdir()
        elif tamper == "no-manifest":
            (entry / "entry.json").unlink()
        else:
            (entry / "entry.json").write_text("{")

        assert unpacked(cache, wheel, sha) == entry
        assert victim.read_bytes() == original
        assert sorted(p.name for p in entry.parent.iterdir()) == [sha]
        fast_install(entry, tmp_path / "venv", "/py")
        assert (tmp_path / "venv" / SITE / "rich_tool" / "cli.py").read_bytes() == original

    def test_write_through_a_venv_link_is_caught(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        """Stock Poetry opens an existing file with "wb": through a hard link."""
        sha = sha256_of(wheel)
        entry = unpacked(cache, wheel, sha)
        fast_install(entry, tmp_path / "venv", "/py")
        linked = tmp_path / "venv" / SITE / "rich_tool" / "__init__.py"
        original = linked.read_bytes()
        linked.write_bytes(b"changed = 1\n")
        assert (entry / "files" / "rich_tool" / "__init__.py").read_bytes() == b"changed = 1\n"

        assert unpacked(cache, wheel, sha) == entry
        assert (entry / "files" / "rich_tool" / "__init__.py").read_bytes() == original

    def test_manifest_of_another_format_is_rebuilt(self, wheel: Path, cache: Path) -> None:
        sha = sha256_of(wheel)
        entry = unpacked(cache, wheel, sha)
        manifest = json.loads((entry / "entry.json").read_text())
        (entry / "entry.json").write_text(json.dumps({**manifest, "format": 0}))
        assert unpacked(cache, wheel, sha) == entry
        assert json.loads((entry / "entry.json").read_text())["format"] == wheelcache.FORMAT

    @pytest.mark.parametrize(
        "path", ["../up.py", "rich_tool/../../up.py", "/abs.py", "\\abs.py", "..\\up.py", "c:/x.py"]
    )
    def test_link_install_refuses_a_manifest_path_outside_the_venv(
        self, wheel: Path, cache: Path, tmp_path: Path, path: str
    ) -> None:
        """A manifest is read back from the cache: a path in it that would leave the
        scheme is refused before any file is placed."""
        entry = unpacked(cache, wheel, sha256_of(wheel))
        manifest = json.loads((entry / "entry.json").read_text())
        row = next(r for r in manifest["files"] if r[0] == "rich_tool/cli.py")
        row[0] = path
        (entry / "entry.json").write_text(json.dumps(manifest))
        with pytest.raises(CacheEntryError, match="unsafe paths in the manifest"):
            fast_install(entry, tmp_path / "venv", "/py")
        assert not (tmp_path / "venv" / SITE / "rich_tool").exists()

    def test_link_install_refuses_an_incomplete_entry(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))
        (entry / "entry.json").unlink()
        with pytest.raises(CacheEntryError, match="not a complete cache entry"):
            fast_install(entry, tmp_path / "venv", "/py")
        assert not (tmp_path / "venv").exists()

    def test_link_install_reports_a_file_gone_meanwhile(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        entry = unpacked(cache, wheel, sha256_of(wheel))
        (entry / "files" / "rich_tool" / "cli.py").unlink()
        with pytest.raises(CacheEntryError, match="changed while installing"):
            fast_install(entry, tmp_path / "venv", "/py")


def _unpack_in_child(args: tuple[str, str, str]) -> str:
    cache, wheel, sha = args
    return str(unpacked(Path(cache), Path(wheel), sha))


class TestConcurrency:
    @pytest.mark.parametrize("round_", range(5))
    def test_threads_share_one_entry(
        self, wheel: Path, cache: Path, tmp_path: Path, round_: int
    ) -> None:
        """Each racer installs as soon as it has an entry: a racer that finds a whole
        entry renamed into place after it looked must not discard it as broken."""
        sha = sha256_of(wheel)
        start = threading.Barrier(8)

        def racer(venv: Path) -> Path:
            start.wait()
            entry = unpacked(cache, wheel, sha)
            fast_install(entry, venv, "/py")
            return entry

        with ThreadPoolExecutor(8) as pool:
            entries = set(pool.map(racer, [tmp_path / f"venv{i}" for i in range(8)]))
        assert entries == {cache / sha[:2] / sha}
        assert sorted(p.name for p in (cache / sha[:2]).iterdir()) == [sha]

    def test_entry_renamed_in_after_looking_is_used_not_discarded(
        self, wheel: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        sha = sha256_of(wheel)
        real = wheelcache._manifest_if_intact
        theirs: list[int] = []

        def other_process_finishes_meanwhile(entry: Path, digest: str) -> object:
            found = real(entry, digest)
            if not theirs:
                monkeypatch.setattr(wheelcache, "_manifest_if_intact", real)
                theirs.append((unpacked(cache, wheel, sha) / "entry.json").stat().st_ino)
            return found

        monkeypatch.setattr(wheelcache, "_manifest_if_intact", other_process_finishes_meanwhile)
        entry = unpacked(cache, wheel, sha)
        assert (entry / "entry.json").stat().st_ino == theirs[0]
        assert sorted(p.name for p in entry.parent.iterdir()) == [sha]

    def test_processes_share_one_entry(self, wheel: Path, cache: Path, tmp_path: Path) -> None:
        sha = sha256_of(wheel)
        with ProcessPoolExecutor(4) as pool:
            entries = set(pool.map(_unpack_in_child, [(str(cache), str(wheel), sha)] * 8))
        assert entries == {str(cache / sha[:2] / sha)}
        assert sorted(p.name for p in (cache / sha[:2]).iterdir()) == [sha]
        fast_install(Path(entries.pop()), tmp_path / "venv", "/py")

    def test_two_installs_from_one_cache_at_once(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        sha = sha256_of(wheel)
        start = threading.Barrier(2)

        def install_into(venv: Path) -> wheelcache.Installed:
            start.wait()
            return fast_install(unpacked(cache, wheel, sha), venv, "/py")

        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(install_into, [tmp_path / "a", tmp_path / "b"]))
        assert [d.linked for d in done] == [12, 12]
        assert tree(tmp_path / "a") == tree(tmp_path / "b")

    def test_a_large_wheel_is_unpacked_by_several_threads_into_the_same_entry(
        self, wheel: Path, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Above the split size a wheel's files are divided between threads (one core
        would otherwise unpack scipy alone at the end of an install); the entry, its
        manifest and the install from it are those of a one-thread unpack."""
        one = unpacked(tmp_path / "one", wheel, sha256_of(wheel))
        calls: list[tuple[int, list[str]]] = []
        extract = wheelcache._extract

        def recording(archive: object, files_dir: str, part: list, verify: bool) -> object:
            calls.append((threading.get_ident(), [info.filename for info, _ in part]))
            return extract(archive, files_dir, part, verify)  # type: ignore[arg-type]

        monkeypatch.setattr(wheelcache, "_SPLIT_ABOVE", 0)
        monkeypatch.setattr(wheelcache.os, "cpu_count", lambda: 3)
        monkeypatch.setattr(wheelcache, "_extract", recording)
        split = unpacked(cache, wheel, sha256_of(wheel))

        # three parts, no file in two of them, not all in the calling thread
        assert len(calls) == 3
        names = [name for _, part in calls for name in part]
        assert (
            len(names)
            == len(set(names))
            == len(json.loads((one / "entry.json").read_text())["files"])
        )
        assert len({thread for thread, _ in calls}) >= 2
        assert tree(split / "files") == tree(one / "files")
        manifest = json.loads((split / "entry.json").read_text())
        reference = json.loads((one / "entry.json").read_text())
        drop_mtime = [row[:4] for row in manifest["files"]]
        assert drop_mtime == [row[:4] for row in reference["files"]]
        fast_install(split, tmp_path / "venv", "/py")
        reference_install(wheel, tmp_path / "ref", "/py")
        assert tree(tmp_path / "venv") == tree(tmp_path / "ref")


class TestMalformed:
    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (
                {"unrecorded": ["rich_tool/cli.py"]},
                "rich_tool/cli.py: in the archive but not in RECORD",
            ),
            (
                {"record_extra": ["rich_tool/gone.py,sha256=AAAA,4"]},
                "rich_tool/gone.py: in RECORD but not in the archive",
            ),
            (
                {"record_override": {"rich_tool/cli.py": "rich_tool/cli.py,sha256=AAAA,3"}},
                "rich_tool/cli.py: RECORD says 3 bytes, the archive holds",
            ),
            (
                {"record_override": {"rich_tool/cli.py": "rich_tool/cli.py,,"}},
                "rich_tool/cli.py: RECORD gives no hash or no size",
            ),
            (
                {"extra": {"../evil.py": "x"}},
                r"\.\./evil\.py: unsafe path",
            ),
            (
                {"extra": {"rich_tool-2.0.dist-info/METADATA": "x"}},
                "exactly one .dist-info directory",
            ),
        ],
    )
    def test_clear_error_and_no_entry(
        self, cache: Path, tmp_path: Path, options: dict[str, object], message: str
    ) -> None:
        wheel = build_rich_wheel(tmp_path / "wheels", **options)  # type: ignore[arg-type]
        with pytest.raises(MalformedWheel, match=message) as error:
            unpacked(cache, wheel, sha256_of(wheel))
        assert str(error.value).startswith("rich_tool-1.0-py3-none-any.whl is not a well-formed")
        sha = sha256_of(wheel)
        assert not (cache / sha[:2]).exists() or not any((cache / sha[:2]).iterdir())

    def test_a_member_whose_bytes_are_damaged_is_named(
        self, wheel: Path, cache: Path, tmp_path: Path
    ) -> None:
        """The archive's hash matched the lock, but a member does not inflate to what
        the archive's directory says (as installer would refuse it: BadZipFile)."""
        damaged = recompressed(wheel, tmp_path / "damaged" / wheel.name, zipfile.ZIP_STORED)
        with zipfile.ZipFile(damaged) as zf:
            info = zf.getinfo("rich_tool/sub/data.bin")
        raw = bytearray(damaged.read_bytes())
        raw[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF
        damaged.write_bytes(bytes(raw))
        with pytest.raises(MalformedWheel, match=r"rich_tool/sub/data\.bin: CRC-32 does not match"):
            unpacked(cache, damaged, sha256_of(damaged))
        sha = sha256_of(damaged)
        assert not (cache / sha[:2]).exists() or not any((cache / sha[:2]).iterdir())

    def test_every_issue_at_once(self, cache: Path, tmp_path: Path) -> None:
        wheel = build_rich_wheel(
            tmp_path / "wheels",
            unrecorded=["rich_tool/cli.py", "rich_tool/__init__.py"],
            record_extra=["rich_tool/gone.py,sha256=AAAA,4"],
        )
        with pytest.raises(MalformedWheel) as error:
            unpacked(cache, wheel, sha256_of(wheel))
        assert len(error.value.issues) == 3

    def test_missing_record(self, cache: Path, tmp_path: Path) -> None:
        wheel = build_wheel(tmp_path / "wheels", "demo", "1.0")
        stripped = tmp_path / "stripped" / wheel.name
        stripped.parent.mkdir()
        with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(stripped, "w") as dst:
            for info in src.infolist():
                if not info.filename.endswith("/RECORD"):
                    dst.writestr(info, src.read(info))
        with pytest.raises(MalformedWheel, match=r"demo-1\.0\.dist-info/RECORD: missing"):
            unpacked(cache, stripped, sha256_of(stripped))

    def test_contents_checked_only_when_asked(self, cache: Path, tmp_path: Path) -> None:
        wrong = "rich_tool/cli.py,sha256=" + "A" * 43 + f",{len(_cli_py())}"
        wheel = build_rich_wheel(tmp_path / "wheels", record_override={"rich_tool/cli.py": wrong})
        with pytest.raises(MalformedWheel, match=r"cli\.py: content does not match"):
            unpacked(cache / "strict", wheel, sha256_of(wheel), verify_contents=True)
        assert unpacked(cache, wheel, sha256_of(wheel)).exists()


def _cli_py() -> bytes:
    return b"def main():\n    print('hello')\n\ndef gui():\n    pass\n"
