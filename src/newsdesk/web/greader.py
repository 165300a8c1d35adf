"""The Google Reader API subset that Miniflux and FreshRSS implement, for reader apps
(Reeder, NetNewsWire, FeedMe, ReadYou, FocusReader...).

Log in: POST /accounts/ClientLogin with Email (the username) and Passwd: the account password
or a token of scope "greader"/"api" (an "app password", from /me/tokens). The answer's Auth
value goes in `Authorization: GoogleLogin auth=<Auth>` on every /reader/api/0 call; POSTs may
instead carry it in the T field (as Miniflux allows). No cookies are read, so there is no
CSRF exposure: the "action token" of /reader/api/0/token is the Auth value itself.

Item ids: long form `tag:google.com,2005:reader/item/<16 hex digits>` or decimal short form.
Streams: user/-/state/com.google/{reading-list,starred,read,kept-unread}, feed/<id or URL>,
user/-/label/<folder> ("-" or the user id). Lists: n (count), c (continuation), r=o (oldest
first), ot / nt (newer / older than, epoch seconds), xt / it (exclude / include a state).
Search: search/items/ids?q=&num= (Google Reader's; Miniflux and FreshRSS have none) answers
{"results": [{"id": ...}]}, one item per story, as the site's search finds them.

Subscriptions are the user's user_feeds (folders are labels). Readers subscribe to feeds the
site has; only admins can add new feed URLs (subscribe / quickadd of an unknown URL).
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import nh3
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MultiDict

from newsdesk import subscriptions
from newsdesk.accounts import Viewer, login_wait, username_key
from newsdesk.security import hash_password, verify_password
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, Feed, FeedArticle, utcnow
from newsdesk.store.models_readers import LoginAttempt, User, UserFeed
from newsdesk.tokens import (
    GREADER_SCOPES,
    derived_login_token,
    resolve_login_token,
    resolve_token,
)
from newsdesk.web import reading, searching
from newsdesk.web.api.common import request_path_url
from newsdesk.web.queries import MAX_ID, sort_key
from newsdesk.web.request import client_hash, engine_of

log = logging.getLogger("newsdesk.greader")
router = APIRouter(include_in_schema=False)
BASE = "/reader/api/0"
# FreshRSS serves the same API under /api/greader.php: apps set up for FreshRSS use that prefix
FRESHRSS_PREFIX = "/api/greader.php"
CSRF_EXEMPT = ("/accounts/ClientLogin", BASE + "/", FRESHRSS_PREFIX + "/")

STATE = "user/-/state/com.google/"
LABEL = "user/-/label/"
READING_LIST = STATE + "reading-list"
READ = STATE + "read"
STARRED = STATE + "starred"
KEPT_UNREAD = STATE + "kept-unread"
LONG_ID = "tag:google.com,2005:reader/item/"
_STATE_RE = re.compile(r"user/(?:-|\d{1,10})/state/com\.google/(.+)")
_LABEL_RE = re.compile(r"user/(?:-|\d{1,10})/label/(.+)", re.DOTALL)
_LONG_RE = re.compile(r"tag:google\.com,2005:reader/item/([0-9a-fA-F]{1,16})")
DEFAULT_COUNT = 20
MAX_CONTENTS = 1000
MAX_ITEM_IDS = 10000
MAX_EDIT_IDS = 10000
MAX_SEARCH = 100  # items of one search/items/ids answer
MAX_SEARCH_CHARS = 200  # as the search page


class GReaderError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def _unauthorized() -> GReaderError:
    return GReaderError(401, "Unauthorized!", {"Google-Bad-Token": "true"})


def _bad(message: str = "Bad Request!") -> GReaderError:
    return GReaderError(400, message)


T = TypeVar("T")


async def _params(request: Request) -> MultiDict:
    """Query parameters and (for POST) form fields together: clients mix them."""
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form(max_files=0, max_fields=MAX_EDIT_IDS + 100)
            items += [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return MultiDict(items)


def _text(body: str, status: int = 200) -> PlainTextResponse:
    return PlainTextResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _json(data: Any) -> JSONResponse:
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


def _check_output(params: MultiDict) -> None:
    output = params.get("output")
    if output not in (None, "", "json"):
        raise _bad("Only output=json is supported.")


# --- authentication --------------------------------------------------------------------------


def _credential(request: Request, params: MultiDict | None) -> str | None:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, rest = header.strip().partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if scheme == "googlelogin":
            key, sep, value = rest.partition("=")
            return value.strip() if sep and key.strip().lower() == "auth" else None
        if scheme == "bearer":
            return rest
        return None
    if params is not None and request.method == "POST":
        return params.get("T") or None
    return None


def _authenticate(request: Request, credential: str | None) -> tuple[Viewer, str]:
    if not credential:
        raise _unauthorized()
    secret_key: str = request.app.state.secret_key
    with session_scope(engine_of(request)) as session:
        viewer = resolve_login_token(session, secret_key, credential)
    if viewer is None:
        raise _unauthorized()
    return viewer, credential


async def _handle(
    request: Request, work: Callable[[Viewer, str, MultiDict], T], *, output: bool = True
) -> T | Response:
    try:
        params = await _params(request)
        if output:
            _check_output(params)
        viewer, credential = await run_in_threadpool(
            _authenticate, request, _credential(request, params)
        )
        return await run_in_threadpool(work, viewer, credential, params)
    except GReaderError as exc:
        return PlainTextResponse(exc.message, status_code=exc.status, headers=exc.headers)


# --- ClientLogin -----------------------------------------------------------------------------


def _client_login(request: Request, email: str, password: str) -> str | GReaderError:
    key = username_key(email)[:64]
    ip = client_hash(request)
    limits = request.app.state.reader_limits
    secret_key: str = request.app.state.secret_key
    with session_scope(engine_of(request)) as session:
        wait = login_wait(session, key, ip, limits)
    if wait:
        return GReaderError(429, "Error=TooManyAttempts\n", {"Retry-After": str(wait)})
    with session_scope(engine_of(request)) as session:
        user = session.scalar(select(User).where(User.username_key == key)) if key else None
        auth: str | None = None
        app_token = resolve_token(session, password, GREADER_SCOPES) if user else None
        if user is not None and app_token is not None and app_token.id == user.id:
            ok = True
            auth = password
        else:
            ok, rehash = verify_password(user.password_hash if user else None, password)
            if ok and user is not None and rehash:
                user.password_hash = hash_password(password)
        session.add(LoginAttempt(username_key=key, ip_hash=ip, success=ok, created_at=utcnow()))
        if not ok or user is None:
            log.info("failed Google Reader login for %r", key)
            return GReaderError(401, "Error=BadAuthentication\n")
        if user.banned_at is not None:
            return GReaderError(403, "Error=AccountDisabled\n")
        user.last_login_at = utcnow()
        session.flush()
        return auth or derived_login_token(secret_key, user)


@router.post("/accounts/ClientLogin")
async def client_login(request: Request) -> Response:
    params = await _params(request)
    email = (params.get("Email") or "").strip()
    password = params.get("Passwd") or ""
    if not email or not password or len(email) > 256 or len(password) > 4096:
        return _text("Error=BadAuthentication\n", 401)
    result = await run_in_threadpool(_client_login, request, email, password)
    if isinstance(result, GReaderError):
        return PlainTextResponse(result.message, status_code=result.status, headers=result.headers)
    if params.get("output") == "json":
        return _json({"SID": result, "LSID": result, "Auth": result})
    return _text(f"SID={result}\nLSID={result}\nAuth={result}\n")


# --- ids and streams -------------------------------------------------------------------------


def long_id(article_id: int) -> str:
    return f"{LONG_ID}{article_id:016x}"


def parse_item_id(raw: str) -> int | None:
    raw = raw.strip()
    match = _LONG_RE.fullmatch(raw)
    if match:
        value = int(match[1], 16)
    elif re.fullmatch(r"-?\d{1,20}", raw):
        value = int(raw)
        if value < 0:  # Google's signed 64-bit form
            value += 2**64
    else:
        return None
    return value if 0 < value <= MAX_ID else None


@dataclass(frozen=True)
class Stream:
    kind: str  # reading-list | starred | read | kept-unread | feed | label
    feed_id: int | None = None
    label: str | None = None


def parse_stream(session: Session, raw: str) -> Stream | None:
    raw = raw.strip()
    match = _STATE_RE.fullmatch(raw)
    if match:
        name = match[1]
        return Stream(name) if name in ("reading-list", "starred", "read", "kept-unread") else None
    match = _LABEL_RE.fullmatch(raw)
    if match:
        return Stream("label", label=match[1])
    if raw.startswith("feed/"):
        rest = raw[5:]
        if rest.isdigit() and len(rest) <= 10:
            return Stream("feed", feed_id=int(rest))
        feed = reading.feed_by_url(session, rest)
        return Stream("feed", feed_id=feed.id if feed else 0)
    return None


def _epoch(raw: str | None) -> datetime | None:
    """ot / nt / ts values: epoch seconds (or milli- / microseconds, by size)."""
    if not raw or not re.fullmatch(r"\d{1,20}", raw.strip()):
        return None
    value = int(raw)
    if value > 10**14:
        value //= 10**6
    elif value > 10**11:
        value //= 10**3
    try:
        return datetime.fromtimestamp(min(value, 253402300799), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _listing(session: Session, viewer: Viewer, params: MultiDict, raw: str) -> reading.Listing:
    stream = parse_stream(session, raw)
    if stream is None:
        raise _bad(f"Unknown stream: {raw[:100]}")
    source = {
        "reading-list": "subscriptions",
        "starred": "starred",
        "read": "all",
        "kept-unread": "subscriptions",
        "feed": "feed",
        "label": "folder",
    }[stream.kind]
    read: bool | None = {"read": True, "kept-unread": False}.get(stream.kind)
    starred: bool | None = None
    for target in params.getlist("xt"):
        if target.endswith("/state/com.google/read"):
            read = False
        elif target.endswith("/state/com.google/unread") or target.endswith("/kept-unread"):
            read = True
        elif target.endswith("/state/com.google/starred"):
            starred = False
    for target in params.getlist("it"):
        if target.endswith("/state/com.google/read"):
            read = True
        elif target.endswith("/state/com.google/unread") or target.endswith("/kept-unread"):
            read = False
        elif target.endswith("/state/com.google/starred"):
            starred = True
    return reading.Listing(
        source=source,
        user_id=viewer.id,
        feed_id=stream.feed_id,
        folder=stream.label,
        read=read,
        starred=starred,
        since=_epoch(params.get("ot")),
        until=_epoch(params.get("nt")),
        oldest_first=params.get("r") == "o",
    )


def _count(params: MultiDict, cap: int) -> int:
    raw = params.get("n") or ""
    if raw.isdigit() and len(raw) <= 9:
        return max(1, min(int(raw), cap))
    return DEFAULT_COUNT


def _continuation(params: MultiDict) -> reading.Position | None:
    raw = params.get("c")
    if not raw:
        return None
    pos = reading.Position.decode(raw)
    if pos is None:
        raise _bad("That continuation is not valid.")
    return pos


# --- items -----------------------------------------------------------------------------------


def _usec(dt: datetime) -> int:
    return int(dt.timestamp() * 1_000_000)


def item_html(article: Article) -> str:
    """The article as sanitized HTML (also the Fever API's item html)."""
    if article.html:
        return nh3.clean(article.html)
    if article.text:
        return "".join(
            f"<p>{html.escape(p.strip())}</p>" for p in article.text.split("\n") if p.strip()
        )
    return nh3.clean(article.summary or "")


def _origins(
    session: Session, user_id: int, ids: Sequence[int]
) -> dict[int, tuple[Feed, str | None]]:
    """For each article, the feed to show it under (a subscribed one first) and its folder."""
    if not ids:
        return {}
    rows = session.execute(
        select(FeedArticle.article_id, Feed, UserFeed.folder, UserFeed.id)
        .join(Feed, Feed.id == FeedArticle.feed_id)
        .outerjoin(UserFeed, and_(UserFeed.feed_id == Feed.id, UserFeed.user_id == user_id))
        .where(FeedArticle.article_id.in_(list(ids)))
        .order_by(FeedArticle.article_id, UserFeed.id.is_(None), Feed.id)
    ).all()
    result: dict[int, tuple[Feed, str | None]] = {}
    for article_id, feed, folder, _ in rows:
        result.setdefault(article_id, (feed, folder))
    return result


def _items(
    session: Session, viewer: Viewer, entries: Sequence[reading.ListedArticle]
) -> list[dict[str, Any]]:
    ids = [e.article.id for e in entries]
    full = (
        {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
        if ids
        else {}
    )
    origins = _origins(session, viewer.id, ids)
    items = []
    for entry in entries:
        a = full.get(entry.article.id, entry.article)
        when = a.published_at or a.fetched_at
        categories = [READING_LIST]
        origin = origins.get(a.id)
        if origin and origin[1]:
            categories.append(LABEL + origin[1])
        if entry.read:
            categories.append(READ)
        if entry.starred:
            categories.append(STARRED)
        content = item_html(a)
        item: dict[str, Any] = {
            "id": long_id(a.id),
            "crawlTimeMsec": str(int(a.fetched_at.timestamp() * 1000)),
            "timestampUsec": str(_usec(when)),
            "published": int(when.timestamp()),
            "updated": int(when.timestamp()),
            "title": a.title or "",
            "author": a.author or "",
            "canonical": [{"href": a.url}],
            "alternate": [{"href": a.url, "type": "text/html"}],
            "categories": categories,
            "summary": {"direction": "ltr", "content": content},
            "content": {"direction": "ltr", "content": content},
            "origin": {
                "streamId": f"feed/{origin[0].id}" if origin else "feed/0",
                "title": origin[0].name if origin else (a.outlet or ""),
                "htmlUrl": (origin[0].site_url or "") if origin else "",
            },
        }
        if a.image_url:
            item["enclosure"] = [{"href": a.image_url, "url": a.image_url, "type": "image/jpeg"}]
        items.append(item)
    return items


# --- routes ----------------------------------------------------------------------------------


@router.get(BASE + "/token")
async def token(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        return _text(credential + "\n")

    return await _handle(request, work, output=False)


@router.get(BASE + "/user-info")
async def user_info(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        return _json(
            {
                "userId": str(viewer.id),
                "userName": viewer.username,
                "userProfileId": str(viewer.id),
                "userEmail": "",
            }
        )

    return await _handle(request, work)


def _label(folder: str) -> dict[str, str]:
    return {"id": LABEL + folder, "label": folder, "type": "folder"}


@router.get(BASE + "/subscription/list")
async def subscription_list(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        with session_scope(engine_of(request)) as session:
            subs = reading.subscriptions(session, viewer.id)
        newest = _newest(request, viewer.id)
        return _json(
            {
                "subscriptions": [
                    {
                        "id": f"feed/{s.feed.id}",
                        "title": s.name,
                        "categories": [_label(s.folder)] if s.folder else [],
                        "url": s.feed.url,
                        "htmlUrl": s.feed.site_url or "",
                        "iconUrl": "",
                        "sortid": f"{s.feed.id:08X}",
                        "firstitemmsec": str(newest.get(s.feed.id, 0) // 1000),
                    }
                    for s in subs
                ]
            }
        )

    return await _handle(request, work)


def _newest(request: Request, user_id: int) -> dict[int, int]:
    """Newest article time (µs) per subscribed feed."""
    with session_scope(engine_of(request)) as session:
        rows = session.execute(
            select(FeedArticle.feed_id, func.max(sort_key))
            .join(Article, Article.id == FeedArticle.article_id)
            .where(FeedArticle.feed_id.in_(reading.subscribed_feed_ids(user_id)))
            .group_by(FeedArticle.feed_id)
        ).all()
    return {feed_id: _usec(when) for feed_id, when in rows if when is not None}


def _find_or_add_feed(session: Session, viewer: Viewer, raw: str, title: str | None) -> Feed:
    """The feed a subscribe names (feed/<id> or feed/<url>); admins may add new URLs."""
    target = raw[5:] if raw.startswith("feed/") else raw
    if target.isdigit() and len(target) <= 10:
        feed = session.get(Feed, int(target))
        if feed is None:
            raise _bad("There is no feed with that id.")
        return feed
    feed = subscriptions.find_feed(session, target)
    if feed is not None:
        return feed
    if not viewer.is_admin:
        raise GReaderError(403, "Only an admin can add new feeds; subscribe to one of the site's.")
    try:
        return subscriptions.add_feed(session, target, title=title)
    except subscriptions.InvalidFeedURL as exc:
        raise _bad("That is not a feed URL.") from exc


def _folder_param(raw: str | None) -> str | None:
    match = _LABEL_RE.fullmatch(raw or "")
    return match[1] if match else None


@router.post(BASE + "/subscription/edit")
async def subscription_edit(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        action = params.get("ac") or ""
        streams = params.getlist("s")
        if action not in ("subscribe", "unsubscribe", "edit") or not streams:
            raise _bad()
        titles = params.getlist("t")
        add, remove = _folder_param(params.get("a")), _folder_param(params.get("r"))
        with session_scope(engine_of(request)) as session:
            for index, raw in enumerate(streams):
                title = titles[index] if index < len(titles) else None
                if action == "subscribe":
                    feed = _find_or_add_feed(session, viewer, raw, title)
                    if not reading.subscribe(
                        session, viewer.id, feed.id, title, add, update_fields=False
                    ):
                        reading.edit_subscription(
                            session, viewer.id, feed.id, title=title, folder=add
                        )
                    continue
                stream = parse_stream(session, raw)
                if stream is None or stream.kind != "feed" or not stream.feed_id:
                    raise _bad("Not a feed stream.")
                if action == "unsubscribe":
                    if not reading.unsubscribe(session, viewer.id, stream.feed_id):
                        raise _bad("You are not subscribed to that feed.")
                elif not reading.edit_subscription(
                    session,
                    viewer.id,
                    stream.feed_id,
                    title=title or None,
                    folder=add,
                    clear_folder=remove is not None and add is None,
                ):
                    raise _bad("You are not subscribed to that feed.")
        return _text("OK")

    return await _handle(request, work, output=False)


@router.post(BASE + "/subscription/quickadd")
async def quickadd(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        url = (params.get("quickadd") or "").strip()
        if not url:
            raise _bad()
        try:
            with session_scope(engine_of(request)) as session:
                feed = _find_or_add_feed(session, viewer, url, None)
                reading.subscribe(session, viewer.id, feed.id, update_fields=False)
                result = {
                    "query": feed.url,
                    "numResults": 1,
                    "streamId": f"feed/{feed.id}",
                    "streamName": feed.name,
                }
        except GReaderError as exc:
            return _json({"numResults": 0, "error": exc.message})
        return _json(result)

    return await _handle(request, work)


@router.get(BASE + "/tag/list")
async def tag_list(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        with session_scope(engine_of(request)) as session:
            names = reading.folders(session, viewer.id)
        return _json({"tags": [{"id": STARRED}, *(_label(name) for name in names)]})

    return await _handle(request, work)


@router.get(BASE + "/unread-count")
async def unread_count(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        with session_scope(engine_of(request)) as session:
            subs = reading.subscriptions(session, viewer.id)
        newest = _newest(request, viewer.id)
        counts: list[dict[str, Any]] = []
        folders: dict[str, list[int]] = {}
        total, latest = 0, 0
        for sub in subs:
            stamp = newest.get(sub.feed.id, 0)
            counts.append(
                {
                    "id": f"feed/{sub.feed.id}",
                    "count": sub.unread,
                    "newestItemTimestampUsec": str(stamp),
                }
            )
            if sub.folder:
                folders.setdefault(sub.folder, [0, 0])
                folders[sub.folder][0] += sub.unread
                folders[sub.folder][1] = max(folders[sub.folder][1], stamp)
            total += sub.unread
            latest = max(latest, stamp)
        for name, (count, stamp) in sorted(folders.items()):
            counts.append(
                {"id": LABEL + name, "count": count, "newestItemTimestampUsec": str(stamp)}
            )
        counts.append({"id": READING_LIST, "count": total, "newestItemTimestampUsec": str(latest)})
        return _json({"max": total, "unreadcounts": counts})

    return await _handle(request, work)


def _stream_contents(request: Request, viewer: Viewer, params: MultiDict, raw: str) -> Response:
    with session_scope(engine_of(request)) as session:
        listing = _listing(session, viewer, params, raw)
        page = reading.list_entries(
            session, listing, _continuation(params), _count(params, MAX_CONTENTS), cap=MAX_CONTENTS
        )
        items = _items(session, viewer, page.items)
    body: dict[str, Any] = {
        "direction": "ltr",
        "id": raw,
        "title": raw,
        "self": [{"href": request_path_url(request, query=True)}],
        "updated": int(time.time()),
        "items": items,
    }
    if page.next is not None:
        body["continuation"] = page.next.encode()
    return _json(body)


@router.get(BASE + "/stream/contents/{stream_id:path}")
@router.get(BASE + "/stream/contents")
async def stream_contents(request: Request, stream_id: str = "") -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        raw = stream_id or params.get("s") or READING_LIST
        return _stream_contents(request, viewer, params, raw)

    return await _handle(request, work)


@router.get(BASE + "/stream/items/ids")
async def stream_item_ids(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        raw = params.get("s")
        if not raw:
            raise _bad("Which stream? (s=)")
        with session_scope(engine_of(request)) as session:
            listing = _listing(session, viewer, params, raw)
            page = reading.list_ids(
                session,
                listing,
                _continuation(params),
                _count(params, MAX_ITEM_IDS),
                cap=MAX_ITEM_IDS,
            )
        body: dict[str, Any] = {
            "itemRefs": [
                {"id": str(article_id), "directStreamIds": [], "timestampUsec": str(_usec(when))}
                for article_id, when in page.items
            ]
        }
        if page.next is not None:
            body["continuation"] = page.next.encode()
        return _json(body)

    return await _handle(request, work)


@router.get(BASE + "/search/items/ids")
async def search_item_ids(request: Request) -> Response:
    """Google Reader's search: {"results": [{"id": "<decimal item id>"}]}, best first, one
    item per story (the site's search: newsdesk.search); n or num items (default 20)."""

    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        q = " ".join((params.get("q") or "").split())[:MAX_SEARCH_CHARS]
        if not q:
            raise _bad("What to search for? (q=)")
        count = _count(MultiDict({"n": params.get("num") or params.get("n") or ""}), MAX_SEARCH)
        with session_scope(engine_of(request)) as session:
            found = searching.find(request, session, q, limit=count)
            ids = [e.article.id for e in found.entries]
        return _json({"results": [{"id": str(i)} for i in ids]})

    return await _handle(request, work)


def _item_ids(params: MultiDict) -> list[int]:
    raw = params.getlist("i")
    if not raw:
        raise _bad("Which items? (i=)")
    if len(raw) > MAX_EDIT_IDS:
        raise _bad("Too many items at once.")
    ids = []
    for value in raw:
        parsed = parse_item_id(value)
        if parsed is None:
            raise _bad(f"Not an item id: {value[:60]}")
        ids.append(parsed)
    return ids


@router.post(BASE + "/stream/items/contents")
@router.get(BASE + "/stream/items/contents")
async def stream_items_contents(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        ids = _item_ids(params)
        with session_scope(engine_of(request)) as session:
            entries = reading.entries_by_ids(session, viewer.id, ids)
            if params.get("r") == "o":
                entries.reverse()
            items = _items(session, viewer, entries)
        return _json(
            {
                "direction": "ltr",
                "id": READING_LIST,
                "title": "Items",
                "self": [{"href": request_path_url(request, query=True)}],
                "updated": int(time.time()),
                "items": items,
            }
        )

    return await _handle(request, work)


def _state_changes(params: MultiDict) -> dict[str, bool]:
    changes: dict[str, bool] = {}
    for key, on in (("a", True), ("r", False)):
        for tag in params.getlist(key):
            match = _STATE_RE.fullmatch(tag.strip())
            name = match[1] if match else None
            if name == "read":
                changes["read"] = on
            elif name == "kept-unread":
                changes["read"] = not on
            elif name == "starred":
                changes["starred"] = on
            # other states (like, broadcast, tracking-*) and item labels are not kept
    return changes


@router.post(BASE + "/edit-tag")
async def edit_tag(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        ids = _item_ids(params)
        if not params.getlist("a") and not params.getlist("r"):
            raise _bad("Nothing to add or remove (a= / r=).")
        changes = _state_changes(params)
        if changes:
            with session_scope(engine_of(request)) as session:
                reading.set_marks(session, viewer.id, ids, **changes)
        return _text("OK")

    return await _handle(request, work, output=False)


@router.post(BASE + "/mark-all-as-read")
async def mark_all_as_read(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        raw = params.get("s")
        if not raw:
            raise _bad("Which stream? (s=)")
        with session_scope(engine_of(request)) as session:
            stream = parse_stream(session, raw)
            if stream is None or stream.kind in ("read", "kept-unread"):
                raise GReaderError(404, "Unknown stream.")
            listing = _listing(session, viewer, MultiDict(), raw)
            reading.mark_all_read(session, replace(listing, until=_epoch(params.get("ts"))))
        return _text("OK")

    return await _handle(request, work, output=False)


@router.post(BASE + "/rename-tag")
async def rename_tag(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        source, dest = _folder_param(params.get("s")), _folder_param(params.get("dest"))
        if not source or not dest:
            raise _bad()
        with session_scope(engine_of(request)) as session:
            for sub in reading.subscriptions(session, viewer.id):
                if sub.folder == source:
                    reading.edit_subscription(session, viewer.id, sub.feed.id, folder=dest)
        return _text("OK")

    return await _handle(request, work, output=False)


@router.post(BASE + "/disable-tag")
async def disable_tag(request: Request) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        folder = _folder_param(params.get("s"))
        if not folder:
            raise _bad()
        with session_scope(engine_of(request)) as session:
            for sub in reading.subscriptions(session, viewer.id):
                if sub.folder == folder:
                    reading.edit_subscription(session, viewer.id, sub.feed.id, clear_folder=True)
        return _text("OK")

    return await _handle(request, work, output=False)


@router.api_route(BASE + "/{rest:path}", methods=["GET", "POST"])
async def not_implemented(request: Request, rest: str) -> Response:
    def work(viewer: Viewer, credential: str, params: MultiDict) -> Response:
        return _text("Not Implemented!", 501)

    return await _handle(request, work, output=False)
