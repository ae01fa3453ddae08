"""Differences between the Poetry releases the plugin supports (2.0 – 2.5), in one place.

Other modules branch on these named flags, never on version strings. Private Poetry
attributes the adapter relies on are the same in every supported release; the tests
run against each of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import version

from packaging.version import Version

__all__ = ["PoetryFeatures", "poetry_features"]


@dataclass(frozen=True, kw_only=True, slots=True)
class PoetryFeatures:
    version: Version
    #: ``installer.re-resolve`` defaults to true (2.0 – 2.2) or false (2.3+)
    re_resolve_default: bool
    #: repository files carry ``url`` and ``size`` (2.3+)
    files_carry_urls: bool


@functools.cache
def poetry_features() -> PoetryFeatures:
    """The features of the Poetry this process runs in."""
    current = Version(version("poetry"))
    modern = current >= Version("2.3")
    return PoetryFeatures(version=current, re_resolve_default=not modern, files_carry_urls=modern)
