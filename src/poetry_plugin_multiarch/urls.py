"""URL helpers: credentials never leave the process in text we print or write."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]


def redact_url(url: str) -> str:
    """Return *url* without ``user:password@``.

    >>> redact_url("https://user:secret@host.example/simple/")
    'https://host.example/simple/'
    >>> redact_url("/local/path/pkg.whl")
    '/local/path/pkg.whl'
    """
    parts = urlsplit(url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))
