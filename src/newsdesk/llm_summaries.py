"""Abstractive summaries from the optional LLM backend, written in the background.

    summarize_pending(engine, settings) -> PassReport   one bounded pass (run by newsdesk.enrich)
    shown_summary(session, settings, article_id, sentences) -> (text, model) | None

Each pass takes the newest enriched articles that have no summary from the configured model
yet (or whose extractive summary changed since), at most PER_PASS of them and for at most
PASS_SECONDS: a small CPU model takes 5-25 s per article, so the rest wait for the next pass.
The model is given the article's extractive summary sentences only (newsdesk.nlp.llm) and its
text is kept only if it passes the grounding check. Every outcome is stored per article and
model (llm_summaries): ok, rejected (not grounded; not asked again for the same sentences) or
error (retried up to MAX_ATTEMPTS times, RETRY_AFTER apart). Failures are also recorded in
`errors` (stage "llm"); an unreachable endpoint ends the pass and is not asked again for
DOWN_PAUSE seconds. Pages only read the table: they never wait for the model.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.nlp import llm
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, ErrorRecord
from newsdesk.store.models_ai import Enrichment
from newsdesk.store.models_llm import LLMSummary

log = logging.getLogger(__name__)

PER_PASS = 8
PASS_SECONDS = 180.0
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)
DOWN_PAUSE = 300.0

_down_until: dict[str, float] = {}  # endpoint URL -> monotonic time it may be asked again


@dataclass
class PassReport:
    written: int = 0
    rejected: int = 0
    failed: int = 0
    seconds: list[float] = field(default_factory=list)  # per call that answered
    skipped: str | None = None  # why the pass did nothing


def source_hash(sentences: Sequence[str]) -> str:
    joined = "\n".join(" ".join(s.split()) for s in sentences)
    return hashlib.sha256(f"{llm.PROMPT_VERSION}\n{joined}".encode()).hexdigest()


def _sentences(summary: object) -> list[str]:
    if not isinstance(summary, list):
        return []
    return [" ".join(str(s).split()) for s in summary if str(s).strip()]


def _candidates(session: Session, model: str, count: int) -> list[tuple]:
    now = datetime.now(UTC)
    query = (
        select(
            Enrichment.article_id,
            Enrichment.summary,
            Enrichment.enriched_at,
            Article.url,
            LLMSummary.status,
            LLMSummary.source_hash,
            LLMSummary.attempts,
        )
        .join(Article, Article.id == Enrichment.article_id)
        .outerjoin(
            LLMSummary,
            and_(LLMSummary.article_id == Enrichment.article_id, LLMSummary.model == model),
        )
        .where(
            or_(
                LLMSummary.article_id.is_(None),
                LLMSummary.source_at < Enrichment.enriched_at,
                and_(
                    LLMSummary.status == "error",
                    LLMSummary.attempts < MAX_ATTEMPTS,
                    LLMSummary.updated_at < now - RETRY_AFTER,
                ),
            )
        )
        .order_by(Enrichment.seen_at.desc(), Enrichment.article_id.desc())
        .limit(count)
    )
    return [tuple(r) for r in session.execute(query)]


def _store(
    engine: Engine,
    article_id: int,
    model: str,
    *,
    digest: str,
    source_at: datetime | None,
    status: str,
    summary: str | None = None,
    error: str | None = None,
    attempts: int = 1,
    seconds: float | None = None,
    url: str = "",
) -> None:
    with session_scope(engine) as session:
        row = session.get(LLMSummary, (article_id, model))
        if row is None:
            row = LLMSummary(article_id=article_id, model=model)
            session.add(row)
        row.source_hash = digest
        row.source_at = source_at
        row.status = status
        row.summary = summary
        row.error = error[:2000] if error else None
        row.attempts = attempts
        row.seconds = seconds
        row.updated_at = datetime.now(UTC)
        if status in ("error", "rejected") and error:
            message = f"abstractive summary by {model} {status}: {error}"
            session.add(ErrorRecord(url=url[:2048], stage="llm", message=message[:2000]))


def summarize_pending(
    engine: Engine,
    settings: Settings,
    limit: int = PER_PASS,
    budget: float = PASS_SECONDS,
    client: httpx.Client | None = None,
) -> PassReport:
    """Write up to `limit` abstractive summaries (within about `budget` seconds)."""
    report = PassReport()
    if not llm.enabled(settings):
        report.skipped = "no LLM endpoint configured"
        return report
    if time.monotonic() < _down_until.get(settings.llm_url, 0.0):
        report.skipped = "the LLM endpoint was unreachable a moment ago"
        return report
    model = llm.model_name(settings)
    start = time.monotonic()
    with session_scope(engine) as session:
        rows = _candidates(session, model, limit * 4)
    calls = 0
    own = client is None
    http = client or httpx.Client(timeout=settings.llm_timeout, trust_env=False)
    try:
        for article_id, summary, enriched_at, url, status, old_hash, attempts in rows:
            if calls >= limit or time.monotonic() - start > budget:
                break
            sentences = _sentences(summary)
            digest = source_hash(sentences)
            common = {"digest": digest, "source_at": enriched_at, "url": url or ""}
            if not sentences:
                _store(engine, article_id, model, status="empty", **common)
                continue
            if status in ("ok", "rejected") and old_hash == digest:
                # Re-enriched with the same sentences: the stored outcome still holds.
                with session_scope(engine) as session:
                    row = session.get(LLMSummary, (article_id, model))
                    if row is not None:
                        row.source_at = enriched_at
                continue
            tries = (attempts or 0) + 1 if status == "error" and old_hash == digest else 1
            calls += 1
            t0 = time.monotonic()
            try:
                text = llm.abstractive_summary(settings, sentences, client=http)
            except llm.Ungrounded as exc:
                took = time.monotonic() - t0
                report.rejected += 1
                report.seconds.append(took)
                _store(
                    engine,
                    article_id,
                    model,
                    status="rejected",
                    error=str(exc),
                    seconds=took,
                    **common,
                )
            except llm.LLMError as exc:
                report.failed += 1
                _store(
                    engine,
                    article_id,
                    model,
                    status="error",
                    error=str(exc),
                    attempts=tries,
                    **common,
                )
                if isinstance(exc, llm.LLMUnavailable):  # the endpoint is down: pause
                    _down_until[settings.llm_url] = time.monotonic() + DOWN_PAUSE
                    log.warning("LLM summaries paused: %s", exc)
                    break
            else:
                took = time.monotonic() - t0
                report.written += 1
                report.seconds.append(took)
                _store(engine, article_id, model, status="ok", summary=text, seconds=took, **common)
    finally:
        if own:
            http.close()
    return report


def _stored(session: Session, settings: Settings | None, article_id: int) -> LLMSummary | None:
    """The configured model's stored summary row of an article; None without one (or before
    its migration: the page shows the extractive summary alone)."""
    if settings is None or not llm.enabled(settings):
        return None
    try:
        return session.get(LLMSummary, (article_id, llm.model_name(settings)))
    except SQLAlchemyError:
        return None


def summary_stamp(session: Session, settings: Settings, article_id: int) -> tuple[Any, ...]:
    """What changes the abstractive summary an article page shows (web/pagecache.py keys):
    () when none is configured."""
    row = _stored(session, settings, article_id)
    return () if row is None else (row.status, row.source_hash, row.summary)


def shown_summary(
    session: Session, settings: Settings | None, article_id: int, sentences: Sequence[str]
) -> tuple[str, str] | None:
    """(text, model) of the abstractive summary to show beside `sentences` (the extractive
    summary on the page), if the configured model wrote one from exactly those sentences."""
    row = _stored(session, settings, article_id)
    if row is None or row.status != "ok" or not row.summary:
        return None
    if row.source_hash != source_hash(_sentences(list(sentences))):
        return None
    return row.summary, row.model
