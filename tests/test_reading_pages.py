"""Personal reading pages (/me/...): plain forms with CSRF tokens, no JavaScript needed."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.store import session_scope
from newsdesk.store.models_ai import Tag

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data
    from .readers_support import _fast_hashing, app, client, csrf_of, engine, login
    from .webdata import XSS_TITLE, Dataset
except ImportError:
    from api_support import Accounts, accounts, data  # type: ignore[no-redef]  # noqa: F401
    from readers_support import (  # type: ignore[no-redef]  # noqa: F401
        _fast_hashing,
        app,
        client,
        csrf_of,
        engine,
        login,
    )
    from webdata import XSS_TITLE, Dataset  # type: ignore[no-redef]


def titles(html: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<h2 class="card-title"><a href="/articles/\d+">([^<]*)</a>', html)
    ]


def test_pages_need_a_login(client: TestClient, accounts: Accounts) -> None:
    for path in ("/me/feed", "/me/starred", "/me/subscriptions", "/me/tokens"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/me/"), path
    assert client.post("/me/articles/1/mark", data={"action": "read"}).status_code == 403  # no CSRF


def test_subscribe_read_star_without_javascript(
    client: TestClient, data: Dataset, accounts: Accounts
) -> None:
    assert login(client, "alice").status_code == 303
    empty = client.get("/me/feed")
    assert empty.status_code == 200 and "Nothing here yet" in empty.text

    page = client.get("/me/subscriptions")
    assert page.status_code == 200
    assert page.text.count('type="checkbox" name="feed"') == 3
    token = csrf_of(page.text)
    r = client.post(
        "/me/subscriptions",
        data={
            "feed": [str(data.feed_ids["business"]), str(data.feed_ids["technology"])],
            "csrf_token": token,
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/me/subscriptions?saved=1"
    page = client.get("/me/subscriptions?saved=1")
    assert "Your subscriptions are saved." in page.text
    assert page.text.count(" checked>") == 2
    assert client.post("/me/subscriptions", data={"feed": "1"}).status_code == 403  # forged

    feed = client.get("/me/feed")
    mine = [
        data.by_path(p).title
        for p in ("business/001", "business/002", "tech/001", "tech/002", "politics/001")
    ]
    assert titles(feed.text) == mine
    assert XSS_TITLE not in feed.text  # not subscribed to it

    # mark read: it goes to the end (unread first), with a Read badge and a "Mark unread" button
    first = data.by_path("business/001").id
    token = csrf_of(feed.text)
    r = client.post(
        f"/me/articles/{first}/mark",
        data={"action": "read", "next": "/me/feed", "csrf_token": token},
    )
    assert r.status_code == 303 and r.headers["location"] == "/me/feed"
    feed = client.get("/me/feed")
    assert titles(feed.text) == [*mine[1:], mine[0]]
    assert '<span class="badge">Read</span>' in feed.text
    assert titles(client.get("/me/feed?order=newest").text) == mine
    assert titles(client.get("/me/feed?unread=1").text) == mine[1:]

    # star, then the Starred page; an off-site "next" is not followed
    r = client.post(
        f"/me/articles/{first}/mark",
        data={"action": "star", "next": "https://evil.example/", "csrf_token": csrf_of(feed.text)},
    )
    assert r.headers["location"] == "/me/feed"
    starred = client.get("/me/starred")
    assert titles(starred.text) == [mine[0]]
    assert "Unstar" in starred.text
    bad = client.post(
        f"/me/articles/{first}/mark",
        data={"action": "explode", "csrf_token": csrf_of(starred.text)},
    )
    assert bad.status_code == 400
    gone = client.post(
        "/me/articles/999999/mark", data={"action": "read", "csrf_token": csrf_of(starred.text)}
    )
    assert gone.status_code == 404

    # mark everything read
    r = client.post(
        "/me/mark-all-read", data={"next": "/me/feed", "csrf_token": csrf_of(starred.text)}
    )
    assert r.status_code == 303
    assert titles(client.get("/me/feed?unread=1").text) == []

    # paging: 2 per page
    from newsdesk.web import me_pages

    me_pages.PAGE_SIZE, saved = 2, me_pages.PAGE_SIZE
    try:
        seen: list[str] = []
        url: str | None = "/me/feed?order=newest"
        while url:
            html = client.get(url).text
            seen += titles(html)
            m = re.search(r'<a class="older" href="([^"]+)"', html)
            url = unescape(m[1]) if m else None
        assert seen == mine
    finally:
        me_pages.PAGE_SIZE = saved


def test_follows_link_their_tags_and_say_when_none_has_an_article(
    client: TestClient, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    """Followed tags read as the site writes them and link to their pages; a name no article
    has yet is followed with a word of warning (it was listed as "zzyzxqwerty (entity)")."""
    slug, label, count = "GordonBrown", "Gordon Brown", 1234  # as the enrichment stores it
    with session_scope(engine) as s:
        s.add(Tag(slug=slug, label=label, kind="person", article_count=count))
    login(client, "bob")
    page = client.get("/me/subscriptions")
    for kind, key in (("hashtag", f"#{slug.lower()}"), ("entity", "Zzyzx Qwerty")):
        r = client.post(
            "/me/follows",
            data={"kind": kind, "key": key, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
    assert "untagged" in r.headers["location"]
    html = client.get(r.headers["location"]).text
    assert "You follow “Zzyzx Qwerty”. No article has that hashtag or name yet" in html
    follows = html.split('<ul class="follows">')[1].split("</ul>")[0]
    assert f'<a href="/tags/{slug}">#{slug}</a>' in follows
    assert f"(hashtag · {count:,} article" in follows and label
    assert "zzyzxqwerty" in follows and "(entity · no article yet)" in follows
    # the API names the followed tag by its label
    names = {f["key"]: f["name"] for f in client.get("/api/v1/me/follows").json()}
    assert names[slug.lower()] == label and names["zzyzxqwerty"] == "zzyzxqwerty"


def test_follows_and_tokens_pages(client: TestClient, data: Dataset, accounts: Accounts) -> None:
    login(client, "bob")
    page = client.get("/me/subscriptions")
    r = client.post(
        "/me/follows", data={"kind": "hashtag", "key": "#Brexit", "csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 303
    page = client.get("/me/subscriptions")
    assert "#brexit" in page.text
    r = client.post(
        "/me/follows", data={"kind": "nope", "key": "x", "csrf_token": csrf_of(page.text)}
    )
    assert r.status_code == 400 and "Give a hashtag" in r.text
    r = client.post(
        "/me/follows/remove",
        data={"kind": "hashtag", "key": "brexit", "csrf_token": csrf_of(page.text)},
    )
    after = client.get("/me/subscriptions").text
    assert r.status_code == 303 and "You follow nothing yet." in after and "#brexit" not in after

    tokens = client.get("/me/tokens")
    assert tokens.status_code == 200 and "bob&#39;s test token" in tokens.text
    r = client.post(
        "/me/tokens",
        data={"name": "My feed reader", "scope": "feed", "csrf_token": csrf_of(tokens.text)},
    )
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    feed_url = re.search(r'id="new-feed-url" type="text" readonly value="([^"]+)"', r.text)
    assert feed_url and feed_url[1].startswith("http://localhost/feeds/starred/")
    assert client.get(feed_url[1].removeprefix("http://localhost")).status_code == 200
    secret = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', r.text)
    assert secret and secret[1] in feed_url[1]
    assert secret[1] not in client.get("/me/tokens").text  # shown once
    ids = re.findall(r'action="/me/tokens/(\d+)/revoke"', client.get("/me/tokens").text)
    assert len(ids) == 2
    r = client.post(
        f"/me/tokens/{max(map(int, ids))}/revoke", data={"csrf_token": csrf_of(tokens.text)}
    )
    assert r.status_code == 303
    assert client.get(feed_url[1].removeprefix("http://localhost")).status_code == 404
    # someone else's token id: nothing to revoke
    login(client, "alice")
    r = client.post(
        f"/me/tokens/{min(map(int, ids))}/revoke",
        data={"csrf_token": csrf_of(client.get("/me/tokens").text)},
    )
    assert r.status_code == 404
    api = client.post(
        "/me/tokens",
        data={
            "name": "Reeder",
            "scope": "greader",
            "csrf_token": csrf_of(client.get("/me/tokens").text),
        },
    )
    assert (
        api.status_code == 200 and 'id="new-token"' in api.text and "new-feed-url" not in api.text
    )
    bad = client.post(
        "/me/tokens",
        data={"name": "", "scope": "api", "csrf_token": csrf_of(client.get("/me/tokens").text)},
    )
    assert bad.status_code == 400 and "Give the token a name" in bad.text


def test_feeds_of_one_outlet_are_told_apart(
    client: TestClient, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    """Two feeds of one outlet read "The New York Times" twice; each now says which it is."""
    from newsdesk.store import Feed

    ids = [data.feed_ids["business"], data.feed_ids["technology"], data.feed_ids["sport"]]
    with session_scope(engine) as s:
        saved = {i: (s.get(Feed, i).outlet_name, s.get(Feed, i).title) for i in ids}  # type: ignore[union-attr]
        for i in ids:
            s.get(Feed, i).outlet_name = "BBC News"  # type: ignore[union-attr]
        s.get(Feed, ids[2]).title = "BBC News"  # type: ignore[union-attr]
    try:
        login(client, "alice")
        labels = _feed_labels(client.get("/me/subscriptions").text)
        assert labels[ids[0]] == "BBC News · Business"
        assert labels[ids[1]] == "BBC News · Technology"
        assert labels[ids[2]] == "BBC News"  # the outlet's name is its title
        order = [i for i in labels if i in ids]  # in the order of their labels
        assert order == [ids[2], ids[0], ids[1]]
        with session_scope(engine) as s:
            s.get(Feed, ids[1]).title = "Technology - BBC News"  # type: ignore[union-attr]
        labels = _feed_labels(client.get("/me/subscriptions").text)
        assert labels[ids[1]] == "BBC News · Technology"
        with session_scope(engine) as s:
            s.get(Feed, ids[1]).title = "BBC News - Business"  # type: ignore[union-attr]
        labels = _feed_labels(client.get("/me/subscriptions").text)
        assert labels[ids[0]] == "BBC News · feeds.bbci.co.uk/news/business/rss.xml"  # alike:
        assert labels[ids[1]] == "BBC News · feeds.bbci.co.uk/news/technology/rss.xml"
    finally:
        with session_scope(engine) as s:
            for i, (outlet, title) in saved.items():
                feed = s.get(Feed, i)
                feed.outlet_name, feed.title = outlet, title  # type: ignore[union-attr]


def _feed_labels(html: str) -> dict[int, str]:
    """Each feed's label on /me/subscriptions, as read."""
    return {
        int(i): re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", text))).strip()
        for i, text in re.findall(r'name="feed" value="(\d+)"[^>]*>(.*?)</label>', html, re.S)
    }
