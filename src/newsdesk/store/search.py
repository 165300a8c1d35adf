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

# Letters and digits only: "_" is a separator for FTS5's unicode61 tokenizer too, so "a_a_a"
# cannot smuggle a 100-token phrase past the term cap. No quote, "*", ":", "-", "^", "(" or
# "&" can be part of a word, so user input never becomes FTS5 or tsquery syntax.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Every term is one more index lookup to intersect. Real searches are a few words and ANDing
# more only narrows the hits, so the first 8 distinct words keep the meaning of any sensible
# query while a hostile one ("a a a ... a", 100 words in the 200-character cap) costs at most
# 8 lookups instead of 100.
MAX_TERMS = 8
# A prefix term reads every indexed word starting with it: "a"* or "th"* are a large slice of
# the vocabulary (thousands of doclists to merge), by 3 characters only tens. Shorter words
# are matched exactly.
MIN_PREFIX_CHARS = 3


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool  # also match longer words starting with it


@dataclass
class Hit:
    article: Article
    snippet: str  # plain text with MARK_START/MARK_END around matched terms


def terms(query: str) -> list[Term]:
    """The distinct words of `query` (case-insensitively, first spelling kept), at most
    MAX_TERMS; words of MIN_PREFIX_CHARS or more are prefix terms."""
    seen: set[str] = set()
    found: list[Term] = []
    for word in _WORD.findall(query):
        key = word.lower()
        if key in seen:
            continue
        seen.add(key)
        found.append(Term(word, len(word) >= MIN_PREFIX_CHARS))
        if len(found) == MAX_TERMS:
            break
    return found


def fts_query(query: str) -> str:
    """Turn user input into a safe FTS5 query: each term quoted (a prefix term starred), ANDed."""
    return " ".join(f'"{t.word}"*' if t.prefix else f'"{t.word}"' for t in terms(query))


def pg_tsquery(query: str) -> str:
    """The same terms as a PostgreSQL to_tsquery text: quoted lexemes (prefix ones :*), ANDed."""
    return " & ".join(f"'{t.word}':*" if t.prefix else f"'{t.word}'" for t in terms(query))


def search(session: Session, query: str, limit: int = 20, offset: int = 0) -> list[Hit]:
    if not terms(query):
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
                "q": pg_tsquery(query),
                "limit": limit,
                "offset": offset,
            },
        ).all()
    else:  # pragma: no cover - other backends are not supported
        raise NotImplementedError(dialect)
    ids = [row[0] for row in rows]
    articles = {a.id: a for a in session.query(Article).filter(Article.id.in_(ids))}
    return [Hit(articles[i], snip) for i, snip in ((r[0], r[1]) for r in rows) if i in articles]
