"""Helpers shared by the API routes: conversions, cursors, absolute links."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from newsdesk.store.models import Article as ArticleRow
from newsdesk.store.models import Feed as FeedRow
from newsdesk.web.api import schemas
from newsdesk.web.api.errors import ApiError
from newsdesk.web.reading import Entry, Position
from newsdesk.web.templating import quote_path

CursorParam = Annotated[
    str | None,
    Query(max_length=64, description="Opaque: the next_cursor of the previous page"),
]
LimitParam = Annotated[int, Query(ge=1, le=100, description="Items per page")]


def site_url(request: Request, path: str) -> str:
    """An absolute URL on this site (behind a proxy: as the ASGI server reports it)."""
    return str(request.base_url).rstrip("/") + path


def position(raw: str | None) -> Position | None:
    if not raw:
        return None
    pos = Position.decode(raw)
    if pos is None:
        raise ApiError(400, "invalid_cursor", "That cursor is not valid: start again without it.")
    return pos


def article(request: Request, entry: Entry, signed_in: bool) -> schemas.Article:
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
        excerpt=" ".join(entry.excerpt.split())[:600],
        read=entry.read if signed_in else None,
        starred=entry.starred if signed_in else None,
    )


def feed(row: FeedRow) -> schemas.Feed:
    return schemas.Feed(
        id=row.id, url=row.url, title=row.title, site_url=row.site_url, category=row.category
    )


def feed_ref(row: FeedRow) -> schemas.FeedRef:
    return schemas.FeedRef(id=row.id, title=row.name, url=row.url)


def outlet_link(request: Request, name: str) -> str:
    return site_url(request, f"/outlets/{quote_path(name)}")


def entry_of(row: ArticleRow, excerpt: str = "") -> Entry:
    return Entry(row, excerpt or (row.text or "")[:600])
