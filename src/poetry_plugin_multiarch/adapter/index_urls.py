"""``--allow-index``: the URLs of a lock stock Poetry wrote, read from index pages.

Such a lock names each file and its hash but not where it is. Exports read only the
lock; asked to, they read the index page of each such package's source (as stock
Poetry's install does) and take the URL listed for each locked file name. The lock's
hashes stay the judge of what is downloaded.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from poetry.core.packages.package import Package

from poetry_plugin_multiarch.errors import ExportError

if TYPE_CHECKING:
    from poetry.poetry import Poetry

    from poetry_plugin_multiarch.lockmodel import MultiarchLock

__all__ = ["with_index_urls"]


def with_index_urls(poetry: Poetry, lock: MultiarchLock) -> tuple[MultiarchLock, list[str]]:
    """*lock* with every file URL it lacks taken from its source's index page, and
    the packages whose pages were read (``name version (source)``).

    :raises ExportError: a package's source is not configured in the project.
    """
    read: list[str] = []
    packages = []
    for entry in lock.packages:
        if not entry.lacks_urls():
            packages.append(entry)
            continue
        name = entry.source.reference if entry.source and entry.source.reference else "PyPI"
        if not poetry.pool.has_repository(name):
            raise ExportError(
                f"{entry.name} {entry.version} comes from source {name}, which pyproject.toml"
                " does not configure: its index page cannot be read.",
                "Configure the source, or re-lock with the plugin to record the URLs.",
            )
        repository = poetry.pool.repository(name)
        links = repository.find_links_for_package(Package(entry.name, entry.version))
        urls = {link.filename: link.url_without_fragment for link in links}
        files = tuple(
            f if f.url else dataclasses.replace(f, url=urls.get(f.name)) for f in entry.files
        )
        packages.append(dataclasses.replace(entry, files=files))
        read.append(f"{entry.name} {entry.version} ({name})")
    return dataclasses.replace(lock, packages=tuple(packages)), read
