"""Full-text search: the one place with backend-specific SQL (FTS5 / PostgreSQL tsvector)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from newsdesk.store.models import Article

# Snippet highlight markers: control characters that cannot occur in stored text, turned into
# <mark> by the web layer *after* HTML escaping.
MARK_START = "\x02"
MARK_END = "\x03"

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    article: Article
    snippet: str  # plain text with MARK_START/MARK_END around matched terms


def fts_query(query: str) -> str:
    """Turn user input into a safe FTS5 query: every word a quoted prefix term, ANDed."""
    words = _WORD.findall(query)
    return " ".join(f'"{w}"*' for w in words)


def search(session: Session, query: str, limit: int = 20, offset: int = 0) -> list[Hit]:
    words = _WORD.findall(query)
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        rows = session.execute(
            text(
                "SELECT rowid, snippet(articles_fts, 1, :a, :b, ' … ', 24) FROM articles_fts "
                "WHERE articles_fts MATCH :q ORDER BY bm25(articles_fts, 5.0, 1.0) "
                "LIMIT :limit OFFSET :offset"
            ),
            {
                "a": MARK_START,
                "b": MARK_END,
                "q": fts_query(query),
                "limit": limit,
                "offset": offset,
            },
        ).all()
    elif dialect == "postgresql":
        rows = session.execute(
            text(
                "SELECT id, ts_headline('simple', text, q, "
                "'StartSel=' || :a || ', StopSel=' || :b || ', MaxWords=30, MinWords=12') "
                "FROM articles, to_tsquery('simple', :q) AS q "
                "WHERE to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, '')) @@ q "
                "ORDER BY ts_rank(to_tsvector('simple', coalesce(title, '') || ' ' || "
                "coalesce(text, '')), q) DESC LIMIT :limit OFFSET :offset"
            ),
            {
                "a": MARK_START,
                "b": MARK_END,
                "q": " & ".join(f"{w}:*" for w in words),
                "limit": limit,
                "offset": offset,
            },
        ).all()
    else:  # pragma: no cover - other backends are not supported
        raise NotImplementedError(dialect)
    ids = [row[0] for row in rows]
    articles = {a.id: a for a in session.query(Article).filter(Article.id.in_(ids))}
    return [Hit(articles[i], snip) for i, snip in ((r[0], r[1]) for r in rows) if i in articles]
