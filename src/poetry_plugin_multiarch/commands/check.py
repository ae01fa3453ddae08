"""``poetry multiarch check``: the lock gate's analysis on the existing lock."""

from __future__ import annotations

from typing import ClassVar

from cleo.formatters.formatter import Formatter
from cleo.helpers import option
from cleo.io.inputs.option import Option
from poetry.console.commands.command import Command

from poetry_plugin_multiarch.adapter.console import as_user_error
from poetry_plugin_multiarch.adapter.lockfile import read_lock
from poetry_plugin_multiarch.adapter.project import direct_dependencies, load_config
from poetry_plugin_multiarch.coverage import check_coverage
from poetry_plugin_multiarch.errors import ConfigError, MultiarchError
from poetry_plugin_multiarch.report import fix_hints, gap_lines, render_json, render_report

__all__ = ["EXIT_BAD_INPUT", "MultiarchCheckCommand"]

#: exit code for a bad configuration or lock (1 means gaps)
EXIT_BAD_INPUT = 2


class MultiarchCheckCommand(Command):
    name = "multiarch check"
    description = "Check that poetry.lock installs on every declared target environment."
    options: ClassVar[list[Option]] = [
        option("format", "f", "Output format: text or json.", flag=False, default="text"),
    ]

    def handle(self) -> int:
        try:
            return self._check()
        except MultiarchError as error:
            # Cleo exits 1 for any raised error: exit 2 needs a return. Rendered as
            # ``plugin.py`` renders every other error of the plugin.
            if self.application is None:
                raise
            self.application.render_error(as_user_error(error), self.io)
            return EXIT_BAD_INPUT

    def _check(self) -> int:
        """Exit 0 covered, 1 gaps; raises for a bad format, configuration or lock."""
        fmt = self.option("format")
        if fmt not in ("text", "json"):
            raise ConfigError(f"Unknown format {fmt!r}.", "Use --format text or json.")
        config = load_config(self.poetry)
        if not config.targets:
            raise ConfigError(
                "No target environments declared.",
                'Add environments = ["linux-x86_64", "linux-aarch64"] (for example) to'
                " [tool.poetry-plugin-multiarch] in pyproject.toml.",
            )
        lock = read_lock(self.poetry)
        report = check_coverage(
            lock,
            config.target_environments,
            direct_dependencies(self.poetry),
            no_build=config.no_build,
        )
        if fmt == "json":
            self.line(render_json(report))
            return 0 if report.ok else 1
        for line in render_report(report):
            self.line(Formatter.escape(line))
        recorded = lock.plugin_metadata
        if lock.by_plugin and (recorded is None or dict(recorded) != config.recorded()):
            self.line(
                "<warning>The declared targets changed since poetry.lock was written;"
                " run `poetry lock` to check them at lock time too.</>"
            )
        if not report.ok:
            self.line("")
            self.line(Formatter.escape("\n".join(gap_lines(report))))
            hints = "\n".join(fix_hints(report))
            self.line(f"<comment>{Formatter.escape(hints)}</>")
            return 1
        return 0
