"""The worker loop of `newsdesk worker` (and of `serve`, unless --no-worker): claim the feeds
that are due and refresh them, then enrich (claimed articles) and cluster; again every tick,
until stopped. Any number of these run side by side on one database: the claims
(ingest.leases) keep them from doing the same work twice, with no leader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.ingest.leases import (
    claim_feeds,
    keep_alive,
    purge_expired,
    release_all,
    worker_id,
)
from newsdesk.ingest.refresher import Refresher

log = logging.getLogger("newsdesk.worker")

ENRICH_PER_PASS = 512  # articles per enrich call (a stop request waits for its batches under way)


async def refresh_forever(
    engine: Engine,
    settings: Settings,
    tick: float = 30.0,
    enrich: bool = True,
    stop: asyncio.Event | None = None,
    caller_computes: bool = False,
) -> None:
    """Refresh feeds as they fall due and enrich, until `stop` is set (or cancelled). Leases
    still held are released on the way out. `caller_computes`: see `enrich` (False under
    `serve`, whose process also answers web requests)."""
    stop = stop or asyncio.Event()
    owner = worker_id()
    per_claim = 4 * max(1, settings.concurrency)  # feeds per claim: enough to keep fetching
    refresher = Refresher(engine, settings, long_lived=True, lease_owner=owner)
    halt = threading.Event()  # `stop`, as the enrichment thread sees it
    mirror = asyncio.create_task(_mirror(stop, halt))
    try:
        with keep_alive(engine, owner, settings.lease_seconds):
            while not stop.is_set():
                while not stop.is_set():
                    feeds = await asyncio.to_thread(
                        claim_feeds, engine, owner, per_claim, settings.lease_seconds
                    )
                    if not feeds:
                        break
                    report = await refresher.run([feed_id for feed_id, _url in feeds])
                    log.info("refreshed %d feeds: %d new articles", len(feeds), report.new_articles)
                if enrich and not stop.is_set():
                    await _enrich_pass(engine, settings, caller_computes, halt)
                await asyncio.to_thread(purge_expired, engine)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), tick)
    finally:
        mirror.cancel()
        refresher.close()
        await asyncio.to_thread(release_all, engine, owner)


async def _mirror(stop: asyncio.Event, halt: threading.Event) -> None:
    await stop.wait()
    halt.set()


async def _enrich_pass(
    engine: Engine, settings: Settings, caller_computes: bool, halt: threading.Event
) -> None:
    from newsdesk.enrich import EnrichBusy, enrich

    try:  # CPU-bound: off the event loop (under `serve` it also serves the web app)
        count = await asyncio.to_thread(
            enrich,
            engine,
            settings,
            limit=ENRICH_PER_PASS,
            caller_computes=caller_computes,
            stop=halt,
        )
    except EnrichBusy:
        count = 0  # another process on this data directory (e.g. `newsdesk enrich`) is on it
    except Exception:  # logged; the web app and refresher go on
        log.exception("enrichment failed")
        count = 0
    if count:
        log.info("enriched %d articles", count)
