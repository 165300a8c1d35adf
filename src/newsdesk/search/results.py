"""What a search shows: the fused ranking grouped by story (one entry per story, with its
other outlets), the tags and entities the query names, and, when no article holds the words,
the nearest in meaning. The search page, the JSON API and the Google Reader API use `find`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.search.hybrid import Neighbours, Ranked, Sort, newest_first, rank
from newsdesk.search.synonyms import expand
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment, Story
from newsdesk.store.search import Filters, Query, parse, snippets
from newsdesk.stories.views import OtherOutlet, TagLink, story_outlets, story_url

NEAREST = 5  # nearest-in-meaning entries offered when nothing holds the words
# When some article holds every word, one holding only some of them (or none, near in meaning)
# is listed only if its fused score is at least this share of the best: on the even ECB+
# topics (bench/retrieval.py --half 0, headlines of 2 words or more) a score under 0.4 of the
# best hides 95.6 % of the candidates not about the query's event and 0.7 % of those about it
# (the largest share, in steps of 0.05, that hides under 1 % of them; 0.45 hides 1.1 %, 0.5
# 1.7 %).
WEAK = 0.4
# The same for a query of one word (or name), chosen the same way on the same topics (each
# headline's rarest word, 294 queries): 0.25 hides 28.9 % of the candidates near in meaning
# only that are not about the headline's event and 0.2 % of those about it (0.3 hides 1.6 %);
# on the odd topics (295 queries) 24.9 % and 0.1 %. BENCHMARKS.md, thirty-second session.
WEAK_ONE_CLAUSE = 0.25
LEAD_WORDS = 30  # the start of an article shown when no word of the query is in it
_EXCLUDED = re.compile(r'(?<!\S)-(?:"[^"]*"?|\S+)')


@dataclass
class StoryRef:
    id: int
    title: str
    article_count: int
    outlet_count: int

    @property
    def url(self) -> str:
        return story_url(self.id)


@dataclass
class Entry:
    """One story (or one article in no story): its best-ranked matching article."""

    article: Article
    snippet: str  # plain text; MARK_START/MARK_END around matched words
    matched: bool  # holds the words (False: near in meaning only)
    story: StoryRef | None = None
    others: list[OtherOutlet] = field(default_factory=list)  # the story's other outlets

    # The names the listing macro (also_covered in _macros.html) reads.
    @property
    def story_id(self) -> int | None:
        return self.story.id if self.story else None

    @property
    def story_articles(self) -> int:
        return self.story.article_count if self.story else 1


@dataclass
class Results:
    text: str
    query: Query  # as searched (with synonyms)
    entries: list[Entry]
    more: bool
    exact: bool  # some article holds every clause
    tags: list[TagLink] = field(default_factory=list)
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    nearest: list[Entry] = field(default_factory=list)  # when no article holds the words


def filters(
    outlet: str | None = None,
    language: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Filters:
    """Filters as the page and the API take them: days from `since` to `until`, both
    included (UTC)."""
    return Filters(
        outlet=outlet or None,
        language=language or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )


def languages(session: Session) -> list[tuple[str, int]]:
    """The languages of the stored articles with their article counts, most first."""
    rows = session.execute(
        select(Article.language, func.count())
        .where(Article.language.is_not(None), Article.language != "")
        .group_by(Article.language)
        .order_by(func.count().desc(), Article.language)
    ).tuples()
    return [(str(code), int(n)) for code, n in rows]


def semantic_text(text: str) -> str:
    """What is embedded: the query without its exclusions, quotes and OR."""
    text = _EXCLUDED.sub(" ", text).replace('"', " ")
    return " ".join(w for w in text.split() if w != "OR")


def _grouped(ranked: list[Ranked]) -> list[list[Ranked]]:
    """Ranked articles grouped by story (or by the article they duplicate), in rank order."""
    groups: dict[tuple[str, int], list[Ranked]] = {}
    for r in ranked:
        groups.setdefault(r.group, []).append(r)
    return list(groups.values())


def _entries(session: Session, query: Query, groups: list[list[Ranked]]) -> list[Entry]:
    heads = [g[0] for g in groups]
    ids = [h.article_id for h in heads]
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    snips = snippets(session, query, ids)
    stories = dict(
        session.execute(
            select(Enrichment.article_id, Story)
            .join(Story, Story.id == Enrichment.story_id)
            .where(Enrichment.article_id.in_(ids))
        )
        .tuples()
        .all()
    )
    outlets = story_outlets(session, (s.id for s in stories.values()))
    out = []
    for head in heads:
        article = articles.get(head.article_id)
        if article is None:
            continue
        snippet = snips.get(article.id) or " ".join((article.text or "").split()[:LEAD_WORDS])
        entry = Entry(article, snippet, head.matched)
        story = stories.get(article.id)
        if story is not None:
            entry.story = StoryRef(story.id, story.title, story.article_count, story.outlet_count)
            entry.others = [
                o for o in outlets.get(story.id, []) if o.outlet and o.outlet != article.outlet
            ]
        out.append(entry)
    return out


def find(
    session: Session,
    text: str,
    *,
    filters: Filters | None = None,
    sort: Sort = "relevance",
    offset: int = 0,
    limit: int = 20,
    neighbours: Neighbours | None = None,
) -> Results:
    """Search as the reader means it (see newsdesk.search.hybrid); `offset`/`limit` count
    entries (stories), not articles."""
    expansion = expand(session, parse(text))
    query = expansion.query
    meaning, depth = semantic_text(text), max(200, 3 * (offset + limit))
    ranked = rank(session, query, meaning, filters=filters, neighbours=neighbours, depth=depth)
    results = Results(
        text, query, [], False, any(r.exact for r in ranked), expansion.tags, expansion.synonyms
    )
    if not any(r.matched for r in ranked):  # nothing holds the words: offer the nearest
        results.nearest = _entries(session, query, _grouped(ranked)[:NEAREST])
        return results
    if results.exact:
        weak = (WEAK if len(query.clauses) > 1 else WEAK_ONE_CLAUSE) * ranked[0].score
        ranked = [r for r in ranked if r.exact or r.score >= weak]
    if sort == "date":
        ranked = newest_first(session, ranked, query, meaning, filters=filters, depth=depth)
    groups = _grouped(ranked)
    results.entries = _entries(session, query, groups[offset : offset + limit])
    results.more = len(groups) > offset + limit
    return results
