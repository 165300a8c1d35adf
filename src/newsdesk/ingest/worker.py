"""The background loop of `serve`: refresh the feeds that are due, then enrich."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.ingest.refresher import Refresher
from newsdesk.store.db import session_scope
from newsdesk.store.models import Feed


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
