"""fetch -> parse -> extract -> store. Resumable and idempotent: one transaction per feed."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import gc
import hashlib
import itertools
import json
import random
import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.extract.article import Extracted, ExtractionError, extract_article
from newsdesk.extract.language import detect_language
from newsdesk.extract.sanitize import html_to_text, sanitize_html
from newsdesk.sources.backoff import next_delay
from newsdesk.sources.entry import Entry, FeedError, ParsedFeed
from newsdesk.sources.feeds import parse_feed_bounded
from newsdesk.sources.fetch import Fetcher, FetchError, HostPacer, Response
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
    page_url: str = ""  # the article page as the feed links it (before canonicalizing)


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
    """The article as the feed gives it. CPU-bound (sanitizing, language): off the event loop."""
    text, html = _entry_text(entry)
    summary = html_to_text(entry.summary_html) if entry.summary_html else None
    return Candidate(
        url=canonicalize(entry.url),
        page_url=entry.url,
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


@dataclass
class FeedRun:
    """What one feed's refresh stores: its candidates, and notes recorded against the feed."""

    candidates: list[Candidate] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (url, stage, message)


def pages_wanted(
    cands: list[Candidate], min_words: int, cap: int
) -> tuple[list[Candidate], list[Candidate]]:
    """The teasers (under ``min_words`` words) whose pages to fetch, newest first, at most
    ``cap`` of them (0: all); and the teasers over the cap."""
    teasers = [c for c in cands if word_count(c.text) < min_words]
    teasers.sort(
        key=lambda c: (c.published is None, -c.published.timestamp() if c.published else 0)
    )
    if cap <= 0:
        return teasers, []
    return teasers[:cap], teasers[cap:]


class Refresher:
    """One refresh pass over feeds; holds the fetcher and the extraction pool.

    Under `serve` the event loop also answers web requests: everything CPU-bound (parsing,
    sanitizing, language detection) and every database call runs in a thread.
    """

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
        self._pacer = HostPacer(settings.pages_per_host_per_minute, settings.pages_per_host_burst)
        # One feed writes at a time: SQLite has one writer, and a transaction that read
        # before another committed cannot write (SQLITE_BUSY, which no busy timeout retries).
        self._writing: asyncio.Lock | None = None

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
        feeds = await asyncio.to_thread(self._feeds, feed_ids)
        report = RefreshReport()
        # Pages fetched but not yet extracted wait in memory: fetching may run this far ahead
        # of the extraction workers, no further.
        slots = max(self.settings.concurrency, 4 * max(1, self.settings.extract_workers))
        self._page_slots = asyncio.Semaphore(slots)
        self._writing = asyncio.Lock()
        async with Fetcher(self.settings) as fetcher:
            tasks = [self._refresh_feed(fetcher, fid, url) for fid, url in feeds]
            for coro in asyncio.as_completed(tasks):
                result = await coro
                report.feeds.append(result)
                if self.progress:
                    self.progress(result)
        return report

    def _feeds(self, feed_ids: Iterable[int] | None) -> list[tuple[int, str]]:
        with session_scope(self.engine) as session:
            query = select(Feed.id, Feed.url).order_by(Feed.id)
            if feed_ids is not None:
                query = query.where(Feed.id.in_(list(feed_ids)))
            return [(row.id, row.url) for row in session.execute(query)]

    async def _write(self, func: Callable[..., None], *args: Any) -> None:
        """Run a database write in a thread, one at a time."""
        self._writing = self._writing or asyncio.Lock()
        async with self._writing:
            await asyncio.to_thread(func, *args)

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
            await self._write(self._record_failure, feed_id, url, stage, result.error, retry_after)
        return result

    def _record_failure(
        self, feed_id: int, url: str, stage: str, error: str, retry_after: float | None
    ) -> None:
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is not None:
                feed.last_fetched_at = utcnow()
                feed.last_error = error
                feed.error_count = (feed.error_count or 0) + 1
                delay = next_delay(feed.error_count, self.settings.refresh_interval, retry_after)
                feed.next_fetch_at = utcnow() + timedelta(seconds=delay)
                record_error(session, url, stage, error, feed_id)

    def _validators(self, feed_id: int) -> tuple[str | None, str | None] | None:
        """The feed's (etag, last_modified) for a conditional GET; None if it is gone."""
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            return None if feed is None else (feed.etag, feed.last_modified)

    async def _refresh_feed_inner(
        self, fetcher: Fetcher, feed_id: int, url: str, result: FeedResult
    ) -> None:
        validators = await asyncio.to_thread(self._validators, feed_id)
        if validators is None:
            return
        resp = await fetcher.get(url, etag=validators[0], last_modified=validators[1])
        parsed: ParsedFeed | None = None
        batch = FeedRun()
        if resp.not_modified:
            result.not_modified = True
        else:
            limit = self.settings.max_items_per_feed
            doc, skipped = await asyncio.to_thread(
                parse_feed_bounded, resp.body, resp.url, resp.content_type, limit
            )
            if skipped:
                batch.notes.append((url, "limit", _items_note(skipped + limit, limit)))
            outlet = doc.title or _host(resp.url)
            batch.candidates, fetch, over = await asyncio.to_thread(
                self._fresh_candidates, feed_id, doc.entries, outlet, batch
            )
            parsed = doc
            await self._add_pages(fetcher, fetch, over, url, batch)
        await self._write(self._store_run, feed_id, resp, parsed, batch, result)

    def _fresh_candidates(
        self, feed_id: int, entries: list[Entry], outlet: str, batch: FeedRun
    ) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
        """Candidates of the entries this feed has not given before; the teasers among them
        whose pages to fetch, and those over the cap. One thread call for the whole feed."""
        entries = [e for e in entries if e.url]
        known: set[str] = set()
        with session_scope(self.engine) as session:
            for guids in in_chunks(e.guid for e in entries):
                known.update(
                    session.scalars(
                        select(FeedArticle.guid).where(
                            FeedArticle.feed_id == feed_id, FeedArticle.guid.in_(guids)
                        )
                    )
                )
        cands = [_safe_candidate(e, outlet, batch) for e in entries if e.guid not in known]
        fetch, over = pages_wanted(
            cands, self.settings.full_text_min_words, self.settings.max_pages_per_feed
        )
        return cands, fetch, over

    async def _add_pages(
        self,
        fetcher: Fetcher,
        fetch: list[Candidate],
        over: list[Candidate],
        feed_url: str,
        batch: FeedRun,
    ) -> None:
        """Full text from the article pages of ``fetch``; ``over`` keep their feed text."""
        cap = self.settings.max_pages_per_feed
        for cand in over:
            cand.extraction_error = (
                f"page not fetched: over this feed's limit of {cap} article pages per run "
                "(NEWSDESK_MAX_PAGES_PER_FEED); the feed's text is kept"
            )
        if over:
            batch.notes.append((feed_url, "limit", _pages_note(len(over), cap)))
        await asyncio.gather(*(self._with_page(fetcher, cand, batch) for cand in fetch))

    async def _with_page(self, fetcher: Fetcher, cand: Candidate, batch: FeedRun) -> None:
        try:
            await self._pacer.wait(cand.page_url)  # before a slot: waiting holds none
            async with self._page_slots:
                page = await fetcher.get(cand.page_url, check_robots=True)
                ext = await self.extract(page.body, page.url, cand.published, page.content_type)
            merge_extracted(cand, ext)
            cand.extraction_error = None
            return
        except (FetchError, ExtractionError) as exc:
            message = str(exc)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
        cand.extraction_error = message
        batch.notes.append((cand.page_url, "extract", message))

    def _store_run(
        self,
        feed_id: int,
        resp: Response,
        parsed: ParsedFeed | None,
        batch: FeedRun,
        result: FeedResult,
    ) -> None:
        with session_scope(self.engine) as session:
            feed = session.get(Feed, feed_id)
            if feed is None:
                return
            for status in store_candidates(session, batch.candidates, feed_id):
                setattr(result, status, getattr(result, status) + 1)
            for note_url, stage, message in batch.notes:
                record_error(session, note_url, stage, message, feed_id)
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


def _safe_candidate(entry: Entry, outlet: str, batch: FeedRun) -> Candidate:
    """``candidate_from_entry``; if the entry's HTML breaks it, the entry without its feed
    text (its page is fetched instead) and a note: one hostile item costs only itself."""
    try:
        return candidate_from_entry(entry, outlet)
    except Exception as exc:
        message = f"the feed's text of this item is unreadable: {type(exc).__name__}: {exc}"
    batch.notes.append((entry.url, "parse", message))
    return Candidate(
        url=canonicalize(entry.url),
        page_url=entry.url,
        guid=entry.guid,
        title=entry.title,
        outlet=outlet,
        author=entry.author,
        published=entry.published,
        image_url=entry.image_url,
        extraction_error=message,
    )


def _items_note(listed: int, limit: int) -> str:
    return (
        f"the feed lists {listed} items: read the newest {limit}, skipped {listed - limit} "
        f"(limit NEWSDESK_MAX_ITEMS_PER_FEED={limit})"
    )


def _pages_note(count: int, cap: int) -> str:
    return (
        f"{count} teaser items stored with their feed text, their pages not fetched: over the "
        f"limit of {cap} article pages per feed and run (NEWSDESK_MAX_PAGES_PER_FEED={cap})"
    )


def _host(url: str) -> str:
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
            ids = await asyncio.to_thread(due_feeds, engine)
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

# Column sizes of the display fields: longer values are cut to fit.
_FIELD_LIMITS = {"title": 1024, "author": 512, "source": 256}
_URL_LIMIT = 2048


@dataclass
class ImportReport:
    """What `newsdesk import FILE.jsonl` did with the file's lines."""

    new: int = 0
    present: int = 0  # already stored: the same URL, or the same text under another URL
    bad: int = 0  # recorded as errors ("FILE:LINE", stage "import"), nothing stored
    blank: int = 0


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", str: "a string"}
    return names.get(type(value), "null" if value is None else "a number")


def _checked_text(value: str, name: str) -> str:
    """``value``, if it can be stored: JSON's \\uD800 escapes give lone surrogates, no text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"field {name!r} holds a lone surrogate at character {exc.start + 1}"
        ) from None
    return value


def _str_field(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value if value is None else _checked_text(value, name)
    raise ValueError(f"field {name!r} must be a string, not {_json_type(value)}")


def _author_field(record: dict[str, Any]) -> str | None:
    value = record.get("author")
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = ", ".join(name.strip() for name in value if name.strip())
        return _checked_text(names, "author") or None
    if value is not None and not isinstance(value, str):
        raise ValueError(
            f"field 'author' must be a string or an array of strings, not {_json_type(value)}"
        )
    return _checked_text(value or "", "author").strip() or None


def _url_field(record: dict[str, Any]) -> str:
    url = (_str_field(record, "url") or "").strip()
    if not url:
        raise ValueError("field 'url' is missing or empty")
    if len(url) > _URL_LIMIT:
        raise ValueError(f"field 'url' is longer than {_URL_LIMIT} characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("field 'url' is not an http(s) URL")
    return url


def _published_field(record: dict[str, Any]) -> datetime | None:
    value = _str_field(record, "published")
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"field 'published' is not an ISO 8601 date: {value[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cut(value: str | None, name: str) -> str | None:
    return value[: _FIELD_LIMITS[name]] if value else value


def candidate_from_record(record: object) -> Candidate:
    """A pre-extracted article from `newsdesk import FILE.jsonl`.

    Raises ValueError naming the field that is missing or of the wrong type. ``author`` may be
    an array of names (joined with ", ").
    """
    if not isinstance(record, dict):
        raise ValueError(f"not a JSON object but {_json_type(record)}")
    url = _url_field(record)
    text = _str_field(record, "text") or ""
    if not text.strip():
        raise ValueError("field 'text' is missing or empty")
    language = _str_field(record, "language")
    if language and len(language) > 16:
        raise ValueError("field 'language' is longer than 16 characters")
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    return Candidate(
        url=canonicalize(url),
        guid=url,
        title=_cut(_str_field(record, "title"), "title") or "",
        outlet=_cut(_str_field(record, "source"), "source") or _host(url),
        author=_cut(_author_field(record), "author"),
        published=_published_field(record),
        text=text,
        html="".join(f"<p>{escape(p)}</p>" for p in paragraphs),
        language=language or detect_language(text),
    )


def record_from_line(raw: bytes, first: bool = False) -> object:
    """A JSONL line's JSON value; ValueError says why a line is unreadable."""
    if first and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 at byte {exc.start + 1} of the line") from None
    try:
        return json.loads(line)
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    except ValueError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None


def import_jsonl_file(
    engine: Engine, path: Path, progress: Callable[[int], None] | None = None, batch: int = 500
) -> ImportReport:
    """Store each good line of a JSON Lines file, record each bad one; lose none.

    Read line by line as bytes, each decoded on its own; each line stored in its own
    savepoint, ``batch`` lines a transaction. ``progress`` gets the bytes read so far.
    """
    report = ImportReport()
    done = 0
    with path.open("rb") as handle:
        lines = enumerate(handle, 1)
        while chunk := list(itertools.islice(lines, batch)):
            with session_scope(engine) as session:
                for number, raw in chunk:
                    _import_line(session, f"{path}:{number}", raw, number == 1, report)
            done += sum(len(raw) for _number, raw in chunk)
            if progress:
                progress(done)
    return report


def _import_line(
    session: Session, where: str, raw: bytes, first: bool, report: ImportReport
) -> None:
    if not raw.strip():
        report.blank += 1
        return
    try:
        cand = candidate_from_record(record_from_line(raw, first))
        with session.begin_nested():
            status = store_candidate(session, cand, None)
    except (ValueError, SQLAlchemyError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"not stored: {exc}"
        report.bad += 1
        record_error(session, where, "import", reason, None)
        return
    if status == "new":
        report.new += 1
    else:
        report.present += 1
