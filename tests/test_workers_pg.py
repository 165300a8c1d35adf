"""Crash safety under real concurrency: two `newsdesk worker` processes on PostgreSQL refresh
and enrich a site of real pages on loopback while they are SIGKILLed at random (seeded) points
and restarted; the database they leave equals a clean single-process run's: the same articles,
none twice, every one enriched, the same copies, the same articles placed in stories and the
same stories up to what other arrival increments change (B3 F1 >= 0.9 between the partitions;
see the end of the test), tag counts that match the tag rows.

Run by `make test-pg` / `make test` (scripts/test-pg.sh starts the server). The site: 60
extraction-benchmark pages and 60 ECB+ reports (four ECB+ topics, so the stories are real
ones), 120 pages in 6 teaser feeds. About a minute on 2 cores.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from newsdesk.enrich import enrich, pending_count
from newsdesk.ingest import refresh
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.models import Feed, Lease
from newsdesk.store.models_ai import ArticleTag, Enrichment, Tag
from newsdesk.stories.index import forget_open_indexes

try:
    from .conftest import LoopbackServer
    from .test_workers import (
        serve_news_site,
        settings_for,
        site_pages,
        start_worker,
        stop_worker,
        subscribe,
        worker_env,
    )
except ImportError:
    from conftest import LoopbackServer  # type: ignore[no-redef]
    from test_workers import (  # type: ignore[no-redef]
        serve_news_site,
        settings_for,
        site_pages,
        start_worker,
        stop_worker,
        subscribe,
        worker_env,
    )

PG_URL = os.environ.get("NEWSDESK_TEST_PG_URL", "")
pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(
        not PG_URL,
        reason="no PostgreSQL server: `make test-pg` starts one (or set NEWSDESK_TEST_PG_URL)",
    ),
]

SEED = 12
N_BENCH, N_ECB, N_FEEDS = 60, 60, 6
KILLS = 4
LEASE = 4.0  # seconds: a killed worker's claims pass to the other this long after


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped afterwards)."""
    name = f"newsdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def snapshot(url: str) -> dict[str, Any]:
    """What a run leaves, keyed by article URL (ids depend on the order of the writes)."""
    engine = connect(url)
    with session_scope(engine) as session:
        urls = dict(session.execute(select(Article.id, Article.url)).tuples().all())
        articles = {
            a.url: (a.title, a.word_count, hashlib.sha1(a.text.encode()).hexdigest())
            for a in session.scalars(select(Article))
        }
        enriched = session.execute(
            select(Enrichment.article_id, Enrichment.story_id, Enrichment.duplicate_of)
        ).all()
        members: dict[int, set[str]] = {}
        for article_id, story_id, _dup in enriched:
            if story_id is not None:
                members.setdefault(story_id, set()).add(urls[article_id])
        tags: dict[str, set[str]] = {}
        for article_id, slug in session.execute(
            select(ArticleTag.article_id, Tag.slug).join(Tag, Tag.id == ArticleTag.tag_id)
        ):
            tags.setdefault(urls[article_id], set()).add(slug)
        counted = dict(session.execute(select(Tag.slug, Tag.article_count)).tuples().all())
        actual = dict(
            session.execute(
                select(Tag.slug, func.count(ArticleTag.article_id))
                .join(ArticleTag, ArticleTag.tag_id == Tag.id)
                .group_by(Tag.slug)
            )
            .tuples()
            .all()
        )
    engine.dispose()
    return {
        "articles": articles,
        "enriched": {urls[a] for a, _s, _d in enriched},
        "copies": {urls[a]: urls[d] for a, _s, d in enriched if d is not None},
        "stories": {frozenset(m) for m in members.values()},
        "tags": tags,
        "tag_counts_right": all(counted.get(slug) == n for slug, n in actual.items()),
        "one_tag_per_slug": len({slug.lower() for slug in counted}) == len(counted),
    }


def progress(url: str, expected: int) -> tuple[bool, str]:
    """(done, a line on where the run is)."""
    engine = connect(url)
    with session_scope(engine) as session:
        articles = session.scalar(select(func.count()).select_from(Article)) or 0
        feeds_left = session.scalar(
            select(func.count()).select_from(Feed).where(Feed.last_success_at.is_(None))
        )
        unplaced = session.scalar(
            select(func.count())
            .select_from(Enrichment)
            .where(Enrichment.story_id.is_(None), Enrichment.embedding.is_not(None))
        )
        leases = session.scalar(select(func.count()).select_from(Lease))
    pending = pending_count(engine)
    engine.dispose()
    done = articles == expected and not feeds_left and not pending and not unplaced
    return done, f"{articles} articles, {pending} to enrich, {unplaced} unplaced, {leases} leases"


def test_killed_workers_leave_what_a_clean_run_leaves(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    rng = random.Random(SEED)
    pages = site_pages(N_BENCH, N_ECB)
    feeds = serve_news_site(http_server, pages, N_FEEDS)
    with fresh_database() as clean_url, fresh_database() as shared_url:
        # The clean run: one process, one refresh, one enrich.
        clean = settings_for(tmp_path / "clean", clean_url)
        subscribe(clean, feeds)
        engine = connect(clean_url)
        assert asyncio.run(refresh(engine, clean)).new_articles == len(pages)
        assert enrich(engine, clean) == len(pages)
        engine.dispose()
        forget_open_indexes()
        expected = snapshot(clean_url)

        # Two workers ("machines": a data directory each), killed and restarted at random.
        shared = settings_for(tmp_path / "shared", shared_url)
        subscribe(shared, feeds)
        envs = [worker_env(shared, tmp_path / f"machine{i}", LEASE) for i in range(2)]
        logs = [tmp_path / f"machine{i}.log" for i in range(2)]
        procs = [start_worker(envs[i], logs[i]) for i in range(2)]
        history = []
        try:
            for _ in range(KILLS):
                time.sleep(rng.uniform(1.5, 7.0))
                victim = rng.randrange(2)
                os.killpg(procs[victim].pid, signal.SIGKILL)  # the worker and its children
                procs[victim].wait()
                history.append(f"killed worker {victim} at: {progress(shared_url, len(pages))[1]}")
                procs[victim] = start_worker(envs[victim], logs[victim])
            deadline = time.monotonic() + 150
            done, where = progress(shared_url, len(pages))
            while not done and time.monotonic() < deadline:
                assert all(p.poll() is None for p in procs), "a worker died"
                time.sleep(0.5)
                done, where = progress(shared_url, len(pages))
            assert done, f"not done: {where}; {history}"
        finally:
            codes = [stop_worker(p, log) for p, log in zip(procs, logs, strict=True)]
        assert codes == [0, 0], [log.read_text()[-3000:] for log in logs]
        print("\n".join(history))
        got = snapshot(shared_url)
        engine = connect(shared_url)
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Lease)) == 0
        engine.dispose()

    assert len(got["articles"]) == len(pages)  # no article twice (URLs are unique)
    assert got["articles"] == expected["articles"]
    assert got["enriched"] == set(got["articles"])  # every article enriched
    # Tags: counts right (no lost update between concurrent writers), one tag per slug, and
    # the same articles tagged. Which surface form names a merged tag ("Tara Reid" or "Reid",
    # "NEWYORK" or "NewYork") depends on which article named it first, as it does in one
    # process that fetches the feeds in another order: the tags themselves are not compared.
    assert got["tag_counts_right"] and expected["tag_counts_right"]
    assert got["one_tag_per_slug"]
    assert set(got["tags"]) == set(expected["tags"])
    assert got["copies"] == expected["copies"]
    assert len(expected["stories"]) < len(pages)  # some stories have several articles
    # Stories: every article placed, and the same partition up to what arrival in other
    # increments changes in one process too. Incremental clustering re-clusters the stories
    # near each increment's articles with IDF over what it loads, so ECB+ articles arriving in
    # other batches (killed workers enrich in other increments than a clean run) can settle a
    # borderline merge the other way (BENCHMARKS.md: ECB+ in 4 parts). Measured here: equal in
    # quiet runs; under load one or two small stories of one ECB+ topic apart (B3 F1 0.95+).
    assert set().union(*got["stories"]) == set().union(*expected["stories"])  # all placed
    f1 = _b3_f1(got["stories"], expected["stories"])
    assert f1 >= 0.9, (f1, got["stories"] ^ expected["stories"])


def _b3_f1(got: set[frozenset[str]], expected: set[frozenset[str]]) -> float:
    """B-cubed F1 of one partition of URLs against another (over the URLs both place)."""
    of_got = {u: c for c in got for u in c}
    of_exp = {u: c for c in expected for u in c}
    shared = of_got.keys() & of_exp.keys()
    if not shared:
        return 0.0
    p = sum(len(of_got[u] & of_exp[u]) / len(of_got[u]) for u in shared) / len(shared)
    r = sum(len(of_got[u] & of_exp[u]) / len(of_exp[u]) for u in shared) / len(shared)
    return 2 * p * r / (p + r)
