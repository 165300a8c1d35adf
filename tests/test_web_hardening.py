"""Hostile-input hardening of the web app: HEAD everywhere, trusted proxies, absolute links
from the configured base URL (never the Host header), percent-encoded Atom self links, and
unhandled errors recorded (500) or answered 503 when the database is busy.

Real SQLite, real uvicorn servers on loopback, the real `newsdesk serve` command."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import feedparser
import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from newsdesk.cli import app as cli_app
from newsdesk.config import Settings
from newsdesk.store import Article, ErrorRecord, Feed, connect, session_scope
from newsdesk.store.models_ai import ArticleTag, Tag
from newsdesk.web import create_app
from newsdesk.web.api.common import normalize_base_url
from newsdesk.web.app import (
    SECURITY_HEADERS,
    STATIC_CACHE_CONTROL,
    ReadTurns,
    serve_base_url,
    server_config,
    trusted_proxies,
)
from newsdesk.web.request import DbSession, TurnRoute

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data, running
    from .readers_support import _fast_hashing, engine, login
    from .webdata import Dataset
except ImportError:
    from api_support import Accounts, accounts, data, running  # type: ignore[no-redef]  # noqa: F401
    from readers_support import _fast_hashing, engine, login  # type: ignore[no-redef]  # noqa: F401
    from webdata import Dataset  # type: ignore[no-redef]

BASE = "https://news.example.org"
EVIL = "evil.example"
# An outlet name with everything a URL path cannot carry as it is
ODD_OUTLET = "Le \"Monde\" café & co / 100% <sûr> #1? 'ok' +plus"
ODD_TAG = "Café_Zürich"
UNSTABLE = {"date", "set-cookie"}  # differ between any two responses


def serve(app: FastAPI, settings: Settings) -> Any:
    """`app` served the way `newsdesk serve` configures uvicorn."""
    return running(server_config(app, settings, "127.0.0.1", 0, log_level="warning"))


def loopback() -> httpx.Client:
    """Never a proxy from the environment; a new connection per request (uvicorn closes the
    connection after an exception escaped the app, as Starlette's error middleware lets it)."""
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(trust_env=False, timeout=30, limits=no_reuse)


def records(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(ErrorRecord).where(ErrorRecord.stage == "web")).all()
        return [(r.stage, r.url, r.message) for r in rows]


def api_app(app: FastAPI) -> FastAPI:
    """The JSON API sub-application mounted at /api/v1."""
    mount = next(r for r in app.routes if getattr(r, "path", "") == "/api/v1")
    sub = mount.app  # type: ignore[attr-defined]
    assert isinstance(sub, FastAPI)
    return sub


# --- HEAD -----------------------------------------------------------------------------------


def get_paths(data: Dataset) -> list[str]:
    article = data.by_path("business/001").id
    return [
        "/",
        "/healthz",
        "/robots.txt",
        "/search?q=profits",
        f"/articles/{article}",
        "/articles/999999",  # 404
        "/sources",
        "/outlets/BBC%20Business",
        "/login",
        "/static/style.css",
        "/feeds/latest.atom",
        "/feeds/outlets/BBC%20Business.atom",
        "/feeds/outlets/nobody.atom",  # 404
        "/api/v1/articles?limit=3",
        "/api/v1/search?q=profits",
        "/api/v1/me",  # 401
        "/openapi.json",
        "/reader/api/0/user-info",  # 401
    ]


def test_head_answers_like_get_without_a_body(
    settings: Settings, engine: Engine, data: Dataset
) -> None:
    with TestClient(create_app(settings, engine)) as client:
        for path in get_paths(data):
            client.cookies.clear()  # both as a first visit (a CSRF cookie is set once)
            got = client.get(path)
            client.cookies.clear()
            head = client.head(path)
            assert head.status_code == got.status_code != 405, path
            assert head.content == b"", path
            names = {k for k in got.headers if k not in UNSTABLE}
            assert names == {k for k in head.headers if k not in UNSTABLE}, path
            html = got.headers.get("content-type", "").startswith("text/html")
            for name in names - ({"content-length"} if html else set()):  # forms: new tokens
                assert head.headers[name] == got.headers[name], (path, name)
        plain = {"Accept-Encoding": "identity"}  # the GET's body as sent, not gzip-decoded
        assert client.head("/feeds/latest.atom", headers=plain).headers["content-length"] == str(
            len(client.get("/feeds/latest.atom", headers=plain).content)
        )
        assert client.head("/healthz").headers["content-length"] == "15"
        post_only = client.head("/logout")
        assert post_only.status_code == 405 and post_only.content == b""


def test_head_on_a_real_server(settings: Settings, engine: Engine) -> None:
    with serve(create_app(settings, engine), settings) as url, loopback() as http:
        r = http.head(f"{url}/healthz")
        assert (r.status_code, r.headers["content-length"]) == (200, "15")
        assert r.headers["x-frame-options"] == "DENY"
        static = http.head(f"{url}/static/style.css")
        assert static.status_code == 200 and int(static.headers["content-length"]) > 0


# --- trusted proxies ------------------------------------------------------------------------


def client_app(settings: Settings, engine: Engine) -> FastAPI:
    app = create_app(settings, engine)

    @app.get("/test-only/client")
    def who(request: Request) -> dict[str, str | None]:
        return {
            "host": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_by_default(settings: Settings, engine: Engine) -> None:
    assert settings.trusted_proxies == ()
    with serve(client_app(settings, engine), settings) as url, loopback() as http:
        seen = http.get(f"{url}/test-only/client", headers=FORWARDED).json()
    assert seen == {"host": "127.0.0.1", "scheme": "http"}


def test_forwarded_headers_from_a_trusted_proxy(settings: Settings, engine: Engine) -> None:
    trusting = settings.with_(trusted_proxies=("10.0.0.0/8", "127.0.0.0/8"))
    with serve(client_app(trusting, engine), trusting) as url, loopback() as http:
        seen = http.get(f"{url}/test-only/client", headers=FORWARDED).json()
        assert seen == {"host": "203.0.113.9", "scheme": "https"}
        # the client before the proxy says otherwise: the right-most untrusted address wins
        chain = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
        assert http.get(f"{url}/test-only/client", headers=chain).json()["host"] == "203.0.113.9"
    others = settings.with_(trusted_proxies=("10.1.2.3",))  # not the loopback client
    with serve(client_app(others, engine), others) as url, loopback() as http:
        assert http.get(f"{url}/test-only/client", headers=FORWARDED).json()["host"] == (
            "127.0.0.1"
        )


def test_trusted_proxies_setting(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("NEWSDESK_TRUSTED_PROXIES", " 10.0.0.1/8, ::1 ,")
    monkeypatch.setenv("NEWSDESK_BASE_URL", f" {BASE}/ ")
    env = Settings.from_env()
    assert env.trusted_proxies == ("10.0.0.1/8", "::1")
    assert trusted_proxies(env) == ["10.0.0.0/8", "::1/128"]
    assert env.base_url == f"{BASE}/"
    with pytest.raises(ValueError, match="not an IP or CIDR"):
        trusted_proxies(settings.with_(trusted_proxies=("proxy.example",)))
    config = server_config(FastAPI(), settings, "127.0.0.1", 8000)
    assert config.proxy_headers is False


# --- absolute links: the configured base URL, never the Host header ---------------------------


def test_base_url_validation() -> None:
    assert normalize_base_url(" https://news.example.org/ ") == BASE
    assert normalize_base_url("http://[::1]:8080/news/") == "http://[::1]:8080/news"
    for bad in ("news.example.org", "ftp://x.example", "https://", "https://a.example/?q=1",
                "https://u@a.example", 'https://a.example/"x', "https://a.example:99999",
                "javascript:alert(1)", "https://a.example/#top"):  # fmt: skip
        with pytest.raises(ValueError):
            normalize_base_url(bad)
    assert serve_base_url("0.0.0.0", 8000) == "http://0.0.0.0:8000"
    assert serve_base_url("::1", 8080) == "http://[::1]:8080"


def absolute_bodies(client: TestClient, data: Dataset, accounts: Accounts) -> dict[str, str]:
    """Every kind of response with absolute links, requested with a forged Host header."""
    alice = accounts.auth("alice")
    star = {"starred": True}
    client.put(f"/api/v1/me/articles/{data.by_path('tech/001').id}/state", json=star, headers=alice)
    login(client, "alice")  # tokens are made by a logged-in session
    csrf = {"X-CSRF-Token": client.get("/api/v1/me").json()["csrf_token"]}
    feed = client.post("/api/v1/me/tokens", json={"name": "rss", "scope": "feed"}, headers=csrf)
    assert feed.status_code == 201, feed.text
    starred = urlsplit(feed.json()["feed_url"]).path
    greader = {"Authorization": f"GoogleLogin auth={accounts.tokens['alice']}"}
    requests = [
        ("/feeds/latest.atom", {}),
        ("/feeds/outlets/BBC%20Business.atom", {}),
        (starred, {}),
        ("/api/v1/articles?limit=5", {}),
        ("/api/v1/search?q=profits", {}),
        ("/api/v1/outlets", {}),
        ("/api/v1/me/starred", alice),
        ("/reader/api/0/stream/contents/user/-/state/com.google/reading-list?n=2", greader),
        ("/reader/api/0/stream/items/contents?i=1&i=2", greader),
    ]
    bodies = {"POST /api/v1/me/tokens": feed.text}
    for path, headers in requests:
        r = client.get(path, headers=headers)  # the client sends Host: evil.example
        assert r.status_code == 200, (path, r.text)
        bodies[path] = r.text
    return bodies


def test_forged_host_never_appears_in_links(
    settings: Settings, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    app = create_app(settings.with_(base_url=f"{BASE}/"), engine)
    with TestClient(app, base_url=f"http://{EVIL}") as client:
        bodies = absolute_bodies(client, data, accounts)
    for path, body in bodies.items():
        assert EVIL not in body, path
        assert BASE + "/" in body, path
    feed = feedparser.parse(bodies["/feeds/latest.atom"].encode())
    assert feed.feed.id == f"{BASE}/feeds/latest.atom"
    assert feed.entries[0].link.startswith(f"{BASE}/articles/")
    starred_feed = next(v for k, v in bodies.items() if k.startswith("/feeds/starred/"))
    assert "<id>tag:news.example.org,2024:newsdesk/starred/" in starred_feed


def test_without_a_base_url_links_use_a_constant(
    settings: Settings, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    assert settings.base_url == ""
    with TestClient(create_app(settings, engine), base_url=f"http://{EVIL}") as client:
        bodies = absolute_bodies(client, data, accounts)
    for path, body in bodies.items():
        assert EVIL not in body and "http://localhost/" in body, path
    with pytest.raises(ValueError):
        create_app(settings.with_(base_url="news.example.org"), engine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_command(settings: Settings, tmp_path: Path) -> None:
    """`newsdesk serve` itself: links on http://HOST:PORT, HEAD, forwarded headers ignored."""
    port = free_port()
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(settings.data_dir),
        "NEWSDESK_SECRET_KEY": "test-secret",
        "NEWSDESK_BASE_URL": "",
        "NEWSDESK_TRUSTED_PROXIES": "",
        "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own knob must not matter
    }
    command = [sys.executable, "-m", "newsdesk.cli", "serve", "--no-refresher"]
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    try:
        url = f"http://127.0.0.1:{port}"
        with loopback() as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    head = http.head(f"{url}/healthz")
                    break
                except httpx.TransportError:
                    assert proc.poll() is None and time.monotonic() < deadline, log_text(log)
                    time.sleep(0.1)
            assert (head.status_code, head.content) == (200, b"")
            atom = http.get(f"{url}/feeds/latest.atom", headers={"Host": EVIL, **FORWARDED})
    finally:
        proc.terminate()
        proc.wait(15)
    assert atom.status_code == 200
    assert f"<id>{url}/feeds/latest.atom</id>" in atom.text and EVIL not in atom.text
    access = [line for line in log_text(log).splitlines() if "/feeds/latest.atom" in line]
    assert access and "127.0.0.1:" in access[0] and "203.0.113.9" not in access[0]


def test_serve_refuses_bad_settings(settings: Settings) -> None:
    env = {"NEWSDESK_DATA_DIR": str(settings.data_dir), "COLUMNS": "300"}
    bad_base = CliRunner().invoke(
        cli_app, ["serve", "--no-refresher"], env={**env, "NEWSDESK_BASE_URL": "news.example"}
    )
    assert bad_base.exit_code == 1 and "NEWSDESK_BASE_URL" in bad_base.output
    bad_proxy = CliRunner().invoke(
        cli_app, ["serve", "--no-refresher"], env={**env, "NEWSDESK_TRUSTED_PROXIES": "proxy"}
    )
    assert bad_proxy.exit_code == 1 and "NEWSDESK_TRUSTED_PROXIES" in bad_proxy.output


def log_text(log: Any) -> str:
    log.flush()
    log.seek(0)
    return str(log.read())


# --- Atom self links are percent-encoded URIs -------------------------------------------------


def add_odd_feeds(engine: Engine) -> None:
    with session_scope(engine) as s:
        article = Article(
            url="https://example.org/odd", title="Odd names", outlet=ODD_OUTLET, text="Text."
        )
        tag = Tag(slug=ODD_TAG, label="Café Zürich", kind="place", article_count=1)
        s.add_all([article, tag])
        s.flush()
        s.add(ArticleTag(article_id=article.id, tag_id=tag.id, score=1.0, is_hashtag=True))


def assert_self_round_trips(http: httpx.Client, url: str, path: str, expected: str) -> None:
    first = http.get(url + path)
    assert first.status_code == 200, (path, first.text)
    feed = feedparser.parse(first.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    self_url = next(link.href for link in feed.feed.links if link.rel == "self")
    assert self_url.isascii() and not set(self_url) & set(' "<>\\^`{|}#'), self_url
    parts = urlsplit(self_url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE and not parts.query
    assert unquote(parts.path) == expected  # the feed's own path, decoded
    again = feedparser.parse(http.get(url + parts.path).content)  # requested as given
    assert next(link.href for link in again.feed.links if link.rel == "self") == self_url
    assert again.feed.title == feed.feed.title


def test_atom_self_links_are_percent_encoded(settings: Settings, engine: Engine) -> None:
    add_odd_feeds(engine)
    based = settings.with_(base_url=BASE)
    with serve(create_app(based, engine), based) as url, loopback() as http:
        outlet = f"/feeds/outlets/{quote(ODD_OUTLET, safe='')}.atom"
        assert_self_round_trips(http, url, outlet, f"/feeds/outlets/{ODD_OUTLET}.atom")
        tag = f"/feeds/hashtags/{quote(ODD_TAG, safe='')}.atom"
        assert_self_round_trips(http, url, tag, f"/feeds/hashtags/{ODD_TAG}.atom")
        lower = f"/feeds/hashtags/{quote('café_zürich', safe='')}.atom"  # any case works
        assert_self_round_trips(http, url, lower, "/feeds/hashtags/café_zürich.atom")


# --- unhandled errors: recorded 500s, 503 when the database is busy ---------------------------


def failing_app(settings: Settings, engine: Engine) -> FastAPI:
    """The real app plus test-only routes that fail or write."""
    app = create_app(settings, engine)

    @app.get("/test-only/boom")
    def boom() -> None:
        raise RuntimeError("boom <script>alert(1)</script> " + "x" * 1200)

    @app.get("/test-only/write")
    def write() -> dict[str, int]:
        with session_scope(engine) as s:
            feed = Feed(url=f"https://write.example/{time.monotonic_ns()}")
            s.add(feed)
            s.flush()
            return {"id": feed.id}

    def api_boom() -> None:
        raise KeyError("api boom")

    api_app(app).add_api_route("/test-only/boom", api_boom, methods=["GET"])
    return app


def test_unhandled_errors_are_recorded_and_answered_500(settings: Settings, engine: Engine) -> None:
    with serve(failing_app(settings, engine), settings) as url, loopback() as http:
        page = http.get(f"{url}/test-only/boom")
        head = http.head(f"{url}/test-only/boom")
        api = http.get(f"{url}/api/v1/test-only/boom")
        ok = http.get(f"{url}/healthz")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in page.text
    assert "RuntimeError" not in page.text and "alert(1)" not in page.text  # no details
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert head.status_code == 500 and head.content == b""
    assert api.status_code == 500
    assert api.json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side."}
    }
    assert ok.status_code == 200
    recorded = records(engine)
    assert [url for _, url, _ in recorded] == [
        "GET /test-only/boom",
        "HEAD /test-only/boom",
        "GET /api/v1/test-only/boom",  # once, though both apps' handlers saw it
    ]
    message = recorded[0][2]
    assert message.startswith("RuntimeError: boom <script>") and len(message) == 1000
    assert recorded[2][2] == "KeyError: 'api boom'"

    with session_scope(engine) as s:  # hostile text in a record: shown, not interpreted
        s.add(ErrorRecord(url="/[/bold]x", stage="fetch", message="\x1b[2J[red]gone"))
    env = {"NEWSDESK_DATA_DIR": str(settings.data_dir), "COLUMNS": "300"}
    result = CliRunner().invoke(cli_app, ["errors", "--stage", "web"], env=env)
    assert result.exit_code == 0, result.output
    assert "GET /test-only/boom" in result.output and "KeyError: 'api boom'" in result.output
    assert "/[/bold]x" not in result.output  # the web stage only
    everything = CliRunner().invoke(cli_app, ["errors"], env=env)
    assert everything.exit_code == 0, everything.output
    assert "/[/bold]x" in everything.output and "\\x1b[2J[red]gone" in everything.output
    assert "\x1b" not in everything.output


def slow_to_lock(settings: Settings) -> Engine:
    """The app's database with a 200 ms busy timeout instead of 30 s (same migrations)."""
    engine = connect(settings.db_url)

    @event.listens_for(engine, "connect")
    def short_busy_timeout(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=200")

    engine.dispose()  # connections opened by the migrations had the long timeout
    return engine


@contextmanager
def locked(settings: Settings) -> Iterator[None]:
    """Another process-like writer holding the SQLite write lock (BEGIN IMMEDIATE)."""
    other = sqlite3.connect(settings.data_dir / "newsdesk.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.slow
def test_locked_database_is_503_with_retry_after(
    settings: Settings, data: Dataset, accounts: Accounts
) -> None:
    engine = slow_to_lock(settings)
    article = data.by_path("tech/001").id
    state = f"/api/v1/me/articles/{article}/state"
    with serve(failing_app(settings, engine), settings) as url, loopback() as http:
        with locked(settings):
            page = http.get(f"{url}/test-only/write")
            api = http.put(f"{url}{state}", json={"read": True}, headers=accounts.auth("alice"))
            reading = http.get(f"{url}/")  # readers are not blocked (WAL)
            boom = http.get(f"{url}/test-only/boom")  # cannot be recorded now: still a 500
        after = http.get(f"{url}/test-only/write")
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert "busy" in page.text and page.headers["x-frame-options"] == "DENY"
    assert api.status_code == 503 and api.headers["retry-after"] == "5"
    assert api.json()["error"]["code"] == "busy"
    assert reading.status_code == 200
    assert boom.status_code == 500
    assert after.status_code == 200
    assert records(engine) == []  # busy is not a bug; the locked boom could not be written
    engine.dispose()


def test_exhausted_pool_is_503(settings: Settings, data: Dataset) -> None:
    connect(settings.db_url).dispose()  # migrated
    small = create_engine(settings.db_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    with serve(failing_app(settings, small), settings) as url, loopback() as http:
        held = small.connect()
        try:
            page = http.get(f"{url}/")
            api = http.get(f"{url}/api/v1/articles")
        finally:
            held.close()
        after = http.get(f"{url}/")
    assert (page.status_code, page.headers["retry-after"]) == (503, "5")
    assert (api.status_code, api.json()["error"]["code"]) == (503, "busy")
    assert after.status_code == 200
    assert records(small) == []
    small.dispose()


def test_pages_are_gzipped_and_static_files_cached_on_a_real_server(
    settings: Settings, engine: Engine, data: Dataset
) -> None:
    import gzip
    import re

    article = data.by_path("business/001").id
    tokens = re.compile(rb'(name="csrf_token" value=")[^"]*"')  # a new one in every response

    def same(body: bytes) -> bytes:
        return tokens.sub(rb'\1"', body)

    with serve(create_app(settings, engine), settings) as url, loopback() as http:
        for path in ["/", f"/articles/{article}", "/search?q=profits"]:
            plain = http.get(f"{url}{path}", headers={"Accept-Encoding": "identity"})
            assert plain.status_code == 200 and "content-encoding" not in plain.headers, path
            with http.stream("GET", f"{url}{path}", headers={"Accept-Encoding": "gzip"}) as r:
                raw = b"".join(r.iter_raw())
            assert r.status_code == 200, path
            assert r.headers["content-encoding"] == "gzip", path
            assert "accept-encoding" in r.headers["vary"].lower(), path
            assert int(r.headers["content-length"]) == len(raw) < len(plain.content), path
            assert same(gzip.decompress(raw)) == same(plain.content), path
            assert r.headers["x-frame-options"] == "DENY", path  # security headers kept
            head = http.head(f"{url}{path}", headers={"Accept-Encoding": "gzip"})
            assert head.status_code == 200 and head.content == b"", path
            assert head.headers["content-encoding"] == "gzip", path

        tiny = http.get(f"{url}/healthz", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in tiny.headers  # below the minimum size: not worth it

        static = http.get(f"{url}/static/style.css", headers={"Accept-Encoding": "gzip"})
        assert static.status_code == 200 and static.headers["content-encoding"] == "gzip"
        assert static.headers["cache-control"] == STATIC_CACHE_CONTROL
        assert static.headers["etag"] and static.headers["last-modified"]
        again = http.get(
            f"{url}/static/style.css", headers={"If-None-Match": static.headers["etag"]}
        )
        assert again.status_code == 304 and again.headers["cache-control"] == STATIC_CACHE_CONTROL
        head = http.head(f"{url}/static/style.css")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["cache-control"] == STATIC_CACHE_CONTROL
        missing = http.get(f"{url}/static/nothing.css")
        assert missing.status_code == 404 and "public" not in missing.headers.get(
            "cache-control", ""
        )


# --- page requests take turns; each request's session ends cleanly ---------------------------


def test_page_requests_take_turns_in_order_of_arrival() -> None:
    """ReadTurns(limit=2): never more than two GETs or HEADs inside at once, started in the
    order they came; a POST, or a GET of the image proxy (it waits on other servers), is never
    held back; limit 0 holds nothing back."""

    def tracked(limit: int) -> tuple[list[str], int, int]:
        started: list[str] = []
        inside = {"GET": 0, "other": 0}
        most = {"GET": 0, "other": 0}

        async def app(scope: Any, receive: Any, send: Any) -> None:
            kind = "GET" if scope["path"].startswith("/page/") else "other"
            started.append(scope["path"])
            inside[kind] += 1
            most[kind] = max(most[kind], inside[kind])
            await asyncio.sleep(0.05)
            inside[kind] -= 1
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        async def main() -> None:
            transport = httpx.ASGITransport(app=ReadTurns(app, limit=limit, waiting=("/img/",)))
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                asked = []
                for i in range(6):
                    method = "HEAD" if i == 3 else "GET"
                    asked.append(asyncio.create_task(client.request(method, f"/page/{i}")))
                    await asyncio.sleep(0.001)  # arrivals in this order
                asked += [asyncio.create_task(client.post(f"/form/{i}")) for i in range(3)]
                asked += [asyncio.create_task(client.get(f"/img/{i}")) for i in range(3)]
                assert all(r.status_code == 200 for r in await asyncio.gather(*asked))

        asyncio.run(main())
        pages = [p for p in started if p.startswith("/page/")]
        assert pages == [f"/page/{i}" for i in range(6)]
        return started, most["GET"], most["other"]

    started, most_pages, most_others = tracked(limit=2)
    assert most_pages == 2
    assert most_others == 6  # the forms and the proxied images did not wait for the pages' turns
    assert started.index("/form/0") < started.index("/page/5")
    assert started.index("/img/0") < started.index("/page/5")
    _, most_pages, _ = tracked(limit=0)
    assert most_pages == 6


def test_pages_made_on_the_loop_leave_it_a_pass_between_two() -> None:
    """ReadTurns(limit=1): pages that never wait (made on the event loop, as TurnRoute makes
    them) are made in order of arrival with a pass of the loop between two of them, in which
    it accepts connections and reads requests; without it, requests read together ran back to
    back, each finding the turn free as the one before ended."""
    events: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        events.append(f"start {scope['path']}")
        time.sleep(0.005)  # the page, made without giving the loop back
        events.append(f"end {scope['path']}")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> None:
        loop = asyncio.get_running_loop()
        turns = ReadTurns(app, limit=1)
        done = False

        def tick() -> None:  # one entry per pass of the loop
            if not done:
                events.append("tick")
                loop.call_soon(tick)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            pass

        def scope(i: int) -> dict[str, Any]:
            return {"type": "http", "method": "GET", "path": f"/page/{i}", "headers": []}

        loop.call_soon(tick)
        await asyncio.gather(*(turns(scope(i), receive, send) for i in range(4)))
        done = True

    asyncio.run(main())
    pages = [e for e in events if e != "tick"]
    assert pages == [f"{what} /page/{i}" for i in range(4) for what in ("start", "end")]
    for i in range(3):
        between = events[events.index(f"end /page/{i}") : events.index(f"start /page/{i + 1}")]
        assert "tick" in between, (i, events)


def test_serving_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine
) -> None:
    on_sqlite = Settings(database_url="sqlite:///newsdesk.db")
    assert on_sqlite.reads_at_once == 1 and Settings().access_log is True
    on_postgresql = Settings(database_url="postgresql+psycopg://db.example/newsdesk")
    assert on_postgresql.reads_at_once == 2  # pages wait on the database server meanwhile
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", on_postgresql.database_url)
    assert Settings.from_env().reads_at_once == 2
    monkeypatch.setenv("NEWSDESK_WEB_READS_AT_ONCE", "3")
    monkeypatch.setenv("NEWSDESK_ACCESS_LOG", "0")
    env = Settings.from_env()
    assert env.reads_at_once == 3 and env.access_log is False
    assert env.with_(web_reads_at_once=0).reads_at_once == 0  # no limit
    assert server_config(FastAPI(), env, "127.0.0.1", 8000).access_log is False
    assert server_config(FastAPI(), settings, "127.0.0.1", 8000).access_log is True
    app = create_app(settings.with_(web_reads_at_once=3), engine)
    outermost = app.user_middleware[0]
    assert outermost.cls is ReadTurns and outermost.kwargs == {"limit": 3, "waiting": ("/img/",)}
    expected = 1 if settings.db_url.startswith("sqlite") else 2  # the suite's backend
    assert create_app(settings, engine).user_middleware[0].kwargs["limit"] == expected


def test_a_page_is_made_on_the_event_loop_while_it_holds_the_only_turn(
    settings: Settings, engine: Engine
) -> None:
    """TurnRoute: with one page at a time a plain GET page (and its session's commit) runs on
    the event loop; with two at once, or no limit, in a worker thread. Forms keep theirs."""

    def on_loop() -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def form() -> None: ...

    assert TurnRoute("/f", form, methods=["POST"]).endpoint is form
    assert TurnRoute("/f", form, methods=["GET"]).endpoint is not form
    for limit, expected in ((1, True), (2, False), (0, False)):
        app = create_app(settings.with_(web_reads_at_once=limit), engine)
        router = APIRouter(route_class=TurnRoute)

        @router.get("/test-only/page")
        def page(session: DbSession, name: str) -> dict[str, bool]:
            session.add(Feed(url=f"https://turns.example/{name}"))
            return {"loop": on_loop()}

        app.include_router(router)
        with TestClient(app) as client:
            answer = client.get("/test-only/page", params={"name": f"limit-{limit}"})
            assert answer.json() == {"loop": expected}, limit
            assert client.get("/test-only/page").status_code == 400  # validated as before
            assert (
                client.head("/test-only/page", params={"name": f"head-{limit}"}).status_code == 200
            )
            assert client.get("/articles/999999").status_code == 404
    with session_scope(engine) as session:
        stored = session.scalars(select(Feed.url).where(Feed.url.like("https://turns.example/%")))
        assert sorted(stored) == sorted(
            f"https://turns.example/{kind}-{limit}"
            for kind in ("limit", "head")
            for limit in (0, 1, 2)
        )


def test_a_requests_session_commits_or_rolls_back_and_gives_its_connection_back(
    settings: Settings, engine: Engine
) -> None:
    app = create_app(settings, engine)

    @app.get("/test-only/add")
    def add(session: DbSession, name: str, fail: bool = False) -> dict[str, str]:
        session.add(Feed(url=f"https://session.example/{name}"))
        session.flush()
        if fail:
            raise RuntimeError("after the write")
        return {"added": name}

    @app.get("/test-only/unused")
    def unused(session: DbSession) -> dict[str, bool]:
        return {"ok": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/test-only/add", params={"name": "kept"}).status_code == 200
        failed = client.get("/test-only/add", params={"name": "dropped", "fail": "1"})
        assert failed.status_code == 500
        assert client.get("/test-only/unused").status_code == 200
        assert client.get("/articles/999999").status_code == 404
        for _ in range(30):
            assert client.get("/").status_code == 200
    with session_scope(engine) as s:
        urls = set(s.scalars(select(Feed.url).where(Feed.url.like("https://session.example/%"))))
    assert urls == {"https://session.example/kept"}
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
