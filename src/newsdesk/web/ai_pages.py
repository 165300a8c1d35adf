"""The AI layer's pages: top stories, a story, a hashtag / explainer, and asking questions.

    GET  /stories                  top stories, paginated (?page=N)
    GET  /stories/{id}             a story: summary, coverage by outlet, hashtags, ask, comments
    GET  /tags/{slug}              a hashtag; for people, organisations and places an explainer
    POST /articles/{id}/ask        ask about an article's story (form: question + CSRF token)
    POST /stories/{id}/ask         ask about a story

Registered by newsdesk.web.app when the AI tables exist (ai_links.tables_ready).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from newsdesk.ask import NO_ANSWER, ask
from newsdesk.store.db import session_scope
from newsdesk.store.models_readers import Follow
from newsdesk.web import ai_links, ai_queries, reading
from newsdesk.web.auth import client_hash, current_user
from newsdesk.web.comments import comment_thread
from newsdesk.web.pages import SessionDep, _url, render
from newsdesk.web.queries import MAX_ID
from newsdesk.web.security import Limit, rate_check, rate_record
from newsdesk.web.slots import Answer as AnswerView
from newsdesk.web.slots import AskBox, Citation

router = APIRouter()

STORIES_PAGE_SIZE = 20
MAX_STORIES_PAGE = 50
TAG_PAGE_SIZE = 20
MAX_QUESTION = 500
# Answering embeds every sentence of up to a few dozen articles: a few per minute per client.
ASK_LIMITS = (Limit(6, 60), Limit(60, 60 * 60))


def _atom(request: Request) -> bool:
    """The Atom feeds of stories and hashtags are served (newsdesk.web.atom_ai)."""
    return ai_links.available(request.app.state.engine)


# --- stories ---------------------------------------------------------------------------------


@router.get("/stories", response_class=HTMLResponse, name="stories")
def stories_page(
    request: Request,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=MAX_STORIES_PAGE)] = 1,
) -> HTMLResponse:
    offset = (page - 1) * STORIES_PAGE_SIZE
    cards = ai_queries.top_stories(session, STORIES_PAGE_SIZE + 1, offset)
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
            "atom": _atom(request),
        },
    )


@router.get("/stories/{story_id:int}", response_class=HTMLResponse, name="story")
def story_page(request: Request, session: SessionDep, story_id: int) -> HTMLResponse:
    view = ai_queries.story_page(session, story_id) if 0 < story_id <= MAX_ID else None
    if view is None or not view.shown:
        raise HTTPException(404, "There is no story with that number.")
    return render(
        request,
        "story.html",
        {
            "view": view,
            "story": view.story,
            "ask": AskBox(action=f"/stories/{story_id}/ask"),
            "thread": comment_thread(request, session, story_id=story_id),
            "atom": _atom(request),
        },
    )


# --- hashtags and explainers -----------------------------------------------------------------


@router.get("/tags/{slug}", response_class=HTMLResponse, name="tag")
def tag_page(
    request: Request, session: SessionDep, slug: str, before: str | None = None
) -> Response:
    row = ai_queries.tag_by_slug(session, slug)
    if row is None or not row.article_count:
        raise HTTPException(404, "There is no such hashtag.")
    tag = ai_queries.TagLink(row.slug, row.label, row.kind, row.article_count)
    if slug != row.slug:  # one address per tag: "#brexit", "brexit" -> "Brexit"
        target = tag.url + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=301)
    after = None
    if before:
        after = reading.Position.decode(before)
        if after is None:
            raise HTTPException(400, "That page link is not valid.")
    listing = reading.Listing(source="tag", tag_id=row.id)
    page = reading.list_entries(session, listing, after, TAG_PAGE_SIZE)
    explained = ai_queries.explainer(session, row) if after is None else None
    viewer = current_user(request)
    following = None
    if viewer is not None:
        following = session.scalar(
            select(Follow.kind).where(
                Follow.user_id == viewer.id, Follow.key == func.lower(row.slug)
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
            "atom": _atom(request),
        },
    )


# --- asking ----------------------------------------------------------------------------------

Question = Annotated[str, Form(max_length=MAX_QUESTION * 4)]


def _answer(request: Request, question: str, story_id: int | None) -> AnswerView:
    """Run ask() for the question (rate limited per client), as the template shows it."""
    engine = request.app.state.engine
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
    from newsdesk.store.models import Article
    from newsdesk.store.models_ai import Enrichment

    with session_scope(request.app.state.engine) as session:
        row = (
            session.execute(
                select(Article.title, Enrichment.story_id)
                .join(Enrichment, Enrichment.article_id == Article.id)
                .where(Article.id == article_id)
            ).first()
            if 0 < article_id <= MAX_ID
            else None
        )
        if row is None:
            raise HTTPException(404, "There is no article with that number to ask about.")
        title, story_id = row
        story = ai_queries.story_card(session, story_id) if story_id is not None else None
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
    with session_scope(request.app.state.engine) as session:
        story = ai_queries.story_card(session, story_id) if 0 < story_id <= MAX_ID else None
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
