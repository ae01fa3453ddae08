"""``poetry multiarch`` and ``poetry multiarch show``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from cleo.helpers import option
from poetry.console.commands.command import Command
from poetry.console.commands.env_command import EnvCommand

from poetry_plugin_multiarch import __version__
from poetry_plugin_multiarch.adapter.lockfile import read_lock
from poetry_plugin_multiarch.errors import ConfigError
from poetry_plugin_multiarch.selection import select_for_environment
from poetry_plugin_multiarch.targets import KNOWN_TARGETS

if TYPE_CHECKING:
    from cleo.io.inputs.option import Option

    from poetry_plugin_multiarch.lockmodel import MultiarchLock

__all__ = ["MultiarchCommand", "MultiarchShowCommand"]


class MultiarchCommand(Command):
    name = "multiarch"
    description = "One lock for every machine: what poetry-plugin-multiarch adds."

    def handle(self) -> int:
        self.line(f"<info>poetry-plugin-multiarch</> {__version__}")
        self.line("")
        self.line("With the plugin, `poetry lock` keeps every alternative of a")
        self.line("dependency given as a list with markers, each as its own entry.")
        self.line("")
        self.line("<comment>Commands:</>")
        self.line(f"  <info>multiarch show</>  {MultiarchShowCommand.description}")
        return 0


class MultiarchShowCommand(EnvCommand):
    name = "multiarch show"
    description = "Show the locked alternatives and which one a machine installs."
    options: ClassVar[list[Option]] = [
        option(
            "target",
            "t",
            "Show what this kind of machine installs instead of the project's"
            f" environment ({', '.join(KNOWN_TARGETS)}).",
            flag=False,
            multiple=True,
        ),
    ]

    def handle(self) -> int:
        lock = read_lock(self.poetry)
        self._show_alternatives(lock)
        marker_env = self.env.marker_env
        python = marker_env["python_version"]
        names = self.option("target") or []
        unknown = [n for n in names if n not in KNOWN_TARGETS]
        if unknown:
            raise ConfigError(
                f"Unknown target {', '.join(unknown)}.",
                f"Known targets: {', '.join(KNOWN_TARGETS)}.",
            )
        if not names:
            label = (
                f"This machine ({marker_env['sys_platform']},"
                f" {marker_env['platform_machine']}, Python {python})"
            )
            self._show_selection(lock, label, marker_env)
        for name in names:
            env = KNOWN_TARGETS[name].environment(python)
            self._show_selection(lock, f"{name} (Python {python})", env)
        return 0

    def _show_alternatives(self, lock: MultiarchLock) -> None:
        alternatives = lock.alternatives()
        if not alternatives:
            self.line("No package is locked with alternatives.")
            return
        self.line("<b>Locked alternatives</> (poetry.lock):")
        for name, entries in alternatives.items():
            self.line(f"  <c1>{name}</>")
            for entry in entries:
                self.line(
                    f"    {entry.version:<10} {entry.origin}\n"
                    f"    {'':<10} markers: {entry.marker_text()}"
                )

    def _show_selection(
        self, lock: MultiarchLock, label: str, environment: Mapping[str, Any]
    ) -> None:
        selected = select_for_environment(lock, environment, self._groups(lock))
        self.line("")
        self.line(f"<b>{label}</> installs:")
        for name in lock.alternatives():
            entry = selected.get(name)
            if entry is None:
                self.line(f"  <c1>{name}</>: no alternative applies")
            else:
                self.line(f"  <c1>{name}</> {entry.version} from {entry.origin}")

    @staticmethod
    def _groups(lock: MultiarchLock) -> tuple[str, ...]:
        return tuple(sorted({g for p in lock.packages for g in p.groups}))
