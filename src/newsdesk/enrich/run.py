"""The enrichment stage: analysis, embeddings, near-duplicates, stories, tags, quotes.

    enrich(engine, settings, progress=None, batch_size=64) -> int
    export_stories(engine, out) -> int

Incremental and resumable: an article is enriched once per PIPELINE version (a row in
`enrichments` with that model_version); a run with nothing new does nothing; after a version
change the rows with another version are redone, oldest first, by the next runs. Each batch is
read, computed outside any transaction (the database stays free for the refresher and the web
app), then written in one transaction: a crash loses at most the batch in flight. The vector
index is caught up from the database when it is opened, so it cannot miss a committed batch.
Only one enrich runs at a time per data directory (a lock file; a second run returns 0).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

import numpy as np
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.nlp.embed import EMBED_VERSION, Embedder, get_embedder, to_blob
from newsdesk.nlp.types import Analysis, Quote
from newsdesk.store.bulk import in_chunks, insert_ignore
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import (
    ArticleTag,
    DescriptionRow,
    Enrichment,
    QuoteRow,
    Story,
    Tag,
    TagAlias,
)
from newsdesk.stories import dedup
from newsdesk.stories.assign import assign_stories, refresh_scores
from newsdesk.stories.features import extract_terms
from newsdesk.stories.index import open_index

log = logging.getLogger(__name__)

STORIES_VERSION = "stories-1"
ENTITY_KINDS = {"person", "organization", "place"}
TAG_KINDS = ENTITY_KINDS | {"topic"}

Progress = Callable[[int, int], None]
Analyzer = Callable[[list[tuple[str, str]], list[str | None]], list[Analysis]]


def pipeline_version() -> str:
    """What enrichments.model_version must equal for a row to count as done."""
    try:
        from newsdesk.nlp.analyze import MODEL_VERSION
    except ImportError:  # pragma: no cover - the analysis package is part of newsdesk
        MODEL_VERSION = "nlp-missing"
    return f"{MODEL_VERSION}|{EMBED_VERSION}|{STORIES_VERSION}"


def _default_analyzer(docs: list[tuple[str, str]], outlets: list[str | None]) -> list[Analysis]:
    from newsdesk.nlp.analyze import analyze_many

    return analyze_many(docs, outlets=outlets)


# ---------------------------------------------------------------- tag names


def _slug(label: str) -> str:
    try:
        from newsdesk.nlp.keyphrases import hashtag_slug
    except ImportError:  # pragma: no cover
        return "".join(p[:1].upper() + p[1:] for p in label.split() if p)
    return hashtag_slug(label)


def _key(name: str, kind: str | None = None) -> str:
    try:
        from newsdesk.nlp.entities import canonical_key
    except ImportError:  # pragma: no cover
        return " ".join(name.lower().split())
    return canonical_key(name, kind)


Ref = int | str  # an existing tag's id, or the lower-cased slug of a tag this batch creates


class TagResolver:
    """Finds or plans the tag for a name: by alias key, then by slug (case-insensitively).

    Resolution happens in memory (after one `prefetch` per batch); tags and aliases the batch
    needs are then written in bulk by `flush`, which returns the ids. Inserts skip rows another
    writer created meanwhile (ON CONFLICT DO NOTHING) and read the winners' ids back.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._alias: dict[str, Ref] = {}
        self._slug: dict[str, Ref] = {}
        self._missing: set[str] = set()  # alias keys known not to exist (until planned)
        self._missing_slugs: set[str] = set()
        self._new: dict[str, list[str]] = {}  # lower slug -> [slug, label, kind]
        self._new_alias: dict[str, Ref] = {}
        self._upgrade: dict[int, str] = {}  # existing "topic" tags seen as an entity kind
        self._ids: dict[str, int] = {}

    def prefetch(self, analyses: Sequence[Analysis]) -> None:
        """Load the aliases and slugs a batch may need in a few queries instead of one each."""
        keys: set[str] = set()
        slugs: set[str] = set()
        for a in analyses:
            for ent in a.entities:
                kind = ent.type if ent.type in ENTITY_KINDS else None
                keys.update(_key(n, kind)[:255] for n in (ent.text, *ent.aliases))
                slugs.add(_slug(ent.text)[:255].lower())
            for tag in a.hashtags:
                kind = tag.kind if tag.kind in ENTITY_KINDS else None
                keys.add(_key(tag.label or tag.tag, kind)[:255])
                slugs.add(_slug(tag.label or tag.tag)[:255].lower())
        keys.discard("")
        for chunk in in_chunks(sorted(keys)):
            found = dict(
                self.session.execute(
                    select(TagAlias.alias_key, TagAlias.tag_id).where(TagAlias.alias_key.in_(chunk))
                ).all()
            )
            self._alias.update(found)
            self._missing.update(k for k in chunk if k not in found)
        for chunk in in_chunks(sorted(s for s in slugs if s)):
            for tag_id, slug in self.session.execute(
                select(Tag.id, Tag.slug).where(func.lower(Tag.slug).in_(chunk)).order_by(Tag.id)
            ):
                self._slug.setdefault(slug.lower(), tag_id)
            self._missing_slugs.update(s for s in chunk if s not in self._slug)

    def lookup(self, name: str, kind: str | None = None) -> Ref | None:
        key = _key(name, kind)[:255]
        return self._lookup_key(key) if key else None

    def _lookup_key(self, key: str) -> Ref | None:
        if key in self._alias:
            return self._alias[key]
        if key in self._missing:
            return None
        tag_id = self.session.scalar(select(TagAlias.tag_id).where(TagAlias.alias_key == key))
        if tag_id is None:
            self._missing.add(key)
        else:
            self._alias[key] = tag_id
        return tag_id

    def resolve(self, label: str, kind: str, aliases: Sequence[str] = ()) -> Ref | None:
        kind = kind if kind in TAG_KINDS else "topic"
        alias_kind = kind if kind in ENTITY_KINDS else None
        slug = _slug(label)[:255]
        if not slug:
            return None
        keys = [k for k in (_key(n, alias_kind)[:255] for n in (label, *aliases)) if k]
        ref: Ref | None = None
        for key in keys:
            ref = self._lookup_key(key)
            if ref is not None:
                break
        if ref is None:
            ref = self._by_slug(slug)
        if ref is None:
            ref = slug.lower()
            self._new[ref] = [slug, label[:512], kind]
            self._slug[ref] = ref
        elif kind in ENTITY_KINDS:  # an entity type is more specific than "topic"
            if isinstance(ref, str):
                if self._new[ref][2] == "topic":
                    self._new[ref][2] = kind
            else:
                self._upgrade.setdefault(ref, kind)
        for key in keys:
            if self._lookup_key(key) is None:
                self._alias[key] = ref
                self._missing.discard(key)
                self._new_alias[key] = ref
        return ref

    def _by_slug(self, slug: str) -> Ref | None:
        low = slug.lower()
        if low in self._slug:
            return self._slug[low]
        if low in self._missing_slugs:
            return None
        tag_id = self.session.scalar(
            select(Tag.id).where(func.lower(Tag.slug) == low).order_by(Tag.id).limit(1)
        )
        if tag_id is None:
            self._missing_slugs.add(low)
        else:
            self._slug[low] = tag_id
        return tag_id

    def flush(self) -> None:
        """Write the planned tags, aliases and kind upgrades; ids become available via `id`."""
        if self._new:
            insert_ignore(
                self.session,
                Tag,
                [
                    {"slug": s, "label": lab, "kind": k, "article_count": 0}
                    for s, lab, k in self._new.values()
                ],
                ["slug"],
            )
            lows = sorted(self._new)
            for chunk in in_chunks(lows):
                for tag_id, slug in self.session.execute(
                    select(Tag.id, Tag.slug).where(func.lower(Tag.slug).in_(chunk)).order_by(Tag.id)
                ):
                    self._ids.setdefault(slug.lower(), tag_id)
            for low in lows:
                self._slug[low] = self._ids[low]
            self._new.clear()
        if self._new_alias:
            rows = [{"alias_key": k, "tag_id": self.id(r)} for k, r in self._new_alias.items()]
            insert_ignore(self.session, TagAlias, rows, ["alias_key"])
            self._new_alias.clear()
        if self._upgrade:
            for tag_id, kind in self._upgrade.items():
                self.session.execute(
                    update(Tag).where(Tag.id == tag_id, Tag.kind == "topic").values(kind=kind)
                )
            self._upgrade.clear()

    def id(self, ref: Ref) -> int:
        return ref if isinstance(ref, int) else self._ids[ref]


# ---------------------------------------------------------------- one batch


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
    error: str | None = None


def _seen_at(published: datetime | None, fetched: datetime | None) -> datetime:
    fetched = fetched or datetime.now(UTC)
    if published is None or published > fetched + timedelta(days=1):
        return fetched
    return published


def _todo(session: Session, version: str, after: int, limit: int) -> list[int]:
    query = (
        select(Article.id)
        .outerjoin(Enrichment, Enrichment.article_id == Article.id)
        .where(
            or_(Enrichment.article_id.is_(None), Enrichment.model_version != version),
            Article.id > after,
        )
        .order_by(Article.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _rows(session: Session, ids: list[int]) -> Sequence[Any]:
    return session.execute(
        select(
            Article.id,
            Article.title,
            Article.text,
            Article.outlet,
            Article.published_at,
            Article.fetched_at,
        )
        .where(Article.id.in_(ids))
        .order_by(Article.id)
    ).all()


def pending_count(engine: Engine, version: str | None = None) -> int:
    """Articles that the next enrich would process."""
    version = version or pipeline_version()
    with session_scope(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Article)
                .outerjoin(Enrichment, Enrichment.article_id == Article.id)
                .where(or_(Enrichment.article_id.is_(None), Enrichment.model_version != version))
            )
            or 0
        )


class _BatchPool:
    """Worker processes that each load the models once and compute whole batches: analyses
    and vectors (`_batch_in_worker`), exactly as this process would. Workers are spawned, not
    forked: the caller may run threads (web server, ONNX runtime).
    """

    def __init__(self, n_process: int) -> None:
        self.n_process = max(1, n_process)
        self._pool = ProcessPoolExecutor(
            max_workers=self.n_process, mp_context=get_context("spawn"), initializer=_warm_up
        )

    def submit(
        self, docs: list[tuple[str, str]], outlets: list[str | None]
    ) -> Future[tuple[list[Analysis], np.ndarray]]:
        return self._pool.submit(_batch_in_worker, docs, outlets)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _warm_up() -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from newsdesk.nlp.model import get_nlp

    get_nlp()
    get_embedder()


def _batch_in_worker(
    docs: list[tuple[str, str]], outlets: list[str | None]
) -> tuple[list[Analysis], np.ndarray]:
    return _default_analyzer(docs, outlets), get_embedder().embed_articles(docs)


def _in_flight(queue: deque[tuple[Sequence[Any], Future[Any] | None, Any]]) -> int:
    return sum(1 for _, waiting, _ in queue if waiting is not None and not waiting.done())


def _docs(rows: Sequence[Any]) -> tuple[list[tuple[str, str]], list[str | None]]:
    return [(r.title or "", r.text or "") for r in rows], [r.outlet or None for r in rows]


def _compute(
    rows: Sequence[Any],
    analyzer: Analyzer,
    embedder: Embedder | None,
    pending: Future[tuple[list[Analysis], np.ndarray]] | None = None,
) -> list[_Item]:
    docs, outlets = _docs(rows)
    errors: list[str | None] = [None] * len(rows)
    vectors = None
    try:
        if pending is None:
            analyses = analyzer(docs, outlets)
        else:
            try:
                analyses, vectors = pending.result()
            except Exception as exc:
                log.warning("enrichment worker failed (%s); analysing in this process", exc)
                analyses = analyzer(docs, outlets)
    except Exception as exc:
        log.warning("analysis failed for a batch (%s); retrying one by one", exc)
        analyses = []
        for i, (doc, outlet) in enumerate(zip(docs, outlets, strict=True)):
            try:
                analyses.append(analyzer([doc], [outlet])[0])
            except Exception as exc1:
                analyses.append(Analysis())
                errors[i] = f"analysis: {type(exc1).__name__}: {exc1}"[:2000]
    if vectors is None:
        vectors = (embedder or get_embedder()).embed_articles(docs)
    items = []
    for i, row in enumerate(rows):
        analysis = analyses[i]
        entity_keys = [_key(e.text, e.type) for e in analysis.entities if e.type in ENTITY_KINDS]
        has_text = bool((row.title or "").strip() or (row.text or "").strip())
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
                terms=extract_terms(row.title or "", row.text or "", entity_keys),
                error=errors[i],
            )
        )
    return items


def _write(
    session: Session, items: list[_Item], version: str, finder: dedup.DuplicateFinder
) -> None:
    ids = [it.article_id for it in items]
    old_tags = set(session.scalars(select(ArticleTag.tag_id).where(ArticleTag.article_id.in_(ids))))
    for table in (ArticleTag, QuoteRow, DescriptionRow):
        session.execute(delete(table).where(table.article_id.in_(ids)))
    # Copies of a re-enriched article are re-examined with it.
    session.execute(
        update(Enrichment).where(Enrichment.duplicate_of.in_(ids)).values(duplicate_of=None)
    )
    existing = {
        e.article_id: e
        for e in session.scalars(select(Enrichment).where(Enrichment.article_id.in_(ids)))
    }
    resolver = TagResolver(session)
    resolver.prefetch([it.analysis for it in items])
    plans = []
    now = datetime.now(UTC)
    for it in items:
        dup_of, _score = finder.find(it.article_id, it.signature)
        row = existing.get(it.article_id)
        if row is None:
            row = Enrichment(article_id=it.article_id)
            session.add(row)
        a = it.analysis
        row.model_version = version
        row.enriched_at = now
        row.language = a.language
        row.summary = list(a.summary) or None
        row.key_points = list(a.key_points) or None
        row.embedding = to_blob(it.vector) if it.vector is not None else None
        row.minhash = dedup.to_blob(it.signature)
        row.terms = it.terms
        row.duplicate_of = dup_of
        row.story_id = None  # (re)clustered by assign_stories at the end of the run
        row.seen_at = it.seen_at
        row.error = it.error
        if it.signature is not None:
            finder.add(it.article_id, it.signature, dup_of)
        plans.append(_plan_tags(resolver, it))
    session.flush()
    resolver.flush()
    touched_tags = old_tags | _insert_tags(session, resolver, plans)
    _recount_tags(session, touched_tags)


@dataclass
class _TagPlan:
    article_id: int
    scores: dict[Ref, tuple[float, bool]]  # tag -> (score, is_hashtag)
    quotes: list[tuple[Quote, Ref | None]]
    descriptions: list[tuple[Ref, str]]


def _add_score(
    scores: dict[Any, tuple[float, bool]], tag: Any, score: float, hashtag: bool
) -> None:
    """A tag met again in one article keeps its best score and is a hashtag if ever one."""
    prev = scores.get(tag, (0.0, False))
    scores[tag] = (max(prev[0], score), prev[1] or hashtag)


def _plan_tags(resolver: TagResolver, it: _Item) -> _TagPlan:
    """An article's tags, quotes and descriptions, with tags resolved in memory."""
    a = it.analysis
    scores: dict[Ref, tuple[float, bool]] = {}
    by_name: dict[str, Ref] = {}
    for ent in a.entities:
        kind = ent.type if ent.type in ENTITY_KINDS else "topic"
        if kind == "topic":
            continue  # untyped names become tags only when they are also hashtags
        ref = resolver.resolve(ent.text, kind, ent.aliases)
        if ref is None:
            continue
        by_name[ent.text] = ref
        _add_score(scores, ref, min(1.0, 0.2 * max(1, ent.count)), False)
    for tag in a.hashtags:
        ref = resolver.resolve(tag.label or tag.tag, tag.kind)
        if ref is not None:
            _add_score(scores, ref, float(tag.score or 0.0), True)
    quotes: list[tuple[Quote, Ref | None]] = []
    for q in a.quotes:
        speaker = None
        if q.speaker_entity:
            speaker = by_name.get(q.speaker_entity) or resolver.lookup(q.speaker_entity, "person")
        quotes.append((q, speaker))
    descriptions = []
    for d in a.descriptions:
        ref = by_name.get(d.entity) or resolver.lookup(d.entity)
        if ref is not None and d.phrase:
            descriptions.append((ref, d.phrase))
    return _TagPlan(it.article_id, scores, quotes, descriptions)


def _insert_tags(session: Session, resolver: TagResolver, plans: list[_TagPlan]) -> set[int]:
    """Write the planned rows in bulk; returns the ids of the tags used."""
    tag_rows: list[dict[str, Any]] = []
    quote_rows: list[dict[str, Any]] = []
    desc_rows: list[dict[str, Any]] = []
    used: set[int] = set()
    for plan in plans:
        scores: dict[int, tuple[float, bool]] = {}
        for ref, (score, is_hashtag) in plan.scores.items():
            _add_score(scores, resolver.id(ref), score, is_hashtag)
        for tag_id, (score, is_hashtag) in scores.items():
            tag_rows.append(
                {
                    "article_id": plan.article_id,
                    "tag_id": tag_id,
                    "score": score,
                    "is_hashtag": is_hashtag,
                }
            )
        used |= set(scores)
        for pos, (q, speaker) in enumerate(plan.quotes):
            quote_rows.append(
                {
                    "article_id": plan.article_id,
                    "quote": q.quote,
                    "speaker": (q.speaker or None) and q.speaker[:512],
                    "speaker_tag_id": None if speaker is None else resolver.id(speaker),
                    "cue": (q.cue or None) and q.cue[:128],
                    "kind": q.kind or "direct",
                    "outlet": (q.outlet or None) and q.outlet[:256],
                    "position": pos,
                }
            )
        seen: set[tuple[int, str]] = set()
        for ref, phrase in plan.descriptions:
            key = (resolver.id(ref), phrase)
            if key not in seen:
                seen.add(key)
                desc_rows.append(
                    {"tag_id": key[0], "article_id": plan.article_id, "phrase": phrase}
                )
    for model, rows in (
        (ArticleTag, tag_rows),
        (QuoteRow, quote_rows),
        (DescriptionRow, desc_rows),
    ):
        if rows:
            session.execute(insert(model), rows)
    return used


def _recount_tags(session: Session, tag_ids: set[int]) -> None:
    for chunk in in_chunks(sorted(tag_ids)):
        counts = dict(
            session.execute(
                select(ArticleTag.tag_id, func.count())
                .where(ArticleTag.tag_id.in_(chunk))
                .group_by(ArticleTag.tag_id)
            ).all()
        )
        session.execute(
            update(Tag),
            [{"id": tag_id, "article_count": int(counts.get(tag_id, 0))} for tag_id in chunk],
        )


# ---------------------------------------------------------------- the run


def _llm_summaries(engine: Engine, settings: Settings) -> None:
    """A bounded pass of abstractive summaries when an LLM endpoint is configured (optional:
    newsdesk.llm_summaries records its own failures; nothing here depends on it)."""
    if not settings.llm_url:
        return
    try:
        from newsdesk.llm_summaries import summarize_pending

        report = summarize_pending(engine, settings)
        if report.written or report.rejected or report.failed:
            log.info(
                "LLM summaries: %d written, %d rejected, %d failed",
                report.written,
                report.rejected,
                report.failed,
            )
    except Exception:
        log.exception("LLM summaries failed")


class EnrichBusy(RuntimeError):
    """Another enrich holds the lock for this data directory."""


@contextmanager
def _run_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    fh = (data_dir / "enrich.lock").open("a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise EnrichBusy(f"another enrich is running on {data_dir}") from exc
        yield
    finally:
        fh.close()


def enrich(
    engine: Engine,
    settings: Settings,
    progress: Progress | None = None,
    batch_size: int = 64,
    *,
    version: str | None = None,
    analyzer: Analyzer | None = None,
    embedder: Embedder | None = None,
    limit: int | None = None,
    caller_computes: bool = True,
) -> int:
    """Enrich every article that needs it; returns how many were enriched.

    `progress(done, total)` is called after each batch. `version` overrides
    pipeline_version() (tests); `analyzer`/`embedder` replace the defaults; `limit` stops after
    about that many articles (the rest is left for the next run). With worker processes,
    `caller_computes=False` leaves all computing to them (`serve`: the web app's process stays
    responsive) instead of counting this process as one of `settings.enrich_workers`. Raises
    EnrichBusy if another enrich runs on the same data directory.
    """
    version = version or pipeline_version()
    analyzer = analyzer or _default_analyzer
    with _run_lock(Path(settings.data_dir)):
        total = pending_count(engine, version)
        with session_scope(engine) as session:
            unplaced = session.scalar(
                select(func.count())
                .select_from(Enrichment)
                .where(
                    Enrichment.story_id.is_(None),
                    Enrichment.duplicate_of.is_(None),
                    Enrichment.embedding.is_not(None),
                )
            )
        if total == 0 and not unplaced:
            _llm_summaries(engine, settings)
            return 0
        index = open_index(engine, Path(settings.data_dir))
        with session_scope(engine) as session:
            finder = dedup.DuplicateFinder.load_recent(session, datetime.now(UTC))
        use_pool = analyzer is _default_analyzer and embedder is None
        pool: _BatchPool | None = None
        if use_pool and settings.enrich_workers > 1 and total > batch_size:
            # This process computes batches too, so it counts as one of the workers.
            pool = _BatchPool(settings.enrich_workers - (1 if caller_computes else 0))
        # Batches in arrival order: each waits on a worker (a Future) or is computed here.
        queue: deque[tuple[Sequence[Any], Future[Any] | None, list[_Item] | None]] = deque()
        done = queued = 0
        after = 0
        exhausted = False

        def next_rows() -> Sequence[Any]:
            nonlocal after, exhausted, queued
            if exhausted or (limit is not None and queued >= limit):
                exhausted = True
                return []
            with session_scope(engine) as session:
                ids = _todo(session, version, after, batch_size)
                rows = _rows(session, ids) if ids else []
            if not rows:
                exhausted = True
                return []
            after = ids[-1]
            queued += len(rows)
            return rows

        try:
            while True:
                # Keep every worker two batches deep, so none waits while this process writes.
                while pool is not None and _in_flight(queue) < 2 * pool.n_process:
                    rows = next_rows()
                    if not rows:
                        break
                    try:
                        queue.append((rows, pool.submit(*_docs(rows)), None))
                    except Exception as exc:  # the workers died or could not start
                        log.warning("analysis workers unavailable (%s); analysing here", exc)
                        pool.close()
                        pool = None
                        queue.append((rows, None, None))
                head = queue[0] if queue else None
                busy = head is not None and head[1] is not None and not head[1].done()
                if head is None or (busy and (caller_computes or pool is None)):
                    # Nothing ready to write: compute the next batch here instead of waiting.
                    rows = next_rows()
                    if rows:
                        queue.append((rows, None, _compute(rows, analyzer, embedder)))
                        continue
                    if head is None:
                        break
                rows, waiting, items = queue.popleft()
                if items is None:
                    # A worker's batch (computed here only if the worker failed).
                    items = _compute(rows, analyzer, embedder, waiting)
                try:
                    with session_scope(engine) as session:
                        _write(session, items, version, finder)
                except Exception:
                    # The in-memory LSH may hold rows that were rolled back: reload it.
                    with session_scope(engine) as session:
                        finder = dedup.DuplicateFinder.load_recent(session, datetime.now(UTC))
                    raise
                with_vec = [(it.article_id, it.vector) for it in items if it.vector is not None]
                index.remove([it.article_id for it in items if it.vector is None])
                if with_vec:
                    index.add([a for a, _ in with_vec], np.vstack([v for _, v in with_vec]))
                done += len(items)
                if progress:
                    progress(done, total)
        finally:
            if pool is not None:
                pool.close()
        with session_scope(engine) as session:
            assign_stories(session, index)
            refresh_scores(session)  # older stories' scores decay as time passes
        index.save()
        _llm_summaries(engine, settings)
        return done


# ---------------------------------------------------------------- export


def export_stories(engine: Engine, out: IO[str]) -> int:
    """One JSON line per article: article_id, url, title, outlet, published, story_id,
    story_title, duplicate_of. Articles not enriched yet have story_id null. Returns lines."""
    count = 0
    last = 0
    while True:
        with session_scope(engine) as session:
            rows = session.execute(
                select(
                    Article.id,
                    Article.url,
                    Article.title,
                    Article.outlet,
                    Article.published_at,
                    Enrichment.story_id,
                    Enrichment.duplicate_of,
                    Story.title,
                )
                .outerjoin(Enrichment, Enrichment.article_id == Article.id)
                .outerjoin(Story, Story.id == Enrichment.story_id)
                .where(Article.id > last)
                .order_by(Article.id)
                .limit(2000)
            ).all()
        if not rows:
            return count
        for r in rows:
            record = {
                "article_id": r[0],
                "url": r[1],
                "title": r[2],
                "outlet": r[3],
                "published": r[4].isoformat() if r[4] else None,
                "story_id": r[5],
                "story_title": r[7],
                "duplicate_of": r[6],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        last = rows[-1][0]
