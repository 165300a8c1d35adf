"""The enrichment tables: which articles to enrich next, and one computed batch written in
the caller's transaction (enrichment rows, near-duplicates, tags, quotes, descriptions, tag
counts)."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.enrich.batch import _Item, _Row
from newsdesk.enrich.tags import ENTITY_KINDS, TAG_KINDS, Ref, TagResolver
from newsdesk.enrich.version import pipeline_version
from newsdesk.extract.template import (
    Template,
    outlet_template,
    without_outlet_name,
    without_template,
)
from newsdesk.nlp.embed import to_blob
from newsdesk.nlp.types import Quote
from newsdesk.store.bulk import in_chunks
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import (
    ArticleTag,
    DescriptionRow,
    Enrichment,
    FigureRow,
    QuoteRow,
    Tag,
)
from newsdesk.stories import dedup

# The outlet's items read around a batch for its template paragraphs (extract/template.py): up
# to NEIGHBOURS on each side, no further than NEIGHBOUR_IDS ids away (a feed's items are stored
# together, so its siblings are near). What was read is kept for the next batches of the same
# outlet whose ids fall inside it (up to KEPT_OUTLETS outlets): with many outlets stored in
# turn, each batch touches dozens.
NEIGHBOURS = 25
NEIGHBOUR_IDS = 5000
KEPT_OUTLETS = 1024
_kept: OrderedDict[tuple[str, str], tuple[int, int, Template]] = OrderedDict()
_kept_lock = threading.Lock()


def _rows(session: Session, ids: list[int]) -> list[_Row]:
    rows = session.execute(
        select(
            Article.id,
            Article.title,
            Article.text,
            Article.outlet,
            Article.published_at,
            Article.fetched_at,
            Article.language,
        )
        .where(Article.id.in_(ids))
        .order_by(Article.id)
    ).all()
    by_outlet: defaultdict[str, list[int]] = defaultdict(list)
    for r in rows:
        by_outlet[r.outlet or ""].append(int(r.id))
    templates = {
        outlet: _outlet_template(session, outlet, batch) for outlet, batch in by_outlet.items()
    }
    out = []
    for r in rows:
        outlet = r.outlet or ""
        template = templates[outlet]
        out.append(
            _Row(
                id=int(r.id),
                title=without_outlet_name(r.title or "", outlet, template.numbering),
                text=without_template(r.title or "", r.text or "", template.paragraphs),
                outlet=outlet,
                published_at=r.published_at,
                fetched_at=r.fetched_at,
                language=r.language,
                hosts=template.hosts,
            )
        )
    return out


def _outlet_template(session: Session, outlet: str, batch: list[int]) -> Template:
    """The template of the outlet's items stored around these ids."""
    lo, hi = min(batch), max(batch)
    where = (str(session.get_bind().engine.url), outlet)  # one process may open several databases
    with _kept_lock:
        kept = _kept.get(where)
        if kept is not None and kept[0] <= lo and hi <= kept[1]:
            _kept.move_to_end(where)
            return kept[2]
    mine = Article.outlet == outlet
    parts = (
        select(Article.id, Article.title, Article.text)
        .where(mine, Article.id < lo, Article.id >= lo - NEIGHBOUR_IDS)
        .order_by(Article.id.desc())
        .limit(NEIGHBOURS),
        select(Article.id, Article.title, Article.text).where(mine, Article.id.between(lo, hi)),
        select(Article.id, Article.title, Article.text)
        .where(mine, Article.id > hi, Article.id <= hi + NEIGHBOUR_IDS)
        .order_by(Article.id)
        .limit(NEIGHBOURS),
    )
    rows = [r for part in parts for r in session.execute(part)]
    items = [(t or "", x or "") for _, t, x in rows]
    found = outlet_template(items)
    ids = [int(r[0]) for r in rows]
    with _kept_lock:
        _kept[where] = (min(ids, default=lo), max(ids, default=hi), found)
        _kept.move_to_end(where)
        while len(_kept) > KEPT_OUTLETS:
            _kept.popitem(last=False)
    return found


def pending_count(engine: Engine, version: str | None = None) -> int:
    """Articles that the next enrich would process."""
    version = version or pipeline_version()
    with session_scope(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Article)
                .outerjoin(Enrichment, Enrichment.article_id == Article.id)
                .where(or_(Enrichment.article_id.is_(None), Enrichment.model_version != version))
            )
            or 0
        )


def _write(
    session: Session, items: list[_Item], version: str, finder: dedup.DuplicateFinder
) -> None:
    ids = [it.article_id for it in items]
    old_tags = set(session.scalars(select(ArticleTag.tag_id).where(ArticleTag.article_id.in_(ids))))
    for table in (ArticleTag, QuoteRow, DescriptionRow, FigureRow):
        session.execute(delete(table).where(table.article_id.in_(ids)))
    # Copies of a re-enriched article are re-examined with it.
    session.execute(
        update(Enrichment).where(Enrichment.duplicate_of.in_(ids)).values(duplicate_of=None)
    )
    existing = {
        e.article_id: e
        for e in session.scalars(select(Enrichment).where(Enrichment.article_id.in_(ids)))
    }
    resolver = TagResolver(session)
    resolver.prefetch([it.analysis for it in items])
    plans = []
    now = datetime.now(UTC)
    for it in items:
        dup_of, _score = finder.find(it.article_id, it.signature, it.seen_at)
        row = existing.get(it.article_id)
        if row is None:
            row = Enrichment(article_id=it.article_id)
            session.add(row)
        a = it.analysis
        row.model_version = version
        row.enriched_at = now
        row.language = it.language
        row.summary = list(a.summary) or None
        row.key_points = list(a.key_points) or None
        row.box_summary = list(a.box) if a.box is not None else None
        row.embedding = to_blob(it.vector) if it.vector is not None else None
        row.minhash = dedup.to_blob(it.signature)
        row.terms = it.terms
        row.duplicate_of = dup_of
        row.story_id = None  # (re)clustered by assign_stories at the end of the run
        row.seen_at = it.seen_at
        row.error = it.error
        if it.signature is not None:
            finder.add(it.article_id, it.signature, dup_of, it.seen_at)
        plans.append(_plan_tags(resolver, it))
    session.flush()
    resolver.flush()
    touched_tags = old_tags | _insert_tags(session, resolver, plans)
    _recount_tags(session, touched_tags)
    _insert_figures(session, items)


def _insert_figures(session: Session, items: list[_Item]) -> None:
    """The figure claims of each article (nlp/figures.py), in article order."""
    rows = [
        {
            "article_id": it.article_id,
            "position": pos,
            "text": f.text[:256],
            "value": f.value,
            "low": f.low,
            "high": f.high,
            "unit": f.unit and f.unit[:64],
            "what": f.what and f.what[:512],
            "what_key": f.key and f.key[:128],
            "when": f.when and f.when[:256],
            "source": f.source and f.source[:512],
            "sentence": f.sentence,
        }
        for it in items
        for pos, f in enumerate(it.analysis.figures)
    ]
    if rows:
        session.execute(insert(FigureRow), rows)


@dataclass
class _TagPlan:
    article_id: int
    scores: dict[Ref, _Seen]  # tag -> (score, is_hashtag, kind)
    quotes: list[tuple[Quote, Ref | None]]
    descriptions: list[tuple[Ref, str]]


_Seen = tuple[float, bool, str]


def _add_score(scores: dict[Any, _Seen], tag: Any, score: float, hashtag: bool, kind: str) -> None:
    """A tag met again in one article keeps its best score, is a hashtag if ever one, and
    keeps the first name's kind it was given (entities come most mentioned first)."""
    prev = scores.get(tag, (0.0, False, "topic"))
    kind = prev[2] if prev[2] in ENTITY_KINDS or kind not in ENTITY_KINDS else kind
    scores[tag] = (max(prev[0], score), prev[1] or hashtag, kind)


def _plan_tags(resolver: TagResolver, it: _Item) -> _TagPlan:
    """An article's tags, quotes and descriptions, with tags resolved in memory."""
    a = it.analysis
    scores: dict[Ref, _Seen] = {}
    by_name: dict[str, Ref] = {}
    for ent in a.entities:
        kind = ent.type if ent.type in ENTITY_KINDS else "topic"
        if kind == "topic":
            continue  # untyped names become tags only when they are also hashtags
        ref = resolver.resolve(ent.text, kind, ent.aliases)
        if ref is None:
            continue
        by_name[ent.text] = ref
        _add_score(scores, ref, min(1.0, 0.2 * max(1, ent.count)), False, kind)
    for tag in a.hashtags:
        ref = resolver.resolve(tag.label or tag.tag, tag.kind)
        if ref is not None:
            _add_score(scores, ref, float(tag.score or 0.0), True, tag.kind)
    quotes: list[tuple[Quote, Ref | None]] = []
    for q in a.quotes:
        speaker = None
        if q.speaker_entity:
            speaker = by_name.get(q.speaker_entity) or resolver.lookup(q.speaker_entity, "person")
        quotes.append((q, speaker))
    descriptions = []
    for d in a.descriptions:
        ref = by_name.get(d.entity) or resolver.lookup(d.entity)
        if ref is not None and d.phrase:
            descriptions.append((ref, d.phrase))
    return _TagPlan(it.article_id, scores, quotes, descriptions)


def _insert_tags(session: Session, resolver: TagResolver, plans: list[_TagPlan]) -> set[int]:
    """Write the planned rows in bulk; returns the ids of the tags used."""
    tag_rows: list[dict[str, Any]] = []
    quote_rows: list[dict[str, Any]] = []
    desc_rows: list[dict[str, Any]] = []
    used: set[int] = set()
    for plan in plans:
        scores: dict[int, _Seen] = {}
        for ref, (score, is_hashtag, kind) in plan.scores.items():
            _add_score(scores, resolver.id(ref), score, is_hashtag, kind)
        for tag_id, (score, is_hashtag, kind) in scores.items():
            tag_rows.append(
                {
                    "article_id": plan.article_id,
                    "tag_id": tag_id,
                    "score": score,
                    "is_hashtag": is_hashtag,
                    "kind": kind if kind in TAG_KINDS else "topic",
                }
            )
        used |= set(scores)
        for pos, (q, speaker) in enumerate(plan.quotes):
            quote_rows.append(
                {
                    "article_id": plan.article_id,
                    "quote": q.quote,
                    "speaker": (q.speaker or None) and q.speaker[:512],
                    "speaker_tag_id": None if speaker is None else resolver.id(speaker),
                    "cue": (q.cue or None) and q.cue[:128],
                    "kind": q.kind or "direct",
                    "outlet": (q.outlet or None) and q.outlet[:256],
                    "position": pos,
                }
            )
        seen: set[tuple[int, str]] = set()
        for ref, phrase in plan.descriptions:
            key = (resolver.id(ref), phrase)
            if key not in seen:
                seen.add(key)
                desc_rows.append(
                    {"tag_id": key[0], "article_id": plan.article_id, "phrase": phrase}
                )
    for model, rows in (
        (ArticleTag, tag_rows),
        (QuoteRow, quote_rows),
        (DescriptionRow, desc_rows),
    ):
        if rows:
            session.execute(insert(model), rows)
    return used


def _recount_tags(session: Session, tag_ids: set[int]) -> None:
    """Each tag's article count, and its kind: the one most of its articles read (a name's
    kind before "topic" in a tie, then the kind it has). One article's misreading no longer
    types the tag for all ("Ballymena" an organisation in one BBC article, a place in others)."""
    for chunk in in_chunks(sorted(tag_ids)):
        votes: dict[int, Counter[str]] = defaultdict(Counter)
        for tag_id, kind, n in session.execute(
            select(ArticleTag.tag_id, ArticleTag.kind, func.count())
            .where(ArticleTag.tag_id.in_(chunk))
            .group_by(ArticleTag.tag_id, ArticleTag.kind)
        ):
            votes[tag_id][kind or ""] += n
        kinds = dict(session.execute(select(Tag.id, Tag.kind).where(Tag.id.in_(chunk))).all())
        session.execute(
            update(Tag),
            [
                {
                    "id": tag_id,
                    "article_count": sum(votes[tag_id].values()),
                    "kind": _voted_kind(votes[tag_id], kinds.get(tag_id, "topic")),
                }
                for tag_id in chunk
            ],
        )


def _voted_kind(votes: Counter[str], current: str) -> str:
    """The kind most votes name; in a tie a name's kind before "topic", then `current`."""
    named = [(n, k != "topic", k == current, k) for k, n in votes.items() if k in TAG_KINDS]
    return max(named)[3] if named else current
