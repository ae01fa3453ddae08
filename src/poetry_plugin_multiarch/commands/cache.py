"""``poetry multiarch cache clear``: delete the unpacked-wheel cache.

Poetry's ``poetry cache clear`` clears a repository's cache; the unpacked wheels live
beside Poetry's artifact cache (``<cache-dir>/multiarch/unpacked-wheels``) and are
cleared here. The next install unpacks what it needs again from the artifact cache.
"""

from __future__ import annotations

from typing import ClassVar

from cleo.helpers import option
from poetry.console.commands.command import Command

__all__ = ["MultiarchCacheClearCommand"]


class MultiarchCacheClearCommand(Command):
    name = "multiarch cache clear"
    description = "Delete the unpacked-wheel cache that installs link from."
    options: ClassVar = [
        option("dry-run", None, "Say what would be deleted, delete nothing."),
    ]

    def handle(self) -> int:
        from poetry.config.config import Config

        from poetry_plugin_multiarch.adapter.cached_wheels import (
            clear_unpacked_wheels,
            count_unpacked_wheels,
            unpacked_wheels_dir,
        )

        config = Config.create()
        root = unpacked_wheels_dir(config)
        if self.option("dry-run"):
            count = count_unpacked_wheels(root)
            self.line(f"Would delete {count} unpacked wheels in {root}.")
            return 0
        root, count = clear_unpacked_wheels(config)
        self.line(f"Deleted {count} unpacked wheels in {root}.")
        return 0
