"""Whole article pages kept for visitors who are not signed in (web/pagecache.py), on a real
database through the real app and a real diskcache: each visitor's own CSRF token, one kept
page for every web process of the machine, comments shown at once, signed-in readers never
served a kept page. A title changed behind the app's back (no key holds it) shows which
page was kept."""

from __future__ import annotations

import gzip
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.store import Article, session_scope
from newsdesk.store.models_ai import Enrichment, Story
from newsdesk.web import create_app
from newsdesk.web.microcache import TTL_SPREAD, MicroCache
from newsdesk.web.pagecache import PAGES_TTL, PAGES_TTL_MAX, age_ttl, open_pages

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .readers_support import (
        _fast_hashing,
        add_article,
        app,
        article_id,
        csrf_of,
        engine,
        login,
        new_client,
        page_token,
        post_comment,
        users,
    )
except ImportError:
    from readers_support import (  # type: ignore[no-redef]  # noqa: F401
        _fast_hashing,
        add_article,
        app,
        article_id,
        csrf_of,
        engine,
        login,
        new_client,
        page_token,
        post_comment,
        users,
    )

_TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')


def _enrich(engine: Engine, article_id: int) -> None:
    """An enrichment row, as `newsdesk enrich` writes one: the page gets its AI slots, among
    them the ask form (a form for visitors too)."""
    with session_scope(engine) as s:
        s.add(Enrichment(article_id=article_id, model_version="test", language="en"))


def _retitle(engine: Engine, article_id: int, title: str) -> None:
    """A change no key holds (an article's title is set when it is stored)."""
    with session_scope(engine) as s:
        s.execute(update(Article).where(Article.id == article_id).values(title=title))


def test_visitors_get_the_kept_page_with_a_token_of_their_own(
    app: FastAPI, settings: Settings, engine: Engine, article_id: int
) -> None:
    _enrich(engine, article_id)
    path = f"/articles/{article_id}"
    with new_client(app) as first, new_client(app) as second:
        one = first.get(path)
        _retitle(engine, article_id, "A title written after the page was kept")
        two = second.get(path)
        assert one.status_code == two.status_code == 200
        assert _TOKEN.sub("", one.text) == _TOKEN.sub("", two.text)  # the kept page
        token_one, token_two = csrf_of(one.text), csrf_of(two.text)
        assert token_one != token_two and "newsdesk-csrf-token" not in two.text
        assert "newsdesk_csrf=" in two.headers.get("set-cookie", "")
        # each token works with its visitor's cookie only (a wrong password, not a CSRF refusal)
        form = {"username": "nobody", "password": "wrong password"}
        mine = second.post("/login", data=form | {"csrf_token": token_two})
        theirs = second.post("/login", data=form | {"csrf_token": token_one})
        assert mine.status_code != 403 and theirs.status_code == 403
    # another web process of the machine (another app on the same data directory) has it too
    with new_client(create_app(settings, engine)) as other:
        assert _TOKEN.sub("", other.get(path).text) == _TOKEN.sub("", one.text)
        assert "written after" in other.get(f"{path}?reported=1").text  # another address
        assert other.get("/articles/999999").status_code == 404


def test_a_kept_page_is_sent_compressed_as_kept_with_the_visitors_token(
    app: FastAPI, engine: Engine, article_id: int
) -> None:
    """The kept page's gzip bytes are sent as kept (the first visitor's too: compressed once),
    each visitor's token stored between them; a browser that takes no gzip gets the same page
    uncompressed."""
    _enrich(engine, article_id)
    path = f"/articles/{article_id}"
    with new_client(app) as first, new_client(app) as second, new_client(app) as plain:
        with first.stream("GET", path, headers={"accept-encoding": "gzip"}) as response:
            made_raw = b"".join(response.iter_raw())  # made, and compressed once: as kept
        made = first.get(path)
        made_html = gzip.decompress(made_raw).decode()
        assert csrf_of(made_html).encode() in made_raw
        assert _TOKEN.sub("", made_html) == _TOKEN.sub("", made.text)
        with second.stream("GET", path, headers={"accept-encoding": "gzip"}) as kept:
            raw = b"".join(kept.iter_raw())
            assert kept.headers["content-encoding"] == "gzip"
            assert kept.headers["vary"] == "Accept-Encoding"
            assert int(kept.headers["content-length"]) == len(raw)
        html = gzip.decompress(raw).decode()
        assert _TOKEN.sub("", html) == _TOKEN.sub("", made.text)
        token = csrf_of(html)
        assert token != csrf_of(made.text)
        assert token.encode() in raw  # put in as a stored block: the page was not compressed again
        form = {"username": "nobody", "password": "wrong password", "csrf_token": token}
        assert second.post("/login", data=form).status_code != 403  # the token is this visitor's
        unzipped = plain.get(path, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in unzipped.headers
        assert _TOKEN.sub("", unzipped.text) == _TOKEN.sub("", made.text)
        assert csrf_of(unzipped.text) not in (token, csrf_of(made.text))


def test_comments_show_at_once_and_signed_in_readers_get_their_own_page(
    app: FastAPI, engine: Engine, article_id: int, users: dict[str, int]
) -> None:
    path = f"/articles/{article_id}"
    with new_client(app) as visitor, new_client(app) as alice, new_client(app) as mod:
        assert "A first comment" not in visitor.get(path).text
        login(alice, "alice")
        assert post_comment(alice, article_id, "A first comment").status_code == 303
        _retitle(engine, article_id, "A title written after the comment")
        own = alice.get(path).text  # signed in: made for her, never kept
        assert "A first comment" in own and 'action="/comments/' in own  # her edit/delete forms
        assert "written after the comment" in own
        shown = visitor.get(path).text  # a new comment: made again
        assert "A first comment" in shown and 'action="/comments/' not in shown
        _retitle(engine, article_id, "Another title")
        assert "written after the comment" in visitor.get(path).text  # kept since
        login(mod, "mod")
        cid = re.findall(r'id="comment-(\d+)"', shown)[0]
        token = page_token(mod, path)
        assert mod.post(f"/comments/{cid}/hide", data={"csrf_token": token}).status_code == 303
        hidden = visitor.get(path).text
        assert "A first comment" not in hidden and "Another title" in hidden


def test_home_page_is_kept_until_an_article_is_stored(
    app: FastAPI, engine: Engine, article_id: int
) -> None:
    with new_client(app) as visitor:
        first = visitor.get("/").text
        _retitle(engine, article_id, "A title written after the home page was kept")
        assert "written after" not in visitor.get("/").text  # kept
        newer = add_article(engine, "Central bank holds rates")
        home = visitor.get("/").text
        assert "Central bank holds rates" in home and "written after" in home
        assert f"/articles/{newer}" in home and f"/articles/{newer}" not in first


def test_a_cache_whose_files_are_gone_makes_pages_instead(
    app: FastAPI, settings: Settings, engine: Engine, article_id: int
) -> None:
    """Kept pages are an optimisation: with their files deleted under a running server (a
    cleaned temporary directory, a full disk), pages are made, not 500s."""
    import shutil

    _enrich(engine, article_id)
    path = f"/articles/{article_id}"
    with new_client(app) as visitor:
        first = visitor.get(path)
        # A thread that had not used the cache yet opens its files again (each thread has
        # its own connection): that open fails once they are gone.
        app.state.public_pages = open_pages(settings.data_dir)
        shutil.rmtree(settings.data_dir / "cache" / "pages")
        _retitle(engine, article_id, "A title written after the cache was deleted")
        again = visitor.get(path)
        assert first.status_code == again.status_code == 200
        assert "written after the cache was deleted" in again.text  # made anew


def test_a_visitors_page_is_kept_whole_and_its_slots_are_not_kept_apart(
    app: FastAPI, engine: Engine, article_id: int, users: dict[str, int]
) -> None:
    """The page of a visitor who is not signed in is kept whole (shared by the machine's
    processes), so its AI slots are not kept in the process as well (they only made Python's
    garbage collections longer); a signed-in reader's page is made each time, from slots the
    process keeps."""
    _enrich(engine, article_id)
    path = f"/articles/{article_id}"
    slots = app.state.slot_caches.slots
    with new_client(app) as visitor, new_client(app) as alice:
        assert visitor.get(path).status_code == 200
        assert visitor.get(f"{path}?reported=1").status_code == 200  # another address: made
        assert (slots.hits, slots.misses, len(slots._items)) == (0, 0, 0)
        login(alice, "alice")
        mine, again = alice.get(path), alice.get(path)
        assert mine.status_code == again.status_code == 200
        assert (slots.hits, slots.misses, len(slots._items)) == (1, 1, 1)


def test_pages_made_together_expire_over_a_spread_of_their_time(
    app: FastAPI, engine: Engine, article_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages and page parts made in the same second (after a start) do not all expire in the
    same second, when every reader would wait on pages made anew at once: each is kept its
    TTL less a random share of it, up to TTL_SPREAD."""
    _enrich(engine, article_id)
    made: dict[int, tuple[float, float]] = {}  # page n: the times before and after its view
    with new_client(app) as visitor:
        for n in range(40):
            before = time.time()
            assert visitor.get(f"/articles/{article_id}?n={n}").status_code == 200
            made[n] = (before, time.time())
    pages = app.state.public_pages
    kept = {int(re.findall(r"'n=(\d+)'", key)[0]): key for key in pages.iterkeys()}
    assert sorted(kept) == list(range(40))
    shortest = PAGES_TTL * (1 - TTL_SPREAD)
    left = []  # each page's time left once made
    for n, key in kept.items():
        expires = pages.get(key, expire_time=True)[1]
        assert shortest <= expires - made[n][0] and expires - made[n][1] <= PAGES_TTL
        left.append(expires - made[n][1])
    assert max(left) - min(left) > PAGES_TTL * TTL_SPREAD / 4  # spread, not at once

    now = [1000.0]
    monkeypatch.setattr("newsdesk.web.microcache.time.monotonic", lambda: now[0])
    parts: MicroCache[int] = MicroCache(ttl=60.0, size=1000)
    for key in range(200):
        parts.get_or_make(key, lambda: 1)

    def kept_at(t: float) -> int:
        now[0] = 1000.0 + t
        before = parts.misses
        for key in range(200):
            parts.get_or_make(key, lambda: 2)
        return 200 - (parts.misses - before)

    assert kept_at(60 * (1 - TTL_SPREAD) - 0.01) == 200  # none before the spread starts
    assert 0 < kept_at(60 * (1 - TTL_SPREAD / 2)) < 200  # some of them half-way through it


def test_a_page_of_older_news_is_kept_longer_and_its_storys_recount_shows_at_once(
    app: FastAPI, engine: Engine, article_id: int
) -> None:
    """A page is kept a tenth of its news's age (HTTP's heuristic freshness), from a minute
    to ten: last month's story is not this minute's news. An article joining or leaving its
    story (the story recounted) makes the page again at once."""
    now = datetime.now(UTC)
    assert age_ttl(now - timedelta(minutes=5), now) == PAGES_TTL
    assert age_ttl(now - timedelta(minutes=30), now) == 180.0
    assert age_ttl(now - timedelta(days=20), now) == PAGES_TTL_MAX
    assert age_ttl(None, now) == PAGES_TTL
    old = now - timedelta(days=20)
    with session_scope(engine) as s:
        story = Story(title="Rates", first_seen=old, last_seen=old, article_count=1)
        story.updated_at = old
        s.add(story)
        s.flush()
        s.add(Enrichment(article_id=article_id, model_version="test", story_id=story.id))
        story_id = story.id
    path = f"/articles/{article_id}"
    with new_client(app) as visitor:
        made = time.time()
        assert visitor.get(path).status_code == 200
        (key,) = list(app.state.public_pages.iterkeys())
        expires = app.state.public_pages.get(key, expire_time=True)[1]
        assert PAGES_TTL_MAX * (1 - TTL_SPREAD) <= expires - made <= PAGES_TTL_MAX
        _retitle(engine, article_id, "A title written after the page was kept")
        assert "written after" not in visitor.get(path).text  # kept
        with session_scope(engine) as s:
            s.execute(update(Story).where(Story.id == story_id).values(updated_at=now))
        assert "written after" in visitor.get(path).text  # the story recounted: made again


def test_a_search_page_is_kept_past_its_time_while_nothing_new_is_stored(
    app: FastAPI, engine: Engine, article_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept search page past its time is not made again while no article, enrichment or
    story changed since it was made (web/queries.stored_stamp); once one did, it is. It is
    kept at most as long as its newest result's age allows (age_ttl: the "20 days ago" of
    older news stays true), whatever the stamp says."""
    with session_scope(engine) as s:  # last month's news
        s.execute(
            update(Article)
            .where(Article.id == article_id)
            .values(published_at=datetime.now(UTC) - timedelta(days=20))
        )
    start = time.time()
    clock = [start]  # time.time, for the kept pages (and diskcache's own expiry)
    monkeypatch.setattr("newsdesk.web.pagecache.time.time", lambda: clock[0])
    monotonic = time.monotonic()  # the process's kept search results (web/searching.py)
    monkeypatch.setattr(
        "newsdesk.web.microcache.time.monotonic", lambda: monotonic + clock[0] - start
    )
    path = "/search?q=rally"
    with new_client(app) as visitor:
        assert "Markets rally on rate hopes" in visitor.get(path).text
        _retitle(engine, article_id, "Markets rally, a title no stamp holds")
        clock[0] += 2 * PAGES_TTL  # past its time: nothing stored since, kept on
        assert "no stamp holds" not in visitor.get(path).text
        clock[0] += 2 * PAGES_TTL
        assert "no stamp holds" not in visitor.get(path).text
        add_article(engine, "Central bank holds rates")  # an article stored
        assert "no stamp holds" not in visitor.get(path).text  # within its time
        clock[0] += 2 * PAGES_TTL
        assert "no stamp holds" in visitor.get(path).text  # made again
        _retitle(engine, article_id, "Markets rally, a title written last")
        clock[0] += PAGES_TTL_MAX + 1  # past the life its results' age allows
        assert "written last" in visitor.get(path).text
        with session_scope(engine) as s:  # this hour's news: made again each minute, as before
            s.execute(update(Article).values(published_at=datetime.now(UTC)))
        clock[0] += PAGES_TTL_MAX + 1
        assert "written last" in visitor.get(path).text
        _retitle(engine, article_id, "Markets rally, a title of this hour")
        clock[0] += 2 * PAGES_TTL
        assert "of this hour" in visitor.get(path).text
