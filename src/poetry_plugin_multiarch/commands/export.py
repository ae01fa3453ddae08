"""``poetry multiarch export`` and ``poetry multiarch download``: what a target
installs, for tools and machines without Poetry.

Both read only poetry.lock (its recorded URLs, hashes and sizes) and
``[tool.poetry-plugin-multiarch]``: ``export`` makes no request at all; ``download``
fetches exactly the files the target installs.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from cleo.helpers import option
from cleo.io.outputs.output import Type, Verbosity
from packaging.pylock import is_valid_pylock_path
from poetry.console.commands.group_command import GroupCommand

from poetry_plugin_multiarch.adapter.lockfile import read_lock
from poetry_plugin_multiarch.adapter.project import allowed_pythons, load_config
from poetry_plugin_multiarch.atomicwrite import write_text_atomically
from poetry_plugin_multiarch.errors import ConfigError, ExportError
from poetry_plugin_multiarch.install_plan import Plans, missing_urls_error, plan_install
from poetry_plugin_multiarch.pylock_export import (
    PylockScope,
    multi_use_pylock,
    pylock_toml,
    single_use_pylock,
)
from poetry_plugin_multiarch.requirements_export import requirements_txt
from poetry_plugin_multiarch.targets import KNOWN_TARGETS, TargetEnvironment
from poetry_plugin_multiarch.urls import redact_url

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cleo.io.inputs.option import Option
    from poetry.poetry import Poetry

    from poetry_plugin_multiarch.adapter.downloads import DownloadResult
    from poetry_plugin_multiarch.config import MultiarchConfig
    from poetry_plugin_multiarch.lockmodel import MultiarchLock

__all__ = ["MultiarchDownloadCommand", "MultiarchExportCommand"]

FORMATS = ("pylock.toml", "requirements.txt")
_MINOR = re.compile(r"3\.[0-9]+")


def _scope_options() -> list[Option]:
    return [
        option(
            "target",
            "t",
            f"A target environment ({', '.join(KNOWN_TARGETS)}, or one declared in"
            " [tool.poetry-plugin-multiarch]).",
            flag=False,
            multiple=True,
        ),
        option(
            "python",
            None,
            "The Python minor of the targets (default: those declared in"
            " [tool.poetry-plugin-multiarch], or every one the project allows).",
            flag=False,
            multiple=True,
        ),
        *GroupCommand._group_dependency_options(),
        option("all-groups", None, "Include every dependency group."),
        option("extras", "E", "Extra sets of dependencies to include.", flag=False, multiple=True),
        option("all-extras", None, "Include all extra dependencies."),
        option(
            "allow-index",
            None,
            "For a lock without artifact URLs (written by stock Poetry): read them from"
            " the sources' index pages.",
        ),
    ]


class _FromLockCommand(GroupCommand):
    """What export and download share: the lock, the targets, groups and extras."""

    def _format(self) -> str:
        """``--format``, checked.

        :raises ConfigError: a format neither pylock.toml nor requirements.txt.
        """
        fmt = str(self.option("format"))
        if fmt not in FORMATS:
            raise ConfigError(f"--format {fmt}: unknown.", f"Use {' or '.join(FORMATS)}.")
        return fmt

    def _read_lock(self) -> MultiarchLock:
        """The lock, if it matches pyproject.toml; with ``--allow-index``, URLs it lacks
        read from index pages.

        :raises ExportError: the lock is stale.
        """
        lock = read_lock(self.poetry)
        if not self.poetry.locker.is_fresh():
            raise ExportError(
                "pyproject.toml changed significantly since poetry.lock was last written:"
                " an export of it would not be what the project asks for.",
                "Run `poetry lock` first.",
            )
        if not self.option("allow-index"):
            return lock
        from poetry_plugin_multiarch.adapter.index_urls import with_index_urls

        lock, read = with_index_urls(self.poetry, lock)
        if read:
            self.line_error(
                f"<warning>poetry.lock records no artifact URLs for {len(read)} packages:"
                " read from their index pages (--allow-index).</warning>"
            )
            for what in read:
                self.line_error(f"  {what}", verbosity=Verbosity.VERBOSE)
        return lock

    def _environments(
        self, config: MultiarchConfig, names: Sequence[str]
    ) -> tuple[TargetEnvironment, ...]:
        """The (target, Python) pairs asked for; without names, the declared ones.

        :raises ConfigError: an unknown target or a Python that is no minor.
        """
        named = config.targets_named(names)
        pythons = (
            tuple(self.option("python") or ()) or config.pythons or allowed_pythons(self.poetry)
        )
        bad = [p for p in pythons if not _MINOR.fullmatch(p)]
        if bad:
            raise ConfigError(
                f"--python {', '.join(bad)}: not a Python minor.", 'Give one like "3.11".'
            )
        targets = list(named.values()) if names else list(config.targets)
        return tuple(TargetEnvironment(target=t, python=p) for t in targets for p in pythons)

    def _groups(self) -> tuple[str, ...]:
        return tuple(sorted(self.activated_groups, key=lambda g: (g != "main", g)))

    def _extras(self, lock: MultiarchLock) -> tuple[str, ...] | None:
        """The root extras asked for (``None``: none asked for).

        :raises ExportError: an extra the project does not define.
        """
        if self.option("all-extras"):
            return tuple(sorted(lock.extras))
        asked = [e for value in self.option("extras") or () for e in re.split(r"[ ,]+", value) if e]
        if not asked:
            return None
        from packaging.utils import canonicalize_name

        unknown = [e for e in asked if canonicalize_name(e) not in lock.extras]
        if unknown:
            raise ExportError(
                f"Extra {', '.join(unknown)} is not defined by the project.",
                f"Its extras: {', '.join(sorted(lock.extras)) or 'none'}.",
            )
        return tuple(canonicalize_name(e) for e in asked)

    def _plans(
        self,
        lock: MultiarchLock,
        config: MultiarchConfig,
        environments: Sequence[TargetEnvironment],
        extras: tuple[str, ...] | None,
    ) -> Plans:
        groups = self._groups()
        return [
            (
                env,
                plan_install(
                    lock,
                    env,
                    groups=groups,
                    extras=extras or (),
                    build=config.builds_from_source(env.target),
                ),
            )
            for env in environments
        ]

    def _header(self, what: str, environments: Sequence[TargetEnvironment]) -> list[str]:
        lines = [f"{what} exported by poetry-plugin-multiarch from poetry.lock"]
        if environments:
            lines.append("for " + ", ".join(env.label for env in environments))
        lines.append(f"groups: {', '.join(self._groups())}")
        for name, url in self._credentialed_sources():
            lines.append(
                f"source {name} ({redact_url(url)}) needs credentials; give them to the"
                " installer (e.g. ~/.netrc), they are not written here"
            )
        return lines

    def _credentialed_sources(self) -> list[tuple[str, str]]:
        """The project's sources that have credentials configured (in their URL, or
        ``http-basic.<name>``): an installer will need them too."""
        from poetry.utils.authenticator import Authenticator

        authenticator = Authenticator(self.poetry.config)
        found = []
        for repository in self.poetry.pool.repositories:
            url = getattr(repository, "url", "") or ""
            in_url = "@" in url.partition("://")[2].partition("/")[0]
            credential = authenticator.get_http_auth(repository.name)
            if in_url or (credential is not None and credential.username):
                found.append((repository.name, url))
        return found

    def _pylock_scope(
        self,
        environments: Sequence[TargetEnvironment],
        extras: tuple[str, ...] | None,
        output_dir: Path,
        *,
        local_files: bool = False,
    ) -> PylockScope:
        return PylockScope(
            groups=self._groups(),
            extras=extras,
            environments=tuple(environments),
            requires_python=_requires_python(self.poetry),
            project_dir=str(self.poetry.pyproject_path.parent),
            output_dir=str(output_dir),
            local_files=local_files,
            tool={
                "groups": list(self._groups()),
                **({"extras": list(extras)} if extras is not None else {}),
            },
        )


def _requires_python(poetry: Poetry) -> str | None:
    """The project's Python as a PEP 440 specifier, if it is one (Poetry's own
    constraint syntax may not be: ``^3.11``, ``>=3.8,<3.9 || >=3.10``)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    declared = poetry.pyproject.data.get("project", {}).get("requires-python")
    if not declared:
        declared = str(poetry.package.python_constraint)
        declared = "" if declared == "*" else declared
    try:
        return str(SpecifierSet(declared)) if declared else None
    except InvalidSpecifier:
        return None


class MultiarchExportCommand(_FromLockCommand):
    name = "multiarch export"
    description = "Export the lock as pylock.toml or requirements.txt, for any target."
    options: ClassVar[list[Option]] = [
        option(
            "format",
            "f",
            f"The format: {' or '.join(FORMATS)}.",
            flag=False,
            default=FORMATS[0],
        ),
        option("output", "o", "The file to write (default: standard output).", flag=False),
        *_scope_options(),
    ]
    help = (
        "Reads only poetry.lock: no index page, no network.\n\n"
        "<info>pylock.toml</> without <comment>--target</>: every locked alternative with"
        " its marker (a multi-use lock); groups other than main are dependency groups, and"
        " extras stay selectable (pip install -r 'pylock.toml[gpu]') unless --extras decides"
        " them.\nWith <comment>--target</>: only what those targets install.\n\n"
        "<info>requirements.txt</>: for the targets given (or declared), each line a URL and"
        " its hash, with the targets' markers (pip install --require-hashes -r ...)."
    )

    def handle(self) -> int:
        fmt = self._format()
        lock = self._read_lock()
        config = load_config(self.poetry)
        names = tuple(self.option("target") or ())
        environments = self._environments(config, names)
        extras = self._extras(lock)
        output = self.option("output")
        output_dir = Path(output).resolve().parent if output else Path.cwd()
        if fmt == "pylock.toml":
            scope = self._pylock_scope(environments, extras, output_dir)
            if names:
                pylock, notes = single_use_pylock(
                    self._plans(lock, config, environments, extras), scope
                )
            else:
                pylock, notes = multi_use_pylock(lock, scope)
            text = pylock_toml(pylock, self._header("pylock.toml", environments))
        else:
            if not environments:
                raise ExportError(
                    "requirements.txt is written for target environments; none was given"
                    " and [tool.poetry-plugin-multiarch] declares none.",
                    "Name one with --target (e.g. --target linux-aarch64).",
                )
            notes = []
            text = requirements_txt(
                self._plans(lock, config, environments, extras),
                header=self._header("requirements.txt", environments),
                project_dir=str(self.poetry.pyproject_path.parent),
            )
        for note in notes:
            self.line(f"<debug>multiarch: {note}</debug>", verbosity=Verbosity.VERBOSE)
        if output and fmt == "pylock.toml" and not is_valid_pylock_path(Path(output)):
            self.line_error(
                f"<warning>{output}: pip and uv take a file as a PEP 751 lock only when it is"
                " named pylock.toml or pylock.<name>.toml.</warning>"
            )
        if output:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            write_text_atomically(Path(output), text)
            self.line_error(f"Wrote {output} ({fmt}).")
        else:
            self.io.output.write(text, type=Type.RAW)
        return 0


class MultiarchDownloadCommand(_FromLockCommand):
    name = "multiarch download"
    description = "Download, hash-checked, exactly the files a target installs."
    options: ClassVar[list[Option]] = [
        option("dest", "d", "The directory to download into.", flag=False),
        option(
            "format",
            "f",
            f"The file written next to them: {' or '.join(FORMATS)}.",
            flag=False,
            default=FORMATS[1],
        ),
        *_scope_options(),
    ]

    def handle(self) -> int:
        from poetry_plugin_multiarch.adapter.downloads import download_files

        names = tuple(self.option("target") or ())
        directory = self.option("dest")
        fmt = self._format()
        if not names or not directory:
            raise ConfigError(
                "multiarch download needs --target and --dest (-d).",
                "For example: poetry multiarch download --target linux-aarch64 -d wheelhouse",
            )
        lock = self._read_lock()
        config = load_config(self.poetry)
        environments = self._environments(config, names)
        extras = self._extras(lock)
        plans = self._plans(lock, config, environments, extras)
        planned = [item for _, items in plans for item in items]
        missing = [
            f"{p.package.name} {p.package.version}" for p in planned if p.file and not p.location
        ]
        if missing:
            raise missing_urls_error(missing)
        in_place = sorted({p.filename for p in planned if p.file is None})
        for what in in_place:
            self.line_error(f"<warning>Not downloaded (built where it is): {what}</warning>")
        target = Path(directory)
        started = time.monotonic()

        def told(result: DownloadResult) -> None:
            state = "kept (already there, checked)" if result.kept else f"{result.seconds:.2f} s"
            self.line(f"  {result.name} ({_size(result.size)}): {state}")

        results = download_files(
            self.poetry, planned, target, workers=min(8, (os.cpu_count() or 1) * 2), told=told
        )
        if fmt == "requirements.txt":
            text = requirements_txt(
                plans,
                local_files=True,
                header=[
                    *self._header("requirements.txt", environments),
                    "pip install -r requirements.txt (from this directory's files only)",
                ],
                project_dir=str(self.poetry.pyproject_path.parent),
            )
        else:
            scope = self._pylock_scope(environments, extras, target.resolve(), local_files=True)
            pylock, _ = single_use_pylock(plans, scope)
            text = pylock_toml(pylock, self._header("pylock.toml", environments))
        write_text_atomically(target / fmt, text)
        fetched = [r for r in results if not r.kept]
        total = sum(r.size for r in results)
        self.line(
            f"{len(results)} files ({_size(total)}) in {target}: {len(fetched)} downloaded,"
            f" {len(results) - len(fetched)} already there; {time.monotonic() - started:.1f} s."
            f" Wrote {target / fmt}."
        )
        return 0


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
