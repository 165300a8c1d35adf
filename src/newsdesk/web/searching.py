"""The site's search as the web pages and APIs run it: newsdesk.search.find, its results kept
a short while per web process (web/microcache.py).

A search's results are the same for every reader (what a reader has read is added per
request), and readers repeat searches: the day's names and words. Each web process keeps the
results of its SEARCHES_CACHED most recent searches SEARCH_TTL seconds, keyed by the query, its
filters and page (a visitor's whole search page is kept as long, web/pagecache.py). So an
article stored shows up in a search run in the last minute up to SEARCH_TTL seconds late: not
at once, because under ingestion every stored article then made every kept search anew (with a
worker storing 300 articles, 256 instead of 625 search pages/s, see BENCHMARKS.md); feeds are
read every few minutes anyway. The home page still shows a stored article at once.
"""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

from fastapi import Request
from sqlalchemy.orm import Session

from newsdesk import search
from newsdesk.search import Results
from newsdesk.search.hybrid import Sort
from newsdesk.search.vectors import index_neighbours
from newsdesk.store.search import Filters
from newsdesk.web.microcache import MicroCache

SEARCH_TTL = 60.0  # as the article page's slots (web/slots.py SLOTS_TTL)
SEARCHES_CACHED = 512  # a page of results is a few kB


def find(
    request: Request,
    session: Session,
    text: str,
    *,
    filters: Filters | None = None,
    sort: Sort = "relevance",
    offset: int = 0,
    limit: int = 20,
    language: str | None = None,
) -> Results:
    """search.find with the site's vector index (in `language` when one is asked for), kept
    SEARCH_TTL seconds by this process for the same search."""
    key = (text, astuple(filters) if filters else None, sort, offset, limit, language)

    def make() -> Results:
        settings = request.app.state.settings
        near = index_neighbours(session.get_bind().engine, Path(settings.data_dir), language)
        return search.find(
            session, text, filters=filters, sort=sort, offset=offset, limit=limit, neighbours=near
        )

    cache: MicroCache[Results] = request.app.state.searches
    return cache.get_or_make(key, make)
