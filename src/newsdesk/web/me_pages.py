"""The /me pages, a reader's own: My feed, Starred, subscriptions & follows, API tokens.

Plain HTML forms (POST + redirect) with CSRF tokens; everything works without JavaScript.
Their JSON counterparts, /api/v1/me/..., are in newsdesk.web.api.me.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from newsdesk.accounts import Viewer
from newsdesk.security import safe_next
from newsdesk.store.db import session_scope
from newsdesk.store.models_readers import FOLLOW_KINDS, TOKEN_SCOPES
from newsdesk.tokens import TokenError, fever_key, issue_token, list_tokens, revoke_token
from newsdesk.web import reading
from newsdesk.web.api.common import base_url
from newsdesk.web.request import TurnRoute, engine_of, login_redirect, render
from newsdesk.web.sessions import current_user, require_user

router = APIRouter(prefix="/me", route_class=TurnRoute)
PAGE_SIZE = 20
MARK_ACTIONS = {
    "read": {"read": True},
    "unread": {"read": False},
    "star": {"starred": True},
    "unstar": {"starred": False},
}
SCOPE_LABELS = {
    "api": "API & reader apps",
    "greader": "Reader apps only",
    "feed": "Starred-items feed",
    "fever": "Fever apps",
}
NextField = Annotated[str, Form(max_length=2000)]


def _url(path: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{path}?{query}" if query else path


def _cursor(raw: str | None) -> reading.Position | None:
    if not raw:
        return None
    pos = reading.Position.decode(raw)
    if pos is None:
        raise HTTPException(400, "That page link is not valid.")
    return pos


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _listing_page(
    request: Request,
    viewer: Viewer,
    listing: reading.Listing,
    template_context: dict[str, Any],
    cursor: str | None,
    **params: str | None,
) -> HTMLResponse:
    after = _cursor(cursor)
    with session_scope(engine_of(request)) as session:
        page = reading.list_entries(session, listing, after, PAGE_SIZE)
        subscribed = bool(reading.subscriptions(session, viewer.id))
    path = request.url.path
    return render(
        request,
        "me/list.html",
        {
            "items": page.items,
            "here": _here(request),
            "continued": after is not None,
            "older_url": _url(path, cursor=page.next.encode(), **params) if page.next else None,
            "newest_url": _url(path, **params) if after else None,
            "subscribed": subscribed,
            **template_context,
        },
    )


@router.get("/feed", response_class=HTMLResponse, name="my_feed")
def my_feed(
    request: Request, order: str = "unread", cursor: str | None = None, unread: str = ""
) -> Response:
    viewer = current_user(request)
    if viewer is None:
        return login_redirect(request)
    order = "newest" if order == "newest" else "unread"
    unread_only = unread == "1"
    listing = reading.Listing(
        source="personal",
        user_id=viewer.id,
        unread_first=order == "unread",
        read=False if unread_only else None,
    )
    context = {
        "page": "feed",
        "heading": "My feed",
        "order": order,
        "unread_only": unread_only,
    }
    return _listing_page(
        request, viewer, listing, context, cursor, order=order, unread="1" if unread_only else None
    )


@router.get("/starred", response_class=HTMLResponse, name="starred")
def starred(request: Request, cursor: str | None = None) -> Response:
    viewer = current_user(request)
    if viewer is None:
        return login_redirect(request)
    listing = reading.Listing(source="starred", user_id=viewer.id)
    context = {"page": "starred", "heading": "Starred", "order": "newest", "unread_only": False}
    return _listing_page(request, viewer, listing, context, cursor)


@router.post("/articles/{article_id:int}/mark", name="mark_article")
def mark_article(
    request: Request,
    article_id: int,
    action: Annotated[str, Form(max_length=16)] = "",
    next: NextField = "/me/feed",
) -> Response:
    viewer = require_user(request)
    change = MARK_ACTIONS.get(action)
    if change is None:
        raise HTTPException(400, "Unknown action.")
    with session_scope(engine_of(request)) as session:
        done = reading.set_marks(session, viewer.id, [article_id], **change)
    if not done:
        raise HTTPException(404, "There is no article with that number.")
    return RedirectResponse(safe_next(next, "/me/feed"), status_code=303)


@router.post("/mark-all-read", name="mark_all_read")
def mark_all_read(request: Request, next: NextField = "/me/feed") -> Response:
    viewer = require_user(request)
    with session_scope(engine_of(request)) as session:
        reading.mark_all_read(session, reading.Listing(source="personal", user_id=viewer.id))
    return RedirectResponse(safe_next(next, "/me/feed"), status_code=303)


# --- subscriptions and follows ---------------------------------------------------------------


def _subscriptions_page(
    request: Request, viewer: Viewer, status: int = 200, error: str | None = None
) -> HTMLResponse:
    with session_scope(engine_of(request)) as session:
        by_id = {f.id: f for f in reading.all_feeds(session)}
        labels = reading.feed_labels(list(by_id.values()))
        feeds = [by_id[i] for i in labels]  # in the order of their labels
        subs = {s.feed.id: s for s in reading.subscriptions(session, viewer.id)}
        follows = reading.follows(session, viewer.id)
        tags = reading.followed_tags(session, [f.key for f in follows])
    return render(
        request,
        "me/subscriptions.html",
        {
            "feeds": feeds,
            "labels": labels,
            "subs": subs,
            "follows": follows,
            "tags": tags,
            "kinds": FOLLOW_KINDS,
            "saved": request.query_params.get("saved") == "1",
            # just followed, and no article has that tag yet
            "untagged": request.query_params.get("untagged", "")[:256],
            "error": error,
        },
        status_code=status,
    )


@router.get("/subscriptions", response_class=HTMLResponse, name="subscriptions")
def subscriptions_page(request: Request) -> Response:
    viewer = current_user(request)
    if viewer is None:
        return login_redirect(request)
    return _subscriptions_page(request, viewer)


@router.post("/subscriptions")
async def save_subscriptions(request: Request) -> Response:
    viewer = require_user(request)
    form = await request.form()
    ids = set()
    for raw in form.getlist("feed"):
        if isinstance(raw, str) and raw.isdigit() and len(raw) <= 10:
            ids.add(int(raw))
    with session_scope(engine_of(request)) as session:
        reading.set_subscriptions(session, viewer.id, ids)
    return RedirectResponse("/me/subscriptions?saved=1", status_code=303)


@router.post("/follows")
def add_follow(
    request: Request,
    kind: Annotated[str, Form(max_length=16)] = "",
    key: Annotated[str, Form(max_length=512)] = "",
    next: NextField = "/me/subscriptions#follows",
) -> Response:
    viewer = require_user(request)
    try:
        with session_scope(engine_of(request)) as session:
            row, _ = reading.follow(session, viewer.id, kind, key)
            tagged = bool(reading.followed_tags(session, [row.key]))
    except ValueError:
        return _subscriptions_page(
            request, viewer, 400, "Give a hashtag (like #brexit) or a name to follow."
        )
    if not tagged and next == "/me/subscriptions#follows":  # said on the page it came from
        return RedirectResponse(
            _url("/me/subscriptions", untagged=key.strip()) + "#follows", status_code=303
        )
    return RedirectResponse(safe_next(next, "/me/subscriptions#follows"), status_code=303)


@router.post("/follows/remove")
def remove_follow(
    request: Request,
    kind: Annotated[str, Form(max_length=16)] = "",
    key: Annotated[str, Form(max_length=512)] = "",
    next: NextField = "/me/subscriptions#follows",
) -> Response:
    viewer = require_user(request)
    with session_scope(engine_of(request)) as session:
        reading.unfollow(session, viewer.id, kind, key)
    return RedirectResponse(safe_next(next, "/me/subscriptions#follows"), status_code=303)


# --- tokens ----------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    viewer: Viewer,
    created: dict[str, str] | None = None,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    with session_scope(engine_of(request)) as session:
        tokens = list_tokens(session, viewer.id)
    base = base_url(request)
    return render(
        request,
        "me/tokens.html",
        {
            "tokens": tokens,
            "created": created,
            "scopes": SCOPE_LABELS,
            "base": base,
            "error": error,
        },
        status_code=status,
    )


@router.get("/tokens", response_class=HTMLResponse, name="tokens")
def tokens_page(request: Request) -> Response:
    viewer = current_user(request)
    if viewer is None:
        return login_redirect(request)
    return _tokens_page(request, viewer)


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    name: Annotated[str, Form(max_length=256)] = "",
    scope: Annotated[str, Form(max_length=16)] = "api",
) -> Response:
    viewer = require_user(request)
    name = " ".join(name.split())
    if scope not in TOKEN_SCOPES:
        return _tokens_page(request, viewer, status=400, error="Choose what the token is for.")
    if not name:
        return _tokens_page(request, viewer, status=400, error="Give the token a name.")
    try:
        with session_scope(engine_of(request)) as session:
            secret, _ = issue_token(session, viewer.id, name, scope)
    except TokenError as exc:
        return _tokens_page(request, viewer, status=400, error=str(exc))
    base = base_url(request)
    created = {"name": name, "scope": scope, "token": secret}
    if scope == "feed":
        created["feed_url"] = f"{base}/feeds/starred/{secret}.atom"
    if scope == "fever":
        created["fever_url"] = f"{base}/api/fever.php"
        created["fever_key"] = fever_key(viewer.username, secret)
    response = _tokens_page(request, viewer, created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id:int}/revoke")
def revoke(request: Request, token_id: int) -> Response:
    viewer = require_user(request)
    with session_scope(engine_of(request)) as session:
        if not revoke_token(session, viewer.id, token_id):
            raise HTTPException(404, "You have no token with that number.")
    return RedirectResponse("/me/tokens", status_code=303)
