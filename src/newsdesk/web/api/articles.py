"""Articles, search and outlets (anyone may read; marks appear when signed in)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from newsdesk.search import Entry, filters
from newsdesk.store.db import session_scope
from newsdesk.store.search import MARK_END, MARK_START
from newsdesk.web import queries, reading, searching
from newsdesk.web.api import common, schemas
from newsdesk.web.api.deps import OptionalViewer
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.comments import comment_counts
from newsdesk.web.request import TurnRoute, engine_of
from newsdesk.web.templating import highlight

router = APIRouter(tags=["articles"], route_class=TurnRoute)

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
    group: Annotated[
        Literal["article", "story"],
        Query(
            description="article: every article (the default); story: one entry per story, "
            "its first article in this order, with the story's other outlets in `story`"
        ),
    ] = "article",
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
        by_story=group == "story",
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
    summary='Search: words (stemmed; "phrases", OR, -exclusions), other names and meaning',
    description="The search of the /search page: one item per story, best first or newest "
    "first; articles close in meaning count too (English), as do other names of the names "
    'typed (Turkey: Türkiye). The query language: every word must appear, "a phrase" in '
    'that order, a OR b either, -word or -"a phrase" must not.',
)
def search(
    request: Request,
    viewer: OptionalViewer,
    q: Annotated[str, Query(min_length=1, max_length=1000, examples=["profits"])],
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
    sort: Annotated[
        Literal["relevance", "date"], Query(description="relevance (the default) or date")
    ] = "relevance",
    outlet: Annotated[str | None, Query(max_length=256, description="Only this outlet")] = None,
    lang: Annotated[
        str | None, Query(max_length=16, description="Only this language (e.g. en)")
    ] = None,
    since: Annotated[date | None, Query(description="Published on or after this day")] = None,
    until: Annotated[date | None, Query(description="Published on or before this day")] = None,
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
    engine = engine_of(request)
    with session_scope(engine) as session:
        found = searching.find(
            request,
            session,
            query,
            filters=filters(outlet, lang, since, until),
            sort=sort,
            offset=offset,
            limit=limit,
            language=lang,
        )
        signed_in = viewer is not None
        entries = {
            e.article.id: e
            for e in reading.entries_by_ids(
                session,
                viewer.id if viewer else None,
                [h.article.id for h in [*found.entries, *found.nearest]],
            )
        }

        def hit(entry: Entry) -> schemas.SearchHit | None:
            listed = entries.get(entry.article.id)
            if listed is None:
                return None
            article = common.article(request, listed, signed_in)
            if entry.story is not None:
                article.story = schemas.StoryGroup(
                    id=entry.story.id,
                    link=common.site_url(request, entry.story.url),
                    article_count=entry.story.article_count,
                    other_outlets=[
                        schemas.OtherOutlet(
                            outlet=o.outlet,
                            article_id=o.article_id,
                            link=common.site_url(request, f"/articles/{o.article_id}"),
                            article_count=o.articles,
                        )
                        for o in entry.others
                    ],
                )
            return schemas.SearchHit(
                article=article,
                snippet=entry.snippet.replace(MARK_START, "").replace(MARK_END, ""),
                snippet_html=str(highlight(entry.snippet)),
                matched=entry.matched,
            )

        items = [h for h in map(hit, found.entries) if h is not None]
        nearest = [h for h in map(hit, found.nearest) if h is not None]
    more = found.more and offset + limit <= MAX_SEARCH_OFFSET
    return schemas.SearchPage(
        query=query,
        items=items,
        next_cursor=f"s.{offset + limit}" if more else None,
        exact=found.exact,
        tags=[
            schemas.Tag(
                kind="entity" if t.is_entity else "hashtag",
                type=t.kind,
                key=t.key,
                slug=t.slug,
                name=t.label,
                article_count=t.count,
                link=common.site_url(request, t.url),
                following=None,
            )
            for t in found.tags
        ],
        synonyms=found.synonyms,
        nearest=nearest,
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
