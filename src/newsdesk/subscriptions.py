"""The site's feed subscriptions: the one way a feed gets into the `feeds` table (which the
refresher fetches), whoever asks.

    newsdesk feeds add URL                       subscribe_url(): a feed, or a site page
                                                 announcing one (discovery)
    newsdesk feeds import, serve's first run,    import_opml()
    the Sources page's OPML import (admins)
    newsdesk feeds export, GET /sources.opml     export_opml()
    newsdesk feeds remove, the Sources page      remove_feed()
    POST /api/v1/feeds, the Google Reader API's  add_feed()
    subscribe / quickadd (admins)

A feed's outlet name (what its articles show as their outlet) is derived by
newsdesk.sources.outlet when it is added and refined at each refresh (`name_outlet`), unless an
admin set it (`set_outlet_name`). Subscribing to a feed of a site the site already follows
(another format or URL: the same site link, or items already stored from another feed) is
reported in `subscribe_url`'s `similar` list.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.sources.opml import MAX_URL, OutlineFeed, SkippedOutline, build_opml, read_opml
from newsdesk.sources.outlet import MAX_NAME, is_platform, outlet_name, site_host
from newsdesk.sources.urls import canonicalize
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, Feed, FeedArticle, utcnow

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


def with_scheme(url: str) -> str:
    """An address as typed, "https://" put before one that names no scheme ("example.org",
    "example.org/feed"), as browsers' address bars do."""
    url = normalize_url(url)
    if url and "://" not in url and not url.lower().startswith(("http:", "https:")):
        return "https://" + url.lstrip("/")
    return url


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
    name = outlet_name(title=feed.title, site_url=feed.site_url, feed_url=url)
    feed.outlet_name, feed.outlet_source = name or None, "feed"
    session.add(feed)
    session.flush()
    return feed


# --- outlet names ----------------------------------------------------------------------------


def _rename_articles(session: Session, feed: Feed, old: str | None, new: str) -> None:
    """The feed's articles that showed `old` as their outlet show `new`."""
    if not old or old == new:
        return
    mine = select(FeedArticle.article_id).where(FeedArticle.feed_id == feed.id)
    session.execute(
        update(Article)
        .where(Article.outlet == old, Article.id.in_(mine))
        .values(outlet=new)
        .execution_options(synchronize_session=False)
    )


def name_outlet(session: Session, feed: Feed, site_names: Iterable[str | None] = ()) -> str:
    """The feed's outlet name, derived again from its title, site link and the og:site_name of
    pages just read (an admin's name stays); its stored articles follow a change."""
    if feed.outlet_source == "admin" and feed.outlet_name:
        return feed.outlet_name
    names = [n for n in site_names if n]
    if not names and feed.outlet_source == "site" and feed.outlet_name:
        return feed.outlet_name  # named by its pages before: no page read this time
    name = outlet_name(
        title=feed.title, site_url=feed.site_url, feed_url=feed.url, site_names=names
    )
    source = "site" if names and not is_platform(site_host(feed.site_url or feed.url)) else "feed"
    if name and name != feed.outlet_name:
        _rename_articles(session, feed, feed.outlet_name or feed.title, name)
        feed.outlet_name = name
    feed.outlet_source = source
    return name


def set_outlet_name(session: Session, feed: Feed, name: str | None) -> str:
    """An admin names the feed's outlet (None or blank: derive it again); its articles follow.
    Returns the name now in use."""
    clean = " ".join((name or "").split())[:MAX_NAME]
    if not clean:
        feed.outlet_source = "feed"
        return name_outlet(session, feed)
    _rename_articles(session, feed, feed.outlet_name or feed.title, clean)
    feed.outlet_name, feed.outlet_source = clean, "admin"
    return clean


# --- the same site under another feed ---------------------------------------------------------


@dataclass(frozen=True)
class SimilarFeed:
    """A feed the site has that looks like the same source as one being added."""

    feed: Feed
    reason: str


MIN_SHARED_ITEMS = 2  # items of the new feed already stored from another: the same source


def _site_key(url: str | None) -> str:
    """A site link compared loosely: no scheme, "www.", trailing slash or case."""
    host = site_host(url)
    path = urlsplit(url or "").path.rstrip("/").casefold() if host else ""
    return f"{host}{path}"


def similar_feeds(
    session: Session, feed: Feed, item_links: Sequence[str] = ()
) -> list[SimilarFeed]:
    """The site's other feeds of the same source as `feed`: the same site link, or (on the
    same site host) items already stored from them. Platform hosts (YouTube...) match only
    by the exact site link or shared items."""
    found: dict[int, SimilarFeed] = {}
    key = _site_key(feed.site_url)
    host = site_host(feed.site_url) or site_host(feed.url)
    others = session.scalars(select(Feed).where(Feed.id != feed.id)).all()
    for other in others:
        if key and _site_key(other.site_url) == key:
            found[other.id] = SimilarFeed(other, f"the same site link ({feed.site_url})")
    urls = sorted({canonicalize(u) for u in item_links if u})[:500]
    if urls:
        shared = func.count(func.distinct(Article.id))
        rows = session.execute(
            select(FeedArticle.feed_id, shared)
            .join(Article, Article.id == FeedArticle.article_id)
            .where(Article.url.in_(urls), FeedArticle.feed_id != feed.id)
            .group_by(FeedArticle.feed_id)
        ).all()
        by_id = {f.id: f for f in others}
        for other_id, n in rows:
            match = by_id.get(other_id)
            if match is None or match.id in found or n < min(MIN_SHARED_ITEMS, len(urls)):
                continue
            if not is_platform(host) or _site_key(match.site_url) == key:
                reason = f"{n} of its {len(urls)} items are already stored from it"
                found[match.id] = SimilarFeed(match, reason)
    return sorted(found.values(), key=lambda s: s.feed.id)


def subscribe_url(
    engine: Engine,
    settings: Settings,
    url: str,
    similar: list[SimilarFeed] | None = None,
    known: list[Feed] | None = None,
) -> Feed:
    """The feed at `url` (typed: "example.org" is https://example.org), or the first one the
    site page at `url` announces: added, or the site's feed if it has it already. Raises
    ValueError when the page announces no feed, and what fetching or parsing raises (a
    blocked address, an HTTP error...).

    `similar`, if given, receives the site's other feeds that look like the same source (the
    same site in another format or under another URL): added all the same, for the caller to
    report. `known`, if given, receives the feed when the site had it already."""
    from newsdesk.sources.discover import FoundFeed, resolve_feed
    from newsdesk.sources.fetch import Fetcher

    async def resolve() -> FoundFeed:
        async with Fetcher(settings) as fetcher:
            return await resolve_feed(fetcher, with_scheme(url))

    found = asyncio.run(resolve())
    with session_scope(engine) as session:
        try:
            feed = add_feed(session, found.url, title=found.title, site_url=found.site_url)
        except FeedExists as exc:
            if known is not None:
                known.append(exc.feed)
            return exc.feed
        if similar is not None:
            similar.extend(similar_feeds(session, feed, found.item_links))
        return feed


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


def export_opml(session: Session) -> str:
    """The site's subscriptions as an OPML 2.0 document, grouped by category."""
    feeds = session.scalars(select(Feed).order_by(Feed.category, Feed.title, Feed.id)).all()
    return build_opml(OutlineFeed(f.url, f.title or f.url, f.site_url, f.category) for f in feeds)


def remove_feed(session: Session, feed_id: int) -> Feed | None:
    """Unsubscribe the site from a feed; None if there is none with that id. Its stored
    articles stay (in listings, stories and search), as do those other feeds also carry."""
    feed = session.get(Feed, feed_id)
    if feed is not None:
        session.delete(feed)
        session.flush()
    return feed
