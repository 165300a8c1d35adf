"""fetch -> parse -> extract -> store. Resumable and idempotent: one transaction per feed."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import random
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.extract.article import Extracted, ExtractionError, extract_article
from newsdesk.extract.language import detect_language
from newsdesk.extract.sanitize import html_to_text, sanitize_html
from newsdesk.sources.backoff import next_delay
from newsdesk.sources.entry import Entry, FeedError, ParsedFeed
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.fetch import Fetcher, FetchError
from newsdesk.sources.urls import canonicalize
from newsdesk.store.bulk import in_chunks
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, ErrorRecord, Feed, FeedArticle, utcnow

_SPACE = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
MIN_HASH_WORDS = 50  # shorter texts (teasers) are too generic to dedupe by content


def text_stats(text: str) -> tuple[str | None, int]:
    """(content hash, word count) of a text, from one pass over its words.

    The hash of the normalized text is what stores syndicated copies once.
    """
    words = _WORDS.findall(text.lower())
    if len(words) < MIN_HASH_WORDS:
        return None, len(words)
    return hashlib.sha256(" ".join(words).encode()).hexdigest(), len(words)


def content_hash(text: str) -> str | None:
    return text_stats(text)[0]


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


@dataclass
class Candidate:
    """An article ready to store: what the feed said, improved by the page when fetched."""

    url: str
    guid: str
    title: str
    outlet: str
    author: str | None = None
    published: datetime | None = None
    text: str = ""
    html: str = ""
    summary: str | None = None
    image_url: str | None = None
    language: str | None = None
    extraction_error: str | None = None


@dataclass
class FeedResult:
    feed_id: int
    url: str
    new: int = 0
    linked: int = 0
    seen: int = 0
    not_modified: bool = False
    error: str | None = None


@dataclass
class RefreshReport:
    feeds: list[FeedResult] = field(default_factory=list)

    @property
    def new_articles(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def errors(self) -> list[FeedResult]:
        return [f for f in self.feeds if f.error]


# ---------------------------------------------------------------- storing


def record_error(session: Session, url: str, stage: str, message: str, feed_id: int | None) -> None:
    session.add(ErrorRecord(feed_id=feed_id, url=url, stage=stage, message=message[:2000]))


def store_candidate(session: Session, cand: Candidate, feed_id: int | None) -> str:
    """Store one article (or link an existing copy) inside the caller's transaction.

    Returns "new", "linked" or "seen". Safe under concurrent writers: a unique-constraint race
    rolls back only this entry's savepoint and retries as a link.
    """
    if feed_id is not None:
        seen = session.scalar(
            select(FeedArticle.article_id).where(
                FeedArticle.feed_id == feed_id, FeedArticle.guid == cand.guid
            )
        )
        if seen is not None:
            return "seen"
    for _attempt in range(2):
        existing = session.scalar(select(Article).where(Article.url == cand.url))
        digest, words = text_stats(cand.text)
        if existing is None and digest is not None:
            existing = session.scalar(
                select(Article).where(Article.content_hash == digest).limit(1)
            )
        try:
            with session.begin_nested():
                if existing is None:
                    article = _new_article(cand, digest, words)
                    session.add(article)
                    session.flush()
                    status = "new"
                else:
                    article = existing
                    status = "linked"
                if feed_id is not None:
                    already = session.get(FeedArticle, (feed_id, article.id))
                    if already is None:
                        session.add(
                            FeedArticle(feed_id=feed_id, article_id=article.id, guid=cand.guid)
                        )
                        session.flush()
                    elif status == "linked":
                        status = "seen"
            return status
        except IntegrityError:
            continue  # another writer stored it first: look again and link
    return "seen"


def _new_article(cand: Candidate, digest: str | None, words: int) -> Article:
    return Article(
        url=cand.url,
        title=cand.title or cand.url,
        author=cand.author,
        outlet=cand.outlet,
        published_at=cand.published,
        language=cand.language,
        image_url=cand.image_url,
        summary=cand.summary,
        text=cand.text,
        html=cand.html,
        word_count=words,
        content_hash=digest,
        extraction_error=cand.extraction_error,
    )


def store_candidates(session: Session, cands: list[Candidate], feed_id: int) -> list[str]:
    """Store a feed's candidates inside the caller's transaction; a status per candidate.

    The same outcome as ``store_candidate`` on each in turn, with a few queries and one
    insert per table for the whole list. If a concurrent writer stored one of these articles
    meanwhile (a unique-constraint error), the bulk attempt is rolled back and the list is
    stored one by one, as ``store_candidate`` handles that race.
    """
    if not cands:
        return []
    try:
        with session.begin_nested():
            return _store_bulk(session, cands, feed_id)
    except IntegrityError:
        return [store_candidate(session, cand, feed_id) for cand in cands]


def _store_bulk(session: Session, cands: list[Candidate], feed_id: int) -> list[str]:
    stats = [text_stats(cand.text) for cand in cands]
    seen_guids: set[str] = set()
    by_url: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    for guids in in_chunks(cand.guid for cand in cands):
        seen_guids.update(
            session.scalars(
                select(FeedArticle.guid).where(
                    FeedArticle.feed_id == feed_id, FeedArticle.guid.in_(guids)
                )
            )
        )
    for urls in in_chunks(cand.url for cand in cands):
        rows = session.execute(select(Article.url, Article.id).where(Article.url.in_(urls)))
        by_url.update((row.url, row.id) for row in rows)
    for hashes in in_chunks(d for d, _ in stats if d is not None):
        rows = session.execute(
            select(Article.content_hash, Article.id)
            .where(Article.content_hash.in_(hashes))
            .order_by(Article.id)
        )
        for row in rows:
            by_hash.setdefault(row.content_hash, row.id)
    linked: set[int | Article] = set()  # articles (ids, or new ones) linked to this feed
    for ids in in_chunks({*by_url.values(), *by_hash.values()}):
        linked.update(
            session.scalars(
                select(FeedArticle.article_id).where(
                    FeedArticle.feed_id == feed_id, FeedArticle.article_id.in_(ids)
                )
            )
        )
    new_by_url: dict[str, Article] = {}
    new_by_hash: dict[str, Article] = {}
    statuses: list[str] = []
    links: list[tuple[int | Article, str]] = []
    for cand, (digest, words) in zip(cands, stats, strict=True):
        if cand.guid in seen_guids:
            statuses.append("seen")
            continue
        target: int | Article | None = by_url.get(cand.url) or new_by_url.get(cand.url)
        if target is None and digest is not None:
            target = by_hash.get(digest) or new_by_hash.get(digest)
        if target is None:
            target = _new_article(cand, digest, words)
            session.add(target)
            new_by_url[cand.url] = target
            if digest is not None:
                new_by_hash.setdefault(digest, target)
            status = "new"
        else:
            status = "linked"
        if target in linked:
            status = "seen"
        else:
            linked.add(target)
            links.append((target, cand.guid))
            seen_guids.add(cand.guid)
        statuses.append(status)
    session.flush()  # the new articles get their ids
    session.add_all(
        FeedArticle(
            feed_id=feed_id,
            article_id=target if isinstance(target, int) else target.id,
            guid=guid,
        )
        for target, guid in links
    )
    session.flush()
    return statuses


# ---------------------------------------------------------------- candidates


def _entry_text(entry: Entry) -> tuple[str, str]:
    raw = entry.content_html or entry.summary_html
    if not raw:
        return "", ""
    return html_to_text(raw), sanitize_html(raw, entry.url)


def candidate_from_entry(entry: Entry, feed_title: str) -> Candidate:
    text, html = _entry_text(entry)
    summary = html_to_text(entry.summary_html) if entry.summary_html else None
    return Candidate(
        url=canonicalize(entry.url),
        guid=entry.guid,
        title=entry.title,
        outlet=feed_title,
        author=entry.author,
        published=entry.published,
        text=text,
        html=html,
        summary=summary,
        image_url=entry.image_url,
        language=detect_language(text) if text else None,
    )


def merge_extracted(cand: Candidate, ext: Extracted) -> Candidate:
    """The page's extraction wins for body and metadata; the feed fills what the page lacks."""
    cand.text = ext.text
    cand.html = ext.html
    cand.title = cand.title or ext.title
    cand.author = cand.author or ext.author
    cand.published = cand.published or ext.published
    cand.image_url = cand.image_url or ext.image_url
    cand.language = ext.language or cand.language
    if ext.canonical_url and ext.canonical_url.startswith(("http://", "https://")):
        cand.url = canonicalize(ext.canonical_url)
    return cand


_WARM_PAGE = (
    "<html><head><title>Warm-up</title><meta name='author' content='A. Writer'></head><body>"
    "<article><h1>Warm-up</h1>"
    + "<p>This page loads the extractor's language, date and fallback models once.</p>" * 20
    + "</article></body></html>"
)


def warm_up_extractor(dates: bool = True) -> None:
    """Run one extraction so lazily loaded models sit in memory that forked workers share.

    `dates`: also compile dateparser's patterns (see below), for long-lived pools.
    """
    with contextlib.suppress(ExtractionError):
        extract_article(_WARM_PAGE, "https://example.org/2026/01/01/warm-up")
    # The stop words of all languages that trafilatura's justext fallback uses (a 27 MB set,
    # 0.3 s to build), built here once rather than in each worker on its first hard page.
    with contextlib.suppress(ImportError):
        from justext.core import define_stoplist
        from trafilatura.external import jt_stoplist_init

        define_stoplist(jt_stoplist_init())
    # htmldate hands the text dates it cannot read to dateparser, which compiles the patterns of
    # each locale the first time it tries it: a date that no locale reads compiles them all
    # (about 1 s, 40 MB). A long-lived pool (`serve`) does it here once, instead of in each
    # worker on such a page (3% of pages without a feed date). A one-shot run does not wait
    # for it: with feed dates its workers never need it.
    if not dates:
        return
    from htmldate.extractors import get_external_parser

    with contextlib.suppress(Exception):
        get_external_parser().get_date_data("12 xxxx 2019")


def extract_page(
    body: bytes, url: str, published: datetime | None = None, content_type: str | None = None
) -> Extracted:
    """Runs in a worker process. `published`: the feed's date, if it gives one;
    `content_type`: the HTTP header, whose charset decides how the bytes are read."""
    return extract_article(body, url, published, content_type)


# ---------------------------------------------------------------- the run


class Refresher:
    """One refresh pass over feeds; holds the fetcher and the extraction pool."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        progress: Callable[[FeedResult], None] | None = None,
        long_lived: bool = False,
    ) -> None:
        """`long_lived`: the pool serves many runs (`serve`); see `warm_up_extractor`."""
        self.engine = engine
        self.settings = settings
        self.progress = progress
        self.long_lived = long_lived
        self._pool: Executor | None = None
        self._pool_lock = threading.Lock()
        self._page_slots = asyncio.Semaphore(1)

    def _executor(self) -> Executor:
        with self._pool_lock:  # extract() may call this from several threads at once
            return self._start_pool()

    def _start_pool(self) -> Executor:
        if self._pool is None:
            # Load models before fork: workers share them copy-on-write.
            warm_up_extractor(dates=self.long_lived)
            # Objects that exist now move to the collector's permanent generation: collections
            # in the workers then do not write to (and so copy) the pages they share. Garbage
            # is collected first, as frozen objects are never collected in this process.
            gc.collect()
            gc.freeze()
            self._pool = ProcessPoolExecutor(max_workers=max(1, self.settings.extract_workers))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    async def extract(
        self,
        body: bytes,
        url: str,
        published: datetime | None = None,
        content_type: str | None = None,
    ) -> Extracted:
        loop = asyncio.get_running_loop()
        try:
            # The first call warms the extractor up (0.5-1.6 s): off the event loop, which
            # under `serve` also answers web requests.
            pool = self._pool or await asyncio.to_thread(self._executor)
            return await loop.run_in_executor(
                pool, extract_page, body, url, published, content_type
            )
        except BrokenProcessPool as exc:
            self.close()  # a worker died (segfault, OOM): start a fresh pool next time
            raise ExtractionError(f"extractor process crashed: {exc}") from exc

    async def run(self, feed_ids: Iterable[int] | None = None) -> RefreshReport:
        with session_scope(self.engine) as session:
            query = select(Feed.id, Feed.url).order_by(Feed.id)
            if feed_ids is not None:
                query = query.where(Feed.id.in_(list(feed_ids)))
            feeds = [(row.id, row.url) for row in session.execute(query)]
        report = RefreshReport()
        # Pages fetched but not yet extracted wait in memory: fetching may run this far ahead
        # of the extraction workers, no further.
        slots = max(self.settings.concurrency, 4 * max(1, self.settings.extract_workers))
        self._page_slots = asyncio.Semaphore(slots)
        async with Fetcher(self.settings) as fetcher:
            tasks = [self._refresh_feed(fetcher, fid, url) for fid, url in feeds]
            for coro in asyncio.as_completed(tasks):
                result = await coro
                report.feeds.append(result)
                if self.progress:
                    self.progress(result)
        return report

    async def _refresh_feed(self, fetcher: Fetcher, feed_id: int, url: str) -> FeedResult:
        result = FeedResult(feed_id, url)
        try:
            await self._refresh_feed_inner(fetcher, feed_id, url, result)
        except Exception as exc:
            stage = "fetch" if isinstance(exc, FetchError) else "parse"
            if not isinstance(exc, FetchError | FeedError):
                stage = "internal"
            result.error = f"{type(exc).__name__}: {exc}" if stage == "internal" else str(exc)
            retry_after = getattr(exc, "retry_after", None)
            with session_scope(self.engine) as session:
                feed = session.get(Feed, feed_id)
                if feed is not None:
                    feed.last_fetched_at = utcnow()
                    feed.last_error = result.error
                    feed.error_count = (feed.error_count or 0) + 1
                    delay = next_delay(
                        feed.error_count, self.settings.refresh_interval, retry_after
                    )
                    feed.next_fetch_at = utcnow() + timedelta(seconds=delay)
                    record_error(session, url, stage, result.error, feed_id)
        return result

    async def _refresh_feed_inner(
        self, fetcher: Fetcher, feed_id: int, url: str, result: FeedResult
    ) -> None:
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            etag, last_modified = feed.etag, feed.last_modified
            known = set(
                session.scalars(select(FeedArticle.guid).where(FeedArticle.feed_id == feed_id))
            )
        resp = await fetcher.get(url, etag=etag, last_modified=last_modified)
        parsed: ParsedFeed | None = None
        if resp.not_modified:
            result.not_modified = True
        else:
            parsed = await asyncio.to_thread(parse_feed, resp.body, resp.url, resp.content_type)
        outlet = (parsed.title if parsed else None) or ""
        candidates: list[Candidate] = []
        page_errors: list[tuple[str, str]] = []
        if parsed is not None:
            outlet = outlet or _host(resp.url)
            fresh = [e for e in parsed.entries if e.guid not in known and e.url]
            candidates = await asyncio.gather(
                *(self._candidate(fetcher, e, outlet, page_errors) for e in fresh)
            )
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            for status in store_candidates(session, candidates, feed_id):
                setattr(result, status, getattr(result, status) + 1)
            for page_url, message in page_errors:
                record_error(session, page_url, "extract", message, feed_id)
            now = utcnow()
            feed.last_fetched_at = now
            feed.last_success_at = now
            feed.last_error = None
            feed.error_count = 0
            feed.etag = resp.etag or feed.etag
            feed.last_modified = resp.last_modified or feed.last_modified
            if parsed is not None:
                feed.title = feed.title or parsed.title
                feed.site_url = feed.site_url or parsed.site_url
            interval = self.settings.refresh_interval
            feed.next_fetch_at = now + timedelta(seconds=interval * random.uniform(0.9, 1.1))

    async def _candidate(
        self, fetcher: Fetcher, entry: Entry, outlet: str, errors: list[tuple[str, str]]
    ) -> Candidate:
        cand = candidate_from_entry(entry, outlet)
        if word_count(cand.text) >= self.settings.full_text_min_words:
            return cand
        try:
            async with self._page_slots:
                page = await fetcher.get(entry.url, check_robots=True)
                ext = await self.extract(page.body, page.url, cand.published, page.content_type)
            return merge_extracted(cand, ext)
        except (FetchError, ExtractionError) as exc:
            message = str(exc)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
        cand.extraction_error = message
        errors.append((entry.url, message))
        return cand


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


async def refresh(
    engine: Engine,
    settings: Settings,
    feed_ids: Iterable[int] | None = None,
    progress: Callable[[FeedResult], None] | None = None,
) -> RefreshReport:
    """One pass over the given feeds (all by default)."""
    refresher = Refresher(engine, settings, progress)
    try:
        return await refresher.run(feed_ids)
    finally:
        refresher.close()


def due_feeds(engine: Engine, now: datetime | None = None) -> list[int]:
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        query = select(Feed.id).where((Feed.next_fetch_at.is_(None)) | (Feed.next_fetch_at <= now))
        return list(session.scalars(query))


async def refresh_forever(
    engine: Engine, settings: Settings, tick: float = 30.0, enrich: bool = True
) -> None:
    """The background worker run by `serve`: refreshes feeds as they fall due, then enriches."""
    import logging

    from newsdesk.enrich import EnrichBusy
    from newsdesk.enrich import enrich as run_enrich

    log = logging.getLogger("newsdesk.worker")
    refresher = Refresher(engine, settings, long_lived=True)
    try:
        while True:
            ids = due_feeds(engine)
            if ids:
                report = await refresher.run(ids)
                log.info("refreshed %d feeds: %d new articles", len(ids), report.new_articles)
            if enrich:
                try:  # CPU-bound: off the event loop that also serves the web app
                    count = await asyncio.to_thread(
                        run_enrich, engine, settings, None, 64, limit=512, caller_computes=False
                    )
                except EnrichBusy:
                    count = 0  # another process (e.g. `newsdesk enrich`) is on it
                except Exception:  # logged; the web app and refresher go on
                    log.exception("enrichment failed")
                    count = 0
                if count:
                    log.info("enriched %d articles", count)
            await asyncio.sleep(tick)
    finally:
        refresher.close()


# ---------------------------------------------------------------- JSONL import


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def candidate_from_record(record: dict[str, Any]) -> Candidate:
    """A pre-extracted article from `newsdesk import FILE.jsonl`."""
    url = str(record.get("url") or "").strip()
    text = str(record.get("text") or "")
    if not url or not text.strip():
        raise ValueError("record needs non-empty 'url' and 'text'")
    language = record.get("language") or detect_language(text)
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    from html import escape

    return Candidate(
        url=canonicalize(url),
        guid=url,
        title=str(record.get("title") or ""),
        outlet=str(record.get("source") or _host(url)),
        author=record.get("author") or None,
        published=_parse_time(record.get("published")),
        text=text,
        html="".join(f"<p>{escape(p)}</p>" for p in paragraphs),
        language=language,
    )
