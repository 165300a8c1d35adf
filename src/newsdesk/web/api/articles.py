"""Articles, search and outlets (anyone may read; marks appear when signed in)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from newsdesk.store.db import session_scope
from newsdesk.store.search import MARK_END, MARK_START
from newsdesk.store.search import search as fts_search
from newsdesk.web import queries, reading
from newsdesk.web.api import common, schemas
from newsdesk.web.api.deps import OptionalViewer
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.comments import comment_counts
from newsdesk.web.request import engine_of
from newsdesk.web.templating import highlight

router = APIRouter(tags=["articles"])

MAX_QUERY_CHARS = 200
MAX_SEARCH_OFFSET = 1000
_SEARCH_CURSOR = re.compile(r"s\.(\d{1,4})")
ArticleId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]


@router.get(
    "/articles",
    response_model=schemas.ArticlePage,
    responses=responses(400, 401, 422),
    summary="Latest articles, newest first",
)
def list_articles(
    request: Request,
    viewer: OptionalViewer,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
    outlet: Annotated[str | None, Query(max_length=256)] = None,
    feed_id: Annotated[int | None, Query(ge=1, le=queries.MAX_ID)] = None,
    unread: Annotated[
        bool | None, Query(description="true: only unread; false: only read (signed in)")
    ] = None,
    starred: Annotated[
        bool | None, Query(description="Only starred / unstarred (signed in)")
    ] = None,
    oldest_first: bool = False,
) -> schemas.ArticlePage:
    if (unread is not None or starred is not None) and viewer is None:
        raise ApiError(401, message="The unread and starred filters need you to be signed in.")
    source = "feed" if feed_id is not None else "outlet" if outlet else "all"
    listing = reading.Listing(
        source=source,
        user_id=viewer.id if viewer else None,
        feed_id=feed_id,
        outlet=outlet,
        read=None if unread is None else not unread,
        starred=starred,
        oldest_first=oldest_first,
    )
    with session_scope(engine_of(request)) as session:
        page = reading.list_entries(session, listing, common.position(cursor), limit)
    return schemas.ArticlePage(
        items=[common.article(request, e, viewer is not None) for e in page.items],
        next_cursor=page.next.encode() if page.next else None,
    )


@router.get(
    "/articles/{article_id}",
    response_model=schemas.ArticleDetail,
    responses=responses(401, 404, 422),
    summary="One article with its full text",
)
def get_article(
    request: Request, viewer: OptionalViewer, article_id: ArticleId
) -> schemas.ArticleDetail:
    with session_scope(engine_of(request)) as session:
        row = queries.article(session, article_id)
        if row is None:
            raise ApiError(404, message="There is no article with that number.")
        entries = reading.entries_by_ids(session, viewer.id if viewer else None, [row.id])
        feeds = queries.article_feeds(session, row.id)
        comments = comment_counts(session, [row.id]).get(row.id, 0)
        base = common.article(request, entries[0], viewer is not None)
        return schemas.ArticleDetail(
            **base.model_dump(),
            text=row.text or "",
            html=row.html or "",
            summary=row.summary,
            word_count=row.word_count or len((row.text or "").split()),
            feeds=[common.feed_ref(f) for f in feeds],
            comment_count=comments,
        )


@router.get(
    "/search",
    response_model=schemas.SearchPage,
    responses=responses(400, 401, 422),
    summary="Full-text search, best matches first",
)
def search(
    request: Request,
    viewer: OptionalViewer,
    q: Annotated[str, Query(min_length=1, max_length=1000, examples=["profits"])],
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
) -> schemas.SearchPage:
    query = " ".join(q.split())[:MAX_QUERY_CHARS]
    offset = 0
    if cursor:
        match = _SEARCH_CURSOR.fullmatch(cursor)
        if match is None or int(match[1]) > MAX_SEARCH_OFFSET:
            raise ApiError(
                400, "invalid_cursor", "That cursor is not valid: start again without it."
            )
        offset = int(match[1])
    with session_scope(engine_of(request)) as session:
        hits = fts_search(session, query, limit=limit + 1, offset=offset) if query else []
        more = len(hits) > limit and offset + limit <= MAX_SEARCH_OFFSET
        hits = hits[:limit]
        uid = viewer.id if viewer else None
        entries = {
            e.article.id: e
            for e in reading.entries_by_ids(session, uid, [h.article.id for h in hits])
        }
        items = [
            schemas.SearchHit(
                article=common.article(request, entries[h.article.id], viewer is not None),
                snippet=h.snippet.replace(MARK_START, "").replace(MARK_END, ""),
                snippet_html=str(highlight(h.snippet)),
            )
            for h in hits
            if h.article.id in entries
        ]
    return schemas.SearchPage(
        query=query, items=items, next_cursor=f"s.{offset + limit}" if more else None
    )


@router.get(
    "/outlets",
    response_model=list[schemas.Outlet],
    responses=responses(401),
    summary="Every outlet with its article count",
)
def list_outlets(request: Request, viewer: OptionalViewer) -> list[schemas.Outlet]:
    with session_scope(engine_of(request)) as session:
        rows = queries.outlets(session)
    return [
        schemas.Outlet(name=name, article_count=n, link=common.outlet_link(request, name))
        for name, n in rows
    ]
