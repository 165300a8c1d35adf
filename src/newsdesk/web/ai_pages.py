"""The AI layer's pages: top stories, a story, a hashtag / explainer, and asking questions.

    GET  /stories                  top stories, paginated (?page=N)
    GET  /stories/{id}             a story: summary, coverage by outlet, hashtags, ask, comments
    GET  /tags/{slug}              a hashtag; for people, organisations and places an explainer
    POST /articles/{id}/ask        ask about an article's story (form: question + CSRF token)
    POST /stories/{id}/ask         ask about a story

What they show of stories and tags comes from the read model, newsdesk.stories.views (as the
JSON API's and the Atom feeds' does).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from newsdesk.ask import NO_ANSWER, ask
from newsdesk.security import Limit, rate_check, rate_record
from newsdesk.store.db import session_scope
from newsdesk.store.models_readers import Follow
from newsdesk.stories import views
from newsdesk.web import reading
from newsdesk.web.comments import comment_thread
from newsdesk.web.microcache import page_part
from newsdesk.web.pagecache import kept_page
from newsdesk.web.pages import _url
from newsdesk.web.request import DbSession, TurnRoute, client_hash, engine_of, render
from newsdesk.web.sessions import current_user
from newsdesk.web.slots import AnswerView, AskBox, Citation

router = APIRouter(route_class=TurnRoute)

STORIES_PAGE_SIZE = 20
MAX_STORIES_PAGE = 50
TAG_PAGE_SIZE = 20
MAX_QUESTION = 500
# Answering embeds every sentence of up to a few dozen articles: a few per minute per client.
ASK_LIMITS = (Limit(6, 60), Limit(60, 60 * 60))


# --- stories ---------------------------------------------------------------------------------


@router.get("/stories", response_class=HTMLResponse, name="stories")
def stories_page(
    request: Request,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=MAX_STORIES_PAGE)] = 1,
) -> HTMLResponse:
    offset = (page - 1) * STORIES_PAGE_SIZE
    cards = views.top_stories(session, STORIES_PAGE_SIZE + 1, offset)
    more = len(cards) > STORIES_PAGE_SIZE and page < MAX_STORIES_PAGE
    return render(
        request,
        "stories.html",
        {
            "stories": cards[:STORIES_PAGE_SIZE],
            "page": page,
            "first": offset + 1,
            "older_url": _url("/stories", page=page + 1) if more else None,
            "newest_url": _url("/stories", page=page - 1 if page > 2 else None)
            if page > 1
            else None,
        },
    )


@router.get("/stories/{story_id:int}", response_class=HTMLResponse, name="story")
def story_page(request: Request, session: DbSession, story_id: int) -> HTMLResponse:
    view = views.story_page(session, story_id)
    if view is None:
        raise HTTPException(404, "There is no story with that number.")
    return render(
        request,
        "story.html",
        {
            "view": view,
            "story": view.story,
            "ask": AskBox(action=f"/stories/{story_id}/ask"),
            "thread": comment_thread(request, session, story_id=story_id),
        },
    )


# --- hashtags and explainers -----------------------------------------------------------------


@router.get("/tags/{slug}", response_class=HTMLResponse, name="tag")
def tag_page(
    request: Request, session: DbSession, slug: str, before: str | None = None
) -> Response:
    def key() -> tuple[Any, ...]:  # made again when the tag gains or loses an article
        tag = views.find_tag(session, slug)
        return ("tag", slug, request.url.query, tag.count if tag else None)

    return kept_page(request, key, lambda: _tag_page(request, session, slug, before))


def _tag_page(request: Request, session: DbSession, slug: str, before: str | None) -> Response:
    tag = views.find_tag(session, slug)
    if tag is None:
        raise HTTPException(404, "There is no such hashtag.")
    if slug != tag.slug:  # one address per tag: "#brexit", "brexit" -> "Brexit"
        target = tag.url + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=301)
    after = None
    if before:
        after = reading.Position.decode(before)
        if after is None:
            raise HTTPException(400, "That page link is not valid.")
    listing = reading.Listing(source="tag", tag_id=tag.id, by_story=True)
    page = reading.list_entries(session, listing, after, TAG_PAGE_SIZE)
    explained = None
    if after is None:  # made again at once when the tag gains or loses an article
        key = ("explainer", tag.id, tag.count)
        explained = page_part(request, key, lambda: views.explainer(session, tag))
    viewer = current_user(request)
    following = None
    if viewer is not None:
        following = session.scalar(
            select(Follow.kind).where(
                Follow.user_id == viewer.id, Follow.key == func.lower(tag.slug)
            )
        )
    return render(
        request,
        "tag.html",
        {
            "tag": tag,
            "explained": explained,
            "items": page.items,
            "continued": after is not None,
            "older_url": _url(tag.url, before=page.next.encode()) if page.next else None,
            "newest_url": tag.url if after is not None else None,
            "viewer": viewer,
            "following": following,
            "follow_kind": "entity" if tag.is_entity else "hashtag",
        },
    )


# --- asking ----------------------------------------------------------------------------------

Question = Annotated[str, Form(max_length=MAX_QUESTION * 4)]


def _answer(request: Request, question: str, story_id: int | None) -> AnswerView:
    """Run ask() for the question (rate limited per client), as the template shows it."""
    engine = engine_of(request)
    subject = f"ip:{client_hash(request)}"
    with session_scope(engine) as session:
        wait = rate_check(session, "ask", subject, ASK_LIMITS)
        if wait:
            raise HTTPException(
                429,
                f"You have asked a lot of questions: try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
        rate_record(session, "ask", subject)
    result = ask(engine, request.app.state.settings, question, story_id=story_id)
    citations = [
        Citation(
            sentence=str(c.get("sentence") or ""),
            article_id=int(c["article_id"]),
            outlet=str(c.get("outlet") or ""),
            title=str(c.get("title") or ""),
        )
        for c in result.citations
        if c.get("article_id") is not None
    ]
    answered = bool(result.answered and citations)
    view = AnswerView(
        question=question,
        answer=result.answer_text if answered else NO_ANSWER,
        answered=answered,
        citations=citations,
    )
    if answered and result.composed_by and len(citations) == len(result.citations):
        from newsdesk.nlp.llm import split_markers

        view.composed_by = result.composed_by
        view.composed_parts = split_markers(result.answer_text)
    return view


def _question(raw: str) -> str:
    return " ".join(raw.split())[:MAX_QUESTION]


def _ask_page(
    request: Request, context: dict[str, Any], question: str, story_id: int | None
) -> HTMLResponse:
    if not question:
        context.update(answer=None, problem="Type a question first.")
        return render(request, "ask.html", context, status_code=400)
    context.update(answer=_answer(request, question, story_id), problem=None)
    return render(request, "ask.html", context)


@router.post("/articles/{article_id:int}/ask", response_class=HTMLResponse, name="ask_article")
def ask_article(request: Request, article_id: int, question: Question = "") -> HTMLResponse:
    with session_scope(engine_of(request)) as session:
        row = views.enriched_article(session, article_id)
        if row is None:
            raise HTTPException(404, "There is no article with that number to ask about.")
        title, story_id = row
        story = views.story_card(session, story_id) if story_id is not None else None
    q = _question(question)
    multi = story is not None and story.article_count >= 2
    if story_id is None:
        scope = "answers quote any stored article"
    elif multi:
        assert story is not None
        scope = f"answers quote the {story.article_count} articles of its story"
    else:
        scope = "answers quote this article only"
    context: dict[str, Any] = {
        "question": q,
        "about_title": title or "(untitled)",
        "about_url": f"/articles/{article_id}",
        "about_kind": "article",
        "scope": scope,
        "story": story if multi else None,
        "ask": AskBox(action=f"/articles/{article_id}/ask"),
    }
    return _ask_page(request, context, q, story_id)


@router.post("/stories/{story_id:int}/ask", response_class=HTMLResponse, name="ask_story")
def ask_story(request: Request, story_id: int, question: Question = "") -> HTMLResponse:
    with session_scope(engine_of(request)) as session:
        story = views.story_card(session, story_id)
    if story is None:
        raise HTTPException(404, "There is no story with that number to ask about.")
    q = _question(question)
    context: dict[str, Any] = {
        "question": q,
        "about_title": story.title or "(untitled story)",
        "about_url": story.url,
        "about_kind": "story",
        "scope": f"answers quote the story's {story.article_count} "
        + ("article" if story.article_count == 1 else "articles"),
        "story": None,
        "ask": AskBox(action=f"/stories/{story_id}/ask"),
    }
    return _ask_page(request, context, q, story_id)
