"""Whole article pages kept for visitors who are not signed in (web/pagecache.py), on a real
SQLite database through the real app: each visitor's own CSRF token, comments shown at once,
signed-in readers never served a kept page."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from newsdesk.store import session_scope
from newsdesk.store.models_ai import Enrichment

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .readers_support import (
        _fast_hashing,
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


def test_visitors_get_the_kept_page_with_a_token_of_their_own(
    app: FastAPI, engine: Engine, article_id: int
) -> None:
    _enrich(engine, article_id)
    kept = app.state.public_pages
    with new_client(app) as first, new_client(app) as second:
        one = first.get(f"/articles/{article_id}")
        two = second.get(f"/articles/{article_id}")
        assert one.status_code == two.status_code == 200
        assert (kept.misses, kept.hits) == (1, 1)
        assert _TOKEN.sub("", one.text) == _TOKEN.sub("", two.text)
        token_one, token_two = csrf_of(one.text), csrf_of(two.text)
        assert token_one != token_two and "newsdesk-csrf-token" not in two.text
        assert "newsdesk_csrf=" in two.headers.get("set-cookie", "")
        # each token works with its visitor's cookie only (a wrong password, not a CSRF refusal)
        form = {"username": "nobody", "password": "wrong password"}
        mine = second.post("/login", data=form | {"csrf_token": token_two})
        theirs = second.post("/login", data=form | {"csrf_token": token_one})
        assert mine.status_code != 403 and theirs.status_code == 403
    with new_client(app) as third:
        assert third.get(f"/articles/{article_id}?reported=1").status_code == 200
        assert kept.misses == 2  # another address: another page
        assert third.get("/articles/999999").status_code == 404


def test_comments_show_at_once_and_signed_in_readers_get_their_own_page(
    app: FastAPI, engine: Engine, article_id: int, users: dict[str, int]
) -> None:
    kept = app.state.public_pages
    path = f"/articles/{article_id}"
    with new_client(app) as visitor, new_client(app) as alice, new_client(app) as mod:
        assert "A first comment" not in visitor.get(path).text
        login(alice, "alice")
        before = (kept.misses, kept.hits)
        assert post_comment(alice, article_id, "A first comment").status_code == 303
        own = alice.get(path).text
        assert "A first comment" in own and 'action="/comments/' in own  # her edit/delete forms
        assert (kept.misses, kept.hits) == before  # signed in: made for her, never kept
        shown = visitor.get(path).text
        assert "A first comment" in shown and 'action="/comments/' not in shown
        assert visitor.get(path).text.count("A first comment") == 1 and kept.hits == before[1] + 1
        login(mod, "mod")
        cid = re.findall(r'id="comment-(\d+)"', shown)[0]
        token = page_token(mod, path)
        assert mod.post(f"/comments/{cid}/hide", data={"csrf_token": token}).status_code == 303
        assert "A first comment" not in visitor.get(path).text
