"""Stories in the database: cluster new articles with the recent ones, keep story ids stable.

Each run takes the enriched articles that have no story yet, in time order, in chunks spanning
at most WINDOW; for a chunk it loads the stories active around it (last seen within WINDOW of the
chunk) that hold one of the new articles' nearest neighbours, with their recent members, re-clusters all of them together with `cluster_docs` and maps
the clusters back onto the existing story ids by overlap. Re-clustering the active window (not
just attaching each newcomer to its nearest story) is what makes the result independent of the
order the articles arrived in: a story formed early can still merge with, or lose articles to, a
story that the later articles reveal. Stories whose last article is older than the window are
final.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from newsdesk.extract.template import without_outlet_name
from newsdesk.nlp.dateline import is_timestamp, strip_dateline
from newsdesk.nlp.embed import LANGUAGES as EMBED_LANGUAGES
from newsdesk.nlp.embed import from_blob, normalize, to_blob
from newsdesk.store.bulk import in_chunks
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment, Story
from newsdesk.stories.cluster import Doc, Params, cluster_docs
from newsdesk.stories.index import VectorIndex

WINDOW = timedelta(days=3)
MAX_MEMBERS = 300  # most recent members of an active story that take part in re-clustering
EXACT_LIMIT = 12_000  # above this many articles, candidate pairs come from the ANN index
ANN_K = 30
SCORE_HALF_LIFE_H = 12.0
VELOCITY_WINDOW = timedelta(hours=6)
STORY_SUMMARY_ARTICLES = 12  # most central originals whose summaries make the story's


@dataclass
class _Row:
    article_id: int
    story_id: int | None
    seen_at: datetime
    vector: np.ndarray
    terms: dict
    dated: bool  # seen_at is the feed's publication time (not the time newsdesk fetched it)
    outlet: str
    language: str | None

    @property
    def doc(self) -> Doc:
        hours = self.seen_at.timestamp() / 3600 if self.dated else None
        # Unknown (too short to tell, and no language declared): the vectors are used.
        embedded = self.language is None or self.language in EMBED_LANGUAGES
        return Doc(self.article_id, self.vector, self.terms, hours, self.outlet, embedded)


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _load(session: Session, where: object) -> list[_Row]:
    rows = session.execute(
        select(
            Enrichment.article_id,
            Enrichment.story_id,
            Enrichment.seen_at,
            Enrichment.embedding,
            Enrichment.terms,
            Article.published_at,
            Article.outlet,
            Enrichment.language,
        )
        .join(Article, Article.id == Enrichment.article_id)
        .where(
            where,  # type: ignore[arg-type]
            Enrichment.duplicate_of.is_(None),
            Enrichment.embedding.is_not(None),
        )
    ).all()
    out = []
    for article_id, story_id, seen_at, blob, terms, published, outlet, language in rows:
        vec = from_blob(blob)
        if vec is not None:
            seen = _aware(seen_at)
            dated = published is not None and abs(_aware(published) - seen) < timedelta(seconds=1)
            row = _Row(int(article_id), story_id, seen, vec, terms or {}, dated, outlet, language)
            out.append(row)
    return out


def _chunks(pending: list[_Row]) -> list[list[_Row]]:
    pending.sort(key=lambda r: (r.seen_at, r.article_id))
    chunks: list[list[_Row]] = []
    for row in pending:
        if chunks and row.seen_at - chunks[-1][0].seen_at <= WINDOW:
            chunks[-1].append(row)
        else:
            chunks.append([row])
    return chunks


def _near_stories(session: Session, chunk: list[_Row], index: VectorIndex) -> set[int]:
    """Stories of the pending articles' nearest neighbours (the only ones they could join)."""
    found = index.search_many(np.vstack([r.vector for r in chunk]), ANN_K)
    stories: set[int] = set()
    for ids in in_chunks(sorted({a for hits in found for a, _ in hits})):
        stories.update(
            s
            for s in session.scalars(
                select(Enrichment.story_id).where(
                    Enrichment.article_id.in_(ids),
                    Enrichment.story_id.is_not(None),
                )
            )
            if s is not None
        )
    return stories


def _context(
    session: Session,
    start: datetime,
    end: datetime,
    exclude: set[int],
    near: set[int] | None = None,
) -> list[_Row]:
    """Recent members of the stories active around [start, end] (only those in `near`, if
    given: with an index, the stories next to the new articles rather than all active ones)."""
    query = select(Story.id).where(
        Story.last_seen >= start - WINDOW,
        Story.first_seen <= end + WINDOW,
    )
    story_ids = [s for s in session.scalars(query) if near is None or s in near]
    rows: list[_Row] = []
    for chunk in in_chunks(story_ids):
        loaded = _load(session, Enrichment.story_id.in_(chunk))
        by_story: dict[int, list[_Row]] = defaultdict(list)
        for row in loaded:
            if row.article_id not in exclude and row.story_id is not None:
                by_story[row.story_id].append(row)
        for members in by_story.values():
            members.sort(key=lambda r: (r.seen_at, r.article_id), reverse=True)
            rows.extend(members[:MAX_MEMBERS])
    return rows


def _ann_pairs(docs: Sequence[Doc], index: VectorIndex) -> list[tuple[int, int]]:
    pos = {d.id: i for i, d in enumerate(docs)}
    found = index.search_many(np.vstack([d.vector for d in docs]), ANN_K)
    pairs = []
    for i, hits in enumerate(found):
        for article_id, _sim in hits:
            j = pos.get(article_id)
            if j is not None and j != i:
                pairs.append((i, j))
    return pairs


def _map_clusters(
    clusters: list[list[int]], old: dict[int, int | None]
) -> list[tuple[list[int], int | None]]:
    """Give each cluster the existing story it overlaps most (each story to one cluster)."""
    overlaps: list[tuple[int, int, int]] = []
    for ci, members in enumerate(clusters):
        counts = Counter(s for a in members if (s := old.get(a)) is not None)
        for story_id, count in counts.items():
            overlaps.append((count, -ci, story_id))
    overlaps.sort(reverse=True)
    taken: set[int] = set()
    chosen: dict[int, int] = {}
    for _count, neg_ci, story_id in overlaps:
        ci = -neg_ci
        if ci in chosen or story_id in taken:
            continue
        chosen[ci] = story_id
        taken.add(story_id)
    return [(members, chosen.get(ci)) for ci, members in enumerate(clusters)]


def assign_stories(
    session: Session,
    index: VectorIndex | None = None,
    params: Params | None = None,
    now: datetime | None = None,
) -> int:
    """Cluster the articles that have no story yet into stories; returns how many were placed.

    Runs inside the caller's transaction.
    """
    now = now or datetime.now(UTC)
    pending = _load(session, Enrichment.story_id.is_(None))
    placed = 0
    touched: set[int] = set()
    for chunk in _chunks(pending):
        ids = {r.article_id for r in chunk}
        near = _near_stories(session, chunk, index) if index is not None and len(index) else None
        rows = chunk + _context(session, chunk[0].seen_at, chunk[-1].seen_at, ids, near)
        docs = [r.doc for r in rows]
        pairs = _ann_pairs(docs, index) if index is not None and len(docs) > EXACT_LIMIT else None
        clusters = cluster_docs(docs, params, pairs)
        old = {r.article_id: r.story_id for r in rows}
        seen = {r.article_id: r.seen_at for r in rows}
        old_stories = {s for s in old.values() if s is not None}
        kept: set[int] = set()
        for members, story_id in _map_clusters(clusters, old):
            if story_id is None:
                first = min(seen[a] for a in members)
                story = Story(title="", first_seen=first, last_seen=first)
                session.add(story)
                session.flush()
                story_id = story.id
            kept.add(story_id)
            story_row = session.get(Story, story_id)
            if story_row is not None:
                first, last = min(seen[a] for a in members), max(seen[a] for a in members)
                if story_row.first_seen is None or _aware(story_row.first_seen) > first:
                    story_row.first_seen = first
                if story_row.last_seen is None or _aware(story_row.last_seen) < last:
                    story_row.last_seen = last
            moved = [a for a in members if old[a] != story_id]
            for part in in_chunks(moved):
                session.execute(
                    update(Enrichment)
                    .where(Enrichment.article_id.in_(part))
                    .values(story_id=story_id)
                )
            placed += sum(1 for a in members if a in ids)
            touched.add(story_id)
        touched |= old_stories
        # Stories that lost every loaded member: empty unless they have older members left.
        for story_id in old_stories - kept:
            touched.add(story_id)
    _attach_duplicates(session, touched)
    refresh_stories(session, touched, now)
    if pending:
        delete_empty_stories(session)  # e.g. every member was re-enriched into new stories
    return placed


def _attach_duplicates(session: Session, touched: set[int]) -> None:
    """Copies take their original's story."""
    rows = session.execute(
        select(Enrichment.article_id, Enrichment.story_id, Enrichment.duplicate_of).where(
            Enrichment.duplicate_of.is_not(None)
        )
    ).all()
    if not rows:
        return
    roots = {r.duplicate_of for r in rows}
    root_story: dict[int, int | None] = {}
    for chunk in in_chunks(roots):
        for article_id, story_id in session.execute(
            select(Enrichment.article_id, Enrichment.story_id).where(
                Enrichment.article_id.in_(chunk)
            )
        ):
            root_story[int(article_id)] = story_id
    for article_id, story_id, root in rows:
        want = root_story.get(int(root)) if root is not None else None
        if want != story_id:
            session.execute(
                update(Enrichment).where(Enrichment.article_id == article_id).values(story_id=want)
            )
            if story_id is not None:
                touched.add(story_id)
            if want is not None:
                touched.add(want)


def story_score(
    outlets: int, articles: int, recent: int, last_seen: datetime, now: datetime
) -> float:
    """Home-page rank: breadth (outlets) first, then size and velocity, halved every 12 h.

    Kept as a logarithm (log weight - age / half-life x log 2): the same order as the weight
    halved every 12 h, without underflowing to 0 for stories weeks old (an imported archive's
    stories would otherwise all tie, and the newest single article would lead)."""
    age_h = max(0.0, (now - last_seen).total_seconds() / 3600.0)
    weight = 2.0 * math.log1p(outlets) + math.log1p(articles) + 0.5 * math.log1p(recent)
    return math.log(weight) - age_h / SCORE_HALF_LIFE_H * math.log(2.0)


CENTRAL_DIGITS = 4  # articles this near the centroid (cosine to 4 places) are as central


def _when(row: Any) -> datetime:
    """When an article came out: published, else first seen (aware, for sorting)."""
    return _aware(row.published_at or row.seen_at)


def refresh_stories(
    session: Session, story_ids: Iterable[int], now: datetime | None = None
) -> None:
    """Recompute counts, time span, centroid, title, summary and score; delete empty stories."""
    now = now or datetime.now(UTC)
    stories: dict[int, Story] = {}
    members: dict[int, list[Any]] = defaultdict(list)
    for chunk in in_chunks(sorted(set(story_ids))):
        stories.update((s.id, s) for s in session.scalars(select(Story).where(Story.id.in_(chunk))))
        for row in session.execute(
            select(
                Enrichment.story_id,
                Enrichment.article_id,
                Enrichment.seen_at,
                Enrichment.embedding,
                Enrichment.duplicate_of,
                Enrichment.summary,
                Article.outlet,
                Article.title,
                Article.published_at,
                Article.language,
                Enrichment.terms["v"].as_boolean().label("reports"),
            )
            .join(Article, Article.id == Enrichment.article_id)
            .where(Enrichment.story_id.in_(chunk))
            .order_by(Enrichment.story_id, Enrichment.article_id)
        ):
            members[row.story_id].append(row)
    for story_id in sorted(stories):
        story = stories[story_id]
        rows = members.get(story_id, [])
        if not rows:
            session.delete(story)
            continue
        times = [_aware(r.seen_at) for r in rows]
        outlets = {r.outlet for r in rows if r.outlet}
        originals = [r for r in rows if r.duplicate_of is None] or list(rows)
        # the vectors that mean something: of a language the embedding model reads (a Danish
        # headline's would make CNN's label "Russia's war in Ukraine" the Poland story's centre)
        vecs = [
            (r, v)
            for r in originals
            if (r.language is None or r.language in EMBED_LANGUAGES)
            and (v := from_blob(r.embedding)) is not None
        ]
        story.article_count = len(rows)
        story.outlet_count = max(1, len(outlets))
        story.first_seen = min(times)
        story.last_seen = max(times)
        recent = sum(1 for t in times if t >= story.last_seen - VELOCITY_WINDOW)
        story.score = story_score(story.outlet_count, len(rows), recent, story.last_seen, now)
        # Originals, most central first (those without a vector last).
        ranked = list(originals)
        if vecs:
            mat = np.vstack([v for _, v in vecs])
            centroid = normalize(mat.mean(axis=0, keepdims=True))[0]
            story.centroid = to_blob(centroid)
            # as central as each other (two articles always are): a headline that reports
            # before a label ("Poland's president says …" before CNN's live page "Russia's war
            # in Ukraine"), then the one out first, the news before the explainer ("… announces
            # a White House bid" before "Questions about … campaign money, answered")
            near = np.round(mat @ centroid, CENTRAL_DIGITS)
            by_centrality = sorted(
                zip(near, (r for r, _ in vecs), strict=True),
                key=lambda pair: (
                    -pair[0],
                    pair[1].reports is False,
                    _when(pair[1]),
                    pair[1].article_id,
                ),
            )
            order = [r for _, r in by_centrality]
            ranked = order + [r for r in originals if r not in order]
        else:  # no vector a model read: the one out first, as among equally central ones
            order = ranked = sorted(originals, key=lambda r: (_when(r), r.article_id))
        # The most central article whose headline reads as one (not a timestamp or a URL)
        # and that has a text: a feed item with a title only (DR's feed has no teasers)
        # would head its story in its language above another article's snippet.
        titled = [r for r in order if _headline(r.title, r.outlet)]
        central = next((r for r in titled if r.summary), titled[0] if titled else order[0])
        story.title = (
            _headline(central.title, central.outlet)[:1024] or (central.title or "")[:1024]
        )
        story.title_article_id = central.article_id
        story.summary = _story_summary([central, *[r for r in ranked if r is not central]])
        story.updated_at = now


def _story_summary(ranked: Sequence[Any]) -> list[str] | None:
    """Summary across the story's outlets (nlp.summarize.summarize_story), from the stored
    summaries of its most central original articles, `ranked` most central first."""
    from newsdesk.nlp.summarize import summarize_story

    articles = [
        (r.outlet, [str(s) for s in r.summary])
        for r in ranked[:STORY_SUMMARY_ARTICLES]
        if isinstance(r.summary, list) and r.summary
    ]
    return summarize_story(articles) or None if articles else None


def _headline(title: str | None, outlet: str = "") -> str:
    """A headline fit for a story title: no wire dateline; '' for a timestamp or URL line.
    The outlet's own label is no dateline: "WWDTM: Fred Schneider" of "Wait Wait... Don't
    Tell Me!" stays whole, however long the rest."""
    title = " ".join((title or "").split())
    if not title or is_timestamp(title):
        return ""
    if outlet and without_outlet_name(title, outlet) != title:
        return title
    return strip_dateline(title)


def refresh_scores(session: Session, now: datetime | None = None, days: int = 7) -> int:
    """Re-rank recent stories as time passes (scores decay); returns how many were updated."""
    now = now or datetime.now(UTC)
    stories = session.scalars(select(Story).where(Story.last_seen >= now - timedelta(days=days)))
    count = 0
    for story in stories:
        recent = session.scalar(
            select(func.count())
            .select_from(Enrichment)
            .where(
                Enrichment.story_id == story.id,
                Enrichment.seen_at >= _aware(story.last_seen) - VELOCITY_WINDOW,
            )
        )
        story.score = story_score(
            story.outlet_count, story.article_count, int(recent or 0), _aware(story.last_seen), now
        )
        count += 1
    return count


def delete_empty_stories(session: Session) -> int:
    has = select(Enrichment.article_id).where(Enrichment.story_id == Story.id).exists()
    result = session.execute(delete(Story).where(~has))
    return int(getattr(result, "rowcount", 0) or 0)
