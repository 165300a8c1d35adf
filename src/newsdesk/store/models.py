"""SQLAlchemy 2.x models. Portable across SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Integer primary keys are 32-bit on PostgreSQL; larger ids cannot exist.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    site_url: Mapped[str | None] = mapped_column(String(2048))
    title: Mapped[str | None] = mapped_column(String(512))
    category: Mapped[str | None] = mapped_column(String(256))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    # The outlet its articles show (newsdesk.sources.outlet), and where that name came from:
    # "site" (og:site_name of its pages), "feed" (its title / site link), "admin" (set by hand).
    outlet_name: Mapped[str | None] = mapped_column(String(256))
    outlet_source: Mapped[str | None] = mapped_column(String(16))

    links: Mapped[list[FeedArticle]] = relationship(back_populates="feed", cascade="all, delete")

    @property
    def name(self) -> str:
        return self.title or self.url


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(String(1024), default="")
    author: Mapped[str | None] = mapped_column(String(512))
    outlet: Mapped[str] = mapped_column(String(256), default="", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    language: Mapped[str | None] = mapped_column(String(16), index=True)  # search's filter list
    image_url: Mapped[str | None] = mapped_column(String(2048))
    summary: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="")
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    extraction_error: Mapped[str | None] = mapped_column(Text)

    links: Mapped[list[FeedArticle]] = relationship(back_populates="article", cascade="all, delete")

    __table_args__ = (
        Index("ix_articles_sort", "published_at", "id"),
        # the listings' order (web.queries.sort_key, id): migration 0014
        Index("ix_articles_seen", func.coalesce(published_at, fetched_at), "id"),
    )

    @property
    def teaser_only(self) -> bool:
        """Its page could not be read (or was not fetched): the text is the feed's teaser."""
        return bool(self.extraction_error)


class FeedArticle(Base):
    """An article as reached through one feed (an article may be in many feeds)."""

    __tablename__ = "feed_articles"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    guid: Mapped[str] = mapped_column(String(2048))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    feed: Mapped[Feed] = relationship(back_populates="links")
    article: Mapped[Article] = relationship(back_populates="links")

    __table_args__ = (UniqueConstraint("feed_id", "guid", name="uq_feed_guid"),)


class ErrorRecord(Base):
    """A failure recorded against its source; the run that hit it went on."""

    __tablename__ = "errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    stage: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Lease(Base):
    """A worker's claim on one feed or article until `until` (newsdesk.ingest.leases)."""

    __tablename__ = "leases"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "feed" | "article"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), index=True)  # host:pid:nonce
    until: Mapped[datetime] = mapped_column(UTCDateTime)
