"""Registration with Poetry: wiring only, the work lives in ``adapter`` and the core.

Poetry loads plugins before every command, ``--version`` and ``list`` included, so
this module imports nothing heavy: the resolver and installer hooks are imported in
the listeners, for the commands that use them, and each of the plugin's commands
(with the analysis core behind it) when it is made.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from cleo.events.console_command_event import ConsoleCommandEvent
from cleo.events.console_error_event import ConsoleErrorEvent
from cleo.events.console_events import COMMAND, ERROR
from poetry.plugins.application_plugin import ApplicationPlugin
from poetry.plugins.plugin import Plugin

from poetry_plugin_multiarch.adapter.console import as_user_error
from poetry_plugin_multiarch.adapter.project import direct_dependencies, load_config
from poetry_plugin_multiarch.errors import MultiarchError

if TYPE_CHECKING:
    from cleo.events.event import Event
    from cleo.events.event_dispatcher import EventDispatcher
    from cleo.io.io import IO
    from poetry.console.application import Application
    from poetry.console.commands.command import Command
    from poetry.poetry import Poetry

__all__ = ["MultiarchApplicationPlugin", "MultiarchPlugin"]


#: The plugin's commands by name: the module and class of each, imported when the
#: command is made. None of them solves or installs: they need neither hook.
_COMMANDS: dict[str, tuple[str, str]] = {
    "multiarch": ("poetry_plugin_multiarch.commands.multiarch", "MultiarchCommand"),
    "multiarch show": ("poetry_plugin_multiarch.commands.multiarch", "MultiarchShowCommand"),
    "multiarch check": ("poetry_plugin_multiarch.commands.check", "MultiarchCheckCommand"),
    "multiarch export": ("poetry_plugin_multiarch.commands.export", "MultiarchExportCommand"),
    "multiarch download": ("poetry_plugin_multiarch.commands.export", "MultiarchDownloadCommand"),
    "multiarch cache clear": (
        "poetry_plugin_multiarch.commands.cache",
        "MultiarchCacheClearCommand",
    ),
}


def _command_class(name: str) -> type[Command]:
    module, cls = _COMMANDS[name]
    command: type[Command] = getattr(importlib.import_module(module), cls)
    return command


class _LazyCommand:
    """The factory cleo's command loader calls to make the command *name*."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self) -> Command:
        return _command_class(self.name)()


class MultiarchApplicationPlugin(ApplicationPlugin):
    """Adds the ``multiarch`` commands and makes every solve keep all alternatives."""

    @property
    def commands(self) -> list[type[Command]]:
        return [_command_class(name) for name in _COMMANDS]

    def activate(self, application: Application) -> None:
        # what ApplicationPlugin.activate does with self.commands, without importing them
        for name in _COMMANDS:
            application.command_loader.register_factory(name, _LazyCommand(name))
        dispatcher = application.event_dispatcher
        if dispatcher is not None:
            dispatcher.add_listener(ERROR, show_multiarch_error)
            # Priority 0, added after Poetry's own listeners: the installer exists.
            dispatcher.add_listener(COMMAND, install_strictly_from_lock)


class MultiarchPlugin(Plugin):
    """Runs whenever Poetry loads a project (also after ``add``/``remove`` reload it):
    checks ``[tool.poetry-plugin-multiarch]``, binds the index sources' release caches
    to their URLs and installs the URL-recording locker."""

    def activate(self, poetry: Poetry, io: IO) -> None:
        from poetry_plugin_multiarch.adapter.locker import MultiarchLocker
        from poetry_plugin_multiarch.adapter.release_cache import bind_release_caches
        from poetry_plugin_multiarch.adapter.steering import steer_by

        config = load_config(poetry)
        # the targets steer every solve of this project's dependencies
        steer_by(config)
        # the lock's URLs come from the sources as configured now, never a cache of
        # another host under the same source name
        bind_release_caches(poetry.pool)
        locker = poetry.locker
        if not isinstance(locker, MultiarchLocker):
            poetry.set_locker(
                MultiarchLocker(
                    locker.lock,
                    poetry.pyproject.data,
                    poetry.pool,
                    config=config,
                    direct=direct_dependencies(poetry),
                    io=io,
                )
            )


def install_strictly_from_lock(event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
    """Before a command runs: every solve keeps all alternatives, and the installer
    of install/sync/add/update/remove installs from the lock only (``self`` excepted)."""
    assert isinstance(event, ConsoleCommandEvent)  # registered for COMMAND only
    command = event.command
    if command.name in _COMMANDS:
        return
    from poetry_plugin_multiarch.adapter.provider import install_provider

    install_provider()
    installer = getattr(command, "_installer", None)
    if installer is None or (command.name or "").startswith("self "):
        return
    from poetry_plugin_multiarch.adapter.installer import make_strict

    # a command with an installer is one of Poetry's, which have .poetry
    make_strict(installer, event.io, load_config(command.poetry))  # type: ignore[attr-defined]


def show_multiarch_error(event: Event, event_name: str, dispatcher: EventDispatcher) -> None:
    """Render our errors as user errors: no traceback, even with ``-v``."""
    assert isinstance(event, ConsoleErrorEvent)  # registered for ERROR only
    error = event.error
    if not isinstance(error, MultiarchError):
        return
    event.set_error(as_user_error(error))
    event.set_exit_code(1)
