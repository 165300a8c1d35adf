"""Read-only queries for the web pages: SQLAlchemy select()s, portable SQLite/PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from newsdesk.sources.page_failures import failure_reason
from newsdesk.store.models import MAX_ID, Article, ErrorRecord, Feed, FeedArticle
from newsdesk.store.models_ai import Enrichment, Story

EXCERPT_CHARS = 600

sort_key = func.coalesce(Article.published_at, Article.fetched_at)


@dataclass(frozen=True)
class Cursor:
    """Keyset position: articles strictly older than (when, id) in the newest-first order."""

    when: datetime
    id: int

    _RE = re.compile(r"(\d{20})-(\d{1,10})")

    def encode(self) -> str:
        when = self.when.astimezone(UTC)
        return f"{when.year:04d}{when:%m%d%H%M%S%f}-{self.id}"  # %Y is not zero-padded

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        match = cls._RE.fullmatch(raw)
        if not match or int(match[2]) > MAX_ID:
            return None
        try:
            when = datetime.strptime(match[1], "%Y%m%d%H%M%S%f").replace(tzinfo=UTC)
        except ValueError:
            return None
        return cls(when, int(match[2]))


@dataclass
class ArticleItem:
    """An article in a list, with the start of its text (the full text and HTML are not loaded)."""

    article: Article
    excerpt: str


@dataclass
class FeedHealth:
    feed: Feed
    article_count: int
    failed_pages: int = 0  # of article_count: articles whose page could not be extracted
    reasons: list[tuple[str, int]] = field(default_factory=list)  # why, most pages first

    @property
    def failed_percent(self) -> int:
        """The share of article pages that failed, in whole percent (rounded up from 0)."""
        if not self.failed_pages or not self.article_count:
            return 0
        return max(1, round(100 * self.failed_pages / self.article_count))

    @property
    def state(self) -> str:
        """ "error" (the feed itself fails), "warning" (fetched, but at least half of its
        article pages failed), "ok", or "new" (never fetched successfully)."""
        if self.feed.last_error:
            return "error"
        if self.failed_pages and self.failed_pages * 2 >= self.article_count:
            return "warning"
        return "ok" if self.feed.last_success_at else "new"


@dataclass(frozen=True)
class ErrorGroup:
    """ErrorRecords of one feed, stage and normalized reason."""

    feed_id: int | None
    stage: str
    reason: str
    count: int
    latest: datetime
    example_url: str


def _plain(html: str | None) -> str:
    """Feed summaries may be HTML: keep their text only."""
    return Markup(html).striptags() if html else ""


def outlets(session: Session) -> list[tuple[str, int]]:
    """Every named outlet with its article count, by name."""
    stmt = (
        select(Article.outlet, func.count(Article.id))
        .where(Article.outlet != "")
        .group_by(Article.outlet)
        .order_by(Article.outlet)
    )
    return [(name, count) for name, count in session.execute(stmt).all()]


def outlet_count(session: Session, name: str) -> int:
    stmt = select(func.count(Article.id)).where(Article.outlet == name)
    return session.execute(stmt).scalar_one()


def outlet_feeds(session: Session, name: str) -> list[FeedHealth]:
    """The feeds that delivered this outlet's articles, with how many of them each."""
    count = func.count(FeedArticle.article_id)
    stmt = (
        select(Feed, count)
        .join(FeedArticle, FeedArticle.feed_id == Feed.id)
        .join(Article, Article.id == FeedArticle.article_id)
        .where(Article.outlet == name)
        .group_by(Feed.id)
        .order_by(count.desc(), Feed.id)
    )
    return [FeedHealth(feed, n) for feed, n in session.execute(stmt).all()]


_NEWEST = select(func.max(Article.id))


def newest_article_id(session: Session) -> int | None:
    """The newest stored article's number: the home page (kept, web/pagecache.py) and its AI
    part are made again when it changes."""
    return session.scalar(_NEWEST)


# What a search's results are made of changes with each of these: an article stored, an
# article (re-)enriched, a story recounted or merged. Each is an index's last entry. The times
# are the workers' clocks: a change stamped before the newest time stored (a worker's clock
# behind another's) is not seen, and shows when the kept page's life ends (pagecache.py).
_STORED = select(
    _NEWEST.scalar_subquery(),
    select(func.max(Enrichment.enriched_at)).scalar_subquery(),
    select(func.max(Story.updated_at)).scalar_subquery(),
)


def stored_stamp(session: Session) -> tuple[object, ...]:
    """A stamp of the articles, enrichments and stories stored: equal stamps, the same search
    results (a kept search page is kept on while it holds, web/pagecache.py)."""
    return tuple(session.execute(_STORED).one())


def article(session: Session, article_id: int) -> Article | None:
    if not 0 < article_id <= MAX_ID:
        return None
    return session.get(Article, article_id)


_ARTICLE_FEEDS = (  # every article page runs it: built once
    select(Feed)
    .join(FeedArticle, FeedArticle.feed_id == Feed.id)
    .where(FeedArticle.article_id == bindparam("article_id"))
    .order_by(Feed.title, Feed.url)
)


def article_feeds(session: Session, article_id: int) -> list[Feed]:
    return list(session.scalars(_ARTICLE_FEEDS, {"article_id": article_id}).all())


def feed_health(session: Session) -> list[FeedHealth]:
    """Every feed with its article count and failed article pages; failing feeds first."""
    counts = (
        select(
            FeedArticle.feed_id,
            func.count(FeedArticle.article_id).label("n"),
            func.count(Article.extraction_error).label("failed"),
        )
        .join(Article, Article.id == FeedArticle.article_id)
        .group_by(FeedArticle.feed_id)
        .subquery()
    )
    stmt = (
        select(Feed, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.failed, 0))
        .outerjoin(counts, counts.c.feed_id == Feed.id)
        .order_by(
            Feed.last_error.is_(None),
            func.lower(func.coalesce(Feed.title, Feed.url)),
            Feed.id,
        )
    )
    reasons = page_failure_reasons(session)
    return [
        FeedHealth(feed, n, failed, reasons.get(feed.id, []))
        for feed, n, failed in session.execute(stmt).all()
    ]


def page_failure_reasons(session: Session) -> dict[int, list[tuple[str, int]]]:
    """Per feed id, why its article pages failed: (reason group, pages), most pages first."""
    stmt = (
        select(FeedArticle.feed_id, Article.extraction_error, func.count())
        .join(Article, Article.id == FeedArticle.article_id)
        .where(Article.extraction_error.is_not(None))
        .group_by(FeedArticle.feed_id, Article.extraction_error)
    )
    counts: dict[int, Counter[str]] = {}
    for feed_id, message, n in session.execute(stmt).all():
        counts.setdefault(feed_id, Counter())[failure_reason(message)] += n
    return {
        feed_id: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for feed_id, c in counts.items()
    }


_URL_RE = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_LONG_NUMBER_RE = re.compile(r"\d[\d_.,]{3,}\d|\b[0-9a-f]{12,}\b", re.IGNORECASE)


def error_reason(message: str) -> str:
    """A message without its URLs and long numbers (ids, sizes), so alike errors group.

    Short numbers stay: "HTTP 404 for https://x/1" and "HTTP 404 for https://x/2" both
    become "HTTP 404 for <url>", while HTTP 404 and HTTP 503 stay apart.
    """
    reason = _URL_RE.sub("<url>", message)
    reason = _LONG_NUMBER_RE.sub("<n>", reason)
    return " ".join(reason.split())[:300] or "(no message)"


def error_groups(session: Session) -> list[ErrorGroup]:
    """ErrorRecords grouped per feed, stage and reason; the most recent group first."""
    stmt = select(
        ErrorRecord.feed_id,
        ErrorRecord.stage,
        ErrorRecord.message,
        func.count(ErrorRecord.id),
        func.max(ErrorRecord.created_at),
        func.max(ErrorRecord.url),
    ).group_by(ErrorRecord.feed_id, ErrorRecord.stage, ErrorRecord.message)
    merged: dict[tuple[int | None, str, str], ErrorGroup] = {}
    for feed_id, stage, message, count, latest, url in session.execute(stmt).all():
        if isinstance(latest, str):  # max() over a type-decorated column may come back raw
            latest = datetime.fromisoformat(latest)
        if latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)
        key = (feed_id, stage, error_reason(message))
        seen = merged.get(key)
        if seen is None:
            merged[key] = ErrorGroup(feed_id, stage, key[2], count, latest, url)
        else:
            newer = latest > seen.latest
            merged[key] = ErrorGroup(
                feed_id,
                stage,
                key[2],
                seen.count + count,
                max(latest, seen.latest),
                url if newer else seen.example_url,
            )
    return sorted(merged.values(), key=lambda g: (g.latest, g.count), reverse=True)


def article_total(session: Session) -> int:
    return session.execute(select(func.count(Article.id))).scalar_one()
