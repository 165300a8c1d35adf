"""Guarded async HTTP fetching: SSRF checks on every hop, size caps, conditional GET, robots.txt."""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.robotparser
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx

from newsdesk.config import Settings
from newsdesk.sources.charset import content_type_params, decode_body
from newsdesk.sources.decoders import BodyTooLarge, Decoder, make_decoder
from newsdesk.sources.errors import BlockedURL, FetchError
from newsdesk.sources.guard import (
    AddrInfo,
    IPNetwork,
    check_address,
    check_url_async,
    parse_networks,
)

__all__ = ["BlockedURL", "FetchError", "Fetcher", "HostPacer", "Response", "parse_retry_after"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A body that is itself a gzip file (a ``.xml.gz`` feed served as application/gzip,
# application/octet-stream or anything else, no Content-Encoding) starts with these bytes.
GZIP_MAGIC = b"\x1f\x8b"
ROBOTS_MAX_BYTES = 512 * 1024
DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "text/html;q=0.9, application/xhtml+xml;q=0.9, application/xml;q=0.9, "
    "text/xml;q=0.9, */*;q=0.8"
)


@dataclass
class Response:
    """A completed fetch. ``headers`` has lower-case keys; ``body`` is already decompressed
    (Content-Encoding, and a body that is itself gzip-compressed: see ``Fetcher``)."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    content_type: str | None = None  # the raw Content-Type header, parameters included

    @property
    def mime_type(self) -> str:
        """The lower-case media type without parameters ("" when absent)."""
        return content_type_params(self.content_type)[0]

    def text(self) -> str:
        """The body as text: BOM, header charset, in-document declaration, then detection."""
        return decode_body(self.body, self.content_type)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class Resolver:
    """Host name resolution for one fetcher, each answer kept for TTL seconds (as browsers
    do): an outlet's pages, and the check before each request and the one at connect time,
    share one lookup instead of two per request."""

    TTL = 60.0
    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._answers: dict[tuple[str, int], tuple[float, list[AddrInfo]]] = {}

    async def __call__(self, host: str, port: int) -> list[AddrInfo]:
        key = (host.lower(), port)
        now = time.monotonic()
        known = self._answers.get(key)
        if known is not None and known[0] > now:
            return known[1]
        loop = asyncio.get_running_loop()
        infos: list[AddrInfo] = list(await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        if len(self._answers) >= self.MAX_ENTRIES:
            self._answers = {k: v for k, v in self._answers.items() if v[0] > now}
            if len(self._answers) >= self.MAX_ENTRIES:
                self._answers.clear()
        self._answers[key] = (now + self.TTL, infos)
        return infos


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and pins the address at connect time (defeats DNS rebinding)."""

    def __init__(self, networks: list[IPNetwork], resolve: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._networks = networks
        self._resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await self._resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            check_address(host, address, self._networks)
        error: Exception = httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{parts.port or ''}"


async def _decoded(
    url: str, raw: AsyncIterator[bytes], decoder: Decoder, max_bytes: int, what: str = ""
) -> bytes:
    """The pieces of ``raw`` decoded, never holding more than ``max_bytes`` of either (gzip
    bombs). ``what``: how the body is described in errors ("gzip-compressed")."""

    def too_large(detail: str) -> FetchError:
        return FetchError(url, "too_large", f"body of {url} {detail} (limit {max_bytes} bytes)")

    described = f"is {what} and " if what else ""
    chunks: list[bytes] = []
    size = 0
    raw_size = 0
    try:
        async for piece in raw:
            raw_size += len(piece)
            if raw_size > max_bytes:
                raise too_large("exceeds the limit on the wire")
            for out in decoder.decode(piece, max_bytes - size):
                size += len(out)
                chunks.append(out)
        for out in decoder.flush(max_bytes - size):
            size += len(out)
            chunks.append(out)
    except BodyTooLarge:
        raise too_large(f"{described}exceeds the limit once decompressed") from None
    except ValueError as exc:
        reason = f"corrupt {what} document" if what else str(exc)
        raise FetchError(url, "network", f"cannot decode body of {url}: {reason}") from None
    return b"".join(chunks)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class HostPacer:
    """A request rate per host: a token bucket holding ``burst`` requests, refilled at
    ``per_minute`` a minute. ``await pacer.wait(url)`` returns when that URL's host may be
    asked again; callers over the rate wait, in the order they came (none is dropped).

    Each wait reserves the next free moment of its host's bucket (the "generic cell rate
    algorithm"): over any run of T seconds from an idle start a host gets at most
    ``burst + per_minute * T / 60`` requests. ``per_minute <= 0`` turns pacing off.
    """

    MAX_HOSTS = 4096

    def __init__(self, per_minute: float, burst: int) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.slack = self.interval * max(0, burst - 1)  # how far ahead of the rate a burst runs
        self._due: dict[str, float] = {}  # per host: when its bucket is full again

    def delay(self, url: str, now: float | None = None) -> float:
        """Reserve a request to ``url``'s host; the seconds to wait before sending it."""
        if not self.interval:
            return 0.0
        now = time.monotonic() if now is None else now
        key = _host_key(url)
        due = max(self._due.get(key, now), now)
        if len(self._due) >= self.MAX_HOSTS and key not in self._due:
            self._due = {k: v for k, v in self._due.items() if v > now}
        self._due[key] = due + self.interval
        return max(0.0, due - self.slack - now)

    async def wait(self, url: str) -> None:
        seconds = self.delay(url)
        if seconds > 0:
            await asyncio.sleep(seconds)


def _lower_headers(headers: httpx.Headers) -> dict[str, str]:
    merged: dict[str, str] = {}
    for key, value in headers.multi_items():
        key = key.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


class Fetcher:
    """``async with Fetcher(settings) as f: resp = await f.get(url)``.

    Redirects are followed by hand (at most ``settings.max_redirects``) and every hop goes
    through the SSRF guard, both before the request and again at connect time. Bodies are
    streamed and capped at ``settings.max_body_bytes`` after decompression. A body that is
    itself a gzip file (starts with 1f 8b: a ``.xml.gz`` feed, whatever its Content-Type) is
    decompressed too, under the same cap. Each hop gets at
    most ``settings.timeout`` seconds in total, time spent queueing for the global and
    per-host semaphores excluded. Proxy environment variables are ignored (``trust_env=False``):
    a proxy would connect on our behalf and defeat the connect-time address check.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._networks = parse_networks(settings.allowed_networks)
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._client: httpx.AsyncClient | None = None
        self._resolve = Resolver()

    async def __aenter__(self) -> Fetcher:
        # Loading the CA certificates takes 0.1-0.3 s: off the event loop (`serve`'s web app).
        self._client = await asyncio.to_thread(self._make_client)
        return self

    def _make_client(self) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(trust_env=False)
        # Swap in a pool whose network backend re-checks the address it actually connects to.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max(1, self.settings.concurrency),
            max_keepalive_connections=max(1, self.settings.concurrency),
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(self._networks, self._resolve),
        )
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(self.settings.timeout),
            headers={
                "User-Agent": self.settings.user_agent,
                "Accept-Encoding": "gzip, deflate, br",
            },
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        check_robots: bool = False,
        accept: str = DEFAULT_ACCEPT,
    ) -> Response:
        """GET ``url``; a 304 answer gives ``not_modified=True``; failures raise FetchError."""
        return await self._get(
            url, etag, last_modified, check_robots, accept, self.settings.max_body_bytes
        )

    async def _get(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        check_robots: bool,
        accept: str,
        max_bytes: int,
    ) -> Response:
        url = urldefrag(url.strip())[0]
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        hops = 0
        while True:
            await check_url_async(url, self.settings.allowed_networks, self._resolve)
            if check_robots:
                await self.check_robots(url)
            outcome = await self._hop(url, headers, max_bytes)
            if isinstance(outcome, Response):
                if outcome.not_modified:
                    outcome.etag = outcome.etag or etag
                    outcome.last_modified = outcome.last_modified or last_modified
                return outcome
            target = urldefrag(urljoin(url, outcome))[0]
            if target in seen:
                raise FetchError(url, "redirect_loop", f"redirect loop: {url} -> {target}")
            hops += 1
            if hops > self.settings.max_redirects:
                raise FetchError(
                    url,
                    "too_many_redirects",
                    f"more than {self.settings.max_redirects} redirects, last to {target}",
                )
            seen.add(target)
            url = target

    def _host_semaphore(self, url: str) -> asyncio.Semaphore:
        key = _host_key(url)
        sem = self._hosts.get(key)
        if sem is None:
            sem = self._hosts[key] = asyncio.Semaphore(max(1, self.settings.per_host_concurrency))
        return sem

    async def _hop(self, url: str, headers: Mapping[str, str], max_bytes: int) -> Response | str:
        """One request: a Response, or the Location of a redirect."""
        if self._client is None:
            raise RuntimeError("use Fetcher as 'async with Fetcher(settings) as fetcher'")
        client = self._client
        # Host first: requests queued behind a busy host must not hold global slots.
        async with self._host_semaphore(url), self._global:
            try:
                async with asyncio.timeout(self.settings.timeout):
                    request = client.build_request("GET", url, headers=headers)
                    response = await client.send(request, stream=True)
                    try:
                        return await self._handle(url, response, max_bytes)
                    finally:
                        await response.aclose()
            except FetchError:
                raise
            except (TimeoutError, httpx.TimeoutException):
                raise FetchError(
                    url,
                    "timeout",
                    f"timeout: no complete answer from {url} within {self.settings.timeout:g} s",
                ) from None
            except httpx.InvalidURL as exc:
                raise FetchError(url, "invalid_url", f"invalid URL {url!r}: {exc}") from None
            except (httpx.HTTPError, httpcore.ProtocolError, OSError) as exc:
                message = str(exc) or type(exc).__name__
                raise FetchError(url, "network", f"network error for {url}: {message}") from None

    async def _handle(self, url: str, response: httpx.Response, max_bytes: int) -> Response | str:
        status = response.status_code
        headers = _lower_headers(response.headers)
        if status in REDIRECT_STATUSES and headers.get("location"):
            return headers["location"].strip()
        if status == 304:
            return self._response(url, status, headers, b"", not_modified=True)
        if not 200 <= status < 300:
            retry_after = parse_retry_after(headers.get("retry-after"))
            reason = response.reason_phrase or ""
            raise FetchError(
                url,
                "http_status",
                f"HTTP {status} {reason}".rstrip() + f" from {url}",
                status=status,
                retry_after=retry_after,
            )
        body = await self._read_body(url, response, headers, max_bytes)
        return self._response(url, status, headers, body)

    @staticmethod
    def _response(
        url: str, status: int, headers: dict[str, str], body: bytes, not_modified: bool = False
    ) -> Response:
        return Response(
            url=url,
            status=status,
            headers=headers,
            body=body,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            not_modified=not_modified,
            content_type=headers.get("content-type"),
        )

    @staticmethod
    async def _read_body(
        url: str, response: httpx.Response, headers: Mapping[str, str], max_bytes: int
    ) -> bytes:
        length = headers.get("content-length", "").split(",")[0].strip()
        if length.isdigit() and int(length) > max_bytes:
            raise FetchError(
                url,
                "too_large",
                f"body of {url} announces {length} bytes (limit {max_bytes} bytes)",
            )
        decoder = make_decoder(headers.get("content-encoding", ""))
        body = await _decoded(url, response.aiter_raw(), decoder, max_bytes)
        if body.startswith(GZIP_MAGIC):  # the document itself is a gzip file
            body = await _decoded(
                url, _once(body), make_decoder("gzip"), max_bytes, "gzip-compressed"
            )
        return body

    async def check_allowed(self, url: str) -> None:
        """Raise FetchError when ``url`` may not be fetched at all: the SSRF guard refuses its
        host, or its robots.txt forbids it. Such a page is no request to its host."""
        await check_url_async(url, self.settings.allowed_networks, self._resolve)
        await self.check_robots(url)

    async def check_robots(self, url: str) -> None:
        """Raise FetchError ("robots") when robots.txt of ``url``'s host forbids it (and
        newsdesk obeys robots.txt)."""
        if self.settings.obey_robots and not await self._allowed(url):
            raise FetchError(url, "robots", f"refused by robots.txt: {url}")

    async def _allowed(self, url: str) -> bool:
        """Whether robots.txt of ``url``'s host lets our user agent fetch it."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        lock = self._robots_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._robots:
                self._robots[key] = await self._load_robots(key + "/robots.txt")
        parser = self._robots[key]
        return parser is None or parser.can_fetch(self.settings.user_agent, url)

    async def _load_robots(self, robots_url: str) -> urllib.robotparser.RobotFileParser | None:
        """A parser for robots.txt, or None (everything allowed) when missing or erroring."""
        try:
            response = await self._get(
                robots_url, None, None, False, "text/plain, */*;q=0.5", ROBOTS_MAX_BYTES
            )
        except FetchError as exc:
            if exc.kind == "blocked":
                raise
            return None
        parser = urllib.robotparser.RobotFileParser(robots_url)
        lines = response.body.decode("utf-8", "replace").splitlines()
        await asyncio.to_thread(parser.parse, lines)  # 0.2 s for 512 KB: off the event loop
        return parser
