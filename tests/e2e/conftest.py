"""Fixtures of the end-to-end tests that several modules use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.index import IndexServer

USER, PASSWORD = "alice", "s3cr3t-pw"


def with_userinfo(url: str) -> str:
    """*url* with the user and password :func:`auth_index` demands, as a user writes
    them into a source URL."""
    return url.replace("http://", f"http://{USER}:{PASSWORD}@")


@pytest.fixture
def auth_index(tmp_path: Path) -> Iterator[IndexServer]:
    """An index that demands HTTP basic auth (:data:`USER`, :data:`PASSWORD`)."""
    server = IndexServer(tmp_path / "auth-index", auth=(USER, PASSWORD)).start()
    try:
        yield server
    finally:
        server.stop()
