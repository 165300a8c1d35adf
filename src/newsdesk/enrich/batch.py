"""One batch computed, outside any transaction: analyses, vectors, MinHash signatures and
terms of each article (``_compute``), by this process or from a worker's result."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from newsdesk.enrich.tags import ENTITY_KINDS, _key
from newsdesk.extract.template import outlet_kind, outlet_names, slug
from newsdesk.nlp.embed import Embedder, get_embedder
from newsdesk.nlp.text import fold_plural
from newsdesk.nlp.types import Analysis, Hashtag
from newsdesk.sources.feeds import EARLIEST
from newsdesk.stories import dedup
from newsdesk.stories.features import extract_terms

log = logging.getLogger("newsdesk.enrich")  # one logger for the whole stage, as before

# (headline, text) pairs, their outlets, their languages (as ingest found them) -> analyses
Analyzer = Callable[[list[tuple[str, str]], list[str | None], list[str | None]], list[Analysis]]


def _default_analyzer(
    docs: list[tuple[str, str]], outlets: list[str | None], languages: list[str | None]
) -> list[Analysis]:
    from newsdesk.nlp.analyze import analyze_many

    return analyze_many(docs, outlets=outlets, languages=languages)


@dataclass
class _Row:
    """An article as the enrichment reads it: without the outlet's template paragraphs and its
    name in the headline (extract/template.py; enrich.store reads it)."""

    id: int
    title: str
    text: str
    outlet: str
    published_at: datetime | None
    fetched_at: datetime | None
    language: str | None
    hosts: frozenset[str] = frozenset()  # the outlet's hosts: no person hashtag alone


@dataclass
class _Item:
    article_id: int
    title: str
    text: str
    outlet: str
    seen_at: datetime
    analysis: Analysis
    vector: np.ndarray | None
    signature: dedup.Signature | None
    terms: dict[str, Any]
    language: str | None = None
    error: str | None = None


def _seen_at(published: datetime | None, fetched: datetime | None) -> datetime:
    fetched = fetched or datetime.now(UTC)
    if published is None or published > fetched + timedelta(days=1) or published < EARLIEST:
        return fetched  # EARLIEST: a placeholder date stored before feeds checked for one
    return published


def _docs(
    rows: Sequence[_Row],
) -> tuple[list[tuple[str, str]], list[str | None], list[str | None]]:
    docs = [(r.title or "", r.text or "") for r in rows]
    return docs, [r.outlet or None for r in rows], [r.language or None for r in rows]


def _not_the_outlets(hashtags: list[Hashtag], row: _Row) -> list[Hashtag]:
    """Hashtags without the outlet's hosts (named in most of its items), its own name and
    what its name says it is (#Podcast on "The iDeveloper Podcast"'s episodes)
    (extract/template.py)."""
    names = outlet_names(row.outlet)
    kind_of = outlet_kind(row.outlet)
    headline = slug(row.title)
    return [
        h
        for h in hashtags
        if not (h.kind == "person" and h.label in row.hosts)
        and not (slug(h.label) in names and slug(h.label) not in headline)
        and not (h.kind == "topic" and fold_plural(h.label.lower()) in kind_of)
    ]


def _compute(
    rows: Sequence[_Row],
    analyzer: Analyzer,
    embedder: Embedder | None,
    pending: Future[tuple[list[Analysis], np.ndarray]] | None = None,
) -> list[_Item]:
    docs, outlets, languages = _docs(rows)
    errors: list[str | None] = [None] * len(rows)
    vectors = None
    try:
        if pending is None:
            analyses = analyzer(docs, outlets, languages)
        else:
            try:
                analyses, vectors = pending.result()
            except Exception as exc:
                log.warning(
                    "enrichment worker failed (%s%s); analysing in this process",
                    exc,
                    f": {exc.__cause__}" if exc.__cause__ else "",
                )
                analyses = analyzer(docs, outlets, languages)
    except Exception as exc:
        log.warning("analysis failed for a batch (%s); retrying one by one", exc)
        analyses = []
        for i, (doc, outlet) in enumerate(zip(docs, outlets, strict=True)):
            try:
                analyses.append(analyzer([doc], [outlet], [languages[i]])[0])
            except Exception as exc1:
                analyses.append(Analysis())
                errors[i] = f"analysis: {type(exc1).__name__}: {exc1}"[:2000]
    if vectors is None:
        vectors = (embedder or get_embedder()).embed_articles(docs)
    items = []
    for i, row in enumerate(rows):
        analysis = analyses[i]
        analysis.hashtags = _not_the_outlets(analysis.hashtags, row)
        entity_keys = [_key(e.text, e.type) for e in analysis.entities if e.type in ENTITY_KINDS]
        has_text = bool((row.title or "").strip() or (row.text or "").strip())
        # What ingest decided (the page's, or for a headline the feed's declared language),
        # else the analysis's confident guess.
        language = row.language or analysis.language
        items.append(
            _Item(
                article_id=row.id,
                title=row.title or "",
                text=row.text or "",
                outlet=row.outlet or "",
                seen_at=_seen_at(row.published_at, row.fetched_at),
                analysis=analysis,
                vector=vectors[i] if has_text else None,
                signature=dedup.signature(row.text or ""),
                terms=extract_terms(
                    row.title or "", row.text or "", entity_keys, language, analysis.headline_verb
                ),
                language=language,
                error=errors[i],
            )
        )
    return items
