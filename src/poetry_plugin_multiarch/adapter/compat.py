"""Differences between the Poetry releases the plugin supports (2.0 – 2.5), in one place.

Other modules branch on these named flags, never on version strings. Private Poetry
attributes the adapter relies on are the same in every supported release; the tests
run against each of them.
"""

from __future__ import annotations

import functools
import json
import platform
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import packaging
import packaging.tags
from packaging.tags import Tag, compatible_tags, cpython_tags, generic_tags
from packaging.version import Version
from poetry.installation.chooser import Chooser
from poetry.repositories import Repository

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cleo.io.io import IO
    from poetry.core.packages.package import Package
    from poetry.core.packages.utils.link import Link
    from poetry.utils.env import Env

__all__ = [
    "LinkHookChooser",
    "PoetryFeatures",
    "poetry_features",
    "rank_supported_tags",
    "use_venv_platform_tags",
    "venv_scheme",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class PoetryFeatures:
    version: Version
    #: ``installer.re-resolve`` defaults to true (2.0 – 2.2) or false (2.3+)
    re_resolve_default: bool
    #: repository files carry ``url`` and ``size`` (2.3+)
    files_carry_urls: bool
    #: a venv of another platform (an emulated aarch64 Python) gets that platform's
    #: tags, not those of the Python Poetry runs on (2.1.3+)
    venv_platform_tags: bool


@functools.cache
def poetry_features() -> PoetryFeatures:
    """The features of the Poetry this process runs in."""
    current = Version(version("poetry"))
    modern = current >= Version("2.3")
    return PoetryFeatures(
        version=current,
        re_resolve_default=not modern,
        files_carry_urls=modern,
        venv_platform_tags=current >= Version("2.1.3"),
    )


#: Run by the venv's interpreter: packaging's platform tags, from Poetry's packaging.
_PLATFORM_TAGS = f"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("packaging", {packaging.__file__!r})
sys.modules["packaging"] = importlib.util.module_from_spec(spec)
spec = importlib.util.spec_from_file_location("packaging.tags", {packaging.tags.__file__!r})
tags = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tags)
print(json.dumps(list(tags.platform_tags())))
"""


def use_venv_platform_tags(env: Env, io: IO) -> None:
    """Before 2.1.3 Poetry gives a venv the platform tags of its own Python: an x86_64
    Poetry installing into an aarch64 venv (emulated, or Rosetta on macOS) would pick
    x86_64 wheels. Ask the venv's interpreter, as Poetry 2.1.3+ does."""
    if poetry_features().venv_platform_tags or not env.is_venv():
        return
    marker_env = env.marker_env
    # `sysconfig_platform` is in Poetry's marker environment from 2.1.3 on only
    if marker_env["platform_machine"] == platform.machine():
        return
    platforms = json.loads(env.run_python_script(_PLATFORM_TAGS))
    python = env.version_info[:3]
    name = marker_env["interpreter_name"]
    interpreter = f"cp{marker_env['interpreter_version']}" if name == "cp" else None
    env._supported_tags = [  # type: ignore[attr-defined, unused-ignore]  # Env.supported_tags reads it
        *(
            cpython_tags(python, platforms=platforms)
            if name == "cp"
            else generic_tags(platforms=platforms)
        ),
        *compatible_tags(python, interpreter=interpreter, platforms=platforms),
    ]
    if io.is_verbose():
        io.write_line(
            f"<debug>multiarch: the venv's Python is {marker_env['platform_machine']}:"
            " installing wheels for its platform tags</debug>"
        )


class _RankedTags(list[Tag]):
    """An environment's supported tags, still the list Poetry keeps, that find a tag's
    rank in a dict: Poetry's chooser asks ``tag in tags`` and ``tags.index(tag)`` for
    every tag of every wheel a package locks, each a scan of about a thousand tags."""

    def __init__(self, tags: Sequence[Tag]) -> None:
        super().__init__(tags)
        self._rank: dict[Tag, int] = {}
        for rank, tag in enumerate(tags):
            self._rank.setdefault(tag, rank)

    def __contains__(self, tag: object) -> bool:
        return tag in self._rank

    def index(self, tag: Tag, *bounds: Any) -> int:
        rank = self._rank.get(tag)
        if rank is None or bounds:
            return super().index(tag, *bounds)
        return rank


def rank_supported_tags(env: Env) -> None:
    """Give *env* supported tags that rank a tag without a scan (the same tags, in
    the same order). Idempotent."""
    tags = env.supported_tags
    if not isinstance(tags, _RankedTags):
        env._supported_tags = _RankedTags(tags)  # type: ignore[attr-defined, unused-ignore]  # Env.supported_tags reads it


def venv_scheme(env: Env) -> dict[str, str]:
    """The venv's install scheme (``purelib``, ``platlib``, ``scripts``, ``data``,
    ``include``…) as Poetry's wheel installer reads it: ``Env.paths`` before 2.3,
    ``Env.scheme_dict`` (the same, for the venv's interpreter) from 2.3 on; the paths
    only (2.3 and 2.4 keep other values, such as lists, in it too)."""
    scheme = getattr(env, "scheme_dict", None)
    paths = scheme if scheme is not None else env.paths
    return {key: value for key, value in paths.items() if isinstance(value, str)}


class LinkHookChooser(Chooser):
    """Poetry's own ``Chooser`` with one hook every release calls: :meth:`links_instead`.

    Poetry 2.0 – 2.4 read a package's links in ``_get_links`` (links without a hash pass,
    the archive's hash is checked after download); 2.5+ read them from the repository
    ``_get_repository`` returns and, for a link without a hash, have that repository (an
    ``HTTPRepository``) compute it. Without a hook's links, Poetry's own path runs
    unchanged, with the pool's real repositories.
    """

    def links_instead(self, package: Package) -> list[Link] | None:
        """Links to choose among instead of the source's, or ``None`` to ask the source."""
        return None

    def choose_for(self, package: Package) -> Link:
        """Poetry's choice, made once per package object: the plugin's prefetch and
        Poetry's executor both ask, and each choice ranks every wheel by tag."""
        chosen: dict[int, tuple[Package, Link]] = self.__dict__.setdefault("_multiarch_chosen", {})
        known = chosen.get(id(package))
        if known is not None and known[0] is package:
            return known[1]
        link = super().choose_for(package)
        chosen[id(package)] = (package, link)
        return link

    def _get_links(self, package: Package) -> list[Link]:  # Poetry 2.0 - 2.4
        links = self.links_instead(package)
        if links is None:
            return super()._get_links(package)  # type: ignore[misc, unused-ignore]  # 2.0 - 2.4 only
        return links

    def _get_repository(self, package: Package) -> Repository:  # Poetry 2.5+
        links = self.links_instead(package)
        if links is None:
            return super()._get_repository(package)  # type: ignore[misc, unused-ignore]  # 2.5+ only
        return _GivenLinks(package.source_reference or "poetry.lock", links)


class _GivenLinks(Repository):
    """What ``Chooser._get_repository`` returns for hook links: a repository serving
    them. Each carries the lock's hash, so the chooser never needs to compute one."""

    def __init__(self, name: str, links: list[Link]) -> None:
        super().__init__(name)
        self._links = links

    def find_links_for_package(self, package: Package) -> list[Link]:
        return list(self._links)
