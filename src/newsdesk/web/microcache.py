"""A small per-process cache of public page parts (the article page's AI slots, story boxes),
as news sites microcache: each entry is kept `ttl` seconds at most, the `size` most recently
used at most.

What may go in: only what every reader sees alike (no comments, nothing of a session or a
user), keyed by what invalidates it (an article's enrichment stamp and story; see
web/slots.py). The TTL bounds how stale the rest may be: what other articles change (related
articles, a story's counts), at most `ttl` seconds late. Each web process has its own; nothing
is shared between processes but the database.

An entry's time is `ttl` less a random share of it, up to TTL_SPREAD (spread_ttl): entries made
together (after a start, or readers back after a quiet night) then expire over 15 seconds
instead of in the same second, when every reader of the process would wait on pages made anew
at once."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from starlette.requests import Request

V = TypeVar("V")

TTL_SPREAD = 0.25  # share of a TTL an entry may be kept less (a quarter: 15 s of 60)


def spread_ttl(ttl: float) -> float:
    """`ttl` less a random share of it up to TTL_SPREAD (see the module docstring)."""
    return ttl * (1.0 - TTL_SPREAD * random.random())


class MicroCache(Generic[V]):
    """get_or_make(key, make): the value kept for `key` if younger than its spread_ttl(ttl)
    seconds, else make() (called outside the lock: two threads may both make a missing
    value)."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()  # (expires at, value)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        now = time.monotonic()
        with self._lock:
            kept = self._items.get(key)
            if kept is not None and now < kept[0]:
                self._items.move_to_end(key)
                self.hits += 1
                return kept[1]
            self.misses += 1
        value = make()
        with self._lock:
            self._items[key] = (now + spread_ttl(self.ttl), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# Parts of public pages that every reader sees alike and that cost most of their page: the home
# page's top stories and trending hashtags, a tag page's explainer (it reads the sentences of
# the tag's articles: 30 of a tag page's 45 CPU-ms at 100,000 articles). Kept as the article
# page's slots are (web/slots.py SLOTS_TTL), keyed by what changes them at once.
PARTS_TTL = 60.0
PARTS_CACHED = 2000


def page_part(request: Request, key: Hashable, make: Callable[[], V]) -> V:
    """The web process's kept value of a public page part (made by make() when missing)."""
    parts: MicroCache[V] = request.app.state.page_parts
    return parts.get_or_make(key, make)
