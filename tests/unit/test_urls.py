from __future__ import annotations

import pytest

from poetry_plugin_multiarch.urls import redact_url


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
