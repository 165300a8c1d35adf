"""The Fever API at /api/fever.php, as FreshRSS and Miniflux serve it, for reader apps that
speak it (Reeder, Unread, Fiery Feeds, ReadKit, Fluent Reader).

Log in: the app sends `api_key` = md5("username:password") (a form field, or the query), where
the password is a token of scope "fever" made on /me/tokens; only the SHA-256 of that key is
stored (newsdesk.tokens.fever_key). A wrong key answers `{"api_version": 3, "auth": 0}`; each
one counts against the client address like a failed login (Limits.login_per_ip), then 429.

Arguments, in the query or the form, combined in one request as FreshRSS allows:
- `groups`, `feeds`: the user's folders (group ids stable per name) and subscriptions, with
  `feeds_groups`; `favicons`: none are kept, so an empty list; `links`: empty (no Sparks);
- `items`: 50 articles of the subscriptions by id: `since_id` (ascending, after it),
  `max_id` (descending, before it; 0 the newest), `with_ids` (up to 50 ids, any article),
  else the oldest; with `total_items`;
- `unread_item_ids`, `saved_item_ids`: comma-separated, the newest MAX_IDS;
- `mark=item&as=read|unread|saved|unsaved&id=N`, `mark=feed|group&as=read&id=N&before=T`
  (group 0: every subscription): the same read / starred marks as the Google Reader API and
  My feed (newsdesk.web.reading). The answer repeats the ids the mark changed.
Only JSON is served (no `api=xml`). No cookies are read, so there is no CSRF exposure.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict

from newsdesk.accounts import Viewer
from newsdesk.security import rate_check, rate_record
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, Feed, FeedArticle
from newsdesk.store.models_readers import UserFeed
from newsdesk.tokens import FEVER_SCOPES, resolve_token
from newsdesk.web import reading
from newsdesk.web.greader import item_html
from newsdesk.web.queries import MAX_ID
from newsdesk.web.request import client_hash, engine_of, limits_of

router = APIRouter(include_in_schema=False)
PATH = "/api/fever.php"
CSRF_EXEMPT = (PATH,)
API_VERSION = 3
PAGE = 50  # items per answer, and with_ids per request: the protocol's number
MAX_IDS = reading.MAX_IDS_PAGE  # unread / saved ids in one answer, newest first
MAX_FIELDS = 100
AUTH_FAILURE = "fever-auth"  # rate event of a wrong api_key, per client address
_KEY = re.compile(r"[0-9a-f]{32}")
_INT = re.compile(r"-?\d{1,19}")


def _json(
    data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(
        data, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )


async def _params(request: Request) -> MultiDict:
    """Query and (for POST) form fields together: apps put api_key in the form, the rest in
    the query, or everything in one of them."""
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form(max_files=0, max_fields=MAX_FIELDS)
            items += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return MultiDict(items)


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if _INT.fullmatch(raw) else None


def _before(raw: str | None) -> datetime | None:
    """The `before` of a mark: epoch seconds; absent or 0 means no bound."""
    value = _int(raw)
    if not value or value < 0:
        return None
    return datetime.fromtimestamp(min(value, 253402300799), UTC)


def _authenticate(request: Request, api_key: str) -> Viewer | int | None:
    """The key's user; else None, or the seconds to wait when this address failed too often."""
    ip = client_hash(request)
    with session_scope(engine_of(request)) as session:
        wait = rate_check(session, AUTH_FAILURE, ip, limits_of(request).login_per_ip)
        if wait:
            return wait
        viewer = resolve_token(session, api_key, FEVER_SCOPES) if _KEY.fullmatch(api_key) else None
        if viewer is None:
            rate_record(session, AUTH_FAILURE, ip)
        return viewer


# --- groups and feeds ------------------------------------------------------------------------


def group_ids(folders: Sequence[str]) -> dict[str, int]:
    """A positive id per folder name, the same whatever other folders exist (a CRC of the
    name; on a clash, the next free number in name order). 0 is Fever's "all" group."""
    ids: dict[str, int] = {}
    taken: set[int] = set()
    for name in sorted(folders):
        gid = zlib.crc32(name.encode()) & 0x7FFFFFFF or 1
        while gid in taken:
            gid = gid % 0x7FFFFFFF + 1
        taken.add(gid)
        ids[name] = gid
    return ids


def _feeds_groups(subs: Sequence[reading.Subscription], gids: dict[str, int]) -> list[dict]:
    members: dict[int, list[str]] = {}
    for sub in subs:
        if sub.folder and sub.folder in gids:
            members.setdefault(gids[sub.folder], []).append(str(sub.feed.id))
    return [{"group_id": gid, "feed_ids": ",".join(ids)} for gid, ids in members.items()]


def _epoch(when: datetime | None) -> int:
    return int(when.timestamp()) if when else 0


def _feed(sub: reading.Subscription) -> dict[str, Any]:
    return {
        "id": sub.feed.id,
        "favicon_id": 0,
        "title": sub.name,
        "url": sub.feed.url,
        "site_url": sub.feed.site_url or "",
        "is_spark": 0,
        "last_updated_on_time": _epoch(sub.feed.last_fetched_at),
    }


# --- items -----------------------------------------------------------------------------------


def _in_subscriptions(user_id: int) -> Any:
    return exists().where(
        FeedArticle.article_id == Article.id,
        FeedArticle.feed_id.in_(reading.subscribed_feed_ids(user_id)),
    )


def _item_ids(session: Session, user_id: int, params: MultiDict) -> list[int]:
    """The ids the `items` arguments ask for, in answer order (Miniflux's precedence)."""
    query = select(Article.id).where(_in_subscriptions(user_id)).limit(PAGE)
    if "since_id" in params:
        since = max(0, _int(params.get("since_id")) or 0)
        query = query.where(Article.id > since).order_by(Article.id.asc())
    elif "max_id" in params:
        top = _int(params.get("max_id")) or 0
        if top > 0:
            query = query.where(Article.id < top)
        query = query.order_by(Article.id.desc())
    elif "with_ids" in params:
        wanted = [_int(part) for part in (params.get("with_ids") or "").split(",")]
        ids = [i for i in dict.fromkeys(wanted) if i is not None and 0 < i <= MAX_ID][:PAGE]
        return reading.existing_article_ids(session, ids)
    else:
        query = query.order_by(Article.id.asc())
    return list(session.scalars(query))


def _feed_of(session: Session, user_id: int, ids: Sequence[int]) -> dict[int, int]:
    """Each article's feed: a subscribed one first, then the lowest id."""
    if not ids:
        return {}
    rows = session.execute(
        select(FeedArticle.article_id, FeedArticle.feed_id)
        .outerjoin(
            UserFeed,
            and_(UserFeed.feed_id == FeedArticle.feed_id, UserFeed.user_id == user_id),
        )
        .where(FeedArticle.article_id.in_(list(ids)))
        .order_by(FeedArticle.article_id, UserFeed.id.is_(None), FeedArticle.feed_id)
    ).all()
    found: dict[int, int] = {}
    for article_id, feed_id in rows:
        found.setdefault(article_id, feed_id)
    return found


def _items(session: Session, user_id: int, params: MultiDict) -> dict[str, Any]:
    ids = _item_ids(session, user_id, params)
    entries = {e.article.id: e for e in reading.entries_by_ids(session, user_id, ids)}
    feeds = _feed_of(session, user_id, ids)
    items = []
    for article_id in ids:
        entry = entries.get(article_id)
        if entry is None:
            continue
        a = entry.article
        items.append(
            {
                "id": a.id,
                "feed_id": feeds.get(a.id, 0),
                "title": a.title or "",
                "author": a.author or "",
                "html": item_html(a),
                "url": a.url,
                "is_saved": int(entry.starred),
                "is_read": int(entry.read),
                "created_on_time": _epoch(a.published_at or a.fetched_at),
            }
        )
    total = session.scalar(select(func.count(Article.id)).where(_in_subscriptions(user_id)))
    return {"items": items, "total_items": total or 0}


def _ids(session: Session, listing: reading.Listing) -> str:
    page = reading.list_ids(session, listing, limit=MAX_IDS, cap=MAX_IDS)
    return ",".join(str(article_id) for article_id, _ in page.items)


def _unread_ids(session: Session, user_id: int) -> str:
    return _ids(session, reading.Listing("subscriptions", user_id, read=False))


def _saved_ids(session: Session, user_id: int) -> str:
    return _ids(session, reading.Listing("starred", user_id))


# --- marks -----------------------------------------------------------------------------------


def _mark(session: Session, user_id: int, params: MultiDict) -> dict[str, str]:
    """Apply a `mark` argument; the id list it changed, as the answer's extra member."""
    what, state, target = params.get("mark"), params.get("as"), _int(params.get("id"))
    if target is None:
        return {}
    if what == "item" and target > 0:
        if state in ("read", "unread"):
            reading.set_marks(session, user_id, [target], read=state == "read")
            return {"unread_item_ids": _unread_ids(session, user_id)}
        if state in ("saved", "unsaved"):
            reading.set_marks(session, user_id, [target], starred=state == "saved")
            return {"saved_item_ids": _saved_ids(session, user_id)}
        return {}
    if state != "read":
        return {}
    until = _before(params.get("before"))
    listing: reading.Listing | None = None
    if what == "feed" and reading.subscription(session, user_id, target) is not None:
        listing = reading.Listing("feed", user_id, feed_id=target, until=until)
    elif what == "group" and target == 0:
        listing = reading.Listing("subscriptions", user_id, until=until)
    elif what == "group" and target > 0:
        names = {gid: name for name, gid in group_ids(reading.folders(session, user_id)).items()}
        if target in names:
            listing = reading.Listing("folder", user_id, folder=names[target], until=until)
    if listing is None:
        return {}
    reading.mark_all_read(session, listing)
    return {"unread_item_ids": _unread_ids(session, user_id)}


def _answer(request: Request, viewer: Viewer, params: MultiDict) -> dict[str, Any]:
    uid = viewer.id
    with session_scope(engine_of(request)) as session:
        body: dict[str, Any] = {}
        if params.get("mark"):
            body.update(_mark(session, uid, params))
        if "groups" in params or "feeds" in params:
            subs = reading.subscriptions(session, uid)
            gids = group_ids(reading.folders(session, uid))
            if "groups" in params:
                body["groups"] = [{"id": gid, "title": name} for name, gid in gids.items()]
            if "feeds" in params:
                body["feeds"] = [_feed(sub) for sub in subs]
            body["feeds_groups"] = _feeds_groups(subs, gids)
        if "favicons" in params:
            body["favicons"] = []
        if "links" in params:
            body["links"] = []
        if "items" in params:
            body.update(_items(session, uid, params))
        if "unread_item_ids" in params:
            body["unread_item_ids"] = _unread_ids(session, uid)
        if "saved_item_ids" in params:
            body["saved_item_ids"] = _saved_ids(session, uid)
        refreshed = session.scalar(
            select(func.max(Feed.last_fetched_at)).where(
                Feed.id.in_(reading.subscribed_feed_ids(uid))
            )
        )
    return {
        "api_version": API_VERSION,
        "auth": 1,
        "last_refreshed_on_time": _epoch(refreshed) or int(time.time()),
        **body,
    }


@router.api_route(PATH, methods=["GET", "POST"])
async def fever(request: Request) -> Response:
    params = await _params(request)
    api_key = (params.get("api_key") or "").strip().lower()
    failure = {"api_version": API_VERSION, "auth": 0}
    if not api_key:
        return _json(failure)
    viewer = await run_in_threadpool(_authenticate, request, api_key)
    if isinstance(viewer, int):
        return _json(failure, 429, {"Retry-After": str(viewer)})
    if viewer is None:
        return _json(failure)
    return _json(await run_in_threadpool(_answer, request, viewer, params))
