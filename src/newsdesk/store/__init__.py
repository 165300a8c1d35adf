"""Storage: SQLAlchemy models, Alembic migrations, sessions and search."""

import newsdesk.store.models_ai  # noqa: F401  (registers the AI-layer tables on Base.metadata)
from newsdesk.store.db import connect, session_scope
from newsdesk.store.models import Article, Base, ErrorRecord, Feed, FeedArticle

__all__ = ["Article", "Base", "ErrorRecord", "Feed", "FeedArticle", "connect", "session_scope"]
