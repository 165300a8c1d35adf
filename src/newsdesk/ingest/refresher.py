"""One refresh pass: fetch -> parse -> extract -> store, one transaction per feed.

``Refresher`` holds the fetcher and the extraction process pool; ``refresh`` runs one pass.
The page caps (``pages_wanted``, the notes of the limits) decide which article pages to fetch.
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.children import end_with_parent
from newsdesk.config import Settings
from newsdesk.extract.article import Extracted, ExtractionError
from newsdesk.ingest.article import (
    Candidate,
    candidate_from_entry,
    merge_extracted,
    url_host,
    word_count,
)
from newsdesk.ingest.extraction import extract_page, warm_up_extractor
from newsdesk.ingest.leases import FEED, release
from newsdesk.ingest.store import record_error, store_candidates
from newsdesk.sources.backoff import next_delay
from newsdesk.sources.entry import Entry, FeedError, ParsedFeed
from newsdesk.sources.feeds import parse_feed_bounded
from newsdesk.sources.fetch import Fetcher, FetchError, HostPacer, Response
from newsdesk.sources.outlet import site_host
from newsdesk.store.bulk import in_chunks
from newsdesk.store.db import session_scope
from newsdesk.store.models import Feed, FeedArticle, utcnow
from newsdesk.subscriptions import name_outlet


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
    teasers = [c for c in cands if c.page_url and word_count(c.text) < min_words]
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
        lease_owner: str | None = None,
    ) -> None:
        """`long_lived`: the pool serves many runs (`serve`); see `warm_up_extractor`.
        `lease_owner`: the feeds were claimed (ingest.leases); each feed's lease ends in the
        transaction that stores its run."""
        self.engine = engine
        self.lease_owner = lease_owner
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
            self._pool = ProcessPoolExecutor(
                max_workers=max(1, self.settings.extract_workers), initializer=end_with_parent
            )
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
            self._release(session, feed_id)

    def _release(self, session: Session, feed_id: int) -> None:
        if self.lease_owner is not None:
            release(session, FEED, [feed_id], self.lease_owner)

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
            outlet = doc.title or url_host(resp.url)
            linked = [e for e in doc.entries if e.url or e.enclosure_url]
            if len(linked) < len(doc.entries):
                batch.notes.append((url, "parse", _unlinked_note(len(doc.entries) - len(linked))))
            batch.candidates, fetch, over = await asyncio.to_thread(
                self._fresh_candidates, feed_id, linked, outlet, batch
            )
            parsed = doc
            await self._add_pages(fetcher, fetch, over, url, batch)
        await self._write(self._store_run, feed_id, resp, parsed, batch, result)

    def _fresh_candidates(
        self, feed_id: int, entries: list[Entry], outlet: str, batch: FeedRun
    ) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
        """Candidates of the entries this feed has not given before; the teasers among them
        whose pages to fetch, and those over the cap. One thread call for the whole feed."""
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
            # a page the SSRF guard or robots.txt refuses is no request: it takes no turn of
            # its host's pace (a feed of 300 items on such a host waited 300 turns for nothing)
            await fetcher.check_allowed(cand.page_url)
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
            self._release(session, feed_id)
            if parsed is not None:
                feed.title = feed.title or parsed.title
                feed.site_url = feed.site_url or parsed.site_url
            # the og:site_name of the feed's own site's pages (a link feed's others name theirs)
            home = site_host(feed.site_url or feed.url)
            site_names = [c.site_name for c in batch.candidates if site_host(c.url) == home]
            outlet = name_outlet(session, feed, site_names)
            for cand in batch.candidates:
                cand.outlet = outlet or cand.outlet
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
    cand = candidate_from_entry(replace(entry, content_html="", summary_html=""), outlet)
    cand.extraction_error = message
    return cand


def _items_note(listed: int, limit: int) -> str:
    return (
        f"the feed lists {listed} items: read the newest {limit}, skipped {listed - limit} "
        f"(limit NEWSDESK_MAX_ITEMS_PER_FEED={limit})"
    )


def _unlinked_note(count: int) -> str:
    return f"{count} items have neither a link nor an audio or video file: not stored"


def _pages_note(count: int, cap: int) -> str:
    return (
        f"{count} teaser items stored with their feed text, their pages not fetched: over the "
        f"limit of {cap} article pages per feed and run (NEWSDESK_MAX_PAGES_PER_FEED={cap})"
    )


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
