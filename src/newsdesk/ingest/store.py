"""Storing candidates: one article per URL or text (syndicated copies are linked), linked to
the feeds that list it; errors recorded against a feed or an import."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.ingest.article import Candidate, text_stats
from newsdesk.store.bulk import in_chunks
from newsdesk.store.models import Article, ErrorRecord, FeedArticle


def record_error(session: Session, url: str, stage: str, message: str, feed_id: int | None) -> None:
    session.add(ErrorRecord(feed_id=feed_id, url=url, stage=stage, message=message[:2000]))


def store_candidate(session: Session, cand: Candidate, feed_id: int | None) -> str:
    """Store one article (or link an existing copy) inside the caller's transaction.

    Returns "new", "linked" or "seen". Safe under concurrent writers: a unique-constraint race
    rolls back only this entry's savepoint and retries as a link.
    """
    if feed_id is not None:
        seen = session.scalar(
            select(FeedArticle.article_id).where(
                FeedArticle.feed_id == feed_id, FeedArticle.guid == cand.guid
            )
        )
        if seen is not None:
            return "seen"
    for _attempt in range(2):
        existing = session.scalar(select(Article).where(Article.url == cand.url))
        digest, words = text_stats(cand.text)
        if existing is None and digest is not None:
            existing = session.scalar(
                select(Article).where(Article.content_hash == digest).limit(1)
            )
        try:
            with session.begin_nested():
                if existing is None:
                    article = _new_article(cand, digest, words)
                    session.add(article)
                    session.flush()
                    status = "new"
                else:
                    article = existing
                    status = "linked"
                if feed_id is not None:
                    already = session.get(FeedArticle, (feed_id, article.id))
                    if already is None:
                        session.add(
                            FeedArticle(feed_id=feed_id, article_id=article.id, guid=cand.guid)
                        )
                        session.flush()
                    elif status == "linked":
                        status = "seen"
            return status
        except IntegrityError:
            continue  # another writer stored it first: look again and link
    return "seen"


def _new_article(cand: Candidate, digest: str | None, words: int) -> Article:
    return Article(
        url=cand.url,
        title=cand.title or cand.url,
        author=cand.author,
        outlet=cand.outlet,
        published_at=cand.published,
        language=cand.language,
        image_url=cand.image_url,
        summary=cand.summary,
        text=cand.text,
        html=cand.html,
        word_count=words,
        content_hash=digest,
        extraction_error=cand.extraction_error,
    )


def store_candidates(session: Session, cands: list[Candidate], feed_id: int) -> list[str]:
    """Store a feed's candidates inside the caller's transaction; a status per candidate.

    The same outcome as ``store_candidate`` on each in turn, with a few queries and one
    insert per table for the whole list. If a concurrent writer stored one of these articles
    meanwhile (a unique-constraint error), the bulk attempt is rolled back and the list is
    stored one by one, as ``store_candidate`` handles that race.
    """
    if not cands:
        return []
    try:
        with session.begin_nested():
            return _store_bulk(session, cands, feed_id)
    except IntegrityError:
        return [store_candidate(session, cand, feed_id) for cand in cands]


def _store_bulk(session: Session, cands: list[Candidate], feed_id: int) -> list[str]:
    stats = [text_stats(cand.text) for cand in cands]
    seen_guids: set[str] = set()
    by_url: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    for guids in in_chunks(cand.guid for cand in cands):
        seen_guids.update(
            session.scalars(
                select(FeedArticle.guid).where(
                    FeedArticle.feed_id == feed_id, FeedArticle.guid.in_(guids)
                )
            )
        )
    for urls in in_chunks(cand.url for cand in cands):
        rows = session.execute(select(Article.url, Article.id).where(Article.url.in_(urls)))
        by_url.update((row.url, row.id) for row in rows)
    for hashes in in_chunks(d for d, _ in stats if d is not None):
        rows = session.execute(
            select(Article.content_hash, Article.id)
            .where(Article.content_hash.in_(hashes))
            .order_by(Article.id)
        )
        for row in rows:
            by_hash.setdefault(row.content_hash, row.id)
    linked: set[int | Article] = set()  # articles (ids, or new ones) linked to this feed
    for ids in in_chunks({*by_url.values(), *by_hash.values()}):
        linked.update(
            session.scalars(
                select(FeedArticle.article_id).where(
                    FeedArticle.feed_id == feed_id, FeedArticle.article_id.in_(ids)
                )
            )
        )
    new_by_url: dict[str, Article] = {}
    new_by_hash: dict[str, Article] = {}
    statuses: list[str] = []
    links: list[tuple[int | Article, str]] = []
    for cand, (digest, words) in zip(cands, stats, strict=True):
        if cand.guid in seen_guids:
            statuses.append("seen")
            continue
        target: int | Article | None = by_url.get(cand.url) or new_by_url.get(cand.url)
        if target is None and digest is not None:
            target = by_hash.get(digest) or new_by_hash.get(digest)
        if target is None:
            target = _new_article(cand, digest, words)
            session.add(target)
            new_by_url[cand.url] = target
            if digest is not None:
                new_by_hash.setdefault(digest, target)
            status = "new"
        else:
            status = "linked"
        if target in linked:
            status = "seen"
        else:
            linked.add(target)
            links.append((target, cand.guid))
            seen_guids.add(cand.guid)
        statuses.append(status)
    session.flush()  # the new articles get their ids
    session.add_all(
        FeedArticle(
            feed_id=feed_id,
            article_id=target if isinstance(target, int) else target.id,
            guid=guid,
        )
        for target, guid in links
    )
    session.flush()
    return statuses
