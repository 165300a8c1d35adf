"""Full-text search stays bounded and safe on hostile input (real SQLite FTS5, real articles;
the same on PostgreSQL when NEWSDESK_TEST_PG_URL names a server)."""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from newsdesk.config import Settings
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.search import (
    MAX_TERMS,
    Filters,
    Term,
    fts_query,
    parse,
    pg_tsquery,
    scored_ids,
    search,
    terms,
)
from newsdesk.web import create_app

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .conftest import database_url, shared_data
    from .webdata import read_story
except ImportError:
    from conftest import database_url, shared_data  # type: ignore[no-redef]
    from webdata import read_story  # type: ignore[no-redef]

HUNDRED_A = " ".join(["a"] * 100)  # 199 characters: under the 200-character query cap
INJECTIONS = [
    '"',
    '"profits"*',
    'profits" OR "zebra',
    "NEAR(profits shares, 2)",
    "title:profits",
    "text : profits",
    "-profits",
    "profits -shares",
    "prof*",
    "profits OR NOT shares AND",
    "(profits",
    "^profits",
    "'profits' & !shares | x:*",
    "profits'); DROP TABLE articles; --",
    "a_b_c_d_e_f_g_h_i_j_k_l",
]
# A safe FTS5 query: quoted letters/digits (a phrase: several, space-separated), maybe starred,
# and nothing else but the operators the parser writes itself.
SAFE_FTS = re.compile(r'(\s|\(|\)|AND|OR|NOT|"[^\W_]+(?: [^\W_]+)*"\*?)*')
SAFE_TSQUERY = re.compile(r"(\s|\(|\)|&|\||!|<->|'[^\W_]+'(:\*)?)*")
# What the query language makes of each attempt, as an equivalent query of plain syntax.
MEANS = {
    '"': "",
    '"profits"*': '"profits"',
    "NEAR(profits shares, 2)": "NEAR profits shares 2",
    "title:profits": "title profits",
    "-profits": "profits",  # exclusions only: look for those words
    "profits -shares": "profits -shares",
    "prof*": "prof",
    "(profits": "profits",
    "^profits": "profits",
    "a_b_c_d_e_f_g_h_i_j_k_l": "a b c d e f g h",
}
PG_URL = os.environ.get("NEWSDESK_TEST_PG_URL", "")


def load_corpus(engine: Engine, every: int = 3) -> list[tuple[int, str, str]]:
    """Every `every`-th BBC News article (about 740) as real articles: [(id, title, text)]."""
    bbc = shared_data("bbc-news") / "bbc"
    rows = []
    with session_scope(engine) as s:
        for path in sorted(bbc.glob("*/*.txt"))[::every]:
            name = f"{path.parent.name}/{path.stem}"
            title, body = read_story(bbc, name)
            article = Article(url=f"https://www.bbc.co.uk/{name}", title=title, text=body)
            s.add(article)
            s.flush()
            rows.append((article.id, title, body))
    return rows


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, list]]:
    engine = connect(database_url(tmp_path_factory.mktemp("search")))
    rows = load_corpus(engine)
    assert len(rows) > 500
    yield engine, rows
    engine.dispose()


def hit_ids(engine: Engine, query: str, limit: int = 50) -> list[int]:
    with session_scope(engine) as s:
        return [h.article.id for h in search(s, query, limit=limit)]


def test_terms_are_deduplicated_capped_and_short_words_exact() -> None:
    assert terms(HUNDRED_A) == [Term("a", False)]
    assert fts_query(HUNDRED_A) == '"a"'
    assert fts_query("Bank BANK bank banks") == '"Bank"* AND "banks"*'
    assert fts_query("uk to Bank") == '"uk" AND "to" AND "Bank"*'
    many = " ".join(f"w{i:03d}" for i in range(60))
    assert len(terms(many)) == MAX_TERMS
    assert fts_query(many).count('"') == 2 * MAX_TERMS
    assert terms("a_a_a_a_a_a_a_a_a_a_a_a") == [Term("a", False)]
    assert pg_tsquery("Bank uk bank") == "'Bank':* & 'uk'"
    assert pg_tsquery(HUNDRED_A) == "'a'"
    # phrases, OR and exclusions count against the same cap
    capped = parse('"w1 w2 w3" w4 OR w5 -w6 -"w7 w8 w9 w10"')
    words = [w for c in capped.clauses for p in c.alternatives for w in p.words]
    assert len(words) + sum(len(p.words) for p in capped.excluded) == MAX_TERMS


def test_injection_attempts_stay_words(corpus: tuple[Engine, list]) -> None:
    engine, _ = corpus
    for attempt in INJECTIONS:
        query = fts_query(attempt)
        assert SAFE_FTS.fullmatch(query), (attempt, query)
        assert SAFE_TSQUERY.fullmatch(pg_tsquery(attempt)), attempt
        hit_ids(engine, attempt)  # no error
        if attempt in MEANS:
            assert hit_ids(engine, attempt) == hit_ids(engine, MEANS[attempt]), attempt
    assert hit_ids(engine, "-profits") == hit_ids(engine, "profits") != []
    shares = set(hit_ids(engine, "shares", limit=1000))
    without = hit_ids(engine, "profits -shares", limit=1000)
    assert without and not shares & set(without)
    assert hit_ids(engine, "^profits*:") == hit_ids(engine, "profits")
    assert fts_query('"') == "" and hit_ids(engine, '"*:-') == []


def test_hostile_queries_still_find_real_matches(corpus: tuple[Engine, list]) -> None:
    engine, rows = corpus
    hostile = hit_ids(engine, HUNDRED_A)
    assert len(hostile) == 50
    texts = {i: f"{t}\n{b}" for i, t, b in rows}
    assert all(re.search(r"\ba\b", texts[i], re.IGNORECASE) for i in hostile)
    article_id, title, _ = next(r for r in rows if len(re.findall(r"[^\W_]+", r[1])) >= 5)
    words = re.findall(r"[^\W_]+", title)
    padded = " ".join([*words, *words, *(w.upper() for w in words)])  # repeats: deduplicated
    assert article_id in hit_ids(engine, padded)
    economy = hit_ids(engine, "econom")  # a prefix of 3+ characters still matches longer words
    assert economy and all(re.search(r"\becon", texts[i], re.IGNORECASE) for i in economy)
    uk = set(hit_ids(engine, "uk", limit=1000))  # 2 letters: the word itself only
    assert uk and all(re.search(r"\buk\b", texts[i], re.IGNORECASE) for i in uk)
    longer_only = {i for i, t in texts.items() if not re.search(r"\buk\b", t, re.IGNORECASE)}
    assert any(re.search(r"\buk\w", texts[i], re.IGNORECASE) for i in longer_only)


def cpu_seconds(engine: Engine, query: str, rounds: int = 7) -> float:
    """Least CPU time of this thread over `rounds` searches (the least is the least noisy)."""
    best = float("inf")
    for _ in range(rounds):
        with session_scope(engine) as s:
            start = time.thread_time()
            search(s, query, limit=21)
            best = min(best, time.thread_time() - start)
    return best


def test_hundred_a_costs_about_a_normal_search(corpus: tuple[Engine, list]) -> None:
    """Before the bound, 100 x "a" cost 13-17 s of CPU on 800 articles, thousands of times a
    normal query. Now it is one exact term matching nearly every article: measured 2-3x the
    CPU of "economy growth" (it ranks all matches). The limit, 25x, leaves a wide margin for
    noisy, shared or throttled CPUs (both queries run on the same CPU, so its speed cancels
    out) and is still two orders of magnitude below the unbounded cost."""
    engine, _ = corpus
    normal = cpu_seconds(engine, "economy growth")
    hostile = cpu_seconds(engine, HUNDRED_A)
    assert hostile < 25 * normal, (hostile, normal)


def test_web_and_api_search_answer_hostile_queries(
    settings: Settings, corpus: tuple[Engine, list]
) -> None:
    engine, _ = corpus
    with TestClient(create_app(settings, engine)) as client:
        page = client.get("/search", params={"q": HUNDRED_A})
        assert page.status_code == 200
        assert re.search(r"<mark>a</mark>", page.text, re.IGNORECASE)
        api = client.get("/api/v1/search", params={"q": HUNDRED_A, "limit": 5})
        assert api.status_code == 200
        assert len(api.json()["items"]) == 5
        odd = client.get("/api/v1/search", params={"q": 'NEAR("profits" shares) title:* -x'})
        assert odd.status_code == 200


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A fresh PostgreSQL database (dropped afterwards); skipped without a server."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server (set NEWSDESK_TEST_PG_URL, see test_postgres.py)")
    name = f"newsdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = connect(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.pg
def test_postgres_search_has_the_same_bounds(pg_engine: Engine) -> None:
    rows = load_corpus(pg_engine, every=9)
    texts = {i: f"{t}\n{b}" for i, t, b in rows}
    hostile = hit_ids(pg_engine, HUNDRED_A)
    assert hostile and all(re.search(r"\ba\b", texts[i], re.IGNORECASE) for i in hostile)
    economy = hit_ids(pg_engine, "econom")
    assert economy and all(re.search(r"\becon", texts[i], re.IGNORECASE) for i in economy)
    uk = hit_ids(pg_engine, "uk", limit=1000)
    assert uk and all(re.search(r"\buk\b", texts[i], re.IGNORECASE) for i in uk)
    for attempt in INJECTIONS:
        hit_ids(pg_engine, attempt)  # no error
        if attempt in MEANS:
            assert hit_ids(pg_engine, attempt) == hit_ids(pg_engine, MEANS[attempt]), attempt
    shares = set(hit_ids(pg_engine, "shares", limit=1000))
    without = hit_ids(pg_engine, "profits -shares", limit=1000)
    assert without and not shares & set(without)
    phrase = hit_ids(pg_engine, '"chief executive"', limit=1000)
    assert phrase and all(re.search(r"chief executive", texts[i], re.I) for i in phrase)
    either = set(hit_ids(pg_engine, "zebra OR profits", limit=1000))
    assert either == set(hit_ids(pg_engine, "profits", limit=1000))


@pytest.mark.pg
def test_postgres_search_stems_marks_and_uses_its_index(pg_engine: Engine) -> None:
    """Migration 0013: the stored tsvector is stemmed like SQLite's index (so "elections" finds
    "election"), snippets mark the matches, and the GIN index answers the match."""
    rows = load_corpus(pg_engine, every=9)
    texts = {i: f"{t}\n{b}" for i, t, b in rows}
    only_singular = {
        i
        for i, words in texts.items()
        if re.search(r"\belection\b", words, re.I) and not re.search(r"elections", words, re.I)
    }
    assert only_singular and only_singular <= set(hit_ids(pg_engine, "elections", limit=1000))
    with session_scope(pg_engine) as s:
        hits = search(s, "economy")
        assert hits and all("\x02" in h.snippet for h in hits)
        s.execute(text("SET LOCAL enable_seqscan = off"))  # a small table: prove it is usable
        plan = "\n".join(
            s.execute(
                text(
                    "EXPLAIN SELECT id FROM articles "
                    "WHERE search_doc @@ to_tsquery('newsdesk', 'elections')"
                )
            ).scalars()
        )
    assert "ix_articles_search_doc" in plan and "to_tsvector" not in plan, plan


@pytest.mark.pg
def test_postgres_ranks_the_newest_matches_of_a_common_word(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0016: without filters PostgreSQL ranks the PG_RANKED most recently stored
    matches (found through the GIN index), best first; a filtered search ranks every match."""
    load_corpus(pg_engine, every=9)
    query = parse("government")
    with session_scope(pg_engine) as s:
        every = scored_ids(s, query, limit=1000)
        assert len(every) > 10
        newest = sorted((i for i, _ in every), reverse=True)[:5]
        monkeypatch.setattr("newsdesk.store.search.PG_RANKED", 5)
        capped = scored_ids(s, query, limit=1000)
        assert sorted(i for i, _ in capped) == sorted(newest)
        assert capped == scored_ids(s, query, limit=1000, within=newest)  # same scores, order
        anywhere = Filters(since=datetime(1900, 1, 1, tzinfo=UTC))
        assert len(scored_ids(s, query, limit=1000, filters=anywhere)) == len(every)
