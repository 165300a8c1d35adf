"""Stories, hashtags and entities (registered when newsdesk.store.models_ai exists)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from newsdesk.store.db import session_scope
from newsdesk.store.models_ai import ArticleTag, Enrichment
from newsdesk.store.models_ai import Story as StoryRow
from newsdesk.store.models_ai import Tag as TagRow
from newsdesk.store.models_readers import Follow
from newsdesk.web import ai_links, queries, reading
from newsdesk.web.api import common, schemas
from newsdesk.web.api.deps import OptionalViewer, engine
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.auth import Viewer
from newsdesk.web.templating import quote_path

router = APIRouter(tags=["stories and tags"])
MAX_OFFSET = 1000
STORY_ARTICLES = 100
_OFFSET = re.compile(r"o\.(\d{1,4})")
Slug = Annotated[str, Path(min_length=1, max_length=255, examples=["Brexit"])]
StoryId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    match = _OFFSET.fullmatch(cursor)
    if match is None or int(match[1]) > MAX_OFFSET:
        raise ApiError(400, "invalid_cursor", "That cursor is not valid: start again without it.")
    return int(match[1])


def _next(offset: int, limit: int, more: bool) -> str | None:
    return f"o.{offset + limit}" if more and offset + limit <= MAX_OFFSET else None


# --- tags ------------------------------------------------------------------------------------


def _is_hashtag() -> Any:
    return exists().where(ArticleTag.tag_id == TagRow.id, ArticleTag.is_hashtag.is_(True))


def _kind_filter(kind: str) -> Any:
    return _is_hashtag() if kind == "hashtag" else TagRow.kind.in_(ai_links.ENTITY_KINDS)


def _followed(session: Session, viewer: Viewer | None, keys: list[str]) -> set[str]:
    if viewer is None or not keys:
        return set()
    rows = session.scalars(
        select(Follow.key).where(Follow.user_id == viewer.id, Follow.key.in_(keys))
    )
    return set(rows)


def _tag(
    request: Request, row: TagRow, kind: str, following: set[str], signed_in: bool
) -> schemas.Tag:
    key = row.slug.lower()
    path = ai_links.TAG_PAGE.format(slug=quote_path(row.slug))
    return schemas.Tag(
        kind=kind,  # type: ignore[arg-type]
        type=row.kind,
        key=key,
        slug=row.slug,
        name=row.label,
        article_count=row.article_count or 0,
        link=common.site_url(request, path),
        following=(key in following) if signed_in else None,
    )


def _list_tags(
    request: Request, viewer: Viewer | None, kind: str, cursor: str | None, limit: int
) -> schemas.TagPage:
    offset = _offset(cursor)
    with session_scope(engine(request)) as session:
        rows = list(
            session.scalars(
                select(TagRow)
                .where(_kind_filter(kind))
                .order_by(TagRow.article_count.desc(), TagRow.id)
                .offset(offset)
                .limit(limit + 1)
            )
        )
        more = len(rows) > limit
        rows = rows[:limit]
        following = _followed(session, viewer, [r.slug.lower() for r in rows])
        items = [_tag(request, r, kind, following, viewer is not None) for r in rows]
    return schemas.TagPage(items=items, next_cursor=_next(offset, limit, more))


def _tag_detail(
    request: Request, viewer: Viewer | None, kind: str, slug: str, cursor: str | None, limit: int
) -> schemas.TagDetail:
    with session_scope(engine(request)) as session:
        row = session.scalar(
            select(TagRow).where(
                func.lower(TagRow.slug) == slug.lstrip("#").lower(), _kind_filter(kind)
            )
        )
        if row is None:
            raise ApiError(404, message=f"There is no {kind} {slug!r}.")
        following = _followed(session, viewer, [row.slug.lower()])
        tag = _tag(request, row, kind, following, viewer is not None)
        listing = reading.Listing(
            source="tag", tag_id=row.id, user_id=viewer.id if viewer else None
        )
        page = reading.list_entries(session, listing, common.position(cursor), limit)
        articles = schemas.ArticlePage(
            items=[common.article(request, e, viewer is not None) for e in page.items],
            next_cursor=page.next.encode() if page.next else None,
        )
    return schemas.TagDetail(**tag.model_dump(), articles=articles)


@router.get("/hashtags", response_model=schemas.TagPage, responses=responses(400, 401, 422))
def list_hashtags(
    request: Request,
    viewer: OptionalViewer,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 50,
) -> schemas.TagPage:
    """Hashtags, most used first."""
    return _list_tags(request, viewer, "hashtag", cursor, limit)


@router.get(
    "/hashtags/{slug}", response_model=schemas.TagDetail, responses=responses(400, 401, 404, 422)
)
def get_hashtag(
    request: Request,
    viewer: OptionalViewer,
    slug: Slug,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
) -> schemas.TagDetail:
    """A hashtag and its articles, newest first (cursor pages the articles)."""
    return _tag_detail(request, viewer, "hashtag", slug, cursor, limit)


@router.get("/entities", response_model=schemas.TagPage, responses=responses(400, 401, 422))
def list_entities(
    request: Request,
    viewer: OptionalViewer,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 50,
) -> schemas.TagPage:
    """People, organizations and places, most mentioned first."""
    return _list_tags(request, viewer, "entity", cursor, limit)


@router.get(
    "/entities/{slug}", response_model=schemas.TagDetail, responses=responses(400, 401, 404, 422)
)
def get_entity(
    request: Request,
    viewer: OptionalViewer,
    slug: Slug,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
) -> schemas.TagDetail:
    """An entity and its articles, newest first."""
    return _tag_detail(request, viewer, "entity", slug, cursor, limit)


# --- stories ---------------------------------------------------------------------------------


def _story(request: Request, row: StoryRow) -> schemas.Story:
    summary = row.summary if isinstance(row.summary, list) else None
    return schemas.Story(
        id=row.id,
        title=row.title or "",
        summary=[str(s) for s in summary] if summary else None,
        article_count=row.article_count or 0,
        outlet_count=row.outlet_count or 0,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        link=common.site_url(request, ai_links.STORY_PAGE.format(id=row.id)),
    )


def top_stories(session: Session, offset: int, limit: int) -> list[StoryRow]:
    """Stories by score (highest first), then most recent."""
    has_articles = exists().where(and_(Enrichment.story_id == StoryRow.id))
    return list(
        session.scalars(
            select(StoryRow)
            .where(has_articles)
            .order_by(StoryRow.score.desc(), StoryRow.last_seen.desc(), StoryRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )


@router.get("/stories", response_model=schemas.StoryPage, responses=responses(400, 401, 422))
def list_stories(
    request: Request,
    viewer: OptionalViewer,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
) -> schemas.StoryPage:
    """Top stories: the news events covered by the most outlets lately."""
    offset = _offset(cursor)
    with session_scope(engine(request)) as session:
        rows = top_stories(session, offset, limit + 1)
        more = len(rows) > limit
        items = [_story(request, r) for r in rows[:limit]]
    return schemas.StoryPage(items=items, next_cursor=_next(offset, limit, more))


@router.get(
    "/stories/{story_id}", response_model=schemas.StoryDetail, responses=responses(401, 404, 422)
)
def get_story(request: Request, viewer: OptionalViewer, story_id: StoryId) -> schemas.StoryDetail:
    """A story and its articles."""
    with session_scope(engine(request)) as session:
        row = session.get(StoryRow, story_id)
        if row is None:
            raise ApiError(404, message="There is no story with that number.")
        listing = reading.Listing(
            source="story", story_id=row.id, user_id=viewer.id if viewer else None
        )
        page = reading.list_entries(session, listing, None, STORY_ARTICLES)
        story = _story(request, row)
        articles = [common.article(request, e, viewer is not None) for e in page.items]
    return schemas.StoryDetail(**story.model_dump(), articles=articles)
