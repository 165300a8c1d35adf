"""Whole pages for readers who are not signed in, kept a short while and shared by the web
processes of a machine, as news sites cache what anonymous readers get.

A signed-in reader always gets a page made for them. A visitor who is not signed in gets the
same page as every other such visitor except for the CSRF token of its forms (each page's
token is new, and tied to the visitor's own CSRF cookie): the page is kept with a placeholder
where the token was, and each visitor gets it with a token of their own. Keys say what changes
the page at once (an article page: the article's enrichment, its story's last recount and its
comments); what other articles change shows up to PAGES_TTL seconds late, as in the parts each
process keeps (web/microcache.py; each page kept a random share of the TTL less, spread_ttl
there). An article page of older news is kept longer (age_ttl: a tenth of its age, at most
PAGES_TTL_MAX): the stories related to last month's story are not this minute's news.

A kept page is kept compressed as well (gzip, as GZipMiddleware would send it), cut where the
token goes: the token is put in as a stored (uncompressed) deflate block, so a visitor whose
browser takes gzip is sent the kept bytes without compressing 20 KB of HTML again.

The pages are kept in a diskcache.Cache (SQLite and files under the data directory), which
every web process of the machine reads and writes safely: a page one process made is every
process's (with `serve --web-processes 2`, twice the kept pages of a cache per process).
"""

from __future__ import annotations

import logging
import math
import sqlite3
import struct
import time
import zlib
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import diskcache
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from newsdesk import __version__
from newsdesk.web.csrf import csrf_token, issued_csrf_token
from newsdesk.web.microcache import spread_ttl
from newsdesk.web.sessions import current_user

PAGES_TTL = 60.0  # as the article page's slots (web/slots.py SLOTS_TTL)
# A page whose news is older is kept longer (age_ttl): a tenth of its age, HTTP's heuristic
# freshness (RFC 9111, 4.2.2), up to PAGES_TTL_MAX.
AGE_SHARE = 0.1
PAGES_TTL_MAX = 600.0
PAGES_SIZE = 256 * 2**20  # bytes on disk; the least recently stored go first
log = logging.getLogger(__name__)
_TOKEN = b"<!--newsdesk-csrf-token-->"  # no page holds it: text in pages is escaped ("&lt;")


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time
_MEDIA_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class KeptPage:
    """A page as kept: its parts around the token's places, and each part compressed (raw
    deflate, each ending on a byte: the last one ends the stream); with a `stamp`, the page
    is served as kept until `fresh_until`, then while the stamp holds (kept_page)."""

    parts: tuple[bytes, ...]
    deflated: tuple[bytes, ...]
    stamp: Hashable = None
    fresh_until: float = math.inf  # time.time()
    ends: float = math.inf  # time.time() the page is no longer kept at all

    @classmethod
    def of(cls, body: bytes) -> KeptPage:
        parts = tuple(body.split(_TOKEN))
        deflated = []
        for i, part in enumerate(parts):
            packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
            last = i == len(parts) - 1
            deflated.append(
                packer.compress(part) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
            )
        return cls(parts, tuple(deflated))

    def body(self, token: bytes) -> bytes:
        return token.join(self.parts)

    def gzipped(self, token: bytes) -> bytes:
        """The gzip stream of body(token): the kept parts with the token between them as
        stored blocks (a deflate block may be stored as is)."""
        stored = b"\x00" + struct.pack("<HH", len(token), len(token) ^ 0xFFFF) + token
        crc = 0
        for i, part in enumerate(self.parts):
            crc = zlib.crc32(part, crc if i == 0 else zlib.crc32(token, crc))
        size = sum(map(len, self.parts)) + len(token) * (len(self.parts) - 1)
        trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
        return _GZIP_HEADER + stored.join(self.deflated) + trailer


def open_pages(data_dir: Path) -> diskcache.Cache:
    """The machine's kept pages (one per data directory), for app.state.public_pages."""
    return diskcache.Cache(str(data_dir / "cache" / "pages"), size_limit=PAGES_SIZE, timeout=1)


def age_ttl(changed: datetime | None, now: datetime | None = None) -> float:
    """Seconds to keep a page whose news last changed at `changed` (see AGE_SHARE): a page of
    this hour's story a minute, of last week's ten. None (unknown): PAGES_TTL."""
    if changed is None:
        return PAGES_TTL
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - changed).total_seconds()
    return min(PAGES_TTL_MAX, max(PAGES_TTL, AGE_SHARE * age))


def kept_page(
    request: Request,
    key: Callable[[], Hashable],
    make: Callable[[], Response],
    ttl: Callable[[], float] = lambda: PAGES_TTL,
    stamp: Callable[[], Hashable] | None = None,
    life: Callable[[], float] = lambda: PAGES_TTL_MAX,
) -> Response:
    """For a reader not signed in, the page kept for key() with this visitor's CSRF token,
    else make() (kept when it is a 200, ttl() seconds, called after key()); for a signed-in
    reader, make().

    With `stamp` (what the page is made of: equal stamps, the same page), a page past its
    ttl() is not made again while stamp() is what it was when the page was made, as HTTP
    revalidates a kept response (RFC 9111, 4.3): it is kept another ttl(), up to life()
    seconds (called after make()) from when it was made. A search page of last month's news
    on a site where nothing new was stored is a stamp read, not a search."""
    if current_user(request) is not None:
        return make()
    pages: diskcache.Cache = request.app.state.public_pages
    name = repr((__version__, key()))  # a new version's templates: other pages
    try:
        body = pages.get(name)
    except diskcache.Timeout:  # another process writing for over a second: make it
        body = None
    except _BROKEN as exc:  # the cache's files gone or unreadable: pages are made, not kept
        log.warning("kept pages unavailable (%s): making the page", exc)
        body = None
    if isinstance(body, KeptPage) and not _fresh(body, pages, name, stamp, ttl):
        body = None
    if isinstance(body, KeptPage):
        mine = csrf_token(request).encode() if len(body.parts) > 1 else b""
        if _takes_gzip(request):
            return Response(body.gzipped(mine), media_type=_MEDIA_TYPE, headers=_GZIPPED)
        return HTMLResponse(body.body(mine))
    was = stamp() if stamp is not None else None  # before make(): a change meanwhile shows
    response = make()
    if response.status_code == 200:
        issued = (issued_csrf_token(request) or "").encode()
        made = bytes(response.body)
        kept = KeptPage.of(made.replace(issued, _TOKEN) if issued else made)
        fresh = ttl()
        keep = spread_ttl(fresh)
        lasts = min(life(), PAGES_TTL_MAX) if stamp is not None else 0.0
        if lasts > fresh:  # room to keep it on (else it is made again, as a page without stamp)
            now = time.time()
            kept = replace(kept, stamp=was, fresh_until=now + keep, ends=now + lasts)
            keep = lasts
        with suppress(diskcache.Timeout, *_BROKEN):  # not kept this time
            pages.set(name, kept, keep)
        if _takes_gzip(request):  # compressed once: as kept
            response.body = kept.gzipped(issued)
            response.headers.update(_GZIPPED | {"content-length": str(len(response.body))})
    return response


def _fresh(
    body: KeptPage,
    pages: diskcache.Cache,
    name: str,
    stamp: Callable[[], Hashable] | None,
    ttl: Callable[[], float],
) -> bool:
    """Whether a kept page may be sent: within its time, or past it with its stamp unchanged
    (then kept another ttl(), within its life)."""
    now = time.time()
    if now < body.fresh_until:
        return True
    if stamp is None or body.stamp is None or stamp() != body.stamp or now >= body.ends:
        return False
    renewed = replace(body, fresh_until=min(now + spread_ttl(ttl()), body.ends))
    with suppress(diskcache.Timeout, *_BROKEN):
        pages.set(name, renewed, body.ends - now)
    return True


_GZIPPED = {"content-encoding": "gzip", "vary": "Accept-Encoding"}
_BROKEN = (sqlite3.Error, OSError)  # a cache that fails never fails the page


def _takes_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")
