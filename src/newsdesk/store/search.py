"""Full-text search: the query language and the one place with backend-specific SQL (FTS5 /
PostgreSQL tsvector).

The language, as the search page documents it: words (all must appear, in any of their forms;
a word of MIN_PREFIX_CHARS or more that no article holds is the start of longer words, see
`settled`), "a phrase" (those words
in that order), `a OR b` (either), `-word` or `-"a phrase"` (must not appear). A query of
exclusions only looks for those words instead. `parse` turns any input into a `Query` of
plain words (letters and digits only); `fts_match` / `pg_tsquery` write the backend's syntax
from that, so user input never becomes FTS5 or tsquery syntax. Both backends stem English
words and keep stop words (SQLite: FTS5's Porter tokenizer, migration 0009; PostgreSQL: the
`newsdesk` text search configuration and the indexed `articles.search_doc`, migration 0013)
and rank with the headline weighing 5x the body: BM25 on SQLite, ts_rank_cd on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, bindparam, column, func, select, table, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from newsdesk.store.models import Article

# Snippet highlight markers: control characters that cannot occur in stored text, turned into
# <mark> by the web layer *after* HTML escaping.
MARK_START = "\x02"
MARK_END = "\x03"

# Letters and digits only: "_" is a separator for FTS5's unicode61 tokenizer too, so "a_a_a"
# cannot smuggle a 100-token phrase past the term cap. No quote, "*", ":", "-", "^", "(" or
# "&" can be part of a word, so user input never becomes FTS5 or tsquery syntax.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# The query's items: -"phrase", "phrase" (an unclosed quote runs to the end), -word, word.
_ITEM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
# Every term is one more index lookup. Real searches are a few words, so the first 8 distinct
# words (phrases' and exclusions' words included) keep the meaning of any sensible query while
# a hostile one ("a a a ... a", 100 words in the 200-character cap) costs at most 8 lookups.
MAX_TERMS = 8
# A prefix term reads every indexed word starting with it: "a"* or "th"* are a large slice of
# the vocabulary (thousands of doclists to merge), by 3 characters only tens. Shorter words
# are matched exactly.
MIN_PREFIX_CHARS = 3
# Other words for one clause (synonyms, aliases) at most: they come from data, not the user.
MAX_ALTERNATIVES = 4
MAX_PHRASE_WORDS = 4  # words of one synonym phrase

Mode = Literal["all", "any"]


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool  # also match longer words starting with it


@dataclass(frozen=True)
class Phrase:
    """One word (a prefix unless typed in quotes) or several in a row (matched exactly)."""

    words: tuple[str, ...]
    exact: bool = False  # typed in quotes, or a word the index holds: no prefix match

    @property
    def prefix(self) -> bool:
        return not self.exact and len(self.words) == 1 and len(self.words[0]) >= MIN_PREFIX_CHARS

    @property
    def key(self) -> str:
        return " ".join(self.words).lower()


@dataclass(frozen=True)
class Clause:
    """What one query item asks for: any of its alternatives (the typed words first)."""

    alternatives: tuple[Phrase, ...]
    typed: int = 1  # how many alternatives the user typed (the rest are synonyms)


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...] = ()
    excluded: tuple[Phrase, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clauses)

    @property
    def has_syntax(self) -> bool:
        """Whether the user asked for a phrase, an OR or an exclusion."""
        return bool(self.excluded) or any(
            c.typed > 1 or len(c.alternatives[0].words) > 1 for c in self.clauses
        )

    def words(self) -> list[str]:
        """The typed words looked for (not the excluded ones), in order."""
        return [w for c in self.clauses for p in c.alternatives[: c.typed] for w in p.words]


@dataclass
class Filters:
    outlet: str | None = None
    language: str | None = None
    since: datetime | None = None  # seen (published, else fetched) at or after
    until: datetime | None = None  # before
    published: bool = False  # only articles with a publication date

    def conditions(self) -> list[ColumnElement[bool]]:
        seen = seen_at()
        out: list[ColumnElement[bool]] = []
        if self.published:
            out.append(Article.published_at.is_not(None))
        if self.outlet:
            out.append(Article.outlet == self.outlet)
        if self.language:
            out.append(func.lower(Article.language) == self.language.lower())
        if self.since is not None:
            out.append(seen >= self.since)
        if self.until is not None:
            out.append(seen < self.until)
        return out


def seen_at() -> ColumnElement[datetime]:
    """When an article counts for dates and date filters: published, else fetched."""
    return func.coalesce(Article.published_at, Article.fetched_at)


@dataclass
class Hit:
    article: Article
    snippet: str  # plain text with MARK_START/MARK_END around matched terms


@dataclass
class _Budget:
    left: int
    seen: set[str] = field(default_factory=set)

    def take(self, words: list[str]) -> tuple[str, ...]:
        kept = []
        for word in words:
            if self.left == 0:
                break
            if word.lower() not in self.seen or len(words) > 1:
                kept.append(word)
                self.left -= 1
        return tuple(kept)


def parse(query: str, max_terms: int = MAX_TERMS) -> Query:
    """The query's clauses and exclusions, at most `max_terms` words in all (see the module)."""
    budget = _Budget(max_terms)
    clauses: list[Clause] = []
    excluded: list[Phrase] = []
    join_next = False
    for m in _ITEM.finditer(query):
        negated = bool(m[1] or m[3])
        raw = m[2] if m[2] is not None else m[4]
        if m[2] is None and raw == "OR":
            join_next = bool(clauses)
            continue
        found = _WORD.findall(raw)
        if not found:
            continue
        quoted = m[2] is not None
        # An unquoted "e-mail" or "U.S." is several words, each its own term (as before).
        groups = [found] if quoted else [[w] for w in found]
        for group in groups:
            words = budget.take(group)
            if not words:
                continue
            phrase = Phrase(words, quoted)
            budget.seen.update(w.lower() for w in words)
            if negated:
                excluded.append(phrase)
            elif join_next and clauses:
                last = clauses[-1]
                if phrase not in last.alternatives:
                    alts = (*last.alternatives, phrase)
                    clauses[-1] = Clause(alts, last.typed + 1)
            elif Clause((phrase,)) not in clauses:
                clauses.append(Clause((phrase,)))
            join_next = False
    if not clauses:  # only exclusions ("-profits"): look for those words
        return Query(tuple(Clause((p,)) for p in excluded))
    return Query(tuple(clauses), tuple(excluded))


def terms(query: str) -> list[Term]:
    """The distinct words `query` looks for, at most MAX_TERMS; words of MIN_PREFIX_CHARS or
    more are prefix terms (and so is each single word)."""
    return [
        Term(w, len(w) >= MIN_PREFIX_CHARS)
        for c in parse(query).clauses
        for p in c.alternatives
        for w in p.words
    ]


# ------------------------------------------------------------------ backend syntax


def _fts_phrase(p: Phrase) -> str:
    return f'"{" ".join(p.words)}"' + ("*" if p.prefix else "")


def _fts_clause(c: Clause) -> str:
    alts = [_fts_phrase(p) for p in c.alternatives]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def fts_match(query: Query, mode: Mode = "all") -> str:
    """The FTS5 MATCH text: clauses ANDed ("all") or ORed ("any"), exclusions NOT-ed."""
    if not query:
        return ""
    clauses = [_fts_clause(c) for c in query.clauses]
    out = (" AND " if mode == "all" else " OR ").join(clauses)
    if query.excluded:
        out = f"({out}) NOT " + _fts_clause(Clause(query.excluded))
    return out


def fts_query(query: str) -> str:
    """User input as a safe FTS5 query (every clause must match)."""
    return fts_match(parse(query))


def _pg_phrase(p: Phrase) -> str:
    if p.prefix:
        return f"'{p.words[0]}':*"
    return " <-> ".join(f"'{w}'" for w in p.words)


def _pg_clause(c: Clause) -> str:
    alts = [_pg_phrase(p) for p in c.alternatives]
    if len(alts) == 1 and len(c.alternatives[0].words) == 1:
        return alts[0]
    return "(" + " | ".join(f"({a})" if " " in a else a for a in alts) + ")"


def pg_match(query: Query, mode: Mode = "all") -> str:
    """The same as a PostgreSQL to_tsquery text: & (all) or | (any), ! for exclusions."""
    if not query:
        return ""
    out = (" & " if mode == "all" else " | ").join(_pg_clause(c) for c in query.clauses)
    if query.excluded:
        out = f"({out}) & !" + _pg_clause(Clause(query.excluded))
    return out


def pg_tsquery(query: str) -> str:
    return pg_match(parse(query))


# ------------------------------------------------------------------ queries

_FTS = table("articles_fts", column("rowid"))
# PostgreSQL: the stored tsvector (title weight A, text weight B) and its configuration
# (migration 0013); ts_rank_cd's weights are {D, C, B, A}: the headline 5x the body, as on
# SQLite, and normalization 1 divides by 1 + log(length), as BM25 discounts long articles.
_PG_MATCH = "articles.search_doc @@ to_tsquery('newsdesk', :q)"
_PG_RANK = "ts_rank_cd('{0.1, 0.2, 0.2, 1.0}', articles.search_doc, to_tsquery('newsdesk', :qr), 1)"
# PostgreSQL ranks the PG_RANKED most recently stored matches of a search without filters, not
# every match (migration 0016: ranking reads each match's stored tsvector, ~6.5 us each; a
# common word at 100,000 articles, 31,000 matches: 510 -> 42 ms). A query with fewer matches
# is ranked whole, as on SQLite, whose index ranks every match faster (54 ms).
PG_RANKED = 2000
_PG_NEWEST = "articles.id IN (SELECT newsdesk_newest_matches(to_tsquery('newsdesk', :q), :n))"


def _match(session: Session, query: Query, mode: Mode) -> tuple[str, TextClause, TextClause]:
    """(dialect, the match condition, the relevance: higher is better) for `query`."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        cond = text("articles_fts MATCH :q").bindparams(q=fts_match(query, mode))
        # FTS5's bm25() is negative, lower is better
        return dialect, cond, text("-bm25(articles_fts, 5.0, 1.0)")
    if dialect == "postgresql":
        q = pg_match(query, mode)
        cond = text(_PG_MATCH).bindparams(q=q)
        return dialect, cond, text(_PG_RANK).bindparams(qr=q)
    raise NotImplementedError(dialect)  # pragma: no cover - other backends are not supported


def settled(session: Session, query: Query) -> Query:
    """`query` with each prefix word that the index holds as a word matched as that word
    (with its other forms): a prefix is for a word found in no article ("immig" finds
    immigration), not for a whole one ("world" is not WorldCom, "police" not policy). Each
    word is looked up once per session: a search settles its query, then its any-word list
    (search/hybrid.py relaxed), the same words."""
    words = {p.words[0] for c in query.clauses for p in c.alternatives if p.prefix}
    words |= {p.words[0] for p in query.excluded if p.prefix}
    if not words:
        return query
    known: dict[str, bool] = session.info.setdefault("newsdesk_held_words", {})

    def holds(word: str) -> bool:
        if word not in known:
            one = Query((Clause((Phrase((word,), exact=True),)),))
            dialect, cond, _ = _match(session, one, "all")
            rows = select(_FTS.c.rowid) if dialect == "sqlite" else select(Article.id)
            known[word] = session.execute(rows.where(cond).limit(1)).first() is not None
        return known[word]

    held = {w for w in words if holds(w)}

    def whole(p: Phrase) -> Phrase:
        return replace(p, exact=True) if p.prefix and p.words[0] in held else p

    return Query(
        tuple(Clause(tuple(whole(p) for p in c.alternatives), c.typed) for c in query.clauses),
        tuple(whole(p) for p in query.excluded),
    )


def scored_ids(
    session: Session,
    query: Query,
    *,
    mode: Mode = "all",
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    newest_first: bool = False,
    within: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """The articles matching `query` with their relevance (BM25 on SQLite, ts_rank_cd on
    PostgreSQL; higher is better), best ranked (or newest) first; `within`: only among these
    ids."""
    if not query:
        return []
    dialect, cond, relevance = _match(session, query, mode)
    conditions = filters.conditions() if filters else []
    if dialect == "postgresql" and not conditions and within is None and not newest_first:
        cond = text(_PG_NEWEST).bindparams(q=pg_match(query, mode), n=PG_RANKED)
    if dialect == "sqlite" and not conditions and within is None and not newest_first:
        # Ranked by the full-text index alone: the same rows as through articles (the index
        # holds exactly the articles), without reading an article row per match (a common
        # word at 100,000 articles: 144 -> 54 ms; every match is still scored).
        fts = select(_FTS.c.rowid, relevance).where(cond).order_by(text("2 DESC"))
        rows = session.execute(fts.limit(limit).offset(offset)).tuples()
        return list({int(i): float(score or 0.0) for i, score in rows}.items())
    stmt = select(Article.id, relevance).where(cond, *conditions)
    if dialect == "sqlite":
        stmt = stmt.join_from(Article, _FTS, _FTS.c.rowid == Article.id)
    if within is not None:
        stmt = stmt.where(Article.id.in_(list(within)))
    if newest_first:
        stmt = stmt.order_by(seen_at().desc(), Article.id.desc())
    else:
        stmt = stmt.order_by(text("2 DESC"))
    rows = session.execute(stmt.limit(limit).offset(offset)).tuples()
    return list({int(i): float(score or 0.0) for i, score in rows}.items())


def ranked_ids(
    session: Session,
    query: Query,
    *,
    mode: Mode = "all",
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    newest_first: bool = False,
    within: Sequence[int] | None = None,
) -> list[int]:
    """Ids of the articles matching `query`, best ranked (or newest) first (see
    `scored_ids`)."""
    found = scored_ids(
        session,
        query,
        mode=mode,
        filters=filters,
        limit=limit,
        offset=offset,
        newest_first=newest_first,
        within=within,
    )
    return [i for i, _ in found]


def snippets(session: Session, query: Query, ids: Iterable[int]) -> dict[int, str]:
    """Text around the matches of any of the query's words, for these articles (those that
    hold none are left out)."""
    ids = list(ids)
    if not query or not ids:
        return {}
    dialect = session.get_bind().dialect.name
    plain = Query(query.clauses)  # highlight what was looked for, never the exclusions
    if dialect == "sqlite":
        sql = text(
            "SELECT rowid, snippet(articles_fts, 1, :a, :b, ' … ', 24) FROM articles_fts "
            "WHERE articles_fts MATCH :q AND rowid IN :ids"
        )
        q = fts_match(plain, "any")
    elif dialect == "postgresql":
        sql = text(
            "SELECT id, ts_headline('newsdesk', text, to_tsquery('newsdesk', :q), "
            "'StartSel=' || :a || ', StopSel=' || :b || ', MaxWords=30, MinWords=12') "
            "FROM articles WHERE " + _PG_MATCH + " AND id IN :ids"
        )
        q = pg_match(plain, "any")
    else:  # pragma: no cover
        raise NotImplementedError(dialect)
    sql = sql.bindparams(bindparam("ids", expanding=True))
    rows = session.execute(sql, {"q": q, "a": MARK_START, "b": MARK_END, "ids": ids})
    return {int(r[0]): r[1] or "" for r in rows}


def search(session: Session, query: str, limit: int = 20, offset: int = 0) -> list[Hit]:
    """Articles holding every clause of `query` (words only, no synonyms or vectors), best
    first, with snippets. The hybrid search of the site is newsdesk.search."""
    parsed = settled(session, parse(query))
    ids = ranked_ids(session, parsed, limit=limit, offset=offset)
    if not ids:
        return []
    snips = snippets(session, parsed, ids)
    articles = {a.id: a for a in session.query(Article).filter(Article.id.in_(ids))}
    return [Hit(articles[i], snips.get(i, "")) for i in ids if i in articles]
