"""Registration with Poetry: wiring only, the work lives in ``adapter`` and the core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleo.events.console_events import ERROR
from cleo.exceptions import CleoUserError
from cleo.formatters.formatter import Formatter
from poetry.plugins.application_plugin import ApplicationPlugin
from poetry.plugins.plugin import Plugin

from poetry_plugin_multiarch.adapter.locker import MultiarchLocker
from poetry_plugin_multiarch.adapter.provider import install_provider
from poetry_plugin_multiarch.commands.multiarch import (
    MultiarchCommand,
    MultiarchShowCommand,
)
from poetry_plugin_multiarch.config import parse_config
from poetry_plugin_multiarch.errors import MultiarchError

if TYPE_CHECKING:
    from cleo.events.console_error_event import ConsoleErrorEvent
    from cleo.events.event_dispatcher import EventDispatcher
    from cleo.io.io import IO
    from poetry.console.application import Application
    from poetry.console.commands.command import Command
    from poetry.poetry import Poetry

__all__ = ["MultiarchApplicationPlugin", "MultiarchPlugin"]


class MultiarchUserError(CleoUserError):
    """A :class:`MultiarchError` as cleo shows user errors: message, never a trace."""


class MultiarchApplicationPlugin(ApplicationPlugin):
    """Adds the ``multiarch`` commands and makes every solve keep all alternatives."""

    @property
    def commands(self) -> list[type[Command]]:
        return [MultiarchCommand, MultiarchShowCommand]

    def activate(self, application: Application) -> None:
        install_provider()
        super().activate(application)
        dispatcher = application.event_dispatcher
        if dispatcher is not None:
            dispatcher.add_listener(ERROR, show_multiarch_error)


class MultiarchPlugin(Plugin):
    """Runs whenever Poetry loads a project (also after ``add``/``remove`` reload it):
    checks ``[tool.poetry-plugin-multiarch]`` and installs the URL-recording locker."""

    def activate(self, poetry: Poetry, io: IO) -> None:
        parse_config(poetry.pyproject.data)
        locker = poetry.locker
        if not isinstance(locker, MultiarchLocker):
            poetry.set_locker(MultiarchLocker(locker.lock, poetry.pyproject.data, poetry.pool))


def show_multiarch_error(
    event: ConsoleErrorEvent, event_name: str, dispatcher: EventDispatcher
) -> None:
    """Render our errors as user errors: no traceback, even with ``-v``."""
    error = event.error
    if not isinstance(error, MultiarchError):
        return
    text = Formatter.escape(error.message)
    if error.hint:
        text += f"\n\n<comment>{Formatter.escape(error.hint)}</comment>"
    event.set_error(MultiarchUserError(text))
    event.set_exit_code(1)
