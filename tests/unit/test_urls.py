from __future__ import annotations

import pytest

from poetry_plugin_multiarch.urls import redact_url, source_identity


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pw@host.example:8443/simple/", "https://host.example:8443/simple/"),
        ("https://token@host.example/x.whl", "https://host.example/x.whl"),
        ("https://host.example/x.whl", "https://host.example/x.whl"),
        ("git+https://tok@github.com/o/r.git", "git+https://github.com/o/r.git"),
        ("git+ssh://git@github.com/o/r.git", "git+ssh://git@github.com/o/r.git"),
        ("git+ssh://git:pw@github.com/o/r.git", "git+ssh://git@github.com/o/r.git"),
        ("../wheels/x.whl", "../wheels/x.whl"),
    ],
)
def test_credentials_are_removed(url, shown) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://host.example/simple/", "https://host.example/simple", True),
        ("https://u:pw@HOST.example/simple", "https://host.example/simple/", True),
        ("http://127.0.0.1:8080/private/simple", "http://127.0.0.2:8080/private/simple", False),
        ("https://host.example/a/simple", "https://host.example/b/simple", False),
        ("https://host.example/simple", "http://host.example/simple", False),
    ],
)
def test_source_identity_tells_sources_apart_by_url_not_credentials(a, b, same) -> None:
    assert (source_identity(a) == source_identity(b)) is same
    assert "pw" not in source_identity(a)
