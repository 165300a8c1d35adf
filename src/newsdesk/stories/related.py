"""Related articles for an article page.

    related(db, article_id, k=8) -> list[RelatedItem]

First the same story as told by other outlets (one article per outlet before a second from the
same outlet, closest first; never the article's own outlet), then articles about related
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
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.nlp.embed import LANGUAGES as EMBED_LANGUAGES
from newsdesk.nlp.embed import from_blob
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories.index import VectorIndex, open_index

WINDOW = timedelta(days=7)
MIN_SIMILARITY = 0.35  # below this a neighbour is not "related"
SNIPPET_CHARS = 240
SAME_STORY_LIMIT = 200
# What every related item shows: id, outlet, headline, link, the start of the text, time.
_ITEM_COLUMNS = (
    Article.id,
    Article.outlet,
    Article.title,
    Article.url,
    func.substr(Article.text, 1, SNIPPET_CHARS + 80),
    Article.published_at,
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
) -> list[RelatedItem]:
    """Up to k related articles (see the module docstring). `db`: a Session or an Engine.

    The vector index is `index`, else the one under settings.data_dir (Settings.from_env() when
    not given), opened once per process.
    """
    if isinstance(db, Session):
        return _related(db, article_id, k, settings, index)
    with session_scope(db) as session:
        return _related(session, article_id, k, settings, index)


def _related(
    session: Session,
    article_id: int,
    k: int,
    settings: Settings | None,
    index: VectorIndex | None,
) -> list[RelatedItem]:
    me = session.execute(
        select(
            Enrichment.story_id,
            Enrichment.duplicate_of,
            Enrichment.embedding,
            Enrichment.seen_at,
            Article.outlet,
            Enrichment.language,
        )
        .join(Article, Article.id == Enrichment.article_id)
        .where(Enrichment.article_id == article_id)
    ).first()
    if me is None or k <= 0:
        return []
    story_id, dup_of, blob, seen_at, my_outlet, language = me
    vector = from_blob(blob)
    root = dup_of or article_id
    # The article's own text in any copy: itself, its original, the original's other copies.
    copies = set(
        session.scalars(select(Enrichment.article_id).where(Enrichment.duplicate_of == root))
    )
    exclude = {article_id, root} | copies

    out: list[RelatedItem] = []
    if story_id is not None:
        rows = session.execute(
            select(
                *_ITEM_COLUMNS,
                Enrichment.embedding,
            )
            .join(Enrichment, Enrichment.article_id == Article.id)
            .where(Enrichment.story_id == story_id, Enrichment.duplicate_of.is_(None))
            .order_by(Enrichment.seen_at.desc())
            .limit(SAME_STORY_LIMIT)
        ).all()
        cands = []
        for r in rows:
            if r[0] in exclude or r[1] == my_outlet:
                continue
            other = from_blob(r[6])
            sim = float(np.dot(vector, other)) if vector is not None and other is not None else 0.0
            cands.append((r, sim))
        # One per outlet first; closest first.
        cands.sort(key=lambda c: -c[1])
        used: set[str] = set()
        firsts: list[tuple[Any, float]] = []
        rest: list[tuple[Any, float]] = []
        for r, sim in cands:
            (rest if r[1] in used else firsts).append((r, sim))
            used.add(r[1])
        for r, sim in firsts + rest:
            if len(out) >= k:
                break
            out.append(
                RelatedItem(
                    r[0], r[1], r[2], r[3], _snippet(r[4]), _aware(r[5]), story_id, True, sim
                )
            )
    if len(out) >= k or vector is None or not _covered(language):
        return out[:k]

    if index is None:
        settings = settings or Settings.from_env()
        index = open_index(session.get_bind().engine, Path(settings.data_dir))
    hits = [(i, s) for i, s in index.search(vector, k=max(40, 6 * k)) if s >= MIN_SIMILARITY]
    hit_ids = [i for i, _ in hits if i not in exclude]
    if not hit_ids:
        return out
    rows = session.execute(
        select(
            *_ITEM_COLUMNS,
            Enrichment.story_id,
            Enrichment.duplicate_of,
            Enrichment.seen_at,
        )
        .join(Enrichment, Enrichment.article_id == Article.id)
        .where(
            Article.id.in_(hit_ids),
            or_(Enrichment.language.is_(None), Enrichment.language.in_(sorted(EMBED_LANGUAGES))),
        )
    ).all()
    info = {r[0]: r for r in rows}
    me_seen = _aware(seen_at)
    taken_ids = {item.article_id for item in out}
    taken_roots = set(exclude) | taken_ids
    stories_used = {story_id} if story_id is not None else set()
    outlets_used = {item.outlet for item in out} | {my_outlet}
    picked: list[tuple[bool, bool, float, RelatedItem]] = []
    for hit_id, sim in hits:
        if hit_id not in info:
            continue
        r = info[hit_id]
        hit_root = r[7] or r[0]
        if hit_root in taken_roots or r[0] in taken_roots:
            continue
        if r[6] is not None and r[6] in stories_used:
            continue
        when = _aware(r[8])
        earlier = me_seen is not None and when is not None and abs(when - me_seen) > WINDOW
        taken_roots.add(hit_root)
        if r[6] is not None:
            stories_used.add(r[6])
        item = RelatedItem(r[0], r[1], r[2], r[3], _snippet(r[4]), _aware(r[5]), r[6], False, sim)
        picked.append((earlier, r[1] in outlets_used, -sim, item))
        outlets_used.add(r[1])
    picked.sort(key=lambda p: p[:3])
    out.extend(p[3] for p in picked[: k - len(out)])
    return out
