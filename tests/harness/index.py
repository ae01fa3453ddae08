"""A PEP 503 simple index served on a loopback address (127.0.0.1 unless told), with a
request log.

One server hosts any number of indexes (``/<index>/simple/<project>/``) and plain
file URLs (``/files/<name>``) for URL dependencies. Pages are rendered from what the
test registered, with ``#sha256=`` fragments as real indexes give them. The listen
backlog is large: Poetry downloads in parallel, and ``http.server``'s default of 5
drops connections.
"""

from __future__ import annotations

import base64
import html
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from tests.harness.wheels import sha256_of

__all__ = ["IndexServer", "Request"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str


@dataclass(frozen=True)
class _Listed:
    """A link on an index page whose file does not exist."""

    name: str
    sha256: str


@dataclass
class _Index:
    projects: dict[str, list[Path | _Listed]] = field(default_factory=lambda: defaultdict(list))


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True


class IndexServer:
    """Serves indexes and files; every request is appended to :attr:`requests`."""

    def __init__(
        self,
        root: Path,
        *,
        auth: tuple[str, str] | None = None,
        hashes: bool = True,
        host: str = "127.0.0.1",
    ) -> None:
        """*auth*: demand this HTTP basic user and password on every request;
        *hashes*: put ``#sha256=`` fragments on links (real indexes may not);
        *host*: the loopback address to bind (``127.0.0.2``: "another host")."""
        self.root = root
        self.auth = auth
        self.hashes = hashes
        self.files = root / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.requests: list[Request] = []
        #: path -> HTTP status to answer instead, or "truncate" to cut the body short
        self.failures: dict[str, int | str] = {}
        self._indexes: dict[str, _Index] = defaultdict(_Index)
        self._lock = threading.Lock()
        self._httpd = _Server((host, 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> IndexServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- content ---------------------------------------------------------------
    def index_url(self, index: str = "main") -> str:
        return f"{self.url}/{index}/simple/"

    def publish(self, artifact: Path, index: str = "main") -> str:
        """List *artifact* on *index*; return its download URL."""
        stored = self.host(artifact)
        project = canonicalize_name(_project_of(artifact.name))
        listed = self._indexes[index].projects[project]
        if stored not in listed:
            listed.append(stored)
        return self.file_url(stored.name)

    def list_only(self, filename: str, sha256: str, index: str = "main") -> None:
        """List a link to *filename* that is never served (a release nobody fetches)."""
        project = canonicalize_name(_project_of(filename))
        self._indexes[index].projects[project].append(_Listed(filename, sha256))

    def host(self, artifact: Path) -> Path:
        """Serve *artifact* under ``/files/`` without listing it on any index."""
        stored = self.files / artifact.name
        if stored != artifact:
            stored.write_bytes(artifact.read_bytes())
        return stored

    def file_url(self, filename: str) -> str:
        return f"{self.url}/files/{filename}"

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    # -- serving ---------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def do_GET(self) -> None:
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                path = unquote(urlsplit(self.path).path)
                with server._lock:
                    server.requests.append(Request(self.command, path))
                if server.auth and self.headers.get("Authorization") != server._basic():
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="index"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body, ctype = server._render(path)
                failure = server.failures.get(path)
                if isinstance(failure, int):
                    self.send_response(failure)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if failure == "truncate" and body:
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        return Handler

    def _basic(self) -> str:
        assert self.auth
        token = base64.b64encode(":".join(self.auth).encode()).decode()
        return f"Basic {token}"

    def _render(self, path: str) -> tuple[bytes | None, str]:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "files":
            file = self.files / parts[1]
            if file.is_file():
                return file.read_bytes(), "application/octet-stream"
            return None, ""
        if len(parts) >= 2 and parts[1] == "simple" and parts[0] in self._indexes:
            index = self._indexes[parts[0]]
            if len(parts) == 2:
                links = [f'<a href="{p}/">{p}</a>' for p in sorted(index.projects)]
                return _page("Simple index", links), "text/html"
            project = canonicalize_name(parts[2])
            if len(parts) == 3 and project in index.projects:
                links = [
                    f'<a href="/files/{html.escape(f.name)}'
                    f'{"#sha256=" + _sha256(f) if self.hashes else ""}">'
                    f"{html.escape(f.name)}</a>"
                    for f in sorted(index.projects[project], key=lambda f: f.name)
                ]
                return _page(f"Links for {project}", links), "text/html"
        return None, ""


def _sha256(file: Path | _Listed) -> str:
    return file.sha256 if isinstance(file, _Listed) else sha256_of(file)


def _page(title: str, links: list[str]) -> bytes:
    body = "<br/>\n".join(links)
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head>"
        f"<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    ).encode()


def _project_of(filename: str) -> str:
    if filename.endswith(".whl"):
        return filename.split("-")[0]
    return filename.rsplit("-", 1)[0]
