"""Reader accounts: users, sessions, comments and moderation, subscriptions, read state, tokens.

Portable across SQLite and PostgreSQL; created by migration 0004_readers. Secrets are never
stored in the clear: session ids, API tokens and client IP addresses are stored as hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsdesk.store.models import Base, UTCDateTime, utcnow

ROLES = ("reader", "moderator", "admin")
FOLLOW_KINDS = ("hashtag", "entity")
TOKEN_SCOPES = ("api", "feed", "greader", "fever")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32))  # as typed at registration
    # casefolded username: uniqueness and look-ups are case-insensitive on every backend
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(16), default="reader")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ban_reason: Mapped[str | None] = mapped_column(String(512))

    __table_args__ = (
        CheckConstraint("role IN ('reader', 'moderator', 'admin')", name="ck_users_role"),
    )

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None


class UserSession(Base):
    """A server-side login session. `id` is the SHA-256 of the random token in the cookie.

    Sessions with no user are anonymous: they only carry the CSRF secret of the login and
    registration forms, and are replaced by a new session (new id) at login.
    """

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str | None] = mapped_column(String(256))

    user: Mapped[User | None] = relationship()


class LoginAttempt(Base):
    """One login attempt, for throttling per account (username_key) and per client (ip_hash)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (
        Index("ix_login_attempts_user", "username_key", "created_at"),
        Index("ix_login_attempts_ip", "ip_hash", "created_at"),
    )


class RateEvent(Base):
    """One rate-limited action (posting a comment, registering...), shared by all processes."""

    __tablename__ = "rate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(80))  # "user:ID" or "ip:HASH"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_rate_events_lookup", "action", "subject", "created_at"),)


class Comment(Base):
    """A comment on an article or on a story (exactly one of article_id / story_id is set)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    # stories are clusters of articles (newsdesk.stories); no FK so that module owns its table
    story_id: Mapped[int | None] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # rendered from body_markdown, then sanitized
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        CheckConstraint(
            "(article_id IS NULL) <> (story_id IS NULL)", name="ck_comments_one_target"
        ),
        Index("ix_comments_user_created", "user_id", "created_at"),
    )

    @property
    def visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class CommentRevision(Base):
    """An earlier version of a comment, saved when it was edited."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body_markdown: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this version was written
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentReport(Base):
    """A reader's report of a comment to the moderators (one per reader and comment)."""

    __tablename__ = "comment_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(16))  # "hidden" | "dismissed"

    comment: Mapped[Comment] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_report_user"),)


class UserFeed(Base):
    """A reader's subscription to a feed, optionally renamed and filed in a folder (label)."""

    __tablename__ = "user_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(512))
    folder: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "feed_id", name="uq_user_feed"),)


class ArticleState(Base):
    """A reader's read / starred marks on one article."""

    __tablename__ = "article_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_article_states_starred", "user_id", "starred_at"),
        Index("ix_article_states_read", "user_id", "read_at"),
    )


class Follow(Base):
    """A reader follows a hashtag or a named entity (key: the normalised tag or entity name)."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "key", name="uq_follow"),
        CheckConstraint("kind IN ('hashtag', 'entity')", name="ck_follows_kind"),
        Index("ix_follows_key", "kind", "key"),
    )


class ApiToken(Base):
    """A bearer token for the JSON / Google Reader APIs, or the secret of a private feed URL.

    Only the SHA-256 of the token is stored (newsdesk.security.token_hash).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    scope: Mapped[str] = mapped_column(String(16), default="api")  # one of TOKEN_SCOPES
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("scope IN ('api', 'feed', 'greader', 'fever')", name="ck_api_tokens_scope"),
    )
