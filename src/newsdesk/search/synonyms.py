"""Other words for what the reader typed: entity aliases (Turkey = Türkiye = Turkiye, "U.S." =
United States) from the alias list of entity extraction (nlp/lexicon/entities.py ALIASES),
and the names the site's tags and entities are known by (tag_aliases, tags).

A run of up to MAX_NGRAM typed words that names an alias or a tag becomes one clause whose
alternatives are that name and its other names (at most MAX_ALTERNATIVES in all); the words
of a name so read are not read again as names of their own. Short words (3 letters or fewer)
and common words are only read as names when typed in capitals: "US", not "us"; "UN", not
"un"; a run of such words is no name ("s a" of "It's a" is not "SA"). An other name shares
no word with the typed one: the aliases entity extraction keeps for a tag include parts of
the name ("hugh" for Hugh Jackman), longer forms and, where it merged two people, another's
name ("paul weitz" for Chris Weitz); as alternatives they would find any "Hugh" for "Hugh
Jackman" (on the ECB+ retrieval benchmark, bench/retrieval.py, they cost 0.03 nDCG@10).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newsdesk.nlp.entities import canonical_key, tag_key
from newsdesk.nlp.keyphrases import hashtag_slug
from newsdesk.nlp.lexicon.entities import ALIASES, SHORT_FORMS
from newsdesk.nlp.text import ascii_fold
from newsdesk.store.models_ai import Tag, TagAlias
from newsdesk.store.search import (
    _WORD,
    MAX_ALTERNATIVES,
    MAX_PHRASE_WORDS,
    Clause,
    Phrase,
    Query,
    settled,
)
from newsdesk.stories.features import STOPWORDS
from newsdesk.stories.views import TagLink

MAX_NGRAM = 3
MAX_TAGS = 6  # tags and entities shown above the results
SHORT_NAME = 3  # letters: a word this short is read as a name only in capitals


@dataclass
class Expansion:
    query: Query
    tags: list[TagLink]  # the tags and entities the query names, most articles first
    synonyms: dict[str, list[str]]  # typed name -> the other names searched for it


@lru_cache(maxsize=1)
def alias_groups() -> dict[str, list[str]]:
    """Each folded alias -> every name of its entity (the display name first)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for alias, name in ALIASES.items():
        groups[name].append(alias)
    out: dict[str, list[str]] = {}
    for name, aliases in groups.items():
        names = [name, *([SHORT_FORMS[name]] if name in SHORT_FORMS else []), *aliases]
        for alias in aliases:
            out[_fold(alias)] = list(dict.fromkeys(names))
    return out


def _fold(text: str) -> str:
    """A name as the full-text index sees it: folded, lower-case words."""
    return " ".join(_WORD.findall(ascii_fold(text).lower()))


def _may_name(words: tuple[str, ...]) -> bool:
    """Whether typed words may be a name: one of them could be one alone ("s a" from "It's a"
    cannot; "the UAE" can)."""
    return any(
        (word.isupper() and len(word) > 1)
        or (len(word) > SHORT_NAME and word.lower() not in STOPWORDS)
        for word in words
    )


def _phrase(name: str) -> Phrase | None:
    words = tuple(_WORD.findall(name))[:MAX_PHRASE_WORDS]
    return Phrase(words) if words else None


def _plain(clause: Clause) -> tuple[str, ...] | None:
    """The one typed word of a clause with nothing else in it."""
    if len(clause.alternatives) == 1 and len(clause.alternatives[0].words) == 1:
        return clause.alternatives[0].words
    return None


def _tags_by_key(session: Session, keys: set[str], slugs: set[str]) -> dict[str, list[Tag]]:
    """Tags with articles whose alias key or slug (lower-cased) is one of these, by that key."""
    if not keys and not slugs:
        return {}
    found: dict[str, list[Tag]] = defaultdict(list)
    if keys:
        rows = session.execute(
            select(TagAlias.alias_key, Tag)
            .join(Tag, Tag.id == TagAlias.tag_id)
            .where(TagAlias.alias_key.in_(sorted(keys)), Tag.article_count > 0)
        ).all()
        for key, tag in rows:
            found[key].append(tag)
    if slugs:
        for tag in session.scalars(
            select(Tag).where(func.lower(Tag.slug).in_(sorted(slugs)), Tag.article_count > 0)
        ):
            found["#" + tag.slug.lower()].append(tag)
    return found


def _tag_names(session: Session, tag_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    if tag_ids:
        rows = session.execute(
            select(TagAlias.tag_id, TagAlias.alias_key)
            .where(TagAlias.tag_id.in_(tag_ids))
            .order_by(TagAlias.tag_id, func.length(TagAlias.alias_key))
        )
        for tag_id, key in rows:
            names[tag_id].append(key)
    return names


def expand(session: Session | None, query: Query) -> Expansion:
    """The query with other names for the names in it, and the tags it names; once per session
    for a query (a search expands its query, then its any-word list, search/hybrid.py relaxed:
    for one word, the same query)."""
    if session is None:
        return _expand(None, query)
    done: dict[Query, Expansion] = session.info.setdefault("newsdesk_expansions", {})
    if query not in done:
        done[query] = _expand(session, query)
    return done[query]


def _expand(session: Session | None, query: Query) -> Expansion:
    clauses = list(query.clauses)
    # Candidate runs of plain typed words: (start, n, words, folded key, canonical key, the
    # key a topic tag is stored under, slug)
    runs = []
    for start in range(len(clauses)):
        words: tuple[str, ...] = ()
        for n in range(1, MAX_NGRAM + 1):
            if start + n > len(clauses):
                break
            plain = _plain(clauses[start + n - 1])
            if plain is None:
                break
            words = (*words, *plain)
            if _may_name(words):
                text = " ".join(words)
                folded = _fold(text)
                runs.append(
                    (
                        start,
                        n,
                        words,
                        folded,
                        canonical_key(text),
                        tag_key(text),
                        hashtag_slug(text),
                    )
                )
    keys = {r[3] for r in runs} | {r[4] for r in runs} | {r[5] for r in runs}
    slugs = {r[6].lower() for r in runs if r[6]}
    tags = _tags_by_key(session, keys, slugs) if session is not None else {}
    tag_names = (
        _tag_names(session, sorted({t.id for ts in tags.values() for t in ts}))
        if (session is not None)
        else {}
    )

    shown: dict[int, Tag] = {}
    synonyms: dict[str, list[str]] = {}
    taken: set[int] = set()
    # Longest runs first, then left to right: "New York Times" before "New York".
    for start, n, words, folded, key, topic, slug in sorted(runs, key=lambda r: (-r[1], r[0])):
        plural = tags.get(topic, []) if topic not in (folded, key) else []  # #Tory for "Tories"
        matched = (
            tags.get(folded, []) + tags.get(key, []) + plural + tags.get("#" + slug.lower(), [])
        )
        for tag in matched:
            shown.setdefault(tag.id, tag)
        span = set(range(start, start + n))
        if span & taken:
            continue
        names = list(alias_groups().get(folded, []))
        for tag in matched:
            names += [tag.label, *tag_names.get(tag.id, [])]
        seen = {_fold(" ".join(words))}
        typed = set(_fold(" ".join(words)).split())
        others: list[Phrase] = []
        for name in names:
            phrase = _phrase(name)
            if phrase is None or _fold(phrase.key) in seen:
                continue
            if typed & set(_fold(phrase.key).split()):
                continue  # a part, a longer form or a namesake (see the module docstring)
            seen.add(_fold(phrase.key))
            if len(others) + 1 >= MAX_ALTERNATIVES:
                break
            others.append(phrase)
        if names:  # a name as a whole: its parts are not read as names of their own
            taken |= span
        if not others:
            continue
        synonyms[" ".join(words)] = [" ".join(p.words) for p in others]
        clauses[start] = Clause((Phrase(words), *others))
        for i in range(start + 1, start + n):
            clauses[i] = Clause(())  # folded into the first
    kept = tuple(c for c in clauses if c.alternatives)
    ordered = sorted(shown.values(), key=lambda t: (-(t.article_count or 0), t.id))[:MAX_TAGS]
    links = [TagLink(t.slug, t.label, t.kind, t.article_count or 0, t.id) for t in ordered]
    looked_up = Query(kept, query.excluded)
    if session is not None:
        looked_up = settled(session, looked_up)
    return Expansion(looked_up, links, synonyms)
