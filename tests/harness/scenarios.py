"""The seed scenario of python-poetry/poetry#5205 on a loopback index.

jaxlib 0.1.71 has wheels for x86_64 (Linux and macOS) on the index; its aarch64 wheel
lives at a plain URL; jax depends on jaxlib; numpy has wheels
for both machines. Wheels are ``py3-none-<platform>`` so the
scenario works on any CPython the tests run on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.harness.index import IndexServer
from tests.harness.project import alternatives
from tests.harness.wheels import build_wheel

__all__ = ["ON_AARCH64", "ON_X86_64", "Seed", "publish_seed", "seed_dependencies"]

X86 = "py3-none-manylinux2014_x86_64"
AARCH64 = "py3-none-manylinux2014_aarch64"
MAC_X86 = "py3-none-macosx_10_9_x86_64"

ON_X86_64 = "platform_machine == 'x86_64'"
ON_AARCH64 = "platform_machine == 'aarch64'"


@dataclass(frozen=True)
class Seed:
    index_url: str
    aarch64_url: str
    aarch64_file: Path


def publish_seed(server: IndexServer, work: Path) -> Seed:
    dist = work / "dist"
    for tag in (X86, MAC_X86):
        server.publish(build_wheel(dist, "jaxlib", "0.1.71", tag))
    server.publish(build_wheel(dist, "jax", "0.2.20", requires=["jaxlib>=0.1.69"]))
    for tag in (X86, AARCH64, MAC_X86):
        server.publish(build_wheel(dist, "numpy", "1.26.4", tag))
    aarch64 = build_wheel(work / "hosted", "jaxlib", "0.1.71", AARCH64)
    server.host(aarch64)
    return Seed(
        index_url=server.index_url(),
        aarch64_url=server.file_url(aarch64.name),
        aarch64_file=aarch64,
    )


def seed_dependencies(
    seed: Seed, *, jax: bool = True, index_markers: str = ON_X86_64, url: str | None = None
) -> str:
    """The seed's dependencies: jax (unless *jax* is false) and jaxlib as the aarch64
    URL wheel (or *url*) first, then the index release for *index_markers*."""
    return ('jax = "0.2.20"\n' if jax else "") + alternatives(
        "jaxlib",
        {"url": url or seed.aarch64_url, "markers": ON_AARCH64},
        {"version": "0.1.71", "markers": index_markers},
    )
