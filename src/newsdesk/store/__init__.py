"""Storage: SQLAlchemy models, Alembic migrations, sessions and search."""

from newsdesk.store.db import connect, session_scope
from newsdesk.store.models import Article, Base, ErrorRecord, Feed, FeedArticle

__all__ = ["Article", "Base", "ErrorRecord", "Feed", "FeedArticle", "connect", "session_scope"]
