"""``enrich()``: the scheduler. Batches are read, computed by worker processes and/or this
process, and written in arrival order; then stories are assigned and the index saved. One run
at a time per data directory (``_run_lock``)."""

from __future__ import annotations

import fcntl
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.enrich.batch import Analyzer, _compute, _default_analyzer, _docs, _Item
from newsdesk.enrich.store import _rows, _todo, _write, pending_count
from newsdesk.enrich.version import pipeline_version
from newsdesk.enrich.workers import _BatchPool
from newsdesk.nlp.embed import Embedder
from newsdesk.store.db import session_scope
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories import dedup
from newsdesk.stories.assign import assign_stories, refresh_scores
from newsdesk.stories.index import open_index

log = logging.getLogger("newsdesk.enrich")  # one logger for the whole stage, as before

Progress = Callable[[int, int], None]


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
) -> int:
    """Enrich every article that needs it; returns how many were enriched.

    `progress(done, total)` is called after each batch. `version` overrides
    pipeline_version() (tests); `analyzer`/`embedder` replace the defaults; `limit` stops after
    about that many articles (the rest is left for the next run). With worker processes,
    `caller_computes=False` leaves all computing to them (`serve`: the web app's process stays
    responsive) instead of counting this process as one of `settings.enrich_workers`. Raises
    EnrichBusy if another enrich runs on the same data directory.
    """
    version = version or pipeline_version()
    analyzer = analyzer or _default_analyzer
    with _run_lock(Path(settings.data_dir)):
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
        with session_scope(engine) as session:
            finder = dedup.DuplicateFinder.load_recent(session, datetime.now(UTC))
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
            if exhausted or (limit is not None and queued >= limit):
                exhausted = True
                return []
            with session_scope(engine) as session:
                ids = _todo(session, version, after, batch_size)
                rows = _rows(session, ids) if ids else []
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
                        log.warning("analysis workers unavailable (%s); analysing here", exc)
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
                try:
                    with session_scope(engine) as session:
                        _write(session, items, version, finder)
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
        with session_scope(engine) as session:
            assign_stories(session, index)
            refresh_scores(session)  # older stories' scores decay as time passes
        index.save()
        _llm_summaries(engine, settings)
        return done
