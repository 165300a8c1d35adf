"""The site's feed subscriptions: the one way a feed gets into the `feeds` table (which the
refresher fetches), whoever asks.

    newsdesk feeds add URL                       subscribe_url(): a feed, or a site page
                                                 announcing one (discovery)
    newsdesk feeds import, serve's first run     import_opml()
    POST /api/v1/feeds, the Google Reader API's  add_feed()
    subscribe / quickadd (admins)

Every path checks a URL the same way (`url_problem`: http(s), a host, no spaces or control
characters, at most 2048 characters), finds an existing feed by the same URL (`find_feed`: the
URL stripped of surrounding spaces and otherwise as given, since a feed's URL is the address
fetched and what readers' `feed/<url>` streams name), and stores titles and categories with
spaces collapsed, clipped to their columns.

A reader's own subscriptions to the site's feeds (user_feeds, folders) are
newsdesk.web.reading's. No web framework here: callers turn the exceptions into their answers.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.sources.opml import MAX_URL, SkippedOutline, read_opml
from newsdesk.store.db import session_scope
from newsdesk.store.models import Feed, utcnow

MAX_TITLE = 512
MAX_CATEGORY = 256


class SubscriptionError(ValueError):
    """A feed that cannot be added; the message says why."""


class InvalidFeedURL(SubscriptionError):
    """Not a feed URL (see url_problem)."""


class FeedExists(SubscriptionError):
    """The site already has a feed with that URL (`feed`)."""

    def __init__(self, feed: Feed) -> None:
        super().__init__("There is already a feed with that URL.")
        self.feed = feed


def normalize_url(url: str) -> str:
    return url.strip()


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a feed's URL, or None if it can."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "That is not a URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Feed URLs start with http:// or https:// and name a host."
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return "Feed URLs cannot contain spaces or control characters."
    if len(url) > MAX_URL:
        return f"Feed URLs are at most {MAX_URL} characters long."
    return None


def _text(value: str | None, limit: int) -> str | None:
    return " ".join((value or "").split())[:limit] or None


def find_feed(session: Session, url: str) -> Feed | None:
    """The site's feed with this URL, if there is one."""
    return session.scalar(select(Feed).where(Feed.url == normalize_url(url)))


def add_feed(
    session: Session,
    url: str,
    *,
    title: str | None = None,
    site_url: str | None = None,
    category: str | None = None,
) -> Feed:
    """Add a feed (fetched at the next refresh). Raises InvalidFeedURL, or FeedExists when the
    site has one with that URL (a concurrent add shows as an IntegrityError when flushed)."""
    url = normalize_url(url)
    problem = url_problem(url)
    if problem:
        raise InvalidFeedURL(problem)
    existing = find_feed(session, url)
    if existing is not None:
        raise FeedExists(existing)
    site = site_url.strip() if site_url else None
    feed = Feed(
        url=url,
        title=_text(title, MAX_TITLE),
        site_url=site if site and len(site) <= MAX_URL else None,
        category=_text(category, MAX_CATEGORY),
        added_at=utcnow(),
        error_count=0,
    )
    session.add(feed)
    session.flush()
    return feed


def subscribe_url(engine: Engine, settings: Settings, url: str) -> Feed:
    """The feed at `url`, or the first one the site page at `url` announces: added, or the
    site's feed if it has it already. Raises ValueError when the page announces no feed, and
    what fetching or parsing raises (a blocked address, an HTTP error...)."""
    from newsdesk.sources.discover import resolve_feed
    from newsdesk.sources.fetch import Fetcher

    async def resolve() -> tuple[str, str | None, str | None]:
        async with Fetcher(settings) as fetcher:
            found = await resolve_feed(fetcher, normalize_url(url))
            return found.url, found.title, found.site_url

    feed_url, title, site_url = asyncio.run(resolve())
    with session_scope(engine) as session:
        try:
            return add_feed(session, feed_url, title=title, site_url=site_url)
        except FeedExists as exc:
            return exc.feed


def import_opml(
    engine: Engine, data: bytes, skipped: list[SkippedOutline] | None = None
) -> tuple[int, int]:
    """Add the OPML document's feeds; returns (added, already present). Raises OPMLError.

    `skipped`, if given, receives the outlines not imported (not an http(s) URL...)."""
    feeds, dropped = read_opml(data)
    added = present = 0
    with session_scope(engine) as session:
        for item in feeds:
            try:
                add_feed(
                    session,
                    item.xml_url,
                    title=item.title,
                    site_url=item.html_url,
                    category=item.category,
                )
            except FeedExists:
                present += 1
            except InvalidFeedURL as exc:
                dropped.append(SkippedOutline(item.title, item.xml_url, str(exc)))
            else:
                added += 1
    if skipped is not None:
        skipped.extend(dropped)
    return added, present
