"""Hybrid retrieval: words and meaning fused by score, then each article's score shared with
its nearest neighbours among the best candidates.

1. Candidates: the articles holding any of the query's content words (BM25-OR, with
   synonyms, up to MAX_ANY_TERMS words) and the query's nearest articles in the vector index
   (cosine at least MIN_SIMILARITY, in a language the model reads: nlp.embed.LANGUAGES);
   exclusions, phrases and filters hold for all of them.
2. Score fusion (a convex combination, Bruch et al. 2023, "An Analysis of Fusion Functions
   for Hybrid Retrieval"): LEXICAL x BM25 / the best BM25 of the query + (1 - LEXICAL) x the
   cosine of the article's stored vector with the query's.
3. Pseudo-relevance feedback (Rocchio): the query's vector moved towards the mean vector of
   the FEEDBACK best articles (weight FEEDBACK_WEIGHT), and the candidates scored again with
   it. A headline says little; the articles that best answer it say more about the event.
4. Score smoothing over the candidates' neighbours (the cluster hypothesis, as in Diaz 2005,
   "Regularizing ad hoc retrieval scores"): each of the POOL best gains SMOOTHING x the mean
   score of its NEIGHBOURS nearest among them (those at cosine NEAR or more), so an article
   like the other good answers rises and a stray one sinks.
5. Agreement of names with the best answer (pseudo-relevance feedback on what an event is
   made of: its people, places, organisations and numbers): the names and numbers the
   enrichment stored for each of the POOL best candidates (enrichments.terms["n"]), TF-IDF
   weighted over them, and each of them gains NAMES_WEIGHT x the cosine of its names with
   those of the best article and its story's next best (NAMES_FROM in all). Two earthquakes,
   two arrests of the same kind share their words and are close in meaning; the towns, the
   people and the death tolls tell them apart. (Read for every candidate, hundreds for a
   common word, the names cost a new search at 100,000 articles 10 of its 56 CPU-ms; the
   candidates below the pool seldom reach the first page.)
6. Stories (the enrichment's clusters of articles about one event): each article gains
   STORY x the best score in its story, so an event's articles rise together (an article in
   no story is a story of its own).

Without vectors (no model, a language it does not know) the ranking is BM25 alone. Sorted by
date (`newest_first`), the results are the same and the newest articles holding every clause
(else any word), newest first.

Every constant was chosen on the even-numbered ECB+ topics (bench/retrieval.py --half 0)
and is reported on the odd ones and the alias/paraphrase queries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from newsdesk.nlp.embed import from_blobs
from newsdesk.search.synonyms import expand
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment
from newsdesk.store.search import (
    _WORD,
    Clause,
    Filters,
    Query,
    parse,
    ranked_ids,
    scored_ids,
    seen_at,
    settled,
)
from newsdesk.stories.features import STOPWORDS
from newsdesk.stories.index import READ_BY_THE_MODEL

Sort = Literal["relevance", "date"]

# Chosen on the even ECB+ topics (bench/retrieval.py --half 0), see the module docstring.
LEXICAL = 0.4  # weight of the normalised BM25 (the cosine has the rest)
FEEDBACK = 3  # best articles whose mean vector moves the query's
FEEDBACK_WEIGHT = 2.0  # of that mean against the query's own vector
POOL = 50  # best candidates whose scores are smoothed
NEIGHBOURS = 5  # nearest candidates an article's score borrows from
SMOOTHING = 2.0  # weight of their mean score
NEAR = 0.4  # cosine from which another candidate counts as a neighbour
MIN_SIMILARITY = 0.3  # cosine below which an index neighbour is not about the same thing
NAMES_FROM = 3  # the best article and its story's next best, whose names are the event's
NAMES_WEIGHT = 1.0  # of the cosine of a candidate's names with theirs
STORY = 0.5  # share of its story's best score an article gains
# A query's content words in the any-word list: a headline has up to ~20 and each counts
# (half 0: nDCG@10 +0.009 with all of them over the first 8); one OR-ed term is one index
# lookup, so a hostile 200-character query costs at most this many.
MAX_ANY_TERMS = 24
MAX_SYNONYM_CLAUSES = 8  # names whose other names join the any-word list (a lookup each)
DEPTH = 200  # articles read from each word list
VECTOR_DEPTH = 100  # from the vector index


class Neighbours(Protocol):
    """The vector side of search (see newsdesk.search.vectors)."""

    def embed(self, text: str) -> np.ndarray | None:
        """The text's normalised vector; None when there is no model."""

    def nearest(self, vector: np.ndarray, k: int) -> Sequence[tuple[int, float]]:
        """The k nearest article ids with their cosine, best first."""


@dataclass(frozen=True)
class Ranked:
    article_id: int
    matched: bool  # holds the words (False: only near in meaning)
    exact: bool  # holds every clause
    # What a result page groups it under: ("s", its story) or ("a", the article it copies, or
    # its own id)
    group: tuple[str, int]
    score: float = 0.0  # fused relevance (0 sorted by date)


def _groups(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Each article's group (see Ranked.group), one query for all of them."""
    rows = session.execute(
        select(Enrichment.article_id, Enrichment.story_id, Enrichment.duplicate_of).where(
            Enrichment.article_id.in_(list(ids))
        )
    ).tuples()
    out = {int(a): ("s", int(s)) if s is not None else ("a", int(d or a)) for a, s, d in rows}
    return {i: out.get(i, ("a", i)) for i in ids}


def relaxed(session: Session | None, query: Query, text: str) -> Query:
    """Any clause will do: the content words of `text` (common words left out unless that is
    all there is; at most MAX_ANY_TERMS), each its own clause so that each counts in BM25 as
    typed, then the other names of the names among them (one clause per name, at most
    MAX_SYNONYM_CLAUSES), and `query`'s exclusions."""
    words = _WORD.findall(text)
    content = [w for w in words if w.lower() not in STOPWORDS] or words
    typed = parse(" ".join(content), MAX_ANY_TERMS)
    expanded = expand(session, typed).query
    others = [
        Clause(c.alternatives[c.typed :]) for c in expanded.clauses if len(c.alternatives) > c.typed
    ]
    out = Query((*typed.clauses, *others[:MAX_SYNONYM_CLAUSES]), query.excluded)
    return settled(session, out) if session is not None else out


def _one_clause(query: Query) -> Query:
    """The query as one clause of all its alternatives: the same matches and ranking as its
    clauses ORed ('"a" OR "b"' is '("a" OR "b")' to either backend)."""
    return Query((Clause(tuple(p for c in query.clauses for p in c.alternatives)),), query.excluded)


def _constraints(query: Query) -> Query | None:
    """What every result must honour whatever list it comes from: phrases typed in quotes
    and exclusions."""
    phrases = tuple(
        c
        for c in query.clauses
        if c.typed == 1 and c.alternatives[0].exact and len(c.alternatives[0].words) > 1
    )
    if not phrases and not query.excluded:
        return None
    return Query(tuple(Clause(c.alternatives) for c in phrases), query.excluded)


def _has_phrase(query: Query) -> bool:
    rules = _constraints(query)
    return rules is not None and bool(rules.clauses)


def _allowed(session: Session, query: Query, ids: list[int], filters: Filters) -> set[int]:
    """Of these ids, those that pass the filters, phrases and exclusions."""
    if not ids:
        return set()
    ok = set(session.scalars(select(Article.id).where(Article.id.in_(ids), *filters.conditions())))
    rules = _constraints(query)
    if rules is not None and ok:
        if rules.clauses:
            ok &= set(ranked_ids(session, rules, within=sorted(ok), limit=len(ok)))
        elif rules.excluded:
            banned = Query(tuple(Clause((p,)) for p in rules.excluded))
            ok -= set(ranked_ids(session, banned, mode="any", within=sorted(ok), limit=len(ok)))
    return ok


def _readable(session: Session, ids: list[int]) -> list[int]:
    """Of these index neighbours, those in a language the model reads (READ_BY_THE_MODEL, as
    related articles take them): any two Danish headlines are close to an
    English model, and every search found DR's whole morning "close in meaning"."""
    if not ids:
        return []
    ok = set(
        session.scalars(
            select(Enrichment.article_id).where(Enrichment.article_id.in_(ids), READ_BY_THE_MODEL)
        )
    )
    return [i for i in ids if i in ok]


def stored_vectors(session: Session, ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The articles' stored vectors (those the index is built from); none for articles in a
    language the model does not know."""
    if not ids:
        return {}
    rows = session.execute(
        select(Enrichment.article_id, Enrichment.embedding).where(
            Enrichment.article_id.in_(list(ids)), Enrichment.embedding.is_not(None)
        )
    ).all()
    held, matrix = from_blobs([blob for _, blob in rows])  # one array for hundreds of them
    return {int(rows[i][0]): matrix[k] for k, i in enumerate(held)}


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


class _Scorer:
    """Fused scores of a fixed candidate set, for one query and its feedback vectors."""

    def __init__(self, lexical: dict[int, float], vectors: dict[int, np.ndarray]) -> None:
        self.ids = list(dict.fromkeys([*lexical, *vectors]))
        best = max(lexical.values(), default=0.0)
        self.bm25 = np.array([lexical.get(i, 0.0) / best if best > 0 else 0.0 for i in self.ids])
        self.has_vector = np.array([i in vectors for i in self.ids])
        zero = np.zeros(next(iter(vectors.values())).shape if vectors else 1, dtype=np.float32)
        self.matrix = np.vstack([vectors.get(i, zero) for i in self.ids]) if self.ids else None

    def scores(self, query: np.ndarray | None) -> np.ndarray:
        if query is None or self.matrix is None:
            return self.bm25.copy()
        return LEXICAL * self.bm25 + (1 - LEXICAL) * (self.matrix @ query)

    def feedback(self, query: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """Rocchio: the query moved towards the mean vector of the best candidates."""
        best = [j for j in np.argsort(-scores) if self.has_vector[j]][:FEEDBACK]
        if not best or self.matrix is None:
            return query
        return _unit(query + FEEDBACK_WEIGHT * self.matrix[best].mean(axis=0))

    def smoothed(self, scores: np.ndarray) -> np.ndarray:
        """Each of the POOL best plus SMOOTHING x the mean score of its NEIGHBOURS nearest
        among them with a cosine of NEAR or more; its own score stands in for a neighbour it
        lacks (and for all of them without a vector or below the pool)."""
        out = scores + SMOOTHING * scores
        top = [j for j in np.argsort(-scores)[:POOL] if self.has_vector[j]]
        if len(top) > 1 and self.matrix is not None:
            pool = self.matrix[top]
            sims = pool @ pool.T
            np.fill_diagonal(sims, -np.inf)
            k = min(NEIGHBOURS, len(top) - 1)
            nearest = np.argsort(-sims, axis=1)[:, :k]
            own = scores[top]
            near = np.take_along_axis(sims, nearest, axis=1) >= NEAR
            borrowed = np.where(near, own[nearest], own[:, None])
            out[top] = (
                own
                + SMOOTHING * borrowed.sum(axis=1) / NEIGHBOURS
                + SMOOTHING * own * (NEIGHBOURS - k) / NEIGHBOURS
            )
        return out


def _tfidf(bags: list[dict[str, float]]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors of name counts, IDF over these bags; a name in one bag only says
    nothing about agreement and is left out."""
    df: dict[str, int] = {}
    for bag in bags:
        for name in bag:
            df[name] = df.get(name, 0) + 1
    idf = {name: math.log(len(bags) / n) for name, n in df.items() if n > 1}
    out = []
    for bag in bags:
        vec = {
            name: (1 + math.log(count)) * idf[name]
            for name, count in bag.items()
            if name in idf and count >= 1
        }
        norm = math.sqrt(sum(v * v for v in vec.values()))
        out.append({k: v / norm for k, v in vec.items()} if norm else {})
    return out


def _by_event(
    session: Session, ids: list[int], scores: np.ndarray, groups: dict[int, tuple[str, int]]
) -> np.ndarray:
    """Steps 5 and 6 (see the module docstring): agreement of names with the best article
    and its story's next best, among the POOL best candidates, then each article's share of
    its story's best score."""
    if not ids:
        return scores
    order = [int(j) for j in np.argsort(-scores, kind="stable")]
    pool = order[:POOL]
    names: dict[int, dict[str, float]] = {}
    found_names = session.execute(
        select(Enrichment.article_id, Enrichment.terms["n"]).where(
            Enrichment.article_id.in_([ids[j] for j in pool])
        )
    ).tuples()
    for article_id, found in found_names:
        if isinstance(found, dict):
            names[int(article_id)] = {
                str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))
            }
    vectors = _tfidf([names.get(ids[j], {}) for j in pool])
    best = groups[ids[pool[0]]]
    lead = [n for n, j in enumerate(pool) if n == 0 or (best[0] == "s" and groups[ids[j]] == best)]
    profile: dict[str, float] = {}
    for n in lead[:NAMES_FROM]:
        for name, weight in vectors[n].items():
            profile[name] = profile.get(name, 0.0) + weight
    norm = math.sqrt(sum(v * v for v in profile.values()))
    out = scores.copy()
    if norm:
        agree = [sum(w * profile.get(k, 0.0) for k, w in vec.items()) / norm for vec in vectors]
        out[pool] += NAMES_WEIGHT * np.asarray(agree, dtype=out.dtype)
    top: dict[tuple[str, int], float] = {}
    keys = [groups[i] if groups[i][0] == "s" else ("a", i) for i in ids]
    for key, value in zip(keys, out, strict=True):
        top[key] = max(top.get(key, -math.inf), float(value))
    return out + STORY * np.asarray([top[key] for key in keys], dtype=out.dtype)


def _by_date(session: Session, ids: list[int]) -> list[int]:
    when = dict(
        session.execute(select(Article.id, seen_at()).where(Article.id.in_(ids))).tuples().all()
    )
    return sorted(ids, key=lambda i: (when.get(i) is not None, when.get(i), i), reverse=True)


def newest_first(
    session: Session,
    ranked: Sequence[Ranked],
    query: Query,
    text: str,
    *,
    filters: Filters | None = None,
    depth: int = DEPTH,
) -> list[Ranked]:
    """The results sorted by date: `ranked` (`rank`'s, as shown) and the `depth` newest
    articles holding every clause of `query` (else any word), newest first."""
    newest = ranked_ids(session, query, filters=filters, limit=depth, newest_first=True)
    exact = set(newest)
    if not newest:
        any_word = relaxed(session, query, text)
        newest = ranked_ids(
            session, any_word, mode="any", filters=filters, limit=depth, newest_first=True
        )
    known = {r.article_id: r for r in ranked}
    new = [i for i in newest if i not in known]
    groups = _groups(session, new) if new else {}
    known |= {i: Ranked(i, True, i in exact, groups[i]) for i in new}
    return [known[i] for i in _by_date(session, list(known))]


def rank(
    session: Session,
    query: Query,
    text: str,
    *,
    filters: Filters | None = None,
    neighbours: Neighbours | None = None,
    depth: int = DEPTH,
) -> list[Ranked]:
    """The fused ranking of articles for `query` (parsed, with synonyms) typed as `text`."""
    filters = filters or Filters()
    if not query:
        return []
    any_word = relaxed(session, query, text)
    found = scored_ids(session, any_word, mode="any", filters=filters, limit=depth)
    loose = dict(found)
    if len(query.clauses) == 1 and _one_clause(any_word) == _one_clause(query):
        strict = [i for i, _ in found]  # one word (or name): every word and any word are one
    else:
        strict = ranked_ids(session, query, filters=filters, limit=depth)
    exact = set(strict)
    vector = neighbours.embed(text) if neighbours is not None and text.strip() else None
    near: list[int] = []
    if vector is not None and neighbours is not None:
        near = [i for i, s in neighbours.nearest(vector, VECTOR_DEPTH) if s >= MIN_SIMILARITY]
        near = _readable(session, near)
    missing = [i for i in strict if i not in loose]  # beyond the any-word list's depth
    if missing:
        loose |= dict(scored_ids(session, any_word, mode="any", within=missing))
    candidates = list(dict.fromkeys([*strict, *loose, *near]))
    # The any-word list already honours the filters and exclusions: only a quoted phrase can
    # still rule one of its articles out.
    listed = exact if _has_phrase(query) else exact | set(loose)
    ok = listed | _allowed(session, query, [i for i in candidates if i not in listed], filters)
    candidates = [i for i in candidates if i in ok]
    lexical = {i: loose.get(i, 0.0) for i in candidates}
    vectors = stored_vectors(session, candidates) if vector is not None else {}
    scorer = _Scorer(lexical, vectors)
    if not scorer.ids:
        return []
    first = scorer.scores(vector if vectors else None)
    if vectors and vector is not None and neighbours is not None:
        moved = scorer.feedback(vector, first)
        more = [i for i, s in neighbours.nearest(moved, VECTOR_DEPTH) if s >= MIN_SIMILARITY]
        new = _readable(session, [i for i in more if i not in lexical])
        allowed = _allowed(session, query, new, filters)
        new = [i for i in new if i in allowed]
        if new:
            vectors |= stored_vectors(session, new)
            lexical |= {i: 0.0 for i in new if i in vectors}
            scorer = _Scorer(lexical, vectors)
        final = scorer.smoothed(scorer.scores(moved))
    else:
        final = first
    groups = _groups(session, scorer.ids)
    final = _by_event(session, scorer.ids, final, groups)
    matched = exact | set(loose)
    order = np.argsort(-final, kind="stable")
    return [
        Ranked(i, i in matched, i in exact, groups[i], float(final[j]))
        for j in order
        for i in (scorer.ids[j],)
    ]
