"""Routes: the HTML pages, /healthz and /robots.txt."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from newsdesk.store.search import search as fts_search
from newsdesk.stories.views import home_ai
from newsdesk.web import queries
from newsdesk.web.comments import comment_counts, comment_thread
from newsdesk.web.queries import Cursor
from newsdesk.web.request import DbSession, render
from newsdesk.web.sessions import current_user
from newsdesk.web.slots import article_slots
from newsdesk.web.templating import quote_path

PAGE_SIZE = 20
SEARCH_PAGE_SIZE = 20
MAX_SEARCH_PAGE = 50
MAX_QUERY_CHARS = 200

ROBOTS_TXT = """\
# newsdesk republishes other outlets' articles for its readers: keep it out of search engines.
User-agent: *
Disallow: /
"""

router = APIRouter()


def _cursor(raw: str | None) -> Cursor | None:
    if not raw:
        return None
    cursor = Cursor.decode(raw)
    if cursor is None:
        raise HTTPException(400, "That page link is not valid.")
    return cursor


def _url(path: str, **params: str | int | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


@router.get("/", response_class=HTMLResponse, name="home")
def home(
    request: Request, session: DbSession, outlet: str | None = None, before: str | None = None
) -> HTMLResponse:
    outlet = outlet or None
    cursor = _cursor(before)
    page = queries.latest(session, outlet=outlet, before=cursor, limit=PAGE_SIZE)
    older = _url("/", outlet=outlet, before=page.next_cursor.encode()) if page.next_cursor else None
    empty = not page.items and outlet is None and cursor is None
    front = outlet is None and cursor is None and not empty
    return render(
        request,
        "home.html",
        {
            **(home_ai(session) if front else {}),
            "items": page.items,
            "outlet": outlet,
            "outlets": queries.outlets(session),
            "continued": cursor is not None,
            "older_url": older,
            "newest_url": _url("/", outlet=outlet) if cursor else None,
            "empty": empty,
            "comment_counts": comment_counts(session, [i.article.id for i in page.items]),
        },
    )


@router.get("/articles/{article_id:int}", response_class=HTMLResponse, name="article")
def article_page(request: Request, session: DbSession, article_id: int) -> HTMLResponse:
    article = queries.article(session, article_id)
    if article is None:
        raise HTTPException(404, "There is no article with that number.")
    context: dict[str, Any] = {
        "article": article,
        "feeds": queries.article_feeds(session, article.id),
        "words": article.word_count or len(article.text.split()),
    }
    context.update(article_slots(session, article, request.app.state.settings).context())
    context["thread"] = comment_thread(request, session, article_id=article.id)
    return render(request, "article.html", context)


@router.get("/outlets/{name:path}", response_class=HTMLResponse, name="outlet")
def outlet_page(
    request: Request, session: DbSession, name: str, before: str | None = None
) -> HTMLResponse:
    count = queries.outlet_count(session, name) if name else 0
    if not count:
        raise HTTPException(404, "There are no articles from that outlet.")
    cursor = _cursor(before)
    page = queries.latest(session, outlet=name, before=cursor, limit=PAGE_SIZE)
    path = f"/outlets/{quote_path(name)}"
    return render(
        request,
        "outlet.html",
        {
            "name": name,
            "count": count,
            "feeds": queries.outlet_feeds(session, name),
            "items": page.items,
            "continued": cursor is not None,
            "older_url": _url(path, before=page.next_cursor.encode()) if page.next_cursor else None,
            "newest_url": path if cursor else None,
        },
    )


@router.get("/search", response_class=HTMLResponse, name="search")
def search_page(
    request: Request,
    session: DbSession,
    q: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_SEARCH_PAGE)] = 1,
) -> HTMLResponse:
    q = " ".join(q.split())[:MAX_QUERY_CHARS]
    hits = []
    if q:
        offset = (page - 1) * SEARCH_PAGE_SIZE
        hits = fts_search(session, q, limit=SEARCH_PAGE_SIZE + 1, offset=offset)
    more = len(hits) > SEARCH_PAGE_SIZE and page < MAX_SEARCH_PAGE
    hits = hits[:SEARCH_PAGE_SIZE]
    first = (page - 1) * SEARCH_PAGE_SIZE + 1
    return render(
        request,
        "search.html",
        {
            "q": q,
            "hits": hits,
            "page": page,
            "first": first,
            "last": first + len(hits) - 1,
            "exact_total": len(hits) if page == 1 and not more else None,
            "next_url": _url("/search", q=q, page=page + 1) if more else None,
            "prev_url": _url("/search", q=q, page=page - 1 if page > 2 else None)
            if page > 1
            else None,
        },
    )


@router.get("/sources", response_class=HTMLResponse, name="sources")
def sources_page(request: Request, session: DbSession) -> HTMLResponse:
    feeds = queries.feed_health(session)
    viewer = current_user(request)
    return render(
        request,
        "sources.html",
        {
            "feeds": feeds,
            "failing": sum(1 for f in feeds if f.state == "error"),
            "warning": sum(1 for f in feeds if f.state == "warning"),
            "article_total": queries.article_total(session),
            "feed_names": {f.feed.id: f.feed.name for f in feeds},
            "error_groups": queries.error_groups(session),
            # messages and URLs of errors are for admins; everyone sees states and counts
            "show_details": viewer is not None and viewer.is_admin,
        },
    )


@router.get("/healthz", name="healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/robots.txt", response_class=PlainTextResponse, name="robots")
def robots() -> PlainTextResponse:
    return PlainTextResponse(ROBOTS_TXT)
