"""Fetcher against a real loopback HTTP server: redirects, caps, timeouts, charsets, robots, SSRF."""

from __future__ import annotations

import asyncio
import gzip
import random
import time
import tracemalloc
import zlib
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import TypeVar

import brotli
import pytest

from newsdesk.config import Settings
from newsdesk.sources.backoff import MAX_DELAY, next_delay
from newsdesk.sources.fetch import (
    BlockedURL,
    Fetcher,
    FetchError,
    Resolver,
    Response,
    _GuardedBackend,
    parse_retry_after,
)

from .conftest import LoopbackServer, Route

T = TypeVar("T")
MB = 1024 * 1024


def run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


async def fetch(settings: Settings, url: str, **kwargs: object) -> Response:
    async with Fetcher(settings) as fetcher:
        return await fetcher.get(url, **kwargs)  # type: ignore[arg-type,unused-ignore]


def fetch_error(settings: Settings, url: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        run(fetch(settings, url, **kwargs))
    return info.value


def paths(server: LoopbackServer) -> list[str]:
    return [path for path, _ in server.requests]


# --- basics, conditional GET, redirects ----------------------------------------------------


def test_get_sends_user_agent_and_returns_lowercase_headers(
    http_server: LoopbackServer, settings: Settings
) -> None:
    url = http_server.route("/a", "<p>hi</p>", headers={"X-Thing": "1"})
    resp = run(fetch(settings, url))
    assert (resp.status, resp.body, resp.url) == (200, b"<p>hi</p>", url)
    assert resp.headers["x-thing"] == "1"
    assert resp.content_type == "text/html; charset=utf-8"
    assert resp.mime_type == "text/html"
    assert not resp.not_modified
    assert http_server.requests[0][1]["user-agent"] == settings.user_agent


def test_conditional_get_roundtrip_with_etag(
    http_server: LoopbackServer, settings: Settings
) -> None:
    url = http_server.route("/feed.xml", "<rss/>", content_type="application/rss+xml", etag='"v1"')
    first = run(fetch(settings, url))
    assert first.etag == '"v1"' and first.body == b"<rss/>"
    second = run(fetch(settings, url, etag=first.etag))
    assert second.not_modified and second.status == 304 and second.body == b""
    assert second.etag == '"v1"'
    assert http_server.requests[1][1]["if-none-match"] == '"v1"'
    # A changed resource is served in full again.
    http_server.routes["/feed.xml"].etag = '"v2"'
    third = run(fetch(settings, url, etag='"v1"'))
    assert not third.not_modified and third.etag == '"v2"'


def test_conditional_get_with_last_modified(
    http_server: LoopbackServer, settings: Settings
) -> None:
    stamp = "Mon, 03 Apr 2023 01:02:03 GMT"
    url = http_server.route("/f", "x", last_modified=stamp)
    first = run(fetch(settings, url))
    assert first.last_modified == stamp
    second = run(fetch(settings, url, last_modified=stamp))
    assert second.not_modified and second.last_modified == stamp
    assert http_server.requests[1][1]["if-modified-since"] == stamp


def test_redirect_chain_is_followed(http_server: LoopbackServer, settings: Settings) -> None:
    final = http_server.route("/final", "done")
    http_server.route("/r1", status=301, headers={"Location": "/r2"})
    http_server.route("/r2", status=302, headers={"Location": http_server.url("/r3")})
    http_server.route("/r3", status=307, headers={"Location": "final#frag"})
    resp = run(fetch(settings, http_server.url("/r1")))
    assert resp.url == final and resp.body == b"done"
    assert paths(http_server) == ["/r1", "/r2", "/r3", "/final"]


def test_redirect_loop(http_server: LoopbackServer, settings: Settings) -> None:
    http_server.route("/a", status=302, headers={"Location": "/b"})
    http_server.route("/b", status=302, headers={"Location": "/a"})
    error = fetch_error(settings, http_server.url("/a"))
    assert error.kind == "redirect_loop"
    assert "loop" in str(error)


def test_too_many_redirects(http_server: LoopbackServer, settings: Settings) -> None:
    for i in range(10):
        http_server.route(f"/hop{i}", status=302, headers={"Location": f"/hop{i + 1}"})
    http_server.route("/hop10", "end")
    error = fetch_error(settings.with_(max_redirects=3), http_server.url("/hop0"))
    assert error.kind == "too_many_redirects"
    assert paths(http_server) == ["/hop0", "/hop1", "/hop2", "/hop3"]
    assert run(fetch(settings.with_(max_redirects=10), http_server.url("/hop0"))).body == b"end"


# --- size caps -----------------------------------------------------------------------------


def test_body_over_cap_by_content_length(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route("/big", b"x" * 5000)
    error = fetch_error(settings.with_(max_body_bytes=1000), url)
    assert error.kind == "too_large" and "5000" in str(error)
    assert run(fetch(settings.with_(max_body_bytes=5000), url)).body == b"x" * 5000


def test_streamed_50mb_body_is_cut_off_without_buffering_it(
    http_server: LoopbackServer, settings: Settings
) -> None:
    """No Content-Length: the cap is enforced while streaming, memory stays near the cap."""
    url = http_server.route("/huge", b"\0" * (50 * MB), stream=True)
    tracemalloc.start()
    started = time.monotonic()
    try:
        error = fetch_error(settings.with_(max_body_bytes=MB), url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.kind == "too_large"
    assert peak < 8 * MB, f"peak traced memory {peak / MB:.1f} MiB"
    assert time.monotonic() - started < 5
    # Within the cap, a streamed body arrives whole.
    small = http_server.route("/small", b"y" * 200_000, stream=True)
    assert run(fetch(settings, small)).body == b"y" * 200_000


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compressed_bomb_is_capped_after_decoding(
    http_server: LoopbackServer, settings: Settings, encoding: str
) -> None:
    plain = b"\0" * (64 * MB)
    if encoding == "gzip":
        data = gzip.compress(plain, compresslevel=6)
    elif encoding == "deflate":
        data = zlib.compress(plain)
    else:
        data = brotli.compress(plain, quality=1)
    assert len(data) < MB
    url = http_server.route("/bomb", data, headers={"Content-Encoding": encoding})
    tracemalloc.start()
    try:
        error = fetch_error(settings.with_(max_body_bytes=2 * MB), url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.kind == "too_large" and "decompressed" in str(error)
    assert peak < 12 * MB, f"peak traced memory {peak / MB:.1f} MiB"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "br", "gzip, br"])
def test_compressed_bodies_are_decoded(
    http_server: LoopbackServer, settings: Settings, encoding: str
) -> None:
    plain = ("<rss><channel><title>Zürich</title></channel></rss>" * 2000).encode()
    if encoding == "gzip":
        data = gzip.compress(plain)
    elif encoding == "deflate":
        data = zlib.compress(plain)
    elif encoding == "raw-deflate":  # what some servers send as "deflate"
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        data = compressor.compress(plain) + compressor.flush()
        encoding = "deflate"
    elif encoding == "br":
        data = brotli.compress(plain)
    else:
        data = brotli.compress(gzip.compress(plain))
    url = http_server.route("/c", data, headers={"Content-Encoding": encoding})
    resp = run(fetch(settings, url))
    assert resp.body == plain
    assert http_server.requests[0][1]["accept-encoding"] == "gzip, deflate, br"


def test_multi_member_gzip(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route(
        "/m",
        gzip.compress(b"first,") + gzip.compress(b"second"),
        headers={"Content-Encoding": "gzip"},
    )
    assert run(fetch(settings, url)).body == b"first,second"


def test_corrupt_gzip_is_a_fetch_error(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route("/bad", b"this is not gzip", headers={"Content-Encoding": "gzip"})
    assert fetch_error(settings, url).kind == "network"


# --- timeouts, statuses, Retry-After ---------------------------------------------------------


def test_timeout(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route("/slow", "late", delay=1.5)
    started = time.monotonic()
    error = fetch_error(settings.with_(timeout=0.5), url)
    assert error.kind == "timeout"
    assert time.monotonic() - started < 1.4


def test_http_status_error(http_server: LoopbackServer, settings: Settings) -> None:
    error = fetch_error(settings, http_server.url("/missing"))
    assert (error.kind, error.status, error.retry_after) == ("http_status", 404, None)
    assert "404" in str(error)


def test_retry_after_seconds_on_429(http_server: LoopbackServer, settings: Settings) -> None:
    url = http_server.route("/rl", "slow down", status=429, headers={"Retry-After": "120"})
    error = fetch_error(settings, url)
    assert (error.kind, error.status, error.retry_after) == ("http_status", 429, 120.0)


def test_retry_after_http_date_on_503(http_server: LoopbackServer, settings: Settings) -> None:
    when = datetime.now(UTC) + timedelta(seconds=300)
    url = http_server.route(
        "/down", "", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    error = fetch_error(settings, url)
    assert error.status == 503
    assert error.retry_after is not None and 290 <= error.retry_after <= 301


def test_parse_retry_after() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(" 3600 ") == 3600.0
    assert parse_retry_after("Mon, 01 Jan 2024 00:02:00 GMT", now=now) == 120.0
    assert parse_retry_after("Sun, 31 Dec 2023 00:00:00 GMT", now=now) == 0.0  # in the past
    for junk in (None, "", "soon", "-", "nan"):
        assert parse_retry_after(junk) is None


def test_backoff_next_delay() -> None:
    rng = random.Random(7)
    healthy = [next_delay(0, 1800, None, rng=rng) for _ in range(50)]
    assert all(1800 * 0.8 <= d <= 1800 * 1.2 for d in healthy)
    assert len(set(healthy)) > 1  # jittered
    assert 4 * 1800 * 0.8 <= next_delay(2, 1800, None, rng=rng) <= 4 * 1800 * 1.2
    assert MAX_DELAY * 0.8 <= next_delay(30, 1800, None, rng=rng) <= MAX_DELAY
    assert MAX_DELAY * 0.8 <= next_delay(10_000, 1800, None, rng=rng) <= MAX_DELAY
    assert next_delay(0, 60, 7200.0, rng=rng) == 7200.0  # Retry-After larger: honoured
    assert next_delay(0, 1800, 5.0, rng=rng) >= 1800 * 0.8  # smaller: back-off wins
    assert next_delay(0, 60, 10 * MAX_DELAY, rng=rng) == MAX_DELAY


# --- concurrency ---------------------------------------------------------------------------


@pytest.mark.slow
def test_per_host_concurrency_limit(http_server: LoopbackServer, settings: Settings) -> None:
    for i in range(3):
        http_server.route(f"/w{i}", "ok", delay=0.3)

    async def three(limit: int) -> float:
        async with Fetcher(settings.with_(per_host_concurrency=limit)) as fetcher:
            started = time.monotonic()
            await asyncio.gather(*(fetcher.get(http_server.url(f"/w{i}")) for i in range(3)))
            return time.monotonic() - started

    assert run(three(1)) >= 0.85
    assert run(three(3)) < 0.8


# --- charsets ------------------------------------------------------------------------------

FRENCH = (
    "Le café était très animé ce matin-là ; les garçons servaient des crèmes brûlées "
    "à des étudiants pressés, pendant qu’un vieil écrivain relisait ses épreuves. "
)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"caf\xe9 \x93quoted\x94", "text/html; charset=windows-1252", "café “quoted”"),
        ("na\xefve \xa3".encode("latin-1"), "text/plain; charset=ISO-8859-1", "naïve £"),
        # Labelled ISO-8859-1 but using cp1252's 0x80-0x9F, decoded as browsers do.
        (b"it\x92s", "text/plain; charset=iso-8859-1", "it’s"),
        ("Grüße".encode(), "text/plain; charset=UTF-8", "Grüße"),
        ('<html><head><meta charset="windows-1252"></head><p>€ café'.encode("cp1252"),
         "text/html", "€ café"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>\xe9t\xe9',
         "text/html", "été"),
        (b'<?xml version="1.0" encoding="ISO-8859-15"?><r>\xa4</r>',
         "application/xml", "€"),
        ("\ufeffBOM wins: é".encode("utf-16"), "text/plain; charset=iso-8859-1", "BOM wins: é"),
        ("\ufeffutf-8 bom é".encode("utf-8"), None, "utf-8 bom é"),
        ("plain utf-8 ✓".encode(), "text/plain", "plain utf-8 ✓"),
        ("bogus name ✓".encode(), "text/plain; charset=x-no-such-charset-42", "bogus name ✓"),
        ("base64 is no text codec ✓".encode(), "text/plain; charset=base64", "no text codec ✓"),
        (FRENCH.encode("cp1252"), "text/html; charset=totally-bogus", "crèmes brûlées"),
        (FRENCH.encode("cp1252"), None, "écrivain relisait ses épreuves"),
    ],
)  # fmt: skip
def test_text_decoding(
    http_server: LoopbackServer,
    settings: Settings,
    body: bytes,
    content_type: str | None,
    expected: str,
) -> None:

    headers = {"Content-Type": content_type} if content_type else {}
    http_server.routes["/t"] = Route(body, 200, headers)
    resp = run(fetch(settings, http_server.url("/t")))
    assert expected in resp.text()


# --- robots.txt ----------------------------------------------------------------------------


def test_robots_disallow_is_honoured(http_server: LoopbackServer, settings: Settings) -> None:
    http_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    private = http_server.route("/private/secret.html", "secret")
    public = http_server.route("/public.html", "public")

    async def scenario() -> None:
        async with Fetcher(settings) as fetcher:
            assert (await fetcher.get(public, check_robots=True)).body == b"public"
            with pytest.raises(FetchError) as info:
                await fetcher.get(private, check_robots=True)
            assert info.value.kind == "robots"
            # Feeds are not subject to robots.txt: the same URL without check_robots works.
            assert (await fetcher.get(private)).body == b"secret"

    run(scenario())
    assert paths(http_server).count("/robots.txt") == 1  # cached per host
    assert paths(http_server).count("/private/secret.html") == 1
    # obey_robots=False turns the check off.
    assert (
        run(fetch(settings.with_(obey_robots=False), private, check_robots=True)).body == b"secret"
    )


def test_robots_rules_for_our_user_agent(http_server: LoopbackServer, settings: Settings) -> None:
    rules = "User-agent: newsdesk\nDisallow: /\n\nUser-agent: *\nDisallow:\n"
    http_server.route("/robots.txt", rules, content_type="text/plain")
    page = http_server.route("/page.html", "x")
    assert fetch_error(settings, page, check_robots=True).kind == "robots"
    other = settings.with_(user_agent="SomeoneElse/1.0")
    assert run(fetch(other, page, check_robots=True)).body == b"x"


def test_missing_or_failing_robots_means_allowed(
    http_server: LoopbackServer, settings: Settings
) -> None:
    page = http_server.route("/page.html", "x")
    assert run(fetch(settings, page, check_robots=True)).body == b"x"  # robots.txt is a 404
    http_server.route("/robots.txt", "oops", status=500)
    assert run(fetch(settings, page, check_robots=True)).body == b"x"


# --- SSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_template",
    [
        "http://127.0.0.1:{port}/a",
        "http://localhost:{port}/a",
        "http://[::1]:{port}/a",
        "http://[::ffff:127.0.0.1]:{port}/a",
        "http://127.1:{port}/a",
        "http://2130706433:{port}/a",  # 127.0.0.1 as one decimal number
    ],
)
def test_loopback_is_refused_by_default_without_connecting(
    http_server: LoopbackServer, url_template: str
) -> None:
    http_server.route("/a", "secret")
    url = url_template.format(port=http_server.port)
    error = fetch_error(Settings(), url)
    assert isinstance(error, BlockedURL) and error.kind == "blocked"
    assert "NEWSDESK_ALLOWED_NETWORKS" in str(error)
    assert http_server.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
def test_other_schemes_are_refused(settings: Settings, url: str) -> None:
    assert fetch_error(settings, url).kind == "blocked"


def test_redirect_to_a_blocked_host_is_refused(
    http_server: LoopbackServer, settings: Settings
) -> None:
    """Only 127.0.0.1 is allowed; the redirect target 127.0.0.2 (loopback, not allowed) is not."""
    strict = settings.with_(allowed_networks=("127.0.0.1/32",))
    http_server.route(
        "/go", status=302, headers={"Location": f"http://127.0.0.2:{http_server.port}/x"}
    )
    error = fetch_error(strict, http_server.url("/go"))
    assert error.kind == "blocked" and "127.0.0.2" in str(error)
    assert paths(http_server) == ["/go"]


def test_redirect_to_file_scheme_is_refused(
    http_server: LoopbackServer, settings: Settings
) -> None:
    http_server.route("/go", status=301, headers={"Location": "file:///etc/passwd"})
    assert fetch_error(settings, http_server.url("/go")).kind == "blocked"


def test_connect_time_guard_refuses_unallowed_addresses(http_server: LoopbackServer) -> None:
    """The pinned-address backend re-checks at connect time (protects against DNS rebinding)."""

    async def connect() -> None:
        await _GuardedBackend([], Resolver()).connect_tcp("localhost", http_server.port, timeout=1)

    with pytest.raises(BlockedURL, match="loopback"):
        run(connect())
    assert http_server.requests == []


def test_host_is_resolved_once_per_ttl(http_server: LoopbackServer, settings: Settings) -> None:
    """Three pages of one host, each checked before the request and at connect time: one
    lookup, until the answer expires."""
    for i in range(3):
        http_server.route(f"/p{i}", body=b"<html><body>page</body></html>")
    host = f"localhost:{http_server.port}"
    lookups: list[tuple[object, ...]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        real = loop.getaddrinfo

        async def counting(*args: object, **kwargs: object) -> object:
            lookups.append(args)
            return await real(*args, **kwargs)  # type: ignore[arg-type]

        loop.getaddrinfo = counting  # type: ignore[method-assign]
        async with Fetcher(settings) as fetcher:
            for i in range(3):
                assert (await fetcher.get(f"http://{host}/p{i}")).status == 200
            assert len(lookups) == 1
        expiring = Resolver()
        expiring.TTL = 0.0  # answers expire at once: each call resolves again
        await expiring("localhost", 80)
        await expiring("localhost", 80)
        assert len(lookups) == 3

    asyncio.run(main())
