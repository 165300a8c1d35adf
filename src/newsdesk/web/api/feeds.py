"""Feeds: anyone may list them (as on /sources); only admins add (newsdesk.subscriptions) and
remove them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from newsdesk import subscriptions
from newsdesk.store.db import session_scope
from newsdesk.store.models import Feed as FeedRow
from newsdesk.store.models import FeedArticle
from newsdesk.web import queries
from newsdesk.web.api import schemas
from newsdesk.web.api.deps import AdminViewer, OptionalViewer
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.request import TurnRoute, engine_of

router = APIRouter(prefix="/feeds", tags=["feeds"], route_class=TurnRoute)
FeedId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[2])]


def _admin(row: FeedRow, count: int) -> schemas.FeedAdmin:
    return schemas.FeedAdmin(
        id=row.id,
        url=row.url,
        title=row.title,
        site_url=row.site_url,
        category=row.category,
        added_at=row.added_at,
        last_fetched_at=row.last_fetched_at,
        last_success_at=row.last_success_at,
        next_fetch_at=row.next_fetch_at,
        last_error=row.last_error,
        error_count=row.error_count or 0,
        article_count=count,
    )


@router.get(
    "",
    response_model=list[schemas.FeedAdmin],
    responses=responses(401),
    summary="Every feed with its health (the same facts as the /sources page)",
)
def list_feeds(request: Request, viewer: OptionalViewer) -> list[schemas.FeedAdmin]:
    with session_scope(engine_of(request)) as session:
        return [_admin(h.feed, h.article_count) for h in queries.feed_health(session)]


@router.get(
    "/{feed_id}",
    response_model=schemas.FeedAdmin,
    responses=responses(401, 404, 422),
)
def get_feed(request: Request, viewer: OptionalViewer, feed_id: FeedId) -> schemas.FeedAdmin:
    with session_scope(engine_of(request)) as session:
        row = session.get(FeedRow, feed_id)
        if row is None:
            raise ApiError(404, message="There is no feed with that id.")
        count = session.scalar(
            select(func.count(FeedArticle.article_id)).where(FeedArticle.feed_id == feed_id)
        )
        return _admin(row, count or 0)


@router.post(
    "",
    response_model=schemas.FeedAdmin,
    status_code=201,
    responses=responses(400, 401, 403, 409, 422),
    summary="Add a feed (admins); it is fetched at the next refresh",
)
def add_feed(request: Request, viewer: AdminViewer, body: schemas.FeedCreate) -> schemas.FeedAdmin:
    try:
        with session_scope(engine_of(request)) as session:
            row = subscriptions.add_feed(
                session, body.url, title=body.title, category=body.category
            )
            return _admin(row, 0)
    except subscriptions.InvalidFeedURL as exc:
        raise ApiError(400, "invalid_url", str(exc)) from exc
    except (subscriptions.FeedExists, IntegrityError) as exc:  # IntegrityError: added concurrently
        raise ApiError(409, "feed_exists", "There is already a feed with that URL.") from exc


@router.delete(
    "/{feed_id}",
    status_code=204,
    responses=responses(401, 403, 404, 422),
    summary="Remove a feed (admins): subscriptions to it go too; articles stay",
)
def remove_feed(request: Request, viewer: AdminViewer, feed_id: FeedId) -> Response:
    with session_scope(engine_of(request)) as session:
        row = session.get(FeedRow, feed_id)
        if row is None:
            raise ApiError(404, message="There is no feed with that id.")
        session.delete(row)
    return Response(status_code=204)
