"""Describe a dependency alternative the way the user wrote it in pyproject.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poetry_plugin_multiarch.urls import redact_url

if TYPE_CHECKING:
    from poetry.core.packages.dependency import Dependency
    from poetry.core.version.markers import BaseMarker

__all__ = ["describe_alternative"]


def describe_alternative(dependency: Dependency, marker: BaseMarker | None = None) -> str:
    """An inline table such as ``{ url = "…", markers = 'platform_machine == "aarch64"' }``.

    *marker* replaces the dependency's own marker (to show a suggested rewrite).
    URLs lose any ``user:password@``.
    """
    fields: list[tuple[str, str]] = []
    if dependency.is_vcs():
        fields.append(("git", redact_url(dependency.source_url or "")))
        for key in ("branch", "tag", "rev"):
            value = getattr(dependency, key, None)
            if value:
                fields.append((key, value))
    elif dependency.is_url():
        fields.append(("url", redact_url(dependency.source_url or "")))
    elif dependency.is_file() or dependency.is_directory():
        fields.append(("path", dependency.path.as_posix()))  # type: ignore[attr-defined]
    else:
        fields.append(("version", dependency.pretty_constraint))
        if dependency.source_name:
            fields.append(("source", dependency.source_name))
    shown = dependency.marker if marker is None else marker
    text = ", ".join(f'{key} = "{value}"' for key, value in fields)
    if not shown.is_any():
        text += f", markers = '{shown}'"
    return "{ " + text + " }"
