"""Related articles for an article page.

    related(db, article_id, k=8) -> list[RelatedItem]

First the same story as told by other outlets (one article per outlet before a second from the
same outlet, closest first), then up to OWN_OUTLET more of the story from the article's own
outlet, newest first (a story one outlet follows through the day), then articles about related
stories: nearest neighbours by vector, at most one per story; those within WINDOW of the article
first (new outlets first), then background coverage from further apart (as the reference page
lists June coverage under an April article); only between articles in languages the vectors
cover (nlp.embed.LANGUAGES). Never the article itself
nor a copy of it (wire copies and reprints are "also published by", see stories.dedup), and never
two copies of the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.nlp.embed import LANGUAGES as EMBED_LANGUAGES
from newsdesk.nlp.embed import from_blob, from_blobs
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories.index import READ_BY_THE_MODEL, VectorIndex, open_index
from newsdesk.stories.views import (
    EnrichmentRow,
    enrichment_row,
    snippet_after_title,
    when_counted,
)

WINDOW = timedelta(days=7)
MIN_SIMILARITY = 0.35  # below this a neighbour is not "related"
SNIPPET_CHARS = 240
LEAD_CHARS = 600
SAME_STORY_LIMIT = 200
OWN_OUTLET = 3  # the story's other articles from the article's own outlet, newest first
# Built once: an article page runs them for every article it makes, and building a statement
# costs about as much CPU as running it; the numbers are bound on each run. The article's own
# row is views.ENRICHMENT_ROW (its story, original, vector, time, outlet, language).
# The candidates are read without their texts (a story has up to SAME_STORY_LIMIT of them, the
# index gives dozens); what an item shows is read for the chosen ones only (_ITEMS).
_SAME_STORY = (
    select(Article.id, Article.outlet, Enrichment.embedding)
    .join(Enrichment, Enrichment.article_id == Article.id)
    .where(Enrichment.story_id == bindparam("story_id"), Enrichment.duplicate_of.is_(None))
    .order_by(Enrichment.seen_at.desc())
    .limit(SAME_STORY_LIMIT)
)
_HITS = (
    select(
        Article.id, Article.outlet, Enrichment.story_id, Enrichment.duplicate_of, Enrichment.seen_at
    )
    .join(Enrichment, Enrichment.article_id == Article.id)
    .where(Article.id.in_(bindparam("ids", expanding=True)), READ_BY_THE_MODEL)
)
# What every related item shows: id, outlet, headline, link, the start of the text, times.
_ITEMS = (
    select(
        Article.id,
        Article.outlet,
        Article.title,
        Article.url,
        func.substr(Article.text, 1, LEAD_CHARS),
        Article.published_at,
        when_counted(),
    )
    .outerjoin(Enrichment, Enrichment.article_id == Article.id)
    .where(Article.id.in_(bindparam("ids", expanding=True)))
)


@dataclass
class RelatedItem:
    article_id: int
    outlet: str
    title: str
    url: str
    snippet: str
    published: datetime | None
    story_id: int | None
    same_story: bool
    similarity: float
    lead: str = ""  # the start of its text (LEAD_CHARS), without a headline it repeats
    when: datetime | None = None  # when it counts: first seen, else published, else fetched


def _snippet(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + " …"


def _covered(language: str | None) -> bool:
    """The vectors mean something for this language (unknown: taken as covered, as the story
    clustering takes it)."""
    return language is None or language in EMBED_LANGUAGES


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def related(
    db: Session | Engine,
    article_id: int,
    k: int = 8,
    *,
    settings: Settings | None = None,
    index: VectorIndex | None = None,
    row: EnrichmentRow | None = None,
) -> list[RelatedItem]:
    """Up to k related articles (see the module docstring). `db`: a Session or an Engine.

    The vector index is `index`, else the one under settings.data_dir (Settings.from_env() when
    not given), opened once per process. `row`: the article's views.enrichment_row() when
    already read.
    """
    if isinstance(db, Session):
        return _related(db, article_id, k, settings, index, row)
    with session_scope(db) as session:
        return _related(session, article_id, k, settings, index, row)


def _related(
    session: Session,
    article_id: int,
    k: int,
    settings: Settings | None,
    index: VectorIndex | None,
    me: EnrichmentRow | None,
) -> list[RelatedItem]:
    if me is None:
        me = enrichment_row(session, article_id)
    if me is None or k <= 0:
        return []
    story_id, my_outlet = me.story_id, me.outlet
    vector = from_blob(me.embedding)
    root = me.duplicate_of or article_id
    # The article's own text in any copy: itself, its original, the original's other copies. The
    # copies need no look-up: the same story's candidates are originals only, and a neighbour
    # is skipped when its original (duplicate_of) is taken, as `root` is from the start.
    exclude = {article_id, root}

    # (article id, its story, same story?, similarity), in the order shown
    out: list[tuple[int, int | None, bool, float]] = []
    outlets_used = {my_outlet}
    if story_id is not None:
        members = list(session.execute(_SAME_STORY, {"story_id": story_id}))
        rows = [r for r in members if r[0] not in exclude and r[1] != my_outlet]
        own = [r for r in members if r[0] not in exclude and r[1] == my_outlet][:OWN_OUTLET]
        cands = list(zip(rows, _similarities(vector, [r[2] for r in rows]), strict=True))
        # One per outlet first; closest first.
        cands.sort(key=lambda c: -c[1])
        used: set[str] = set()
        firsts: list[tuple[Any, float]] = []
        rest: list[tuple[Any, float]] = []
        for r, sim in cands:
            (rest if r[1] in used else firsts).append((r, sim))
            used.add(r[1])
        for r, sim in (firsts + rest)[:k]:
            out.append((r[0], story_id, True, sim))
            outlets_used.add(r[1])
        own_sims = _similarities(vector, [r[2] for r in own])
        out.extend((r[0], story_id, True, sim) for r, sim in zip(own, own_sims, strict=True))
    if len(out) >= k or vector is None or not _covered(me.language):
        return _items(session, out[:k])

    if index is None:
        settings = settings or Settings.from_env()
        index = open_index(session.get_bind().engine, Path(settings.data_dir))
    hits = [(i, s) for i, s in index.search(vector, k=max(40, 6 * k)) if s >= MIN_SIMILARITY]
    hit_ids = [i for i, _ in hits if i not in exclude]
    if not hit_ids:
        return _items(session, out)
    info = {h[0]: h for h in session.execute(_HITS, {"ids": hit_ids})}
    me_seen = _aware(me.seen_at)
    taken_roots = set(exclude) | {item[0] for item in out}
    stories_used = {story_id} if story_id is not None else set()
    picked: list[tuple[bool, bool, float, tuple[int, int | None, bool, float]]] = []
    for hit_id, sim in hits:
        if hit_id not in info:
            continue
        hit_id, outlet, hit_story, hit_dup, hit_seen = info[hit_id]
        hit_root = hit_dup or hit_id
        if hit_root in taken_roots or hit_id in taken_roots:
            continue
        if hit_story is not None and hit_story in stories_used:
            continue
        when = _aware(hit_seen)
        earlier = me_seen is not None and when is not None and abs(when - me_seen) > WINDOW
        taken_roots.add(hit_root)
        if hit_story is not None:
            stories_used.add(hit_story)
        picked.append((earlier, outlet in outlets_used, -sim, (hit_id, hit_story, False, sim)))
        outlets_used.add(outlet)
    picked.sort(key=lambda p: p[:3])
    out.extend(p[3] for p in picked[: k - len(out)])
    return _items(session, out)


def _similarities(vector: np.ndarray | None, blobs: list[bytes | None]) -> list[float]:
    """Cosine of `vector` with each stored vector (0.0 for a missing one), read as one matrix:
    a story has up to SAME_STORY_LIMIT of them."""
    sims = [0.0] * len(blobs)
    if vector is None:
        return sims
    held, matrix = from_blobs(blobs)
    for i, score in zip(held, (matrix @ vector).tolist(), strict=True):
        sims[i] = score
    return sims


def _items(
    session: Session, chosen: list[tuple[int, int | None, bool, float]]
) -> list[RelatedItem]:
    """The chosen articles as shown: (article id, story, same story?, similarity) each."""
    if not chosen:
        return []
    rows = session.execute(_ITEMS, {"ids": [c[0] for c in chosen]}).all()
    shown = {r[0]: r for r in rows}
    return [
        RelatedItem(
            r[0],
            r[1],
            r[2],
            r[3],
            _snippet(r[4]),
            _aware(r[5]),
            story,
            same,
            sim,
            snippet_after_title(r[4] or "", r[2] or ""),
            _aware(r[6]),
        )
        for article_id, story, same, sim in chosen
        if (r := shown.get(article_id)) is not None
    ]
