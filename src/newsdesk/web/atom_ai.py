"""Atom feeds of top stories, each story and each tag: the stories and tags of the read model
newsdesk.stories.views (the same as the HTML pages and the JSON API)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from newsdesk.store.db import session_scope
from newsdesk.stories import views
from newsdesk.web import reading
from newsdesk.web.api.common import site_url
from newsdesk.web.atom import (
    FEED_SIZE,
    SUMMARY_CHARS,
    AtomEntry,
    articles_feed,
    atom_response,
    entries_feed,
)
from newsdesk.web.request import TurnRoute, engine_of
from newsdesk.web.templating import excerpt, quote_path

router = APIRouter(route_class=TurnRoute)


@router.get("/feeds/stories.atom", name="atom_stories")
def stories(request: Request) -> Response:
    entries = []
    with session_scope(engine_of(request)) as session:
        for story in views.top_stories(session, FEED_SIZE, outlets=False):
            link = site_url(request, story.url)
            summary = " ".join(story.summary)
            count = f"{story.article_count} articles from {story.outlet_count} outlets."
            # its newest article: what changes a story for its readers (updated_at is when it
            # was last counted, the same for every story a first enrichment makes)
            updated = story.last_seen or story.updated_at
            assert updated is not None  # stories always have a creation time
            entries.append(
                AtomEntry(
                    id=link,
                    title=story.title or "(untitled story)",
                    link=link,
                    updated=updated,
                    published=story.first_seen,
                    author="newsdesk",
                    summary=excerpt(f"{summary} {count}".strip(), SUMMARY_CHARS),
                )
            )
    feed = entries_feed(request, entries, title="newsdesk: top stories", alternate="/")
    return atom_response(request, feed)


@router.get("/feeds/stories/{story_id:int}.atom", name="atom_story")
def story(request: Request, story_id: int) -> Response:
    with session_scope(engine_of(request)) as session:
        card = views.shown_story(session, story_id)
    if card is None:
        raise HTTPException(404, "There is no story with that number.")
    title, page = card.title, card.url
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
    with session_scope(engine_of(request)) as session:
        tag = views.find_tag(session, slug)
    if tag is None:
        raise HTTPException(404, "There is no such hashtag.")
    feed = articles_feed(
        request,
        reading.Listing(source="tag", tag_id=tag.id),
        feed_id=site_url(request, f"/feeds/hashtags/{quote_path(tag.slug)}.atom"),
        title=f"newsdesk: #{tag.slug}",
        subtitle=f"Articles about {tag.label}",
        alternate=tag.url,
    )
    return atom_response(request, feed)
