"""The AI layer's tables: per-article enrichment, stories, tags, quotes, descriptions.

Portable SQLite/PostgreSQL (JSON, LargeBinary, plain integer keys). Everything here is derived
from `articles` and can be rebuilt by `newsdesk enrich` (delete the rows or bump a version).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from newsdesk.store.models import Base, UTCDateTime, utcnow


class Story(Base):
    """Articles from any number of outlets about one news event."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(1024), default="")
    # The article whose headline is the title (the most central one).
    title_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    first_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    outlet_count: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)  # float16, normalized
    summary: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # last recounted; indexed: its newest is part of web/queries.stored_stamp
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Enrichment(Base):
    """What the AI layer derived for one article; one row per enriched article."""

    __tablename__ = "enrichments"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    # newsdesk.enrich.PIPELINE_VERSION at the time: rows with another value are redone lazily.
    model_version: Mapped[str] = mapped_column(String(255), index=True)
    # Indexed: workers catch up on what the others wrote since they last looked.
    enriched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[list[str] | None] = mapped_column(JSON)
    key_points: Mapped[list[str] | None] = mapped_column(JSON)
    # The article page's summary box (nlp.summary_box; [] none): NULL until computed.
    box_summary: Mapped[list[str] | None] = mapped_column(JSON)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)  # 384 x float16, normalized
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # 128 x uint32 (None: too short)
    # Signature terms for clustering (names, numbers, rare words): {"term": weight}.
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A wire copy or syndicated reprint of that (earlier) article: "also published by".
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    # When the article counts for time windows: published_at, else fetched_at.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    error: Mapped[str | None] = mapped_column(Text)


class Tag(Base):
    """A hashtag: an entity (person, organization, place) or a topic, merged across articles."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)  # "HosseinSalami"
    label: Mapped[str] = mapped_column(String(512))  # "Hossein Salami"
    kind: Mapped[str] = mapped_column(
        String(32), default="topic"
    )  # person|organization|place|topic
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Tags merge on the slug case-insensitively: look-ups go through lower(slug).
    __table_args__ = (Index("ix_tags_slug_lower", func.lower(slug)),)


class TagAlias(Base):
    """A normalized surface form ("salami", "hossein salami") that resolves to a tag."""

    __tablename__ = "tag_aliases"

    alias_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)


class ArticleTag(Base):
    __tablename__ = "article_tags"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    is_hashtag: Mapped[bool] = mapped_column(default=False)  # shown as #tag (else: entity only)
    kind: Mapped[str | None] = mapped_column(String(32))  # as this article read it: a vote

    __table_args__ = (Index("ix_article_tags_tag", "tag_id", "article_id"),)


class QuoteRow(Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    quote: Mapped[str] = mapped_column(Text)
    speaker: Mapped[str | None] = mapped_column(String(512))
    speaker_tag_id: Mapped[int | None] = mapped_column(
        ForeignKey("tags.id", ondelete="SET NULL"), index=True
    )
    cue: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="direct")
    outlet: Mapped[str | None] = mapped_column(String(256))
    position: Mapped[int] = mapped_column(Integer, default=0)


class FigureRow(Base):
    """One figure claim of an article (nlp/figures.py); `what_key` groups figures across outlets."""

    __tablename__ = "figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(256))  # as written: "more than 500"
    value: Mapped[float] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(64))
    what: Mapped[str | None] = mapped_column(String(512))
    what_key: Mapped[str | None] = mapped_column(String(128))
    when: Mapped[str | None] = mapped_column(String(256))
    source: Mapped[str | None] = mapped_column(String(512))
    sentence: Mapped[str] = mapped_column(Text)


class DescriptionRow(Base):
    __tablename__ = "descriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    phrase: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("tag_id", "article_id", "phrase", name="uq_description"),)
