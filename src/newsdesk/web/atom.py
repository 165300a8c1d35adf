"""Atom 1.0 feeds out: latest articles, each outlet, your starred articles (private URL), and,
with the AI tables, top stories, each story and each hashtag.

Built with lxml (so every title, name and summary is escaped by the serializer, never by
hand); links are absolute, on the configured base URL (never the Host header), and
percent-encoded; times are RFC 3339 UTC.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from lxml import etree

from newsdesk import __version__
from newsdesk.forksafe import LXML
from newsdesk.store.db import session_scope
from newsdesk.tokens import FEED_SCOPES, resolve_token
from newsdesk.web import queries, reading
from newsdesk.web.api.common import base_url, request_path_url, site_url
from newsdesk.web.request import TurnRoute, engine_of
from newsdesk.web.templating import excerpt as shorten
from newsdesk.web.templating import quote_path, safe_url

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
FEED_SIZE = 50
SUMMARY_CHARS = 500
# Characters XML 1.0 cannot carry at all (C0 controls but tab/newline/CR, surrogates, U+FFFE/F)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

router = APIRouter(route_class=TurnRoute)


def xml_text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def rfc3339(dt: datetime) -> str:
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AtomEntry:
    id: str
    title: str
    link: str
    updated: datetime
    author: str
    summary: str = ""
    published: datetime | None = None
    related: str | None = None  # the original article
    categories: list[str] = field(default_factory=list)


@dataclass
class AtomFeed:
    id: str
    title: str
    self_url: str
    alternate_url: str
    subtitle: str | None = None
    entries: list[AtomEntry] = field(default_factory=list)
    updated: datetime | None = None


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(
        parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def render_feed(feed: AtomFeed) -> bytes:
    with LXML:  # no fork while lxml runs (see newsdesk.forksafe)
        return _render_feed(feed)


def _render_feed(feed: AtomFeed) -> bytes:
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title, type="text")
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle, type="text")
    updated = feed.updated or max(
        (e.updated for e in feed.entries), default=datetime(1970, 1, 1, tzinfo=UTC)
    )
    _sub(root, "updated", rfc3339(updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    author = _sub(root, "author")
    _sub(author, "name", "newsdesk")
    _sub(root, "generator", "newsdesk", version=__version__)
    for entry in feed.entries:
        item = _sub(root, "entry")
        _sub(item, "id", entry.id)
        _sub(item, "title", entry.title or "(untitled)", type="text")
        _sub(item, "link", rel="alternate", type="text/html", href=entry.link)
        if entry.related:
            _sub(item, "link", rel="related", type="text/html", href=entry.related)
        _sub(item, "updated", rfc3339(entry.updated))
        if entry.published is not None:
            _sub(item, "published", rfc3339(entry.published))
        person = _sub(item, "author")
        _sub(person, "name", entry.author or "Unknown")
        for term in entry.categories:
            if xml_text(term):
                _sub(item, "category", term=term)
        _sub(item, "summary", entry.summary, type="text")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def article_entry(request: Request, entry: reading.ListedArticle) -> AtomEntry:
    a = entry.article
    when = a.published_at or a.fetched_at
    link = site_url(request, f"/articles/{a.id}")
    return AtomEntry(
        id=link,
        title=a.title or "(untitled)",
        link=link,
        updated=when,
        published=a.published_at,
        author=a.author or a.outlet or "Unknown",
        summary=shorten(entry.excerpt, SUMMARY_CHARS),
        related=safe_url(a.url) or None,
        categories=[a.outlet] if a.outlet else [],
    )


def atom_response(request: Request, feed: AtomFeed, cache: str = "public, max-age=300") -> Response:
    body = render_feed(feed)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": cache, "X-Robots-Tag": "noindex"}
    match = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ATOM_TYPE, headers=headers)


def articles_feed(
    request: Request,
    listing: reading.Listing,
    *,
    feed_id: str,
    title: str,
    alternate: str,
    subtitle: str | None = None,
) -> AtomFeed:
    with session_scope(engine_of(request)) as session:
        page = reading.list_entries(session, listing, None, FEED_SIZE)
        entries = [article_entry(request, e) for e in page.items]
    return AtomFeed(
        id=feed_id,
        title=title,
        subtitle=subtitle,
        self_url=request_path_url(request),
        alternate_url=site_url(request, alternate),
        entries=entries,
    )


def entries_feed(
    request: Request,
    entries: Iterable[AtomEntry],
    *,
    title: str,
    alternate: str,
    feed_id: str | None = None,
    subtitle: str | None = None,
) -> AtomFeed:
    url = request_path_url(request)
    return AtomFeed(
        id=feed_id or url,
        subtitle=subtitle,
        title=title,
        self_url=url,
        alternate_url=site_url(request, alternate),
        entries=list(entries),
    )


@router.get("/feeds/latest.atom", name="atom_latest")
def latest(request: Request) -> Response:
    feed = articles_feed(
        request,
        reading.Listing(source="all"),
        feed_id=site_url(request, "/feeds/latest.atom"),
        title="newsdesk: latest news",
        alternate="/",
    )
    return atom_response(request, feed)


@router.get("/feeds/outlets/{name:path}.atom", name="atom_outlet")
def outlet(request: Request, name: str) -> Response:
    with session_scope(engine_of(request)) as session:
        known = bool(name) and queries.outlet_count(session, name) > 0
    if not known:
        raise HTTPException(404, "There are no articles from that outlet.")
    path = f"/outlets/{quote_path(name)}"
    feed = articles_feed(
        request,
        reading.Listing(source="outlet", outlet=name),
        feed_id=site_url(request, f"/feeds{path}.atom"),
        title=f"newsdesk: {name}",
        alternate=path,
    )
    return atom_response(request, feed)


@router.get("/feeds/starred/{token}.atom", name="atom_starred")
def starred(request: Request, token: str) -> Response:
    with session_scope(engine_of(request)) as session:
        viewer = resolve_token(session, token, FEED_SCOPES)
    if viewer is None:
        raise HTTPException(404, "There is no feed here.")
    with session_scope(engine_of(request)) as session:
        entries = [
            article_entry(request, e)
            for e in reading.starred_entries(session, viewer.id, FEED_SIZE)
        ]
    feed = entries_feed(
        request,
        entries,
        title=f"newsdesk: starred by {viewer.username}",
        alternate="/me/starred",
        feed_id=f"tag:{urlsplit(base_url(request)).hostname},2024:newsdesk/starred/{viewer.id}",
    )
    return atom_response(request, feed, cache="private, max-age=60")
