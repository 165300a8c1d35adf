"""The JSON API /api/v1 over the real app and real SQLite (FastAPI TestClient, no mocks)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from newsdesk.security import Limit, token_hash
from newsdesk.store import session_scope
from newsdesk.store.models_readers import ApiToken, Comment, CommentRevision, User

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data
    from .readers_support import _fast_hashing, app, client, engine, login, new_client
    from .webdata import XSS_TITLE, Dataset
except ImportError:
    from api_support import Accounts, accounts, data  # type: ignore[no-redef]  # noqa: F401
    from readers_support import (  # type: ignore[no-redef]  # noqa: F401
        _fast_hashing,
        app,
        client,
        engine,
        login,
        new_client,
    )
    from webdata import XSS_TITLE, Dataset  # type: ignore[no-redef]

API = "/api/v1"
NEWEST_FIRST = [
    "sport/001",
    "business/001",
    "business/002",
    "tech/001",
    "tech/002",
    "XSS",
    "politics/001",
]


def expected_titles(data: Dataset) -> list[str]:
    return [XSS_TITLE if p == "XSS" else data.by_path(p).title for p in NEWEST_FIRST]


def error_of(r: httpx.Response, status: int, code: str | None = None) -> str:
    """Assert an error object with this status (and code); returns its message."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return str(body["error"]["message"])


def walk(client: TestClient, url: str, headers: dict[str, str] | None = None) -> list[dict]:
    """Every item of a paginated list, following next_cursor to the end."""
    items: list[dict] = []
    cursor: str | None = None
    for _ in range(100):
        sep = "&" if "?" in url else "?"
        r = client.get(url + (f"{sep}cursor={cursor}" if cursor else ""), headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


# --- authentication and errors ---------------------------------------------------------------


def test_error_objects_for_every_kind_of_failure(
    client: TestClient, data: Dataset, accounts: Accounts
) -> None:
    # anyone may read; the read/starred marks are null when anonymous
    r = client.get(f"{API}/articles?limit=1")
    assert r.status_code == 200
    assert r.json()["items"][0]["read"] is None

    error_of(client.get(f"{API}/articles/999999"), 404, "not_found")
    error_of(client.get(f"{API}/no/such/thing"), 404, "not_found")
    error_of(client.delete(f"{API}/articles"), 405, "method_not_allowed")
    error_of(client.get(f"{API}/articles?cursor=not-a-cursor"), 400, "invalid_cursor")
    message = error_of(client.get(f"{API}/articles?limit=5000"), 422, "validation_error")
    assert "limit" in message
    details = client.get(f"{API}/articles/abc").json()["error"]["details"]
    assert details[0]["loc"] == ["path", "article_id"]

    # who are you?
    r = client.get(f"{API}/me")
    error_of(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    error_of(
        client.get(f"{API}/me", headers={"Authorization": "Bearer nope"}), 401, "invalid_token"
    )
    error_of(
        client.get(f"{API}/me", headers={"Authorization": "Basic YWxpY2U6eA=="}),
        401,
        "unsupported_authorization",
    )
    error_of(client.get(f"{API}/articles?unread=true"), 401, "unauthorized")
    me = client.get(f"{API}/me", headers=accounts.auth("alice"))
    assert me.json() == {
        "id": accounts.ids["alice"],
        "username": "alice",
        "role": "reader",
        "csrf_token": None,
    }

    # bodies: broken JSON is a 400, wrong values a 422 with details, unknown fields too
    url = f"{API}/me/articles/{data.xss_id}/state"
    broken = client.put(
        url,
        content=b"{read: yes",
        headers={**accounts.auth("alice"), "Content-Type": "application/json"},
    )
    error_of(broken, 400, "invalid_json")
    wrong = client.put(url, json={"read": "maybe"}, headers=accounts.auth("alice"))
    error_of(wrong, 422, "validation_error")
    assert wrong.json()["error"]["details"][0]["loc"] == ["body", "read"]
    error_of(client.put(url, json={"raed": True}, headers=accounts.auth("alice")), 422)


def test_tokens_are_hashed_scoped_revocable_and_banned_users_lose_them(
    client: TestClient, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    with session_scope(engine) as s:
        hashes = set(s.scalars(select(ApiToken.token_hash)))
    assert token_hash(accounts.tokens["alice"]) in hashes
    assert accounts.tokens["alice"] not in hashes  # only the SHA-256 is stored

    # tokens are made by a logged-in session (a token cannot mint more tokens) ...
    r = client.post(f"{API}/me/tokens", json={"name": "phone"}, headers=accounts.auth("alice"))
    error_of(r, 403, "session_required")
    login(client, "alice")
    csrf = {"X-CSRF-Token": client.get(f"{API}/me").json()["csrf_token"]}
    # ... shown once, listed without their secret, revocable
    r = client.post(f"{API}/me/tokens", json={"name": "phone"}, headers=csrf)
    assert r.status_code == 201
    made = r.json()
    assert made["scope"] == "api" and made["feed_url"] is None and len(made["token"]) >= 40
    listed = client.get(f"{API}/me/tokens", headers=accounts.auth("alice")).json()
    assert {t["name"] for t in listed} == {"phone", "alice's test token"}
    assert all("token" not in t for t in listed)
    phone = {"Authorization": f"Bearer {made['token']}"}
    assert client.get(f"{API}/me", headers=phone).status_code == 200
    # bob cannot revoke alice's token
    error_of(client.delete(f"{API}/me/tokens/{made['id']}", headers=accounts.auth("bob")), 404)
    assert (
        client.delete(f"{API}/me/tokens/{made['id']}", headers=accounts.auth("alice")).status_code
        == 204
    )
    error_of(client.get(f"{API}/me", headers=phone), 401, "invalid_token")

    # a private-feed token is not an API token
    feed = client.post(
        f"{API}/me/tokens", json={"name": "rss", "scope": "feed"}, headers=csrf
    ).json()
    assert feed["feed_url"] == f"http://localhost/feeds/starred/{feed['token']}.atom"
    error_of(client.get(f"{API}/me", headers={"Authorization": f"Bearer {feed['token']}"}), 401)

    # expired tokens and banned users' tokens stop working
    with session_scope(engine) as s:
        row = s.scalar(
            select(ApiToken).where(ApiToken.token_hash == token_hash(accounts.tokens["bob"]))
        )
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        root = s.get(User, accounts.ids["root"])
        assert root is not None
        root.banned_at = datetime.now(UTC)
    error_of(client.get(f"{API}/me", headers=accounts.auth("bob")), 401, "invalid_token")
    error_of(client.get(f"{API}/me", headers=accounts.auth("root")), 401, "invalid_token")


def test_cookie_session_writes_need_the_csrf_token(
    client: TestClient, data: Dataset, accounts: Accounts
) -> None:
    assert login(client, "alice").status_code == 303
    me = client.get(f"{API}/me").json()
    assert me["username"] == "alice" and me["csrf_token"]
    url = f"{API}/me/articles/{data.xss_id}/state"
    error_of(client.put(url, json={"starred": True}), 403, "csrf_failed")
    error_of(client.put(url, json={"starred": True}, headers={"X-CSRF-Token": "forged"}), 403)
    cross = client.put(
        url,
        json={"starred": True},
        headers={"X-CSRF-Token": me["csrf_token"], "Sec-Fetch-Site": "cross-site"},
    )
    error_of(cross, 403, "cross_site")
    ok = client.put(url, json={"starred": True}, headers={"X-CSRF-Token": me["csrf_token"]})
    assert ok.status_code == 200 and ok.json()["starred"] is True
    # a bearer token needs no CSRF token; with a bearer token the cookie is not used at all
    r = client.put(url, json={"read": True}, headers=accounts.auth("bob"))
    assert r.status_code == 200 and r.json() == {**r.json(), "read": True, "starred": False}
    # an anonymous write is a 401 (not a CSRF failure)
    with new_client(client.app) as anon:  # type: ignore[arg-type]
        error_of(anon.put(url, json={"read": True}), 401, "unauthorized")


# --- pagination ------------------------------------------------------------------------------


def test_pagination_round_trip(client: TestClient, data: Dataset, accounts: Accounts) -> None:
    titles = expected_titles(data)
    for limit in (1, 2, 3, 7, 100):
        items = walk(client, f"{API}/articles?limit={limit}")
        assert [i["title"] for i in items] == titles, limit
    oldest = walk(client, f"{API}/articles?limit=2&oldest_first=true")
    assert [i["title"] for i in oldest] == titles[::-1]
    business = walk(client, f"{API}/articles?limit=1&feed_id={data.feed_ids['business']}")
    assert [i["title"] for i in business] == [
        data.by_path(p).title for p in ("business/001", "business/002", "politics/001")
    ]
    outlet = walk(client, f"{API}/articles?limit=1&outlet=BBC%20Technology")
    assert [i["title"] for i in outlet] == [data.by_path(p).title for p in ("tech/001", "tech/002")]
    first = client.get(f"{API}/articles?limit=1").json()["items"][0]
    assert first["link"] == f"http://localhost/articles/{first['id']}"
    assert first["url"].startswith("https://www.bbc.co.uk/")

    # search pages too
    hits = walk(client, f"{API}/search?q=the&limit=2")
    assert len(hits) == len({h["article"]["id"] for h in hits}) >= 5
    one = client.get(f"{API}/search?q=TimeWarner").json()
    assert one["items"][0]["article"]["title"] == data.by_path("business/001").title
    assert "<mark>TimeWarner</mark>" in one["items"][0]["snippet_html"]
    assert "\x02" not in one["items"][0]["snippet"]
    error_of(client.get(f"{API}/search?q=x&cursor=0.bad"), 400, "invalid_cursor")

    detail = client.get(f"{API}/articles/{data.by_path('business/001').id}").json()
    assert detail["html"].startswith("<p>") and detail["feeds"][0]["title"] == "BBC News - Business"
    assert detail["word_count"] > 100 and detail["comment_count"] == 0
    xss = client.get(f"{API}/articles/{data.xss_id}").json()
    assert xss["title"] == XSS_TITLE  # JSON carries text as it is: escaping is the client's job


# --- reading state, subscriptions, follows ---------------------------------------------------


def test_read_and_star_state(client: TestClient, data: Dataset, accounts: Accounts) -> None:
    alice, bob = accounts.auth("alice"), accounts.auth("bob")
    a1, a2 = data.by_path("business/001").id, data.by_path("tech/001").id
    assert client.get(f"{API}/me/articles/{a1}/state", headers=alice).json() == {
        "article_id": a1,
        "read": False,
        "starred": False,
        "read_at": None,
        "starred_at": None,
    }
    r = client.put(f"{API}/me/articles/{a1}/state", json={"read": True}, headers=alice)
    assert r.json()["read"] is True and r.json()["read_at"] is not None
    first_read = r.json()["read_at"]
    r = client.put(
        f"{API}/me/articles/{a1}/state", json={"read": True, "starred": True}, headers=alice
    )
    assert r.json()["read_at"] == first_read  # marking again keeps the first time
    assert r.json()["starred"] is True
    error_of(client.put(f"{API}/me/articles/999999/state", json={"read": True}, headers=alice), 404)

    # the marks are per user and show in lists
    listed = {i["id"]: i for i in walk(client, f"{API}/articles?limit=3", headers=alice)}
    assert listed[a1]["read"] is True and listed[a1]["starred"] is True
    assert listed[a2]["read"] is False
    assert client.get(f"{API}/me/articles/{a1}/state", headers=bob).json()["read"] is False
    unread = walk(client, f"{API}/articles?unread=true", headers=alice)
    assert a1 not in {i["id"] for i in unread} and len(unread) == 6
    assert [i["id"] for i in walk(client, f"{API}/me/starred", headers=alice)] == [a1]
    assert [i["id"] for i in walk(client, f"{API}/articles?starred=true", headers=alice)] == [a1]

    # in bulk: unknown ids are reported, not an error
    r = client.post(
        f"{API}/me/marks", json={"article_ids": [a2, a1, 999999], "starred": True}, headers=alice
    )
    assert r.json() == {"updated": sorted([a1, a2]), "missing": [999999]}
    r = client.post(f"{API}/me/marks", json={"article_ids": [a1], "read": False}, headers=alice)
    assert client.get(f"{API}/me/articles/{a1}/state", headers=alice).json()["read"] is False
    error_of(client.post(f"{API}/me/marks", json={"article_ids": []}, headers=alice), 422)
    assert len(walk(client, f"{API}/me/starred?limit=1", headers=alice)) == 2


def test_subscriptions_my_feed_and_mark_all_read(
    client: TestClient, data: Dataset, accounts: Accounts
) -> None:
    alice = accounts.auth("alice")
    business, tech = data.feed_ids["business"], data.feed_ids["technology"]
    assert walk(client, f"{API}/me/feed", headers=alice) == []
    r = client.put(f"{API}/me/subscriptions/{business}", headers=alice)
    assert r.status_code == 201 and r.json()["unread_count"] == 3
    r = client.put(
        f"{API}/me/subscriptions/{business}",
        json={"title": "Money", "folder": "News"},
        headers=alice,
    )
    assert r.status_code == 200 and (r.json()["title"], r.json()["folder"]) == ("Money", "News")
    assert client.put(f"{API}/me/subscriptions/{tech}", headers=alice).status_code == 201
    error_of(client.put(f"{API}/me/subscriptions/999999", headers=alice), 404)
    subs = client.get(f"{API}/me/subscriptions", headers=alice).json()
    assert [(s["feed"]["id"], s["unread_count"]) for s in subs] == [(tech, 2), (business, 3)]

    mine = [
        data.by_path(p).id
        for p in ("business/001", "business/002", "tech/001", "tech/002", "politics/001")
    ]
    feed = walk(client, f"{API}/me/feed?limit=2", headers=alice)
    assert [i["id"] for i in feed] == mine  # newest first (all unread)
    # read ones go last with order=unread (the default); order=newest keeps time order
    client.put(f"{API}/me/articles/{mine[0]}/state", json={"read": True}, headers=alice)
    assert [i["id"] for i in walk(client, f"{API}/me/feed?limit=2", headers=alice)] == [
        *mine[1:],
        mine[0],
    ]
    assert [
        i["id"] for i in walk(client, f"{API}/me/feed?order=newest&limit=4", headers=alice)
    ] == mine
    unread_only = walk(client, f"{API}/me/feed?unread_only=true", headers=alice)
    assert [i["id"] for i in unread_only] == mine[1:]

    # mark a feed read up to a time, then everything
    until = (datetime.now(UTC) - timedelta(hours=3)).isoformat()
    r = client.post(
        f"{API}/me/mark-all-read", json={"feed_id": business, "until": until}, headers=alice
    )
    assert r.json() == {"marked": 2}  # business/002 (5 hours old) and politics/001
    counts = {
        s["feed"]["id"]: s["unread_count"]
        for s in client.get(f"{API}/me/subscriptions", headers=alice).json()
    }
    assert counts == {business: 0, tech: 2}
    assert client.post(f"{API}/me/mark-all-read", json={}, headers=alice).json() == {"marked": 2}
    assert walk(client, f"{API}/me/feed?unread_only=true", headers=alice) == []
    # bob's marks are untouched
    assert len(walk(client, f"{API}/articles?unread=true", headers=accounts.auth("bob"))) == 7

    assert client.delete(f"{API}/me/subscriptions/{tech}", headers=alice).status_code == 204
    error_of(client.delete(f"{API}/me/subscriptions/{tech}", headers=alice), 404)


def test_follows(client: TestClient, data: Dataset, accounts: Accounts) -> None:
    alice = accounts.auth("alice")
    r = client.post(f"{API}/me/follows", json={"kind": "hashtag", "key": "#Brexit"}, headers=alice)
    assert r.status_code == 201 and r.json()["key"] == "brexit"
    again = client.post(
        f"{API}/me/follows", json={"kind": "hashtag", "key": "brexit"}, headers=alice
    )
    assert again.status_code == 200
    client.post(
        f"{API}/me/follows", json={"kind": "entity", "key": " Bank  of England "}, headers=alice
    )
    # keys are tag slugs, lower-cased (tags merge on their slug case-insensitively)
    assert [
        (f["kind"], f["key"]) for f in client.get(f"{API}/me/follows", headers=alice).json()
    ] == [
        ("entity", "bankofengland"),
        ("hashtag", "brexit"),
    ]
    error_of(
        client.post(f"{API}/me/follows", json={"kind": "person", "key": "x"}, headers=alice), 422
    )
    error_of(
        client.post(f"{API}/me/follows", json={"kind": "hashtag", "key": "###"}, headers=alice), 400
    )
    assert (
        client.delete(f"{API}/me/follows?kind=hashtag&key=%23BREXIT", headers=alice).status_code
        == 204
    )
    error_of(client.delete(f"{API}/me/follows?kind=hashtag&key=brexit", headers=alice), 404)


# --- feeds (admins) --------------------------------------------------------------------------


def test_only_admins_add_and_remove_feeds(
    client: TestClient, data: Dataset, accounts: Accounts
) -> None:
    listed = client.get(f"{API}/feeds").json()  # the same facts as the public /sources page
    assert {f["title"] for f in listed} == {
        "BBC News - Business",
        "BBC News - Technology",
        "BBC Sport",
    }
    assert next(f for f in listed if f["last_error"])["error_count"] == 3

    new = {"url": "https://feeds.example.org/world.xml", "title": "World"}
    error_of(client.post(f"{API}/feeds", json=new), 401)
    error_of(
        client.post(f"{API}/feeds", json=new, headers=accounts.auth("alice")), 403, "admin_only"
    )
    error_of(client.post(f"{API}/feeds", json=new, headers=accounts.auth("mod")), 403, "admin_only")
    r = client.post(f"{API}/feeds", json=new, headers=accounts.auth("root"))
    assert r.status_code == 201 and r.json()["article_count"] == 0
    feed_id = r.json()["id"]
    error_of(
        client.post(f"{API}/feeds", json=new, headers=accounts.auth("root")), 409, "feed_exists"
    )
    for bad in ("javascript:alert(1)//x", "ftp://example.org/feed"):  # the schema's pattern
        error_of(client.post(f"{API}/feeds", json={"url": bad}, headers=accounts.auth("root")), 422)
    for bad in ("https:///nohost", "https://exa mple.org/feed"):
        error_of(
            client.post(f"{API}/feeds", json={"url": bad}, headers=accounts.auth("root")),
            400,
            "invalid_url",
        )

    # removing a feed removes the subscriptions to it, not the articles
    client.put(f"{API}/me/subscriptions/{data.feed_ids['sport']}", headers=accounts.auth("alice"))
    error_of(client.delete(f"{API}/feeds/{feed_id}", headers=accounts.auth("alice")), 403)
    assert client.delete(f"{API}/feeds/{feed_id}", headers=accounts.auth("root")).status_code == 204
    assert (
        client.delete(
            f"{API}/feeds/{data.feed_ids['sport']}", headers=accounts.auth("root")
        ).status_code
        == 204
    )
    error_of(client.get(f"{API}/feeds/{feed_id}"), 404)
    assert client.get(f"{API}/me/subscriptions", headers=accounts.auth("alice")).json() == []
    assert client.get(f"{API}/articles/{data.by_path('sport/001').id}").status_code == 200


# --- comments --------------------------------------------------------------------------------


def test_comments_follow_the_web_rules(
    app: FastAPI, client: TestClient, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    alice, bob = accounts.auth("alice"), accounts.auth("bob")
    aid = data.by_path("tech/001").id
    url = f"{API}/articles/{aid}/comments"
    error_of(client.post(url, json={"body": "anonymous"}), 401)
    r = client.post(url, json={"body": "Nice **work** <script>alert(1)</script>"}, headers=alice)
    assert r.status_code == 201
    mine = r.json()
    assert mine["author"] == "alice" and "<strong>work</strong>" in mine["body_html"]
    assert "<script" not in mine["body_html"]
    reply = client.post(url, json={"body": "Agreed", "parent_id": mine["id"]}, headers=bob).json()
    assert reply["parent_id"] == mine["id"]
    error_of(client.post(url, json={"body": "x", "parent_id": 999999}, headers=bob), 400)
    error_of(client.post(url, json={"body": "   "}, headers=bob), 422, "invalid_body")
    error_of(client.post(f"{API}/articles/999999/comments", json={"body": "x"}, headers=bob), 404)

    # another user's comment cannot be edited or deleted through the API
    error_of(client.patch(f"{API}/comments/{mine['id']}", json={"body": "pwned"}, headers=bob), 403)
    error_of(client.delete(f"{API}/comments/{mine['id']}", headers=bob), 403)
    with session_scope(engine) as s:
        row = s.get(Comment, mine["id"])
        assert row is not None and row.body_markdown.startswith("Nice") and row.deleted_at is None

    # the author can: the old version is kept, as with the web form
    r = client.patch(f"{API}/comments/{mine['id']}", json={"body": "Nice *work*"}, headers=alice)
    assert (
        r.status_code == 200
        and r.json()["edited_at"]
        and r.json()["body_markdown"] == "Nice *work*"
    )
    with session_scope(engine) as s:
        revisions = list(s.scalars(select(CommentRevision.body_markdown)))
    assert revisions == ["Nice **work** <script>alert(1)</script>"]

    thread = client.get(url).json()
    assert thread["count"] == 2
    assert [(c["id"], c["depth"]) for c in thread["items"]] == [(mine["id"], 0), (reply["id"], 1)]
    assert thread["items"][0]["body_markdown"] is None  # only the author sees the source
    assert client.get(url, headers=alice).json()["items"][0]["body_markdown"] == "Nice *work*"

    assert client.delete(f"{API}/comments/{mine['id']}", headers=alice).status_code == 204
    error_of(
        client.patch(f"{API}/comments/{mine['id']}", json={"body": "again"}, headers=alice), 404
    )
    after = client.get(url).json()
    assert after["count"] == 1 and after["items"][0]["state"] == "deleted"  # kept for its reply
    assert after["items"][0]["body_html"] is None and after["items"][0]["author"] is None
    assert client.get(f"{API}/articles/{aid}").json()["comment_count"] == 1

    # the web forms' rate limits apply to the API
    app.state.reader_limits = replace(
        app.state.reader_limits, comment_per_user=(Limit(3, 60),), comment_per_ip=(Limit(100, 60),)
    )
    statuses = [
        client.post(url, json={"body": f"flood {n}"}, headers=bob).status_code for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    r = client.post(url, json={"body": "more"}, headers=bob)
    error_of(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0

    # banned users cannot comment
    with session_scope(engine) as s:
        user = s.get(User, accounts.ids["alice"])
        assert user is not None
        user.banned_at = datetime.now(UTC)
    error_of(client.post(url, json={"body": "still here"}, headers=alice), 401)


def test_openapi_schema_is_precise(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema == client.get(f"{API}/openapi.json").json()
    assert schema["servers"] == [{"url": API}]
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "description": schema["components"]["securitySchemes"]["token"]["description"],
        "scheme": "bearer",
    }
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorResponse", (path, method, status)
    listing = schema["paths"]["/articles"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["$ref"] == "#/components/schemas/ArticlePage"
