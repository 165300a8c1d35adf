"""Atom feeds of the AI layer: top stories, each story, each hashtag (with models_ai)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from newsdesk.store.db import session_scope
from newsdesk.store.models_ai import Story, Tag
from newsdesk.web import ai_links, reading
from newsdesk.web.api.ai import top_stories
from newsdesk.web.api.common import site_url
from newsdesk.web.atom import (
    FEED_SIZE,
    SUMMARY_CHARS,
    AtomEntry,
    _engine,
    articles_feed,
    atom_response,
    entries_feed,
)
from newsdesk.web.templating import excerpt, quote_path

router = APIRouter()


@router.get("/feeds/stories.atom", name="atom_stories")
def stories(request: Request) -> Response:
    entries = []
    with session_scope(_engine(request)) as session:
        for story in top_stories(session, 0, FEED_SIZE):
            link = site_url(request, ai_links.STORY_PAGE.format(id=story.id))
            summary = " ".join(story.summary) if isinstance(story.summary, list) else ""
            count = f"{story.article_count} articles from {story.outlet_count} outlets."
            entries.append(
                AtomEntry(
                    id=link,
                    title=story.title or "(untitled story)",
                    link=link,
                    updated=story.updated_at or story.last_seen or story.created_at,
                    published=story.first_seen,
                    author="newsdesk",
                    summary=excerpt(f"{summary} {count}".strip(), SUMMARY_CHARS),
                )
            )
    feed = entries_feed(request, entries, title="newsdesk: top stories", alternate="/")
    return atom_response(request, feed)


@router.get("/feeds/stories/{story_id:int}.atom", name="atom_story")
def story(request: Request, story_id: int) -> Response:
    with session_scope(_engine(request)) as session:
        row = session.get(Story, story_id) if 0 < story_id < 2**31 else None
        title = row.title if row is not None else None
    if row is None:
        raise HTTPException(404, "There is no story with that number.")
    page = ai_links.STORY_PAGE.format(id=story_id)
    feed = articles_feed(
        request,
        reading.Listing(source="story", story_id=story_id),
        feed_id=site_url(request, f"/feeds/stories/{story_id}.atom"),
        title=f"newsdesk story: {title or story_id}",
        alternate=page,
    )
    return atom_response(request, feed)


@router.get("/feeds/hashtags/{slug}.atom", name="atom_hashtag")
def hashtag(request: Request, slug: str) -> Response:
    with session_scope(_engine(request)) as session:
        tag = session.scalar(select(Tag).where(func.lower(Tag.slug) == slug.lstrip("#").lower()))
        found = (tag.id, tag.slug, tag.label) if tag is not None else None
    if found is None:
        raise HTTPException(404, "There is no such hashtag.")
    tag_id, tag_slug, label = found
    feed = articles_feed(
        request,
        reading.Listing(source="tag", tag_id=tag_id),
        feed_id=site_url(request, f"/feeds/hashtags/{quote_path(tag_slug)}.atom"),
        title=f"newsdesk: #{tag_slug}",
        subtitle=f"Articles about {label}",
        alternate=ai_links.TAG_PAGE.format(slug=quote_path(tag_slug)),
    )
    return atom_response(request, feed)
