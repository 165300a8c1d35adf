"""Stories, hashtags and entities, as the read model newsdesk.stories.views has them (the
same stories and tags as the HTML pages and the Atom feeds)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.accounts import Viewer
from newsdesk.nlp.gazetteer import where_country
from newsdesk.store.db import session_scope
from newsdesk.store.models_readers import Follow
from newsdesk.stories import views
from newsdesk.web import queries, reading
from newsdesk.web.api import common, schemas
from newsdesk.web.api.deps import OptionalViewer
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.request import TurnRoute, engine_of

router = APIRouter(tags=["stories and tags"], route_class=TurnRoute)
MAX_OFFSET = 1000
STORY_ARTICLES = 100
_OFFSET = re.compile(r"o\.(\d{1,4})")
Slug = Annotated[str, Path(min_length=1, max_length=255, examples=["Brexit"])]
StoryId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]
ArticleId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]


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


def _followed(session: Session, viewer: Viewer | None, keys: list[str]) -> set[str]:
    if viewer is None or not keys:
        return set()
    rows = session.scalars(
        select(Follow.key).where(Follow.user_id == viewer.id, Follow.key.in_(keys))
    )
    return set(rows)


def _tag(
    request: Request, tag: views.TagLink, kind: views.TagKind, following: set[str], signed_in: bool
) -> schemas.Tag:
    return schemas.Tag(
        kind=kind,
        type=tag.kind,
        key=tag.key,
        slug=tag.slug,
        name=tag.label,
        article_count=tag.count,
        link=common.site_url(request, tag.url),
        following=(tag.key in following) if signed_in else None,
    )


def _list_tags(
    request: Request, viewer: Viewer | None, kind: views.TagKind, cursor: str | None, limit: int
) -> schemas.TagPage:
    offset = _offset(cursor)
    with session_scope(engine_of(request)) as session:
        tags = views.list_tags(session, kind, offset, limit + 1)
        more = len(tags) > limit
        tags = tags[:limit]
        following = _followed(session, viewer, [t.key for t in tags])
        items = [_tag(request, t, kind, following, viewer is not None) for t in tags]
    return schemas.TagPage(items=items, next_cursor=_next(offset, limit, more))


def _tag_detail(
    request: Request,
    viewer: Viewer | None,
    kind: views.TagKind,
    slug: str,
    cursor: str | None,
    limit: int,
) -> schemas.TagDetail:
    with session_scope(engine_of(request)) as session:
        found = views.find_tag(session, slug, kind)
        if found is None:
            raise ApiError(404, message=f"There is no {kind} {slug!r}.")
        following = _followed(session, viewer, [found.key])
        tag = _tag(request, found, kind, following, viewer is not None)
        listing = reading.Listing(
            source="tag", tag_id=found.id, user_id=viewer.id if viewer else None
        )
        page = reading.list_entries(session, listing, common.position(cursor), limit)
        articles = schemas.ArticlePage(
            items=[common.article(request, e, viewer is not None) for e in page.items],
            next_cursor=page.next.encode() if page.next else None,
        )
        died, profile = _explained(request, session, found) if cursor is None else (None, None)
        place = where_country(found.label) if found.kind == "place" and cursor is None else None
    return schemas.TagDetail(
        **tag.model_dump(),
        articles=articles,
        died=died,
        profile=profile,
        located=place.text if place else None,
    )


def _explained(
    request: Request, session: Session, tag: views.TagLink
) -> tuple[str | None, list[schemas.ProfileFact] | None]:
    """An entity's death report and profile, as its explainer page shows them."""
    if not tag.is_entity:
        return None, None
    died = views.death_report_of(session, tag)
    profile = views.entity_profile(session, tag)
    facts = [
        schemas.ProfileFact(
            kind=f.kind,
            sentence=f.sentence,
            when=f.when,
            dated=f.dated,
            detail=f.detail,
            detail_link=common.site_url(request, f.link.url) if f.link else None,
            article_id=f.source.article_id,
            outlet=f.source.outlet,
            title=f.source.title,
            link=common.site_url(request, f"/articles/{f.source.article_id}"),
        )
        for f in (profile.facts() if profile else [])
    ]
    return (died.sentence if died else None), (facts if profile else None)


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
    """An entity, its articles newest first, and (on the first page) the profile its explainer
    page shows: each fact a cited sentence of the coverage."""
    return _tag_detail(request, viewer, "entity", slug, cursor, limit)


# --- stories ---------------------------------------------------------------------------------


def _story(request: Request, card: views.StoryCard) -> schemas.Story:
    return schemas.Story(
        id=card.id,
        title=card.title,
        summary=card.summary or None,
        article_count=card.article_count,
        outlet_count=card.outlet_count,
        first_seen=card.first_seen,
        last_seen=card.last_seen,
        link=common.site_url(request, card.url),
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
    with session_scope(engine_of(request)) as session:
        cards = views.top_stories(session, limit + 1, offset, outlets=False)
        more = len(cards) > limit
        items = [_story(request, c) for c in cards[:limit]]
    return schemas.StoryPage(items=items, next_cursor=_next(offset, limit, more))


@router.get(
    "/stories/{story_id}", response_model=schemas.StoryDetail, responses=responses(401, 404, 422)
)
def get_story(request: Request, viewer: OptionalViewer, story_id: StoryId) -> schemas.StoryDetail:
    """A story and its articles."""
    with session_scope(engine_of(request)) as session:
        card = views.shown_story(session, story_id)
        if card is None:
            raise ApiError(404, message="There is no story with that number.")
        listing = reading.Listing(
            source="story", story_id=card.id, user_id=viewer.id if viewer else None
        )
        page = reading.list_entries(session, listing, None, STORY_ARTICLES)
        story = _story(request, card)
        articles = [common.article(request, e, viewer is not None) for e in page.items]
        figures = [
            schemas.FigureGroup(
                key=g.key,
                what=g.what,
                disagree=g.disagree,
                claims=[
                    schemas.FigureClaim.model_validate(c, from_attributes=True) for c in g.claims
                ],
            )
            for g in views.story_figures(session, card.id)
        ]
    return schemas.StoryDetail(**story.model_dump(), articles=articles, figures=figures)


@router.get(
    "/articles/{article_id}/figures",
    response_model=schemas.FigureList,
    responses=responses(401, 404, 422),
)
def get_article_figures(
    request: Request, viewer: OptionalViewer, article_id: ArticleId
) -> schemas.FigureList:
    """The figure claims of an article, with what they count and who vouches for them."""
    with session_scope(engine_of(request)) as session:
        if queries.article(session, article_id) is None:
            raise ApiError(404, message="There is no article with that number.")
        rows = views.article_figures(session, article_id)
        return schemas.FigureList(
            items=[schemas.Figure.model_validate(f, from_attributes=True) for f in rows]
        )
