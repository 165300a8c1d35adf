"""The signed-in user: tokens, subscriptions, read/starred marks, follows, personal feeds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from newsdesk.store.db import session_scope
from newsdesk.store.models import Feed as FeedRow
from newsdesk.tokens import TokenError, issue_token, list_tokens, revoke_token
from newsdesk.web import queries, reading
from newsdesk.web.api import common, schemas
from newsdesk.web.api.deps import CurrentViewer
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.csrf import csrf_token
from newsdesk.web.request import TurnRoute, engine_of
from newsdesk.web.sessions import get_auth

router = APIRouter(prefix="/me", tags=["you"], route_class=TurnRoute)
FeedId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]
ArticleId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]
TokenId = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]


@router.get("", response_model=schemas.Me, responses=responses(401), summary="Who you are")
def me(request: Request, viewer: CurrentViewer) -> schemas.Me:
    by_cookie = "authorization" not in request.headers and get_auth(request).user is not None
    return schemas.Me(
        id=viewer.id,
        username=viewer.username,
        role=viewer.role,
        csrf_token=csrf_token(request) if by_cookie else None,
    )


# --- tokens ----------------------------------------------------------------------------------


def feed_url(request: Request, secret: str) -> str:
    return common.site_url(request, f"/feeds/starred/{secret}.atom")


@router.get("/tokens", response_model=list[schemas.Token], responses=responses(401))
def get_tokens(request: Request, viewer: CurrentViewer) -> list[schemas.Token]:
    with session_scope(engine_of(request)) as session:
        rows = list_tokens(session, viewer.id)
    return [schemas.Token.model_validate(t, from_attributes=True) for t in rows]


@router.post(
    "/tokens",
    response_model=schemas.TokenCreated,
    status_code=201,
    responses=responses(400, 401, 403, 422),
    summary="Create a token (its secret is in this response only)",
)
def create_token(
    request: Request, viewer: CurrentViewer, body: schemas.TokenCreate
) -> schemas.TokenCreated:
    """Only a logged-in session (cookie + X-CSRF-Token) may make tokens: a stolen token
    cannot mint replacements that outlive its revocation."""
    if "authorization" in request.headers:
        raise ApiError(
            403,
            "session_required",
            "Create tokens while logged in (or with the CLI), not with a token.",
        )
    try:
        with session_scope(engine_of(request)) as session:
            secret, row = issue_token(session, viewer.id, body.name, body.scope)
            info = schemas.Token.model_validate(row, from_attributes=True)
    except TokenError as exc:
        raise ApiError(400, message=str(exc)) from exc
    return schemas.TokenCreated(
        **info.model_dump(),
        token=secret,
        feed_url=feed_url(request, secret) if body.scope == "feed" else None,
    )


@router.delete("/tokens/{token_id}", status_code=204, responses=responses(401, 403, 404, 422))
def delete_token(request: Request, viewer: CurrentViewer, token_id: TokenId) -> Response:
    with session_scope(engine_of(request)) as session:
        if not revoke_token(session, viewer.id, token_id):
            raise ApiError(404, message="You have no token with that id.")
    return Response(status_code=204)


# --- subscriptions ---------------------------------------------------------------------------


def _subscription(sub: reading.Subscription) -> schemas.Subscription:
    return schemas.Subscription(
        feed=common.feed(sub.feed),
        title=sub.title,
        folder=sub.folder,
        unread_count=sub.unread,
        created_at=sub.created_at,
    )


@router.get(
    "/subscriptions",
    response_model=list[schemas.Subscription],
    responses=responses(401),
    summary="Your subscriptions, by folder and name",
)
def get_subscriptions(request: Request, viewer: CurrentViewer) -> list[schemas.Subscription]:
    with session_scope(engine_of(request)) as session:
        return [_subscription(s) for s in reading.subscriptions(session, viewer.id)]


@router.put(
    "/subscriptions/{feed_id}",
    response_model=schemas.Subscription,
    responses={**responses(401, 403, 404, 422), 201: {"model": schemas.Subscription}},
    summary="Subscribe to a feed, or rename / refile a subscription",
)
def put_subscription(
    request: Request,
    response: Response,
    viewer: CurrentViewer,
    feed_id: FeedId,
    body: schemas.SubscriptionUpdate | None = None,
) -> schemas.Subscription:
    body = body or schemas.SubscriptionUpdate(title=None, folder=None)
    with session_scope(engine_of(request)) as session:
        if session.get(FeedRow, feed_id) is None:
            raise ApiError(404, message="There is no feed with that id.")
        created = reading.subscribe(session, viewer.id, feed_id, body.title, body.folder)
        sub = reading.subscription(session, viewer.id, feed_id)
        assert sub is not None
        result = _subscription(sub)
    response.status_code = 201 if created else 200
    return result


@router.delete("/subscriptions/{feed_id}", status_code=204, responses=responses(401, 403, 404, 422))
def delete_subscription(request: Request, viewer: CurrentViewer, feed_id: FeedId) -> Response:
    with session_scope(engine_of(request)) as session:
        if not reading.unsubscribe(session, viewer.id, feed_id):
            raise ApiError(404, message="You are not subscribed to that feed.")
    return Response(status_code=204)


# --- personal listings -----------------------------------------------------------------------


def _page(
    request: Request, listing: reading.Listing, cursor: str | None, limit: int
) -> schemas.ArticlePage:
    with session_scope(engine_of(request)) as session:
        page = reading.list_entries(session, listing, common.position(cursor), limit)
    return schemas.ArticlePage(
        items=[common.article(request, e, True) for e in page.items],
        next_cursor=page.next.encode() if page.next else None,
    )


@router.get(
    "/feed",
    response_model=schemas.ArticlePage,
    responses=responses(400, 401, 422),
    summary="My feed: your subscriptions and followed hashtags / entities",
)
def my_feed(
    request: Request,
    viewer: CurrentViewer,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
    order: Annotated[str, Query(pattern="^(unread|newest)$")] = "unread",
    unread_only: bool = False,
) -> schemas.ArticlePage:
    listing = reading.Listing(
        source="personal",
        user_id=viewer.id,
        read=False if unread_only else None,
        unread_first=order == "unread",
    )
    return _page(request, listing, cursor, limit)


@router.get(
    "/starred",
    response_model=schemas.ArticlePage,
    responses=responses(400, 401, 422),
    summary="Your starred articles, newest first",
)
def starred(
    request: Request,
    viewer: CurrentViewer,
    cursor: common.CursorParam = None,
    limit: common.LimitParam = 20,
) -> schemas.ArticlePage:
    return _page(request, reading.Listing(source="starred", user_id=viewer.id), cursor, limit)


# --- marks -----------------------------------------------------------------------------------


def _state(article_id: int, mark: object | None) -> schemas.ArticleState:
    read_at = getattr(mark, "read_at", None)
    starred_at = getattr(mark, "starred_at", None)
    return schemas.ArticleState(
        article_id=article_id,
        read=read_at is not None,
        starred=starred_at is not None,
        read_at=read_at,
        starred_at=starred_at,
    )


@router.get(
    "/articles/{article_id}/state",
    response_model=schemas.ArticleState,
    responses=responses(401, 404, 422),
    summary="Your read / starred marks on an article",
)
def get_state(
    request: Request, viewer: CurrentViewer, article_id: ArticleId
) -> schemas.ArticleState:
    with session_scope(engine_of(request)) as session:
        if not reading.existing_article_ids(session, [article_id]):
            raise ApiError(404, message="There is no article with that number.")
        return _state(article_id, reading.states(session, viewer.id, [article_id]).get(article_id))


@router.put(
    "/articles/{article_id}/state",
    response_model=schemas.ArticleState,
    responses=responses(401, 403, 404, 422),
    summary="Mark an article read / unread, starred / unstarred",
)
def put_state(
    request: Request, viewer: CurrentViewer, article_id: ArticleId, body: schemas.StateUpdate
) -> schemas.ArticleState:
    with session_scope(engine_of(request)) as session:
        if not reading.set_marks(session, viewer.id, [article_id], body.read, body.starred):
            raise ApiError(404, message="There is no article with that number.")
        return _state(article_id, reading.states(session, viewer.id, [article_id]).get(article_id))


@router.post(
    "/marks",
    response_model=schemas.BulkStateResult,
    responses=responses(401, 403, 422),
    summary="Mark many articles at once",
)
def post_marks(
    request: Request, viewer: CurrentViewer, body: schemas.BulkStateUpdate
) -> schemas.BulkStateResult:
    wanted = [i for i in body.article_ids]
    with session_scope(engine_of(request)) as session:
        done = reading.set_marks(session, viewer.id, wanted, body.read, body.starred)
    missing = sorted(set(wanted) - set(done))
    return schemas.BulkStateResult(updated=sorted(done), missing=missing)


@router.post(
    "/mark-all-read",
    response_model=schemas.MarkAllResult,
    responses=responses(401, 403, 404, 422),
    summary="Mark all articles of your subscriptions (or of one feed) read",
)
def mark_all_read(
    request: Request, viewer: CurrentViewer, body: schemas.MarkAllRead
) -> schemas.MarkAllResult:
    listing = reading.Listing(
        source="feed" if body.feed_id is not None else "subscriptions",
        user_id=viewer.id,
        feed_id=body.feed_id,
        until=body.until,
    )
    with session_scope(engine_of(request)) as session:
        if body.feed_id is not None and session.get(FeedRow, body.feed_id) is None:
            raise ApiError(404, message="There is no feed with that id.")
        return schemas.MarkAllResult(marked=reading.mark_all_read(session, listing))


# --- follows ---------------------------------------------------------------------------------


@router.get("/follows", response_model=list[schemas.Follow], responses=responses(401))
def get_follows(request: Request, viewer: CurrentViewer) -> list[schemas.Follow]:
    with session_scope(engine_of(request)) as session:
        rows = reading.follows(session, viewer.id)
        tags = reading.followed_tags(session, [f.key for f in rows])
        return [
            schemas.Follow(
                kind=f.kind,  # type: ignore[arg-type]
                key=f.key,
                name=tags[f.key].label if f.key in tags else f.key,
                created_at=f.created_at,
            )
            for f in rows
        ]


@router.post(
    "/follows",
    response_model=schemas.Follow,
    status_code=201,
    responses={**responses(400, 401, 403, 422), 200: {"model": schemas.Follow}},
    summary="Follow a hashtag or an entity (200 if you already did)",
)
def post_follow(
    request: Request, response: Response, viewer: CurrentViewer, body: schemas.FollowCreate
) -> schemas.Follow:
    try:
        with session_scope(engine_of(request)) as session:
            row, created = reading.follow(session, viewer.id, body.kind, body.key)
            tag = reading.followed_tags(session, [row.key]).get(row.key)
            name = tag.label if tag is not None else row.key
            result = schemas.Follow(
                kind=body.kind, key=row.key, name=name, created_at=row.created_at
            )
    except ValueError as exc:
        raise ApiError(400, message=f"That is not something you can follow ({exc}).") from exc
    response.status_code = 201 if created else 200
    return result


@router.delete(
    "/follows",
    status_code=204,
    responses=responses(401, 403, 404, 422),
    summary="Stop following a hashtag or entity",
)
def delete_follow(
    request: Request,
    viewer: CurrentViewer,
    kind: Annotated[schemas.FollowKind, Query()],
    key: Annotated[str, Query(min_length=1, max_length=256)],
) -> Response:
    with session_scope(engine_of(request)) as session:
        if not reading.unfollow(session, viewer.id, kind, key):
            raise ApiError(404, message="You do not follow that.")
    return Response(status_code=204)
