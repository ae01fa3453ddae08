"""``poetry multiarch`` (what the plugin adds, its commands) and ``poetry multiarch show``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from cleo.formatters.formatter import Formatter
from cleo.helpers import option
from poetry.console.commands.command import Command
from poetry.console.commands.env_command import EnvCommand

from poetry_plugin_multiarch import __version__
from poetry_plugin_multiarch.adapter.lockfile import read_lock
from poetry_plugin_multiarch.adapter.project import direct_dependencies, load_config
from poetry_plugin_multiarch.commands.check import MultiarchCheckCommand
from poetry_plugin_multiarch.coverage import FindingKind, gap_detail, installability
from poetry_plugin_multiarch.errors import ConfigError
from poetry_plugin_multiarch.selection import select_for_environment
from poetry_plugin_multiarch.splits import forked_names
from poetry_plugin_multiarch.targets import KNOWN_TARGETS, TargetEnvironment

escape = Formatter.escape

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from cleo.io.inputs.option import Option
    from packaging.tags import Tag

    from poetry_plugin_multiarch.lockmodel import MultiarchLock

__all__ = ["MultiarchCommand", "MultiarchShowCommand"]

#: after a package the solver split by version for different targets
_FORKED = " (forked)"


class MultiarchCommand(Command):
    name = "multiarch"
    description = "One lock for every machine: what poetry-plugin-multiarch adds."

    @property
    def help(self) -> str:  # type: ignore[override]
        """``poetry multiarch --help`` lists the subcommands too."""
        return "\n".join([*_ABOUT, "", *_commands()])

    def handle(self) -> int:
        self.line(f"<info>poetry-plugin-multiarch</> {__version__}")
        self.line("")
        for line in [*_ABOUT, "", *_commands()]:
            self.line(line)
        return 0


_ABOUT = (
    "With the plugin, `poetry lock` keeps every alternative of a",
    "dependency given as a list with markers, each as its own entry.",
)


def _commands() -> list[str]:
    commands: tuple[type[Command], ...] = (
        MultiarchShowCommand,
        MultiarchCheckCommand,
        *_more_commands(),
    )
    return [
        "<comment>Commands:</>",
        *(f"  <info>{command.name:<22}</> {command.description}" for command in commands),
    ]


def _more_commands() -> tuple[type[Command], ...]:
    from poetry_plugin_multiarch.commands.cache import MultiarchCacheClearCommand
    from poetry_plugin_multiarch.commands.export import (
        MultiarchDownloadCommand,
        MultiarchExportCommand,
    )

    return (MultiarchExportCommand, MultiarchDownloadCommand, MultiarchCacheClearCommand)


class MultiarchShowCommand(EnvCommand):
    name = "multiarch show"
    description = "Show the locked alternatives and which one a machine installs."
    options: ClassVar[list[Option]] = [
        option(
            "target",
            "t",
            "Show what this kind of machine installs instead of the project's"
            f" environment ({', '.join(KNOWN_TARGETS)}, or one declared in"
            " [tool.poetry-plugin-multiarch]), for each Python declared there.",
            flag=False,
            multiple=True,
        ),
        option(
            "files",
            None,
            "With --target: every package the target installs, and the file it installs"
            " from (what `poetry multiarch download` fetches).",
        ),
    ]

    def handle(self) -> int:
        names = self.option("target") or []
        if self.option("files") and not names:
            raise ConfigError("--files lists what a target installs.", "Add --target NAME.")
        config = load_config(self.poetry)
        known = config.targets_named(names)
        lock = read_lock(self.poetry)
        forked = forked_names(lock, direct_dependencies(self.poetry))
        if not self.option("files"):
            self._show_alternatives(lock, forked)
        if not names:
            marker_env = self.env.marker_env
            label = (
                f"This machine ({marker_env['sys_platform']},"
                f" {marker_env['platform_machine']}, Python {marker_env['python_version']})"
            )
            self._show_selection(lock, forked, label, marker_env)
            return 0
        # the Pythons the targets are checked with; else the project environment's
        pythons = config.pythons or (self.env.marker_env["python_version"],)
        for name in names:
            wheels_only = name if name in config.no_build else ""
            for python in pythons:
                env = TargetEnvironment(target=known[name], python=python)
                if self.option("files"):
                    self._show_files(lock, env, build=not wheels_only)
                    continue
                self._show_selection(
                    lock, forked, env.label, env.environment, env.tags, wheels_only
                )
        return 0

    def _show_alternatives(self, lock: MultiarchLock, forked: Collection[str]) -> None:
        alternatives = lock.alternatives()
        if not alternatives:
            self.line("No package is locked with alternatives.")
            return
        self.line("<b>Locked alternatives</> (poetry.lock):")
        for name, entries in alternatives.items():
            self.line(f"  <c1>{name}</>{_FORKED if name in forked else ''}")
            for entry in entries:
                self.line(
                    f"    {entry.version:<10} {entry.origin}\n"
                    f"    {'':<10} markers: {entry.marker_text()}"
                )
        if forked:
            self.line(
                "  (forked: split by version for different targets when locking, not written"
                " as alternatives in pyproject.toml)"
            )

    def _show_selection(
        self,
        lock: MultiarchLock,
        forked: Collection[str],
        label: str,
        environment: Mapping[str, Any],
        tags: frozenset[Tag] | None = None,
        wheels_only: str = "",
    ) -> None:
        """The alternative each package installs (the version of each *forked* one,
        marked so), and with *tags* (a target) every selected package without a wheel
        or sdist for them (without a wheel on *wheels_only*, a no-build target), marked
        ``GAP``."""
        selected = select_for_environment(lock, environment, self._groups(lock))
        alternatives = lock.alternatives()
        self.line("")
        self.line(f"<b>{label}</> installs:")
        for name in {**alternatives, **selected}:
            entry = selected.get(name)
            if entry is None:
                self.line(f"  <c1>{name}</>: no alternative applies")
                continue
            gap = ""
            kind = installability(entry, tags, build=not wheels_only)[0] if tags else None
            if tags is not None and kind is FindingKind.GAP:
                built = installability(entry, tags)[0] is not FindingKind.GAP
                no_build = wheels_only if built else ""
                gap = f" <error>GAP</>: {escape(gap_detail(entry, tags, no_build=no_build))}"
            mark = _FORKED if name in forked else ""
            if gap or name in alternatives:
                self.line(f"  <c1>{name}</> {entry.version} from {escape(entry.origin)}{mark}{gap}")

    def _show_files(self, lock: MultiarchLock, env: TargetEnvironment, *, build: bool) -> None:
        """Every package *env* installs (all groups), with its file and where it is."""
        from poetry_plugin_multiarch.install_plan import plan_install
        from poetry_plugin_multiarch.urls import redact_url

        planned = plan_install(lock, env, groups=self._groups(lock), build=build)
        self.line(f"<b>{env.label}</> installs {len(planned)} packages from:")
        width = max((len(f"{p.package.name} {p.package.version}") for p in planned), default=0)
        for item in planned:
            label = f"{item.package.name} {item.package.version}"
            line = f"  <c1>{label:<{width}}</>  {escape(item.filename)} ({item.kind.value})"
            if item.location and self.io.is_verbose():
                line += f" <comment>{escape(redact_url(item.location))}</>"
            self.line(line)
        self.line("")

    @staticmethod
    def _groups(lock: MultiarchLock) -> tuple[str, ...]:
        return tuple(sorted({g for p in lock.packages for g in p.groups}))
