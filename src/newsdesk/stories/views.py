"""Read helpers for the web pages: one article's AI data, top stories, a story, a tag.

All take a Session and only read. Plain dataclasses out, so templates need no SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.store.models_ai import (
    ArticleTag,
    DescriptionRow,
    Enrichment,
    QuoteRow,
    Story,
    Tag,
)
from newsdesk.stories.dedup import also_published_by
from newsdesk.stories.related import RelatedItem, story_articles


@dataclass
class TagRef:
    slug: str  # "HosseinSalami": link /tags/{slug}
    label: str  # "Hossein Salami"
    kind: str  # person | organization | place | topic
    score: float = 0.0


@dataclass
class QuoteRef:
    quote: str
    speaker: str | None
    speaker_slug: str | None  # the speaker's tag, when the speaker is a known entity
    cue: str | None
    kind: str  # direct | reported
    outlet: str | None  # a carried source ("... quoted by Reuters")


@dataclass
class ArticleAI:
    article_id: int
    summary: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    hashtags: list[TagRef] = field(default_factory=list)
    entities: list[TagRef] = field(default_factory=list)
    quotes: list[QuoteRef] = field(default_factory=list)
    story_id: int | None = None
    duplicate_of: int | None = None  # this text is a copy of that article
    also_published_by: list[tuple[int, str, str]] = field(default_factory=list)  # (id, outlet, url)


@dataclass
class StoryView:
    id: int
    title: str
    summary: list[str]
    article_count: int
    outlet_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    score: float
    articles: list[RelatedItem] = field(default_factory=list)


def article_ai(session: Session, article_id: int) -> ArticleAI | None:
    """Everything the enrichment stored for one article; None if it is not enriched yet."""
    row = session.get(Enrichment, article_id)
    if row is None:
        return None
    out = ArticleAI(
        article_id=article_id,
        summary=list(row.summary or []),
        key_points=list(row.key_points or []),
        story_id=row.story_id,
        duplicate_of=row.duplicate_of,
        also_published_by=also_published_by(session, article_id),
    )
    tags = session.execute(
        select(Tag.slug, Tag.label, Tag.kind, ArticleTag.score, ArticleTag.is_hashtag)
        .join(ArticleTag, ArticleTag.tag_id == Tag.id)
        .where(ArticleTag.article_id == article_id)
        .order_by(ArticleTag.score.desc(), Tag.slug)
    ).all()
    for slug, label, kind, score, is_hashtag in tags:
        ref = TagRef(slug, label, kind, float(score or 0.0))
        if is_hashtag:
            out.hashtags.append(ref)
        if kind in ("person", "organization", "place"):
            out.entities.append(ref)
    quotes = session.execute(
        select(QuoteRow, Tag.slug)
        .outerjoin(Tag, Tag.id == QuoteRow.speaker_tag_id)
        .where(QuoteRow.article_id == article_id)
        .order_by(QuoteRow.position)
    ).all()
    out.quotes = [QuoteRef(q.quote, q.speaker, slug, q.cue, q.kind, q.outlet) for q, slug in quotes]
    return out


def _view(story: Story) -> StoryView:
    return StoryView(
        id=story.id,
        title=story.title,
        summary=list(story.summary or []),
        article_count=story.article_count,
        outlet_count=story.outlet_count,
        first_seen=story.first_seen,
        last_seen=story.last_seen,
        score=story.score,
    )


def top_stories(session: Session, limit: int = 20, offset: int = 0) -> list[StoryView]:
    """The home page's stories: highest score first (outlets, size, velocity, recency)."""
    rows = session.scalars(
        select(Story)
        .where(Story.article_count > 0)
        .order_by(Story.score.desc(), Story.last_seen.desc(), Story.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_view(s) for s in rows]


def story_view(session: Session, story_id: int, limit: int = 100) -> StoryView | None:
    """A story with its articles (newest first, copies folded into their originals)."""
    story = session.get(Story, story_id)
    if story is None:
        return None
    view = _view(story)
    view.articles = story_articles(session, story_id, limit)
    return view


def tag_descriptions(session: Session, slug: str, limit: int = 10) -> list[str]:
    """How the coverage describes an entity ("the commander of ..."), most repeated first."""
    tag_id = session.scalar(select(Tag.id).where(Tag.slug == slug))
    if tag_id is None:
        return []
    phrases = session.scalars(select(DescriptionRow.phrase).where(DescriptionRow.tag_id == tag_id))
    counts: dict[str, int] = {}
    for phrase in phrases:
        counts[phrase] = counts.get(phrase, 0) + 1
    return [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
