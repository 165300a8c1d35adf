"""The Sources page: every feed's health, why its article pages failed, the recorded errors;
and what admins change there (add a feed, name a feed's outlet).

    GET  /sources                          anyone: states, counts, failure reasons by group;
                                           admins also: error messages and addresses, forms
    POST /sources/feeds                    admins: add a feed (form: url); feeds of the same
                                           source already present are reported
    POST /sources/feeds/{id}/outlet        admins: name the feed's outlet (form: name; blank:
                                           derive it again)
    POST /sources/feeds/{id}/remove        admins: unsubscribe (its stored articles stay)
    POST /sources/opml                     admins: import an OPML file (form: opml); says
                                           which outlines were skipped, and why
    GET  /sources.opml                     anyone: the feeds as OPML 2.0 (the page lists them)
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.sources.opml import OPMLError, SkippedOutline
from newsdesk.store.db import session_scope
from newsdesk.store.models import Feed, FeedArticle
from newsdesk.subscriptions import (
    SimilarFeed,
    export_opml,
    import_opml,
    remove_feed,
    set_outlet_name,
    subscribe_url,
    with_scheme,
)
from newsdesk.web import queries
from newsdesk.web.request import DbSession, TurnRoute, engine_of, render
from newsdesk.web.sessions import current_user

router = APIRouter(route_class=TurnRoute)
MAX_OPML_BYTES = 2 * 1024 * 1024  # a subscription list of some 10,000 feeds
SKIPPED_SHOWN = 50


def _sources(request: Request, session: Session, **notes: Any) -> HTMLResponse:
    """The page, with what a form just did (`notes`); a 400 when it says a `problem`."""
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
            "added": notes.get("added"),
            "known": notes.get("known", False),  # the site had that feed already
            "similar": notes.get("similar", []),
            "problem": notes.get("problem"),
            "typed": notes.get("typed"),  # the address that could not be added, to correct
            "imported": notes.get("imported"),  # (added, already present, skipped outlines)
            "removed": notes.get("removed"),  # the feed removed, and its stored articles
            "skipped_shown": SKIPPED_SHOWN,
        },
        status_code=400 if notes.get("problem") else 200,
    )


@router.get("/sources", response_class=HTMLResponse, name="sources")
def sources_page(request: Request, session: DbSession) -> HTMLResponse:
    return _sources(request, session)


def _admin(request: Request) -> None:
    viewer = current_user(request)
    if viewer is None or not viewer.is_admin:
        raise HTTPException(403, "Only an admin can change the sources.")


@router.post("/sources/feeds", response_class=HTMLResponse, name="add_source")
def add_source(request: Request, url: Annotated[str, Form(max_length=4096)] = "") -> HTMLResponse:
    """An admin subscribes the site to a feed (or a page announcing one); the site's feeds of
    the same source (another format or URL of the same site) are reported, not hidden."""
    _admin(request)
    engine = engine_of(request)
    similar: list[SimilarFeed] = []
    problem = None
    added = None
    known: list[Feed] = []
    try:
        added = subscribe_url(engine, request.app.state.settings, url.strip(), similar, known)
    except Exception as exc:  # an invalid URL, a fetch or parse failure: said on the page
        problem = f"Could not add {url.strip()!r}: {exc}"
        if with_scheme(url) != url.strip():  # the https:// it was given did not answer
            problem += " (tried with https://; type http:// in front if the site has no https)"
    with session_scope(engine) as session:
        return _sources(
            request,
            session,
            added=added,
            known=bool(known),
            similar=similar,
            problem=problem,
            typed=url.strip() if problem else None,
        )


@router.post("/sources/feeds/{feed_id:int}/outlet", name="name_outlet")
def name_outlet(
    request: Request, feed_id: int, name: Annotated[str, Form(max_length=1024)] = ""
) -> RedirectResponse:
    """An admin names a feed's outlet (blank: derive it again); its articles follow."""
    _admin(request)
    with session_scope(engine_of(request)) as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise HTTPException(404, "There is no feed with that number.")
        set_outlet_name(session, feed, name or None)
    return RedirectResponse(f"/sources#feed-{feed_id}", status_code=303)


@router.post("/sources/feeds/{feed_id:int}/remove", response_class=HTMLResponse)
def remove_source(request: Request, feed_id: int) -> HTMLResponse:
    """An admin unsubscribes the site from a feed; what it brought stays readable."""
    _admin(request)
    with session_scope(engine_of(request)) as session:
        articles = session.scalar(
            select(func.count()).select_from(FeedArticle).where(FeedArticle.feed_id == feed_id)
        )
        feed = remove_feed(session, feed_id)
        if feed is None:
            raise HTTPException(404, "There is no feed with that number.")
        removed = (feed.outlet_name or feed.name, feed.url, articles)
    with session_scope(engine_of(request)) as session:
        return _sources(request, session, removed=removed)


@router.post("/sources/opml", response_class=HTMLResponse, name="import_sources")
def import_sources(
    request: Request, opml: Annotated[UploadFile | None, File()] = None
) -> HTMLResponse:
    """An admin imports an OPML subscription list (the file a reader app exports)."""
    _admin(request)
    engine = engine_of(request)
    problem = imported = None
    data = opml.file.read(MAX_OPML_BYTES + 1) if opml is not None else b""
    if not data:
        problem = "Choose an OPML file to import."
    elif len(data) > MAX_OPML_BYTES:
        problem = f"That file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MB."
    else:
        skipped: list[SkippedOutline] = []
        try:
            added, present = import_opml(engine, data, skipped)
        except OPMLError as exc:
            problem = f"Could not import {opml.filename if opml else 'the file'!r}: {exc}"
        else:
            imported = (added, present, skipped)
    with session_scope(engine) as session:
        return _sources(request, session, imported=imported, problem=problem)


@router.get("/sources.opml", name="sources_opml")
def sources_opml(session: DbSession) -> Response:
    """Every feed the site follows, for a reader app or another newsdesk to import."""
    return Response(
        export_opml(session),
        media_type="text/x-opml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="newsdesk-feeds.opml"'},
    )
