"""Shared fixtures: a real loopback HTTP server, a real database (SQLite, or PostgreSQL with
NEWSDESK_TEST_BACKEND=postgresql), shared test data."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from newsdesk.config import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(name: str) -> Path:
    """Path of a data set in ../shared/data; skips the test with a clear reason if missing."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"shared test data {name!r} not found at {path} (see README.md, Development)")
    return path


def frank_article(key: str) -> str:
    """The text of the FRANK article whose id (CNN/DM: "dm-test-...") or hash (XSum) is `key`."""
    path = shared_data("frank-news-summarization") / "articles.jsonl"
    for line in path.read_text("utf-8").splitlines():
        record = json.loads(line)
        if key in (record["id"], record["hash"]):
            return str(record["article"])
    raise AssertionError(f"no FRANK article {key}")


def bbc_article(path: str) -> tuple[str, str]:
    """(headline, body) of a file of the BBC News data set ("politics/011.txt")."""
    raw = (shared_data("bbc-news") / "bbc" / path).read_text("latin-1").strip()
    title, _, body = raw.partition("\n")
    return title, body


def feed_item(path: str, part: str, outlet: str) -> tuple[str, str]:
    """(headline, text) of the item of a real feed (syndikit-real-feeds, "XML/x.xml.gz")
    whose stored text holds `part`, as newsdesk stores it from the feed."""
    from newsdesk.ingest.article import candidate_from_entry
    from newsdesk.sources.feeds import parse_feed

    raw = gzip.decompress((shared_data("syndikit-real-feeds") / path).read_bytes())
    found = (candidate_from_entry(e, outlet) for e in parse_feed(raw, "x.xml").entries)
    item = next(c for c in found if c is not None and part in c.text)
    return item.title, item.text


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


# --- the test database: the one place tests get one --------------------------------------

# "sqlite" (the default) or "postgresql": scripts/test-pg.sh runs the database-facing suites
# again with "postgresql" and NEWSDESK_TEST_PG_URL naming a server where the user may create
# databases. Tests that are SQLite-only by nature carry @pytest.mark.sqlite_only("why").
BACKEND = os.environ.get("NEWSDESK_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("NEWSDESK_TEST_PG_URL", "")


class PgDatabases:
    """Fresh PostgreSQL databases, each a copy of a template migrated once per test run
    (CREATE DATABASE ... TEMPLATE takes ~50 ms, running the migrations ~1 s)."""

    def __init__(self, server_url: str) -> None:
        self.server = make_url(server_url)
        self.prefix = f"newsdesk_test_{os.getpid()}"
        self.template = ""
        self.names = itertools.count(1)
        self.made: set[str] = set()
        self._admin: Engine | None = None

    def _execute(self, sql: str) -> None:
        if self._admin is None:
            self._admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(sql))

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        from newsdesk.store import connect

        if not self.template:
            template = f"{self.prefix}_template"
            self._execute(f'DROP DATABASE IF EXISTS "{template}"')
            self._execute(f'CREATE DATABASE "{template}"')
            connect(self.url(template)).dispose()  # migrated to head
            self.template = template
        name = f"{self.prefix}_{next(self.names)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
        self.made.add(name)
        return self.url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database or ""
        if name in self.made:
            self.made.discard(name)
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        for name in sorted(self.made) + ([self.template] if self.template else []):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()
        if self._admin is not None:
            self._admin.dispose()


_pg = PgDatabases(PG_URL) if BACKEND == "postgresql" and PG_URL else None
_urls: dict[Path, str] = {}


def database_url(data_dir: Path) -> str:
    """The test database for `data_dir`: its SQLite file, or on PostgreSQL a fresh database
    (the same one each time for the same directory; dropped at the end of the run, or after
    the test for the `settings` fixture's)."""
    if BACKEND == "sqlite":
        return f"sqlite:///{data_dir / 'newsdesk.db'}"
    if _pg is None:
        raise pytest.UsageError("NEWSDESK_TEST_BACKEND=postgresql needs NEWSDESK_TEST_PG_URL")
    key = Path(data_dir).resolve()
    if key not in _urls:
        _urls[key] = _pg.create()
    return _urls[key]


def drop_database(data_dir: Path) -> None:
    """Drop the PostgreSQL database made for `data_dir` now (a SQLite file goes with its
    directory)."""
    url = _urls.pop(Path(data_dir).resolve(), None)
    if url and _pg is not None:
        from newsdesk.stories.index import forget_open_indexes

        forget_open_indexes()
        _pg.drop(url)


def database_at(path: Path, revision: str) -> tuple[Any, Engine]:
    """A SQLite database at `path` migrated to `revision` only, and its Alembic config: where a
    migration test starts (it adds the old rows, then upgrades the config to "head")."""
    from alembic import command

    from newsdesk.store import connect
    from newsdesk.store.db import alembic_config

    url = f"sqlite:///{path}"
    cfg = alembic_config(url)
    command.upgrade(cfg, revision)
    return cfg, connect(url, migrate=False)


def _test_db_url(self: Settings) -> str:
    return self.database_url or database_url(self.data_dir)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): SQLite by nature (skipped on the PostgreSQL pass)"
    )
    if BACKEND != "sqlite":
        # Every Settings(data_dir=...) of the tests without a database_url gets its database
        # here, as it gets data_dir/newsdesk.db on SQLite.
        Settings.db_url = property(_test_db_url)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "sqlite":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "SQLite only"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _pg is not None:
        _pg.drop_all()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings for tests: a fresh database (see `database_url`), loopback allowed through the
    SSRF guard."""
    yield Settings(
        data_dir=tmp_path,
        allowed_networks=("127.0.0.0/8",),
        timeout=5.0,
        extract_workers=1,
        enrich_workers=1,
        obey_robots=True,
        secret_key="test-secret",
    )
    drop_database(tmp_path)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Real Chromium for a module's browser tests (tests/browser_support.py)."""
    try:
        from .browser_support import launch_chromium
    except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
        from browser_support import launch_chromium  # type: ignore[no-redef]
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A page that can reach loopback only, failing the test on console errors (CSP too)."""
    try:
        from .browser_support import loopback_page
    except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
        from browser_support import loopback_page  # type: ignore[no-redef]
    with loopback_page(chromium, timeout_ms=8000) as p:
        yield p
