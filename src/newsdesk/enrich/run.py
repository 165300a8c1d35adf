"""``enrich()``: the scheduler. Batches are claimed (ingest.leases: several workers on several
machines share the articles), computed by worker processes and/or this process, and written in
arrival order, one writer at a time across workers; then stories are assigned by one clustering
owner at a time and the index saved. One run at a time per data directory (``_run_lock``)."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.enrich.batch import Analyzer, _compute, _default_analyzer, _docs, _Item
from newsdesk.enrich.store import _rows, _write, pending_count
from newsdesk.enrich.version import pipeline_version
from newsdesk.enrich.workers import _BatchPool
from newsdesk.ingest.leases import (
    ARTICLE,
    claim_articles,
    exclusive,
    keep_alive,
    release,
    serialize,
    worker_id,
)
from newsdesk.nlp.embed import Embedder
from newsdesk.store.bulk import in_chunks
from newsdesk.store.db import session_scope
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories import dedup
from newsdesk.stories.assign import assign_stories, refresh_scores
from newsdesk.stories.index import catch_up, open_index

log = logging.getLogger("newsdesk.enrich")  # one logger for the whole stage, as before

Progress = Callable[[int, int], None]
# Rows another worker wrote up to this long before this one last looked are read again: clock
# skew between machines (NTP keeps it to milliseconds) and commit delays.
CATCH_UP_SLACK = timedelta(seconds=60)


def _in_flight(queue: deque[tuple[Sequence[Any], Future[Any] | None, Any]]) -> int:
    return sum(1 for _, waiting, _ in queue if waiting is not None and not waiting.done())


def _llm_summaries(engine: Engine, settings: Settings) -> None:
    """A bounded pass of abstractive summaries when an LLM endpoint is configured (optional:
    newsdesk.llm_summaries records its own failures; nothing here depends on it)."""
    if not settings.llm_url:
        return
    try:
        from newsdesk.llm_summaries import summarize_pending

        report = summarize_pending(engine, settings)
        if report.written or report.rejected or report.failed:
            log.info(
                "LLM summaries: %d written, %d rejected, %d failed",
                report.written,
                report.rejected,
                report.failed,
            )
    except Exception:
        log.exception("LLM summaries failed")


class EnrichBusy(RuntimeError):
    """Another enrich holds the lock for this data directory."""


@contextmanager
def _run_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    fh = (data_dir / "enrich.lock").open("a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise EnrichBusy(f"another enrich is running on {data_dir}") from exc
        yield
    finally:
        fh.close()


def enrich(
    engine: Engine,
    settings: Settings,
    progress: Progress | None = None,
    batch_size: int = 64,
    *,
    version: str | None = None,
    analyzer: Analyzer | None = None,
    embedder: Embedder | None = None,
    limit: int | None = None,
    caller_computes: bool = True,
    stop: threading.Event | None = None,
) -> int:
    """Enrich every article that needs it; returns how many were enriched.

    `progress(done, total)` is called after each batch. `version` overrides
    pipeline_version() (tests); `analyzer`/`embedder` replace the defaults; `limit` stops after
    about that many articles (the rest is left for the next run). With worker processes,
    `caller_computes=False` leaves all computing to them (`serve`: the web app's process stays
    responsive) instead of counting this process as one of `settings.enrich_workers`. Once
    `stop` is set no more articles are claimed: the batches under way are written, stories
    placed, and it returns (`newsdesk worker` on SIGTERM). Raises EnrichBusy if another enrich
    runs on the same data directory.
    """
    version = version or pipeline_version()
    analyzer = analyzer or _default_analyzer
    owner = worker_id()
    with _run_lock(Path(settings.data_dir)), keep_alive(engine, owner, settings.lease_seconds):
        return _enrich(
            engine,
            settings,
            progress,
            batch_size,
            version,
            analyzer,
            embedder,
            limit,
            caller_computes,
            owner,
            stop,
        )


def _catch_up_finder(session: Session, finder: dedup.DuplicateFinder, since: datetime) -> None:
    """Add to the in-memory LSH the signatures other workers wrote since `since` (called
    under the write lock: the copy checks of this batch then see every earlier batch)."""
    ids = [
        int(i)
        for i in session.scalars(
            select(Enrichment.article_id).where(
                Enrichment.enriched_at >= since - CATCH_UP_SLACK,
                Enrichment.minhash.is_not(None),
            )
        )
        if int(i) not in finder
    ]
    for chunk in in_chunks(ids):
        rows = session.execute(
            select(
                Enrichment.article_id,
                Enrichment.minhash,
                Enrichment.duplicate_of,
                Enrichment.seen_at,
            ).where(Enrichment.article_id.in_(chunk))
        )
        for article_id, blob, dup, seen_at in rows:
            sig = dedup.from_blob(blob)
            if sig is not None:
                finder.add(int(article_id), sig, dup, seen_at)


def _enrich(
    engine: Engine,
    settings: Settings,
    progress: Progress | None,
    batch_size: int,
    version: str,
    analyzer: Analyzer,
    embedder: Embedder | None,
    limit: int | None,
    caller_computes: bool,
    owner: str,
    stop: threading.Event | None,
) -> int:
    total = pending_count(engine, version)
    with session_scope(engine) as session:
        unplaced = session.scalar(
            select(func.count())
            .select_from(Enrichment)
            .where(
                Enrichment.story_id.is_(None),
                Enrichment.duplicate_of.is_(None),
                Enrichment.embedding.is_not(None),
            )
        )
    if total == 0 and not unplaced:
        _llm_summaries(engine, settings)
        return 0
    index = open_index(engine, Path(settings.data_dir))
    synced = datetime.now(UTC)
    with session_scope(engine) as session:
        finder = dedup.DuplicateFinder.load_recent(session, synced)
    claimed: set[int] = set()  # leased by this run and not yet written
    use_pool = analyzer is _default_analyzer and embedder is None
    pool: _BatchPool | None = None
    if use_pool and settings.enrich_workers > 1 and total > batch_size:
        # This process computes batches too, so it counts as one of the workers.
        pool = _BatchPool(settings.enrich_workers - (1 if caller_computes else 0))
    # Batches in arrival order: each waits on a worker (a Future) or is computed here.
    queue: deque[tuple[Sequence[Any], Future[Any] | None, list[_Item] | None]] = deque()
    done = queued = 0
    after = 0
    exhausted = False

    def next_rows() -> Sequence[Any]:
        nonlocal after, exhausted, queued
        stopping = stop is not None and stop.is_set()
        if exhausted or stopping or (limit is not None and queued >= limit):
            exhausted = True
            return []
        with session_scope(engine) as session:
            ids = claim_articles(session, owner, version, batch_size, settings.lease_seconds, after)
            rows = _rows(session, ids) if ids else []
        claimed.update(ids)
        if not rows:
            exhausted = True
            return []
        after = ids[-1]
        queued += len(rows)
        return rows

    try:
        while True:
            # Keep every worker two batches deep, so none waits while this process writes.
            while pool is not None and _in_flight(queue) < 2 * pool.n_process:
                rows = next_rows()
                if not rows:
                    break
                try:
                    queue.append((rows, pool.submit(*_docs(rows)), None))
                except Exception as exc:  # the workers died or could not start
                    log.warning(
                        "analysis workers unavailable (%s; %s); analysing here", exc, pool.exits()
                    )
                    pool.close()
                    pool = None
                    queue.append((rows, None, None))
            head = queue[0] if queue else None
            busy = head is not None and head[1] is not None and not head[1].done()
            if head is None or (busy and (caller_computes or pool is None)):
                # Nothing ready to write: compute the next batch here instead of waiting.
                rows = next_rows()
                if rows:
                    queue.append((rows, None, _compute(rows, analyzer, embedder)))
                    continue
                if head is None:
                    break
            rows, waiting, items = queue.popleft()
            if items is None:
                # A worker's batch (computed here only if the worker failed).
                items = _compute(rows, analyzer, embedder, waiting)
            written = [it.article_id for it in items]
            try:
                with session_scope(engine) as session:
                    serialize(session, "enrich-write")
                    now = datetime.now(UTC)
                    _catch_up_finder(session, finder, synced)
                    synced = now
                    _write(session, items, version, finder)
                    release(session, ARTICLE, written, owner)
                claimed.difference_update(written)
            except Exception:
                # The in-memory LSH may hold rows that were rolled back: reload it.
                with session_scope(engine) as session:
                    finder = dedup.DuplicateFinder.load_recent(session, datetime.now(UTC))
                raise
            with_vec = [(it.article_id, it.vector) for it in items if it.vector is not None]
            index.remove([it.article_id for it in items if it.vector is None])
            if with_vec:
                index.add([a for a, _ in with_vec], np.vstack([v for _, v in with_vec]))
            done += len(items)
            if progress:
                progress(done, total)
    finally:
        if pool is not None:
            pool.close()
        if claimed:  # a failed run: its articles go back to the pool now
            with session_scope(engine) as session:
                release(session, ARTICLE, sorted(claimed), owner)
    with session_scope(engine) as session:
        # One clustering owner at a time; another worker's run places these articles.
        if exclusive(session, "stories"):
            catch_up(index, engine)  # vectors the other workers wrote
            assign_stories(session, index)
            refresh_scores(session)  # older stories' scores decay as time passes
    index.save()
    _llm_summaries(engine, settings)
    return done
