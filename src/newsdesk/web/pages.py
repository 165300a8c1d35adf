"""Routes: the HTML pages, /healthz and /robots.txt."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from sqlalchemy import bindparam, func, select

from newsdesk import search
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment, Story
from newsdesk.store.models_readers import Comment
from newsdesk.stories.views import home_ai
from newsdesk.web import queries, reading, searching
from newsdesk.web.comments import comment_counts, comment_thread
from newsdesk.web.microcache import MicroCache, page_part
from newsdesk.web.pagecache import PAGES_TTL_MAX, age_ttl, kept_page
from newsdesk.web.request import DbSession, TurnRoute, render
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

router = APIRouter(route_class=TurnRoute)

# The site-wide lists of the home and search pages (outlets and languages with their article
# counts: 9 and 5 ms at 100,000 articles) are the same for every reader: each web process keeps
# them this long (web/microcache.py), so a new outlet shows up to a minute late.
SITE_LISTS_TTL = 60.0


# The outlet filters (home and search pages) offer the MAX_OUTLET_CHOICES outlets with the most
# articles, by name: a list of every outlet of a large install (1,531 at 100,000 articles) is
# no choice on a phone, and rendering it took a third of a kept search page's time. Any other
# outlet is reached from its name on an article (/outlets/NAME) or with ?outlet=NAME, and is
# offered too once chosen.
MAX_OUTLET_CHOICES = 100


def _site_list(request: Request, session: DbSession, name: str) -> list[tuple[str, int]]:
    """The outlets to offer (see MAX_OUTLET_CHOICES) or search.languages, kept SITE_LISTS_TTL
    seconds."""

    def make() -> list[tuple[str, int]]:
        if name != "outlets":
            return search.languages(session)
        most = sorted(queries.outlets(session), key=lambda row: -row[1])[:MAX_OUTLET_CHOICES]
        return sorted(most)

    kept: MicroCache[list[tuple[str, int]]] = request.app.state.site_lists
    return kept.get_or_make(name, make)


def _outlet_choices(
    request: Request, session: DbSession, chosen: str | None
) -> list[tuple[str, int]]:
    offered = _site_list(request, session, "outlets")
    if not chosen or any(name == chosen for name, _ in offered):
        return offered
    count = queries.outlet_count(session, chosen)
    return sorted([*offered, (chosen, count)]) if count else offered


def _home_ai(request: Request, session: DbSession) -> dict[str, Any]:
    """home_ai, kept (web/microcache.py page_part); made again at once when an article is
    stored."""
    newest = queries.newest_article_id(session)
    return page_part(request, ("home", newest), lambda: home_ai(session))


def _cursor(raw: str | None) -> reading.Position | None:
    if not raw:
        return None
    cursor = reading.Position.decode(raw)
    if cursor is None:
        raise HTTPException(400, "That page link is not valid.")
    return cursor


def _by_story(
    session: DbSession, outlet: str | None, after: reading.Position | None
) -> reading.EntryPage:
    """Latest articles (of one outlet), one entry per story: the listing of web/reading.py."""
    source = "outlet" if outlet is not None else "all"
    listing = reading.Listing(source=source, outlet=outlet, by_story=True)
    return reading.list_entries(session, listing, after, PAGE_SIZE)


def _url(path: str, **params: str | int | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


@router.get("/", response_class=HTMLResponse, name="home")
def home(
    request: Request, session: DbSession, outlet: str | None = None, before: str | None = None
) -> Response:
    return kept_page(  # made again when an article is stored
        request,
        lambda: ("home", request.url.query, queries.newest_article_id(session)),
        lambda: _home(request, session, outlet, before),
    )


def _home(
    request: Request, session: DbSession, outlet: str | None, before: str | None
) -> HTMLResponse:
    outlet = outlet or None
    cursor = _cursor(before)
    page = _by_story(session, outlet, cursor)
    older = _url("/", outlet=outlet, before=page.next.encode()) if page.next else None
    empty = not page.items and outlet is None and cursor is None
    front = outlet is None and cursor is None and not empty
    return render(
        request,
        "home.html",
        {
            **(_home_ai(request, session) if front else {}),
            "items": page.items,
            "outlet": outlet,
            "outlets": _outlet_choices(request, session, outlet),
            "continued": cursor is not None,
            "older_url": older,
            "newest_url": _url("/", outlet=outlet) if cursor else None,
            "empty": empty,
            "comment_counts": comment_counts(session, [i.article.id for i in page.items]),
        },
    )


# What changes an article page at once (web/pagecache.py): its enrichment, its story and the
# story's last recount (an article joined or left), its comments (added, edited, hidden,
# deleted); and when its news last changed, for how long the page is kept (age_ttl). Built
# once: every anonymous view reads it.
_ARTICLE_STAMP = (
    select(
        Enrichment.enriched_at,
        Enrichment.story_id,
        func.count(Comment.id),
        func.max(Comment.id),
        func.max(Comment.edited_at),
        func.count(Comment.hidden_at),
        func.count(Comment.deleted_at),
        Story.updated_at,
        func.coalesce(Story.last_seen, Enrichment.seen_at, Article.fetched_at),
    )
    .select_from(Article)
    .outerjoin(Enrichment, Enrichment.article_id == Article.id)
    .outerjoin(Story, Story.id == Enrichment.story_id)
    .outerjoin(Comment, Comment.article_id == Article.id)
    .where(Article.id == bindparam("article_id"))
    .group_by(
        Article.id,
        Enrichment.enriched_at,
        Enrichment.story_id,
        Enrichment.seen_at,
        Story.updated_at,
        Story.last_seen,
    )
)


@router.get("/articles/{article_id:int}", response_class=HTMLResponse, name="article")
def article_page(request: Request, session: DbSession, article_id: int) -> Response:
    comments: list[int] = []  # the stamp's count of comment rows, when key() read it
    changed: list[Any] = []  # when its news last changed (the stamp's last column)

    def key() -> tuple[Any, ...]:
        stamp = None
        if 0 < article_id <= queries.MAX_ID:
            stamp = session.execute(_ARTICLE_STAMP, {"article_id": article_id}).first()
        if stamp is None:
            raise HTTPException(404, "There is no article with that number.")
        comments.append(stamp[2])
        changed.append(stamp[-1])
        from newsdesk.llm_summaries import summary_stamp  # a model's summary shows at once

        written = summary_stamp(session, request.app.state.settings, article_id)
        return ("article", article_id, request.url.query, *stamp, *written)

    def make() -> HTMLResponse:
        return _article_page(request, session, article_id, comments == [0])

    return kept_page(request, key, make, lambda: age_ttl(changed[0]))


def _article_page(
    request: Request, session: DbSession, article_id: int, no_comments: bool = False
) -> HTMLResponse:
    """The article page; `no_comments`: the article is known to have no comment rows."""
    article = queries.article(session, article_id)
    if article is None:
        raise HTTPException(404, "There is no article with that number.")
    context: dict[str, Any] = {
        "article": article,
        "feeds": queries.article_feeds(session, article.id),
        "words": article.word_count or len(article.text.split()),
    }
    state = request.app.state
    signed_in = current_user(request) is not None  # else the page is kept whole
    slots = article_slots(session, article, state.settings, state.slot_caches, keep=signed_in)
    context.update(slots.context())
    context["thread"] = comment_thread(
        request, session, article_id=article.id, none_stored=no_comments
    )
    return render(request, "article.html", context)


@router.get("/outlets/{name:path}", response_class=HTMLResponse, name="outlet")
def outlet_page(
    request: Request, session: DbSession, name: str, before: str | None = None
) -> HTMLResponse:
    count = queries.outlet_count(session, name) if name else 0
    if not count:
        raise HTTPException(404, "There are no articles from that outlet.")
    cursor = _cursor(before)
    page = _by_story(session, name, cursor)
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
            "older_url": _url(path, before=page.next.encode()) if page.next else None,
            "newest_url": path if cursor else None,
        },
    )


def _day(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(400, "That date is not valid: use YYYY-MM-DD.") from None


@router.get("/search", response_class=HTMLResponse, name="search")
def search_page(
    request: Request,
    session: DbSession,
    q: str = "",
    page: Annotated[int, Query(ge=1, le=MAX_SEARCH_PAGE)] = 1,
    sort: Literal["relevance", "date"] = "relevance",
    outlet: Annotated[str, Query(max_length=256)] = "",
    lang: Annotated[str, Query(max_length=16)] = "",
    from_: Annotated[str, Query(alias="since", max_length=10)] = "",
    to: Annotated[str, Query(alias="until", max_length=10)] = "",
) -> Response:
    shown: list[datetime | None] = []  # the newest result's time, for how long it may be kept

    def make() -> HTMLResponse:
        return _search_page(request, session, q, page, sort, outlet, lang, from_, to, shown)

    return kept_page(  # see web/searching; kept on while nothing new is stored
        request,
        lambda: ("search", request.url.query),
        make,
        stamp=lambda: queries.stored_stamp(session),
        life=lambda: age_ttl(shown[0]) if shown and shown[0] else PAGES_TTL_MAX,
    )


def _search_page(
    request: Request,
    session: DbSession,
    q: str,
    page: int,
    sort: Literal["relevance", "date"],
    outlet: str,
    lang: str,
    from_: str,
    to: str,
    shown: list[datetime | None] | None = None,
) -> HTMLResponse:
    """The search page; `shown` gets the time of its newest result."""
    q = " ".join(q.split())[:MAX_QUERY_CHARS]
    since, until = _day(from_), _day(to)  # a form sends "" for a date left empty
    if since and until and since > until:  # the two dates the other way round: what is meant
        since, until = until, since
    results = None
    if q:
        results = searching.find(
            request,
            session,
            q,
            filters=search.filters(outlet, lang, since, until),
            sort=sort,
            offset=(page - 1) * SEARCH_PAGE_SIZE,
            limit=SEARCH_PAGE_SIZE,
            language=lang or None,
        )
    more = results is not None and results.more and page < MAX_SEARCH_PAGE
    entries = results.entries if results else []
    if shown is not None:
        times = [e.article.published_at or e.article.fetched_at for e in entries]
        shown.append(max((t for t in times if t is not None), default=None))
    first = (page - 1) * SEARCH_PAGE_SIZE + 1
    params: dict[str, str | int | None] = {
        "q": q,
        "sort": sort if sort != "relevance" else None,
        "outlet": outlet,
        "lang": lang,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
    }
    return render(
        request,
        "search.html",
        {
            "q": q,
            "results": results,
            "entries": entries,
            "page": page,
            "first": first,
            "last": first + len(entries) - 1,
            "exact_total": len(entries) if page == 1 and not more else None,
            # each entry is a story: how many articles they hold ("3 results" of 18 articles)
            "articles_total": sum(e.story_articles for e in entries),
            "sort": sort,
            "outlet": outlet,
            "lang": lang,
            "since": since,
            "until": until,
            "filtered": bool(outlet or lang or since or until),
            "outlets": _outlet_choices(request, session, outlet),
            "languages": _site_list(request, session, "languages"),
            "date_url": _url("/search", **{**params, "sort": "date"}),
            "relevance_url": _url("/search", **{**params, "sort": None}),
            "next_url": _url("/search", **params, page=page + 1) if more else None,
            "prev_url": _url("/search", **params, page=page - 1 if page > 2 else None)
            if page > 1
            else None,
        },
    )


@router.get("/healthz", name="healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/robots.txt", response_class=PlainTextResponse, name="robots")
def robots() -> PlainTextResponse:
    return PlainTextResponse(ROBOTS_TXT)
