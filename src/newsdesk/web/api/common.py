"""Helpers shared by the API routes: conversions, cursors, absolute links."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Query, Request

from newsdesk.store.models import Feed as FeedRow
from newsdesk.web.api import schemas
from newsdesk.web.api.errors import ApiError
from newsdesk.web.reading import ListedArticle, Position
from newsdesk.web.templating import quote_path

CursorParam = Annotated[
    str | None,
    Query(max_length=64, description="Opaque: the next_cursor of the previous page"),
]
LimitParam = Annotated[int, Query(ge=1, le=100, description="Items per page")]
# Where create_app() points absolute links when neither NEWSDESK_BASE_URL nor `serve`'s
# --host/--port say: a constant (never the Host header), harmless if it leaks.
DEFAULT_BASE_URL = "http://localhost"
# RFC 3986 pchar sub-delims and ":@" stay as they are; everything else is percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;="
QUERY_SAFE = PATH_SAFE + "?%"
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def normalize_base_url(raw: str) -> str:
    """`raw` checked as a base for absolute links (http(s)://HOST[:PORT][/PATH], URI
    characters only), without a trailing slash; ValueError if it is not one."""
    value = raw.strip()
    parts = urlsplit(value)
    valid = (
        _URI_CHARS.fullmatch(value) is not None
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not (parts.query or parts.fragment or "@" in parts.netloc)
    )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(f"not an http(s)://HOST URL (a :PORT and /PATH may follow): {raw!r}")
    return value.rstrip("/")


def base_url(request: Request) -> str:
    """The configured base of every absolute link (app.state.base_url), never the Host header."""
    return str(getattr(request.app.state, "base_url", DEFAULT_BASE_URL))


def site_url(request: Request, path: str) -> str:
    """An absolute URL on this site: the configured base URL + `path` (already encoded)."""
    return base_url(request) + path


def request_path(request: Request) -> str:
    """This request's path, percent-encoded (from the decoded ASGI path: Starlette's
    request.url.path leaves it half-encoded)."""
    return quote(request.scope["path"], safe=PATH_SAFE)


def request_path_url(request: Request, query: bool = False) -> str:
    """This request's path (a valid URI path), optionally with its query, as an absolute URL
    on the configured base."""
    path = request_path(request)
    if query and request.url.query:
        path += "?" + quote(request.url.query, safe=QUERY_SAFE)
    return site_url(request, path)


def position(raw: str | None) -> Position | None:
    if not raw:
        return None
    pos = Position.decode(raw)
    if pos is None:
        raise ApiError(400, "invalid_cursor", "That cursor is not valid: start again without it.")
    return pos


def article(request: Request, entry: ListedArticle, signed_in: bool) -> schemas.Article:
    a = entry.article
    return schemas.Article(
        id=a.id,
        title=a.title or "",
        url=a.url,
        link=site_url(request, f"/articles/{a.id}"),
        author=a.author,
        outlet=a.outlet or "",
        published_at=a.published_at,
        fetched_at=a.fetched_at,
        language=a.language,
        image_url=a.image_url,
        thumbnail_url=thumbnail_url(request, a.image_url),
        excerpt=" ".join(entry.excerpt.split())[:600],
        teaser_only=a.teaser_only,
        read=entry.read if signed_in else None,
        starred=entry.starred if signed_in else None,
        story=story_group(request, entry) if entry.story_id else None,
    )


def thumbnail_url(request: Request, image_url: str | None) -> str | None:
    """``image_url`` through the image proxy (newsdesk.web.images), as an absolute URL."""
    proxy = getattr(request.app.state, "images", None)
    path = proxy.path(image_url) if proxy is not None else ""
    return site_url(request, path) if path else None


def story_group(request: Request, entry: ListedArticle) -> schemas.StoryGroup:
    """The story a grouped listing's entry stands for, with its other outlets."""
    return schemas.StoryGroup(
        id=entry.story_id or 0,
        link=site_url(request, f"/stories/{entry.story_id}"),
        article_count=entry.story_articles,
        other_outlets=[
            schemas.OtherOutlet(
                outlet=o.outlet,
                article_id=o.article_id,
                link=site_url(request, f"/articles/{o.article_id}"),
                article_count=o.articles,
            )
            for o in entry.others
        ],
    )


def feed(row: FeedRow) -> schemas.Feed:
    return schemas.Feed(
        id=row.id, url=row.url, title=row.title, site_url=row.site_url, category=row.category
    )


def feed_ref(row: FeedRow) -> schemas.FeedRef:
    return schemas.FeedRef(id=row.id, title=row.name, url=row.url)


def outlet_link(request: Request, name: str) -> str:
    return site_url(request, f"/outlets/{quote_path(name)}")
