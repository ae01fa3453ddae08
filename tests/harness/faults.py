"""Faults an :class:`~tests.harness.index.IndexServer` injects for a path.

What a flaky, slow or hostile server does, on the real loopback server: set
``server.failures[path] = Drip(rate=1)`` (or :class:`Status`, :class:`Truncate`,
:class:`Redirect`). A fault with ``times=N`` applies to the first N requests of its
path, then the path is served normally (a server that recovers).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

__all__ = ["Drip", "Fault", "Redirect", "Status", "Truncate"]


@dataclass(kw_only=True)
class Fault:
    #: how many requests of the path get the fault; ``None``: every one
    times: int | None = None

    def take(self) -> bool:
        """Whether this request gets the fault (call under the server's lock)."""
        if self.times is None:
            return True
        if self.times <= 0:
            return False
        self.times -= 1
        return True

    def respond(
        self, handler: BaseHTTPRequestHandler, body: bytes, ctype: str, stopped: threading.Event
    ) -> None:
        raise NotImplementedError


@dataclass
class Status(Fault):
    """Answer with this HTTP status and no body."""

    code: int

    def respond(
        self, handler: BaseHTTPRequestHandler, body: bytes, ctype: str, stopped: threading.Event
    ) -> None:
        handler.send_response(self.code)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


@dataclass
class Truncate(Fault):
    """Announce the whole body, send *after* bytes (default: half) and close."""

    after: int | None = None

    def respond(
        self, handler: BaseHTTPRequestHandler, body: bytes, ctype: str, stopped: threading.Event
    ) -> None:
        _headers(handler, body, ctype)
        if handler.command != "HEAD":
            handler.wfile.write(body[: len(body) // 2 if self.after is None else self.after])
        handler.close_connection = True


@dataclass
class Drip(Fault):
    """Announce the whole body, then send *rate* bytes a second (until the client
    hangs up or the server stops)."""

    rate: int = 1

    def respond(
        self, handler: BaseHTTPRequestHandler, body: bytes, ctype: str, stopped: threading.Event
    ) -> None:
        _headers(handler, body, ctype)
        handler.close_connection = True
        if handler.command == "HEAD":
            return
        for start in range(0, len(body), self.rate):
            try:
                handler.wfile.write(body[start : start + self.rate])
                handler.wfile.flush()
            except OSError:  # the client gave up
                return
            if stopped.wait(1):  # the pace of the drip, not synchronisation
                return


@dataclass
class Redirect(Fault):
    """Answer ``302 Found`` to the same path on another server (*to*: its base URL)."""

    to: str

    def respond(
        self, handler: BaseHTTPRequestHandler, body: bytes, ctype: str, stopped: threading.Event
    ) -> None:
        handler.send_response(302)
        handler.send_header("Location", self.to.rstrip("/") + handler.path)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


def _headers(handler: BaseHTTPRequestHandler, body: bytes, ctype: str) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
