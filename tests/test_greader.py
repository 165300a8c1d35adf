"""The Google Reader API, driven by a client nobody on this team wrote: `google-reader`
(PyPI, by Miniflux's author, tested by them against Miniflux and FreshRSS), over HTTP against
the real app on a loopback uvicorn server; plus protocol details through the TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import google_reader
import pytest
import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.security import Limit
from newsdesk.tokens import create_api_token
from newsdesk.web.greader import long_id, parse_item_id

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data, live_server
    from .readers_support import PASSWORD, _fast_hashing, app, client, engine
    from .webdata import Dataset
except ImportError:
    from api_support import Accounts, accounts, data, live_server  # type: ignore[no-redef]  # noqa: F401
    from readers_support import (  # type: ignore[no-redef]  # noqa: F401
        PASSWORD,
        _fast_hashing,
        app,
        client,
        engine,
    )
    from webdata import Dataset  # type: ignore[no-redef]

R = "/reader/api/0"
READ = google_reader.STREAM_READ
STARRED = google_reader.STREAM_STARRED
READING_LIST = google_reader.STREAM_READING_LIST


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # loopback only: never a proxy from the environment
        yield session


def unread_counts(
    http: requests.Session, server: str, auth: google_reader.AuthToken
) -> dict[str, int]:
    r = http.get(
        f"{server}{R}/unread-count",
        params={"output": "json"},
        headers={"Authorization": f"GoogleLogin auth={auth.AccessToken}"},
    )
    assert r.status_code == 200
    return {c["id"]: c["count"] for c in r.json()["unreadcounts"]}


def test_client_flow_login_subscribe_read_star(
    server: str, http: requests.Session, data: Dataset, accounts: Accounts
) -> None:
    gr = google_reader.Client(server, session=http)
    with pytest.raises(google_reader.AuthenticationError):
        gr.login("alice", "wrong password")
    auth = gr.login("alice", PASSWORD)
    token = gr.get_token(auth)
    info = gr.get_user_info(auth)
    assert (info.user_id, info.user_name) == (str(accounts.ids["alice"]), "alice")
    assert gr.list_subscriptions(auth) == []

    # subscribe by feed URL (into a folder) and by id
    business, tech = data.feed_ids["business"], data.feed_ids["technology"]
    assert gr.edit_subscription(
        auth,
        token,
        "feed/https://feeds.bbci.co.uk/news/business/rss.xml",
        "subscribe",
        add_label_id=google_reader.get_label_id("Money"),
    )
    assert gr.edit_subscription(auth, token, f"feed/{tech}", "subscribe", title="Tech")
    subs = gr.list_subscriptions(auth)
    assert [(s.id, s.title, s.url) for s in subs] == [
        (f"feed/{tech}", "Tech", "https://feeds.bbci.co.uk/news/technology/rss.xml"),
        (
            f"feed/{business}",
            "BBC News - Business",
            "https://feeds.bbci.co.uk/news/business/rss.xml",
        ),
    ]
    assert subs[1].categories == [google_reader.Tag("user/-/label/Money", "Money", "folder")]
    assert subs[1].html_url == "https://www.bbc.co.uk/news/business"
    assert gr.list_tags(auth) == [
        google_reader.Tag(STARRED),
        google_reader.Tag("user/-/label/Money", "Money", "folder"),
    ]

    # the reading list: unread item ids, then their contents
    ids = gr.get_stream_items_ids(auth, READING_LIST, limit=1000, exclude_target=READ)
    expected = [
        data.by_path(p).id
        for p in ("business/001", "business/002", "tech/001", "tech/002", "politics/001")
    ]
    assert [int(ref.id) for ref in ids.item_refs] == expected
    assert not ids.continuation
    contents = gr.get_stream_items_contents(auth, token, [ref.id for ref in ids.item_refs[:2]])
    first = contents.items[0]
    assert first.id == google_reader.get_long_item_id(expected[0])
    assert first.title == data.by_path("business/001").title
    assert first.canonical[0].href == "https://www.bbc.co.uk/news/business-001"
    assert first.origin.stream_id == f"feed/{business}"
    assert "user/-/label/Money" in first.categories and READ not in first.categories
    assert first.content.content.startswith("<p>Quarterly profits")
    assert first.author == "Simon Jack"
    assert unread_counts(http, server, auth) == {
        f"feed/{tech}": 2,
        f"feed/{business}": 3,
        "user/-/label/Money": 3,
        READING_LIST: 5,
    }

    # mark read (long ids) -> the unread count and the unread stream change
    assert gr.edit_tags(auth, token, [first.id, contents.items[1].id], add_tags=[READ])
    counts = unread_counts(http, server, auth)
    assert counts[f"feed/{business}"] == 1 and counts[READING_LIST] == 3
    unread = gr.get_stream_items_ids(auth, READING_LIST, exclude_target=READ)
    assert [int(r.id) for r in unread.item_refs] == expected[2:]
    read = gr.get_stream_items_ids(auth, READING_LIST, include_target=READ)
    assert [int(r.id) for r in read.item_refs] == expected[:2]
    again = gr.get_stream_items_contents(auth, token, [first.id])
    assert READ in again.items[0].categories
    # ... and unread again (short ids)
    assert gr.edit_tags(auth, token, [str(expected[1])], remove_tags=[READ])
    assert unread_counts(http, server, auth)[READING_LIST] == 4

    # star
    assert gr.edit_tags(
        auth, token, [google_reader.get_long_item_id(expected[3])], add_tags=[STARRED]
    )
    starred = gr.get_stream_items_ids(auth, STARRED)
    assert [int(r.id) for r in starred.item_refs] == [expected[3]]
    assert (
        STARRED in gr.get_stream_items_contents(auth, token, [str(expected[3])]).items[0].categories
    )
    assert gr.edit_tags(auth, token, [str(expected[3])], remove_tags=[STARRED])
    assert gr.get_stream_items_ids(auth, STARRED).item_refs == []

    # one feed's items, oldest first, in pages
    pages: list[int] = []
    continuation = None
    for _ in range(5):
        page = gr.get_stream_items_ids(
            auth, f"feed/{business}", limit=1, direction="asc", continuation=continuation
        )
        pages += [int(r.id) for r in page.item_refs]
        continuation = page.continuation
        if not continuation:
            break
    assert pages == [data.by_path(p).id for p in ("politics/001", "business/002", "business/001")]

    # mark all as read, rename, unsubscribe
    assert gr.mark_all_as_read(auth, token, f"feed/{tech}")
    assert unread_counts(http, server, auth)[f"feed/{tech}"] == 0
    assert gr.mark_all_as_read(auth, token, READING_LIST)
    assert unread_counts(http, server, auth)[READING_LIST] == 0
    assert gr.rename_tag(auth, token, "user/-/label/Money", "Business")
    assert [t.id for t in gr.list_tags(auth)] == [STARRED, "user/-/label/Business"]
    assert gr.edit_subscription(auth, token, f"feed/{tech}", "unsubscribe")
    assert [s.id for s in gr.list_subscriptions(auth)] == [f"feed/{business}"]
    with pytest.raises(google_reader.ClientError):
        gr.edit_subscription(auth, token, f"feed/{tech}", "unsubscribe")

    # bob sees none of it
    bob = gr.login("bob", PASSWORD)
    assert gr.list_subscriptions(bob) == []
    assert gr.get_stream_items_ids(bob, STARRED).item_refs == []


def test_app_passwords_and_quickadd(
    server: str, http: requests.Session, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    gr = google_reader.Client(server, session=http)
    app_password = create_api_token(engine, accounts.ids["bob"], "Reeder", scope="greader")
    auth = gr.login("bob", app_password)
    assert auth.AccessToken == app_password
    assert gr.get_user_info(auth).user_name == "bob"
    with pytest.raises(google_reader.AuthenticationError):
        gr.login("alice", app_password)  # bob's app password is not alice's
    # an API token works directly as the GoogleLogin auth value too
    direct = google_reader.AuthToken("GoogleLogin", accounts.tokens["alice"])
    assert gr.get_user_info(direct).user_name == "alice"
    with pytest.raises(google_reader.AuthenticationError):
        gr.get_user_info(google_reader.AuthToken("GoogleLogin", "1/" + "0" * 64))

    # readers can subscribe to the site's feeds, only admins add new URLs
    token = gr.get_token(auth)
    known = gr.quick_add_subscription(auth, token, "https://feeds.bbci.co.uk/sport/rss.xml")
    assert (known.num_results, known.stream_id) == (1, f"feed/{data.feed_ids['sport']}")
    unknown = gr.quick_add_subscription(auth, token, "https://example.org/new.xml")
    assert unknown.num_results == 0
    root = gr.login("root", PASSWORD)
    added = gr.quick_add_subscription(root, gr.get_token(root), "https://example.org/new.xml")
    assert added.num_results == 1 and added.query == "https://example.org/new.xml"
    assert [s.url for s in gr.list_subscriptions(root)] == ["https://example.org/new.xml"]


def test_protocol_details(
    app: FastAPI, client: TestClient, data: Dataset, accounts: Accounts
) -> None:
    # ClientLogin: Google's plain-text answers
    r = client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = dict(line.split("=", 1) for line in r.text.strip().splitlines())
    assert set(lines) == {"SID", "LSID", "Auth"} and lines["Auth"].startswith(
        f"{accounts.ids['alice']}/"
    )
    as_json = client.post(
        "/accounts/ClientLogin", data={"Email": "ALICE", "Passwd": PASSWORD, "output": "json"}
    )
    assert as_json.json()["Auth"] == lines["Auth"]  # usernames are case-insensitive; stable token
    bad = client.post("/accounts/ClientLogin", data={"Email": "alice", "Passwd": "nope"})
    assert (bad.status_code, bad.text) == (401, "Error=BadAuthentication\n")
    auth = {"Authorization": f"GoogleLogin auth={lines['Auth']}"}

    # no or bad credentials: 401 with Google-Bad-Token
    for headers in (
        {},
        {"Authorization": "GoogleLogin auth=nope"},
        {"Authorization": "GoogleLogin x"},
    ):
        r = client.get(f"{R}/user-info", headers=headers)
        assert r.status_code == 401 and r.headers["Google-Bad-Token"] == "true"
    assert client.get(f"{R}/token", headers=auth).text.strip() == lines["Auth"]

    # POSTs may carry the credential in T instead of the header (as with Miniflux), no CSRF
    a1 = data.by_path("tech/001").id
    r = client.post(f"{R}/edit-tag", data={"i": str(a1), "a": STARRED, "T": lines["Auth"]})
    assert (r.status_code, r.text) == (200, "OK")
    r = client.get(f"{R}/stream/items/ids", params={"s": STARRED, "output": "json"}, headers=auth)
    assert [ref["id"] for ref in r.json()["itemRefs"]] == [str(a1)]
    assert (
        client.post(f"{R}/edit-tag", data={"i": str(a1), "a": STARRED, "T": "forged"}).status_code
        == 401
    )

    # stream/contents by path (URL-encoded feed URL) and by s=; n, c, r=o, ot/nt, xt, it
    feed_url = "https://feeds.bbci.co.uk/news/business/rss.xml"
    by_path = client.get(
        f"{R}/stream/contents/feed%2F{feed_url.replace(':', '%3A').replace('/', '%2F')}",
        headers=auth,
    )
    assert by_path.status_code == 200 and len(by_path.json()["items"]) == 3
    titles: list[str] = []
    cont = None
    for _ in range(5):
        params = {"n": "2", "output": "json"}
        if cont:
            params["c"] = cont
        page = client.get(
            f"{R}/stream/contents/feed/{data.feed_ids['business']}", params=params, headers=auth
        ).json()
        titles += [item["title"] for item in page["items"]]
        cont = page.get("continuation")
        if not cont:
            break
    assert titles == [
        data.by_path(p).title for p in ("business/001", "business/002", "politics/001")
    ]
    assert (
        client.get(f"{R}/stream/contents/feed/1", params={"c": "bogus"}, headers=auth).status_code
        == 400
    )
    everything = client.get(
        f"{R}/stream/items/ids", params={"s": "user/-/state/com.google/read"}, headers=auth
    )
    assert everything.json()["itemRefs"] == []
    import time

    day_ago = str(int(time.time()) - 86400)
    recent = client.get(
        f"{R}/stream/items/ids",
        params={"s": f"feed/{data.feed_ids['business']}", "ot": day_ago},
        headers=auth,
    ).json()
    assert len(recent["itemRefs"]) == 2
    older = client.get(
        f"{R}/stream/items/ids",
        params={"s": f"feed/{data.feed_ids['business']}", "nt": day_ago},
        headers=auth,
    ).json()
    assert [ref["id"] for ref in older["itemRefs"]] == [str(data.by_path("politics/001").id)]
    assert (
        client.get(f"{R}/stream/items/ids", params={"s": "nonsense/1"}, headers=auth).status_code
        == 400
    )
    assert (
        client.get(f"{R}/subscription/list", params={"output": "xml"}, headers=auth).status_code
        == 400
    )

    # items/contents: long and short ids alike; unknown ids are skipped
    body = {"i": [long_id(a1), str(data.xss_id), "999999"], "output": "json"}
    r = client.post(f"{R}/stream/items/contents", data=body, headers=auth)
    items = r.json()["items"]
    assert [item["id"] for item in items] == [long_id(a1), long_id(data.xss_id)]
    assert "user/-/state/com.google/starred" in items[0]["categories"]
    assert items[1]["origin"]["streamId"] == "feed/0"  # the probe came from no feed
    assert "<script" not in items[1]["content"]["content"]  # escaped text paragraphs
    assert (
        client.post(f"{R}/stream/items/contents", data={"i": "tag:nope"}, headers=auth).status_code
        == 400
    )
    assert client.post(f"{R}/edit-tag", data={"i": str(a1)}, headers=auth).status_code == 400

    # apps set up for FreshRSS use its /api/greader.php prefix
    fresh = client.post(
        "/api/greader.php/accounts/ClientLogin", data={"Email": "alice", "Passwd": PASSWORD}
    )
    assert fresh.status_code == 200 and f"Auth={lines['Auth']}" in fresh.text
    r = client.get(f"/api/greader.php{R}/tag/list", params={"output": "json"}, headers=auth)
    assert r.json() == {"tags": [{"id": STARRED}]}

    # unknown endpoints, after authentication
    assert client.get(f"{R}/preference/list", headers=auth).status_code == 501
    assert client.get(f"{R}/preference/list").status_code == 401

    # ClientLogin is throttled like the web login
    app.state.reader_limits = replace(app.state.reader_limits, login_per_account=Limit(3, 900))
    codes = [
        client.post(
            "/accounts/ClientLogin", data={"Email": "bob", "Passwd": f"wrong {n}"}
        ).status_code
        for n in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    r = client.post("/accounts/ClientLogin", data={"Email": "bob", "Passwd": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_item_ids() -> None:
    assert long_id(123) == "tag:google.com,2005:reader/item/000000000000007b"
    assert parse_item_id("tag:google.com,2005:reader/item/000000000000007b") == 123
    assert parse_item_id("123") == 123
    assert parse_item_id("-1") is None  # 2**64 - 1: no such article
    assert parse_item_id("0") is None
    assert parse_item_id("tag:google.com,2005:reader/item/zz") is None
    assert parse_item_id("99999999999999999999999") is None
