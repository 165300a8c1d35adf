"""Shared fixtures: a real loopback HTTP server, a real SQLite database, shared test data."""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsdesk.config import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(name: str) -> Path:
    """Path of a data set in ../shared/data; skips the test with a clear reason if missing."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared test data {name!r} not found at {path} (see README.md, Development)")
    return path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Validators: when set they are sent, and a matching conditional GET is answered 304.
    etag: str | None = None
    last_modified: str | None = None
    # Send the body in 64 KiB writes without Content-Length, ending it by closing the connection.
    stream: bool = False

    def not_modified(self, request_headers: dict[str, str]) -> bool:
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            tags = {tag.strip() for tag in if_none_match.split(",")}
            return self.etag is not None and (self.etag in tags or "*" in tags)
        since = request_headers.get("if-modified-since")
        return self.last_modified is not None and since == self.last_modified


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 serving routes registered by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                request_headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.path, request_headers))
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                if route is None:
                    route = Route(b"not found", 404, {"Content-Type": "text/plain"})
                if route.delay:
                    time.sleep(route.delay)
                validators = {"ETag": route.etag, "Last-Modified": route.last_modified}
                if route.not_modified(request_headers):
                    self.send_response(304)
                    for key, value in validators.items():
                        if value is not None:
                            self.send_header(key, value)
                    self.end_headers()
                    return
                self.send_response(route.status)
                headers = dict(route.headers)
                headers.update({k: v for k, v in validators.items() if v is not None})
                for key, value in headers.items():
                    self.send_header(key, value)
                if route.stream:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                body = memoryview(route.body)
                step = 64 * 1024 if route.stream else max(len(body), 1)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for start in range(0, len(body), step):
                        self.wfile.write(body[start : start + step])

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = "text/html; charset=utf-8",
        delay: float = 0.0,
        gzip_body: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        stream: bool = False,
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        hdrs = {"Content-Type": content_type, **(headers or {})}
        if gzip_body:
            data = gzip.compress(data)
            hdrs["Content-Encoding"] = "gzip"
        self.routes[path] = Route(data, status, hdrs, delay, etag, last_modified, stream)
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for tests: a fresh SQLite file, loopback allowed through the SSRF guard."""
    return Settings(
        data_dir=tmp_path,
        allowed_networks=("127.0.0.0/8",),
        timeout=5.0,
        extract_workers=1,
        enrich_workers=1,
        obey_robots=True,
        secret_key="test-secret",
    )
