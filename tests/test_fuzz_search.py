"""Fuzzing full-text search on a real, migrated SQLite database holding real articles.

For any query (quotes, '*', '-', NEAR, ':', '^', parentheses, AND/OR/NOT, control characters,
long repetitions, any Unicode): fts_query gives text FTS5 accepts, search never raises, takes
no more than moments and returns distinct Hits of Articles; a query that is exactly a word
of a stored title finds that article.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.store import Article, connect, session_scope
from newsdesk.store.search import Hit, fts_query, search

from .conftest import shared_data
from .fuzz_support import fuzz, show

pytestmark = pytest.mark.fuzz

_counter = itertools.count()
# A word as the query parser and FTS5's unicode61 tokenizer both see one: letters and digits.
_WORD = re.compile(r"[^\W_]+")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database with 40 real BBC News articles (../shared/data/bbc-news)."""
    bbc = shared_data("bbc-news") / "bbc"
    path: Path = tmp_path_factory.mktemp("fuzz-search") / "search.db"
    engine = connect(f"sqlite:///{path}")
    with session_scope(engine) as session:
        for number, story in enumerate(sorted(bbc.glob("*/*.txt"))[::56]):
            title, _, body = story.read_text(encoding="utf-8", errors="replace").partition("\n")
            add_article(session, title.strip(), body.strip(), f"bbc/{number}")
    yield engine
    engine.dispose()


def add_article(session: Session, title: str, body: str, name: str) -> str:
    """Store an article (the database's triggers index it for full-text search)."""
    url = f"https://fuzz.example/{name}/{next(_counter)}"
    session.add(Article(url=url, title=title, outlet="fuzz", text=body))
    session.flush()
    return url


SYNTAX = [
    '"', "'", "*", "-", "+", ":", "^", "(", ")", "{", "}", "[", "]", "NEAR", "NEAR(", "AND",
    "OR", "NOT", "title:", "text :", "title:profits", "NEAR(a b, 2)", "a*", "*a", '"a"*',
    "\x00", "\x02", "\x03", "\x1b", "\n", "\t", "\u200b", "\u202e", "\ufeff", "\ud7ff", "%", "_",
    "a_b", "ǅ", "İ", "ß", "ﬁ", "²", "ⅷ", "١٢", "名前", "café", "e\u0301", "हिन्दी", "\U0001f600",
    "profits", "shares", "the", "a", "'); DROP TABLE articles; --", ";", "\\", "/", "&", "|",
]  # fmt: skip
queries = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(SYNTAX) | st.text(max_size=6), max_size=30).map(" ".join),
    st.lists(st.sampled_from(SYNTAX), max_size=30).map("".join),
    st.builds(
        lambda word, count, sep: sep.join([word] * count),
        st.sampled_from(["a", "profits", "x_y", "NEAR", "ab", '"'] ),
        st.integers(1, 5000),
        st.sampled_from([" ", "", "_", " OR ", "-"]),
    ),
)  # fmt: skip


@fuzz(examples=500)
@given(query=queries)
def test_search_never_raises_on_any_query(engine: Engine, query: str) -> None:
    show(query=query)
    fts = fts_query(query)
    assert isinstance(fts, str)
    with session_scope(engine) as session:
        if fts.strip():  # FTS5 accepts the query text: no syntax error, whatever the input
            session.execute(
                text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :q"), {"q": fts}
            ).scalar()
        started = time.monotonic()
        hits = search(session, query, limit=50)
        # Bounded: a hostile query ("a a a ... a") must not cost seconds (1000x the usual)
        assert time.monotonic() - started < 2.0, "search took seconds"
        assert isinstance(hits, list)
        assert all(isinstance(h, Hit) and isinstance(h.article, Article) for h in hits)
        assert all(isinstance(h.snippet, str) for h in hits)
        ids = [h.article.id for h in hits]
        assert len(ids) == len(set(ids)), "an article is found once"
        assert len(hits) <= 50


# Letters of scripts that SQLite's unicode61 tokenizer (Unicode 6.1 data) knows, and digits.
LETTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "éèêëàâäçñøåæßœÉÀÇÑØÅÆ"
    "αβγδεζηθλμξπσςφψωΑΒΓΔΩ"
    "абвгдеёжзийклмнопрстуфхцчшщыэюяАБВГДЁЖЯ"
    "一二三名前東京新聞日本語中文"
    "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    "אבגדהוזחטיכלמנסעפצקרשת"
)
words = st.text(LETTERS, min_size=1, max_size=12)


@fuzz(examples=400)
@given(
    title_words=st.lists(words, min_size=1, max_size=8),
    separators=st.lists(st.sampled_from([" ", ", ", " - ", ": ", " (", ") ", "'s "]), max_size=8),
    pick=st.integers(min_value=0),
    body=st.text(max_size=200),
    real=st.booleans(),
    swap_case=st.booleans(),
)
def test_a_word_of_a_title_finds_its_article(
    engine: Engine,
    title_words: list[str],
    separators: list[str],
    pick: int,
    body: str,
    real: bool,
    swap_case: bool,
) -> None:
    with session_scope(engine) as session:
        if real:  # one of the BBC articles, by one of its title's words
            bbc = session.query(Article).filter(Article.url.like("%/bbc/%")).all()
            article = bbc[pick % len(bbc)]
            url = article.url
            title_words = [w for w in article.title.split() if _WORD.fullmatch(w)]
            if not title_words:
                return
        else:
            seps = separators or [" "]
            title = title_words[0] + "".join(
                seps[i % len(seps)] + w for i, w in enumerate(title_words[1:])
            )
            url = add_article(session, title, body, "generated")
    word = title_words[pick % len(title_words)]
    if swap_case and word.isascii():
        word = word.swapcase()
    show(title_words=title_words, word=word)
    with session_scope(engine) as session:
        found = {hit.article.url for hit in search(session, word, limit=100_000)}
    assert url in found, f"{word!r} does not find the article titled {title_words}"
