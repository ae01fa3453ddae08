"""What target environments install, as a pip ``requirements.txt`` with hashes.

Each line pins one locked entry with the hash of the file a target installs from,
so ``pip install --require-hashes`` installs exactly the lock's files. With several
environments, a line carries the marker of the environments that install it.

Two layouts: by URL (``name @ https://…``: pip fetches exactly that file, no index
page), or for a download directory (``name==version`` with ``--no-index
--find-links .``: pip takes the files next to the requirements file).
"""

from __future__ import annotations

import os.path
from collections.abc import Iterable

from poetry_plugin_multiarch.install_plan import (
    ArtifactKind,
    PlannedPackage,
    Plans,
    installed_where,
    missing_urls_error,
)
from poetry_plugin_multiarch.lockmodel import LockedPackage
from poetry_plugin_multiarch.targets import TargetEnvironment
from poetry_plugin_multiarch.urls import redact_url

__all__ = ["requirements_txt"]

#: archives pip finds in a ``--find-links`` directory by name
_FINDABLE = (".whl", ".tar.gz", ".zip")


def requirements_txt(
    plans: Plans,
    *,
    local_files: bool = False,
    header: Iterable[str] = (),
    project_dir: str = ".",
) -> str:
    """The requirements of *plans* (what each environment installs).

    *local_files*: the files lie next to the requirements file (``download``).

    :raises ExportError: a file the lock records no URL for (stock Poetry's lock).
    """
    lines: dict[tuple[str, ...], tuple[PlannedPackage, list[TargetEnvironment], list[str]]] = {}
    missing = []
    for environment, planned in plans:
        for item in planned:
            key, spec = _requirement(item, local_files, project_dir)
            if spec is None:
                missing.append(f"{item.package.name} {item.package.version}")
                continue
            _, environments, hashes = lines.setdefault(key, (item, [], []))
            environments.append(environment)
            if item.file is not None and item.file.hash not in hashes:
                hashes.append(item.file.hash)
    if missing:
        raise missing_urls_error(missing)
    out = [f"# {line}" if line else "#" for line in header]
    if local_files:
        out += ["--no-index", "--find-links ."]
    for _key, (item, environments, hashes) in sorted(lines.items()):
        requirement = _requirement(item, local_files, project_dir)[1] or ""
        if where := installed_where(environments, plans):
            requirement += f" ; {where}"
        out.append(" \\\n    ".join([requirement, *(f"--hash={h}" for h in sorted(hashes))]))
    return "\n".join(out) + "\n"


def _requirement(
    item: PlannedPackage, local_files: bool, project_dir: str
) -> tuple[tuple[str, ...], str | None]:
    """A key grouping the lines that install the same thing, and the requirement."""
    package: LockedPackage = item.package
    source = package.source
    if item.kind is ArtifactKind.VCS and source is not None:
        commit = source.resolved_reference or source.reference or ""
        url = f"git+{redact_url(source.url)}@{commit}"
        if source.subdirectory:
            url += f"#subdirectory={source.subdirectory}"
        return (package.name, url), f"{package.name} @ {url}"
    if item.kind is ArtifactKind.DIRECTORY and source is not None:
        path = os.path.join(project_dir, source.url)
        return (package.name, path), f"{package.name} @ file://{os.path.abspath(path)}"
    name = item.file.name if item.file else ""
    if local_files and name.endswith(_FINDABLE):
        return (package.name, package.version), f"{package.name}=={package.version}"
    location = item.location
    if location is None:
        return (package.name, name), None
    if source is not None and source.type == "file":
        location = "file://" + os.path.abspath(os.path.join(project_dir, location))
    url = redact_url(location)
    return (package.name, url), f"{package.name} @ {url}"
