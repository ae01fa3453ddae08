"""Registration with Poetry: wiring only, the work lives in ``adapter`` and the core.

Poetry loads plugins before every command, ``--version`` and ``list`` included, so
this module imports nothing heavy: the resolver and installer hooks are imported in
the listeners, for the commands that use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cleo.events.console_command_event import ConsoleCommandEvent
from cleo.events.console_error_event import ConsoleErrorEvent
from cleo.events.console_events import COMMAND, ERROR
from poetry.plugins.application_plugin import ApplicationPlugin
from poetry.plugins.plugin import Plugin

from poetry_plugin_multiarch.adapter.console import as_user_error
from poetry_plugin_multiarch.adapter.project import direct_dependencies, load_config
from poetry_plugin_multiarch.commands.cache import MultiarchCacheClearCommand
from poetry_plugin_multiarch.commands.check import MultiarchCheckCommand
from poetry_plugin_multiarch.commands.export import (
    MultiarchDownloadCommand,
    MultiarchExportCommand,
)
from poetry_plugin_multiarch.commands.multiarch import (
    MultiarchCommand,
    MultiarchShowCommand,
)
from poetry_plugin_multiarch.errors import MultiarchError

if TYPE_CHECKING:
    from cleo.events.event import Event
    from cleo.events.event_dispatcher import EventDispatcher
    from cleo.io.io import IO
    from poetry.console.application import Application
    from poetry.console.commands.command import Command
    from poetry.poetry import Poetry

__all__ = ["MultiarchApplicationPlugin", "MultiarchPlugin"]


#: The plugin's commands. None of them solves or installs: they need neither hook.
_COMMANDS: tuple[type[Command], ...] = (
    MultiarchCommand,
    MultiarchShowCommand,
    MultiarchCheckCommand,
    MultiarchExportCommand,
    MultiarchDownloadCommand,
    MultiarchCacheClearCommand,
)


class MultiarchApplicationPlugin(ApplicationPlugin):
    """Adds the ``multiarch`` commands and makes every solve keep all alternatives."""

    @property
    def commands(self) -> list[type[Command]]:
        return list(_COMMANDS)

    def activate(self, application: Application) -> None:
        super().activate(application)
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
    if isinstance(command, _COMMANDS):
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
