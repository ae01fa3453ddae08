"""URL helpers: credentials never leave the process in text we print or write."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_text", "redact_url", "source_identity"]


def redact_url(url: str) -> str:
    """Return *url* without credentials.

    HTTP(S) user info is dropped whole (a lone user name there is usually a token);
    for other schemes only a password goes, so ``git+ssh://git@host`` keeps its user.

    >>> redact_url("https://user:secret@host.example/simple/")
    'https://host.example/simple/'
    >>> redact_url("git+ssh://git:pw@github.com/o/r.git")
    'git+ssh://git@github.com/o/r.git'
    >>> redact_url("/local/path/pkg.whl")
    '/local/path/pkg.whl'
    """
    parts = urlsplit(url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    if parts.scheme.rpartition("+")[2] not in ("http", "https"):
        user = userinfo.partition(":")[0]
        host = f"{user}@{host}" if user else host
    return urlunsplit(parts._replace(netloc=host))


_USERINFO = re.compile(r"(?<=://)[^/\s@]+@")


def redact_text(text: str) -> str:
    """Remove the user info of every URL in *text* (error messages quote URLs).

    >>> redact_text("404 for url: https://u:p@host.example/x.whl (retried)")
    '404 for url: https://host.example/x.whl (retried)'
    """
    return _USERINFO.sub("", text)


def source_identity(url: str) -> str:
    """What a source's cached data is bound to: its URL as configured now, without
    credentials (they must not reach the cache), scheme and host lower-cased and without
    a trailing slash. Two sources of one name on other hosts differ; the same source
    written with or without ``/`` at the end, or with other credentials, does not.

    >>> source_identity("https://u:pw@Pkgs.Example.org/simple/")
    'https://pkgs.example.org/simple'
    >>> source_identity("http://127.0.0.2:8080/private/simple")
    'http://127.0.0.2:8080/private/simple'
    """
    parts = urlsplit(redact_url(url))
    return urlunsplit(
        parts._replace(
            scheme=parts.scheme.lower(), netloc=parts.netloc.lower(), path=parts.path.rstrip("/")
        )
    )
