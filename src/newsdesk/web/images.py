"""The image proxy: outlets' pictures served from newsdesk's own origin, at /img/SIG/URL.

Why a proxy rather than direct links: a reader's browser then never contacts the outlets or
their CDNs, so they learn nothing of who reads what (no IP address, Referer or cookie of the
reader), mixed content cannot occur, and the Content-Security-Policy stays
``img-src 'self' data:``. Miniflux does the same. The rules:

- Only URLs signed by this site are fetched: the path carries an HMAC-SHA256 of the URL under
  the app's secret key, so /img/ is no open proxy (a wrong signature: 403).
- Fetches go through the same SSRF guard as feeds (``sources.fetch.Fetcher``: every redirect
  hop and the connected address checked): private, loopback and link-local targets are
  refused (403) unless NEWSDESK_ALLOWED_NETWORKS lets them through.
- No cookie is sent or kept for the outlet; upstream headers are not passed on.
- A body must be at most IMAGE_MAX_BYTES and be a JPEG, PNG, GIF, WebP or AVIF picture by
  its first bytes (``sniff``); the Content-Type sent is the sniffed one. SVG (a document that
  can carry script), HTML and everything else is refused (502).
- Pictures are kept under DATA_DIR/image-cache for CACHE_SECONDS, and browsers may keep them
  as long (the URL names one source URL for good).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import html
import os
import re
import tempfile
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from markupsafe import Markup

from newsdesk.config import Settings
from newsdesk.sources.errors import BlockedURL, FetchError
from newsdesk.sources.fetch import Fetcher

__all__ = ["ImageProxy", "install", "sniff"]

PREFIX = "/img"
IMAGE_MAX_BYTES = 8 * 1024 * 1024  # the largest lead images of the real feeds are under 2 MB
CACHE_SECONDS = 7 * 24 * 3600
CACHE_DIR = "image-cache"
# Delete cached pictures older than CACHE_SECONDS after this many new ones.
PRUNE_EVERY = 500
ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1"
# Upstream Content-Types accepted (the body's first bytes decide the type sent): images, and
# the "unknown binary" that S3 and other stores default to. text/html, image/svg+xml: refused.
ACCEPTED_TYPES = ("image/", "application/octet-stream", "binary/octet-stream")
_SIGNATURE_BYTES = 16
_CONTEXT = b"newsdesk image proxy\0"
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")', re.IGNORECASE)

router = APIRouter()


def sniff(head: bytes) -> str | None:
    """The media type of a picture from its first bytes (at least 12), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "image/avif"
    return None


class NotAnImage(Exception):
    """The upstream answer is no picture this proxy serves."""


class _ImageFetcher(Fetcher):
    """The feeds' guarded Fetcher, with a cookie jar that neither keeps nor sends cookies."""

    def _make_client(self) -> httpx.AsyncClient:
        client = super()._make_client()
        client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        return client


class ImageProxy:
    """Signs picture URLs for pages and fetches, checks and caches them for /img/."""

    def __init__(self, settings: Settings, secret_key: str) -> None:
        self.settings = settings.with_(max_body_bytes=IMAGE_MAX_BYTES)
        self._key = hashlib.sha256(_CONTEXT + secret_key.encode()).digest()
        self.cache_dir = Path(settings.data_dir) / CACHE_DIR
        self._fetchers: dict[int, _ImageFetcher] = {}  # one per event loop
        self._written = 0

    # --- URLs --------------------------------------------------------------------------

    def _signature(self, url: str) -> str:
        mac = hmac.new(self._key, url.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def path(self, url: str | None) -> str:
        """The /img/ path serving ``url`` (http or https), or "" for anything else."""
        url = (url or "").strip()
        if not url.lower().startswith(("http://", "https://")):
            return ""
        encoded = base64.urlsafe_b64encode(url.encode()).rstrip(b"=").decode()
        return f"{PREFIX}/{self._signature(url)}/{encoded}"

    def verify(self, signature: str, encoded: str) -> str | None:
        """The URL an /img/ path names, if its signature is this site's; else None."""
        try:
            url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if not hmac.compare_digest(signature.encode(), self._signature(url).encode()):
            return None
        return url

    def rewrite_html(self, fragment: str | None) -> Markup:
        """Sanitized article HTML with each <img src> pointed at the proxy (the fragment is
        trusted: it comes out of ``extract.sanitize``, which writes src="..." quoted)."""

        def proxied(match: re.Match[str]) -> str:
            path = self.path(html.unescape(match.group(2)))
            return match.group(1) + html.escape(path) + match.group(3)

        return Markup(_IMG_SRC.sub(proxied, fragment or ""))

    # --- fetching and caching ----------------------------------------------------------

    def _cache_path(self, url: str) -> Path:
        name = hashlib.sha256(url.encode()).hexdigest()
        return self.cache_dir / name[:2] / name

    def cached(self, url: str) -> tuple[Path, str] | None:
        """The fresh cached file of ``url`` and its type, or None. Blocking: use a thread."""
        path = self._cache_path(url)
        try:
            if time.time() - path.stat().st_mtime > CACHE_SECONDS:
                return None
            with path.open("rb") as handle:
                kind = sniff(handle.read(16))
        except OSError:
            return None
        return (path, kind) if kind else None

    def store(self, url: str, body: bytes) -> Path:
        """Write ``body`` to the cache (atomically). Blocking: use a thread."""
        path = self._cache_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._written += 1
        if self._written % PRUNE_EVERY == 0:
            self.prune()
        return path

    def prune(self, now: float | None = None) -> int:
        """Delete cached pictures older than CACHE_SECONDS; how many. Blocking."""
        limit = (time.time() if now is None else now) - CACHE_SECONDS
        removed = 0
        for path in self.cache_dir.glob("*/*"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed

    async def _fetcher(self) -> _ImageFetcher:
        loop = id(asyncio.get_running_loop())
        fetcher = self._fetchers.get(loop)
        if fetcher is None:
            fetcher = _ImageFetcher(self.settings)
            await fetcher.__aenter__()
            self._fetchers = {loop: fetcher}  # a test client's old loops are gone
        return fetcher

    async def fetch(self, url: str) -> tuple[bytes, str]:
        """The picture at ``url`` and its sniffed type; BlockedURL, FetchError or NotAnImage."""
        fetcher = await self._fetcher()
        response = await fetcher.get(url, accept=ACCEPT)
        declared = response.mime_type
        if declared and not declared.startswith(ACCEPTED_TYPES):
            raise NotAnImage(f"{url} is {declared}, not an image")
        kind = sniff(response.body[:16])
        if kind is None:
            raise NotAnImage(f"{url} is not a JPEG, PNG, GIF, WebP or AVIF picture")
        return response.body, kind

    async def aclose(self) -> None:
        for fetcher in self._fetchers.values():
            await fetcher.aclose()
        self._fetchers = {}


def _etag(url: str) -> str:
    return '"' + hashlib.sha256(url.encode()).hexdigest()[:32] + '"'


def _headers(url: str) -> dict[str, str]:
    return {
        "Cache-Control": f"public, max-age={CACHE_SECONDS}, immutable",
        "ETag": _etag(url),
        "Content-Disposition": "inline",
        # A picture opened on its own: nothing in it may run or load anything.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    }


@router.get(PREFIX + "/{signature}/{encoded}", include_in_schema=False)
async def image(request: Request, signature: str, encoded: str) -> Response:
    proxy: ImageProxy = request.app.state.images
    url = proxy.verify(signature, encoded)
    if url is None:
        return PlainTextResponse("This image link was not made by this site.", status_code=403)
    if request.headers.get("if-none-match") == _etag(url):
        return Response(status_code=304, headers=_headers(url))
    hit = await asyncio.to_thread(proxy.cached, url)
    if hit is None:
        try:
            body, kind = await proxy.fetch(url)
        except FetchError as exc:
            status = 403 if isinstance(exc, BlockedURL) or exc.kind == "blocked" else 502
            return PlainTextResponse(f"Image unavailable: {exc}", status_code=status)
        except NotAnImage as exc:
            return PlainTextResponse(f"Image unavailable: {exc}", status_code=502)
        path = await asyncio.to_thread(proxy.store, url, body)
        hit = (path, kind)
    path, kind = hit
    return FileResponse(path, media_type=kind, headers=_headers(url))


def install(app: FastAPI) -> None:
    """The /img/ route, and for templates ``image_src(url)`` (a picture's proxied path) and
    the ``proxy_images`` filter (article HTML with its pictures proxied). Call after
    app.state.secret_key is set."""
    proxy = ImageProxy(app.state.settings, app.state.secret_key)
    app.state.images = proxy
    app.include_router(router)
    env = app.state.templates.env
    env.globals["image_src"] = proxy.path
    env.filters["proxy_images"] = proxy.rewrite_html
    app.router.on_shutdown.append(proxy.aclose)
