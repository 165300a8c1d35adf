"""The Fever API (/api/fever.php), driven over real HTTP against the app on a loopback uvicorn
server: by `freshrss-api` (PyPI), a Fever client nobody on this team wrote, and by `requests`
asserting the protocol as Miniflux's handler answers it. Read and saved marks are the ones the
Google Reader API and My feed use, checked through the Google Reader API."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import freshrss_api
import pytest
import requests
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.engine import Engine

from newsdesk.security import Limit
from newsdesk.store import Article, Feed, FeedArticle, session_scope
from newsdesk.store.models_readers import ApiToken
from newsdesk.tokens import create_api_token, fever_key, revoke_token
from newsdesk.web import reading
from newsdesk.web.fever import PAGE, group_ids

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, live_server
    from .conftest import shared_data
    from .readers_support import _fast_hashing, app, client, csrf_of, engine, login
except ImportError:
    from api_support import Accounts, accounts, live_server  # type: ignore[no-redef]  # noqa: F401
    from conftest import shared_data  # type: ignore[no-redef]
    from readers_support import (  # type: ignore[no-redef]  # noqa: F401
        _fast_hashing,
        app,
        client,
        csrf_of,
        engine,
        login,
    )

FEVER = "/api/fever.php"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Corpus:
    feeds: dict[str, int]  # BBC category -> feed id
    articles: dict[str, list[int]]  # BBC category -> article ids, in insertion (id) order
    published: dict[int, datetime]


def add_bbc_feeds(engine: Engine, counts: dict[str, int]) -> Corpus:
    """One feed per BBC News category with its first `counts[category]` articles (real text),
    published an hour apart, the newest first."""
    bbc = shared_data("bbc-news") / "bbc"
    corpus = Corpus({}, {}, {})
    with session_scope(engine) as s:
        for category, count in counts.items():
            feed = Feed(
                url=f"https://feeds.bbci.co.uk/news/{category}/rss.xml",
                site_url=f"https://www.bbc.co.uk/news/{category}",
                title=f"BBC News - {category.title()}",
                last_fetched_at=NOW - timedelta(minutes=5),
            )
            s.add(feed)
            s.flush()
            corpus.feeds[category] = feed.id
            corpus.articles[category] = []
            for n, path in enumerate(sorted((bbc / category).glob("*.txt"))[:count]):
                title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
                article = Article(
                    url=f"https://www.bbc.co.uk/news/{category}-{path.stem}",
                    title=title.strip(),
                    author="BBC News",
                    outlet="BBC News",
                    published_at=NOW - timedelta(hours=n + 1),
                    fetched_at=NOW - timedelta(minutes=30),
                    text=body.strip(),
                    word_count=len(body.split()),
                )
                s.add(article)
                s.flush()
                s.add(FeedArticle(feed_id=feed.id, article_id=article.id, guid=article.url))
                corpus.articles[category].append(article.id)
                corpus.published[article.id] = NOW - timedelta(hours=n + 1)
    return corpus


@pytest.fixture
def corpus(engine: Engine, accounts: Accounts) -> Corpus:
    """alice subscribes to business (folder "Money") and tech (no folder); sport is a feed of
    the site she does not follow."""
    found = add_bbc_feeds(engine, {"business": 60, "tech": 45, "sport": 10})
    with session_scope(engine) as s:
        uid = accounts.ids["alice"]
        reading.subscribe(s, uid, found.feeds["business"], "Markets", "Money")
        reading.subscribe(s, uid, found.feeds["tech"])
    return found


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # loopback only: never a proxy from the environment
        yield session


@pytest.fixture
def fever_token(engine: Engine, accounts: Accounts) -> str:
    return create_api_token(engine, accounts.ids["alice"], "Reeder", "fever")


def key_of(username: str, password: str) -> str:
    return hashlib.md5(f"{username}:{password}".encode()).hexdigest()


class Fever:
    """POSTs as Fever apps send them: api_key in the form, the arguments in the query."""

    def __init__(self, http: requests.Session, server: str, api_key: str) -> None:
        self.http, self.url, self.api_key = http, server + FEVER, api_key

    def __call__(self, *flags: str, **params: Any) -> dict[str, Any]:
        query = {"api": "", **{flag: "" for flag in flags}, **params}
        r = self.http.post(self.url, params=query, data={"api_key": self.api_key})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.headers["cache-control"] == "no-store"
        body: dict[str, Any] = r.json()
        assert body["api_version"] == 3 and body["auth"] == 1, body
        assert isinstance(body["last_refreshed_on_time"], int)
        return body


def ids_of(csv: str) -> list[int]:
    return [int(part) for part in csv.split(",")] if csv else []


def greader_unread(
    http: requests.Session, server: str, token: str, stream: str = "reading-list"
) -> int:
    """alice's unread count of a Google Reader stream (the same marks, another protocol)."""
    r = http.get(
        f"{server}/reader/api/0/unread-count",
        params={"output": "json"},
        headers={"Authorization": f"GoogleLogin auth={token}"},
    )
    assert r.status_code == 200, r.text
    counts = {c["id"]: c["count"] for c in r.json()["unreadcounts"]}
    return int(counts.get(stream if "/" in stream else f"user/-/state/com.google/{stream}", 0))


# --- a third-party client ---------------------------------------------------------------------


def test_freshrss_api_client_reads_and_marks(
    server: str,
    http: requests.Session,
    corpus: Corpus,
    accounts: Accounts,
    fever_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the client's own requests.post: loopback only
    with pytest.raises(freshrss_api.AuthenticationError):
        freshrss_api.FreshRSSAPI(server, "alice", "not-the-token")
    with pytest.raises(freshrss_api.AuthenticationError):  # another user's name, same token
        freshrss_api.FreshRSSAPI(server, "bob", fever_token)
    fr = freshrss_api.FreshRSSAPI(server, "alice", fever_token)
    business, tech = corpus.feeds["business"], corpus.feeds["tech"]

    groups = fr.get_groups()
    money = group_ids(["Money"])["Money"]
    assert groups["groups"] == [{"id": money, "title": "Money"}]
    assert groups["feeds_groups"] == [{"group_id": money, "feed_ids": str(business)}]
    feeds = {f["id"]: f for f in fr.get_feeds()["feeds"]}
    assert set(feeds) == {business, tech}  # sport is not hers
    assert feeds[business]["title"] == "Markets"  # her own title for it
    assert feeds[business]["url"] == "https://feeds.bbci.co.uk/news/business/rss.xml"
    assert feeds[tech]["site_url"] == "https://www.bbc.co.uk/news/tech"

    subscribed = corpus.articles["business"] + corpus.articles["tech"]
    unread = fr.get_unreads()  # unread_item_ids, then items&with_ids in batches of 50
    assert [item.id for item in unread] == sorted(subscribed)
    assert not any(item.is_read or item.is_saved for item in unread)
    first = unread[0]
    assert first.feed_id == business
    assert first.url == "https://www.bbc.co.uk/news/business-001"
    assert first.html.startswith("<p>") and "<script" not in first.html
    assert first.created_on_time == int(corpus.published[first.id].timestamp())

    fr.set_mark("read", first.id)
    fr.set_mark("saved", unread[1].id)
    fr.set_mark("saved", unread[2].id)
    fr.set_mark("unsaved", unread[2].id)
    assert [item.id for item in fr.get_unreads()] == sorted(subscribed)[1:]
    saved = fr.get_saved()
    assert [(item.id, item.is_saved) for item in saved] == [(unread[1].id, True)]
    assert fr.get_items_from_ids([first.id])[0].is_read
    # The same marks the Google Reader API reads.
    assert greader_unread(http, server, accounts.tokens["alice"]) == len(subscribed) - 1


# --- the protocol, as Miniflux answers it ------------------------------------------------------


def test_auth_by_api_key_in_form_or_query(
    server: str, http: requests.Session, corpus: Corpus, engine: Engine, fever_token: str
) -> None:
    url = server + FEVER
    key = key_of("alice", fever_token)
    assert fever_key("alice", fever_token) == key
    failure = {"api_version": 3, "auth": 0}
    assert http.post(url + "?api").json() == failure  # no key
    assert http.post(url + "?api", data={"api_key": "0" * 32}).json() == failure
    assert http.post(url + "?api", data={"api_key": fever_token}).json() == failure  # not md5'd
    assert http.post(url + "?api", data={"api_key": key_of("Alice", fever_token)}).json() == failure
    ok = http.post(url + "?api", data={"api_key": key}).json()
    assert ok["auth"] == 1 and ok["api_version"] == 3
    assert ok["last_refreshed_on_time"] == int((NOW - timedelta(minutes=5)).timestamp())
    assert set(ok) == {"api_version", "auth", "last_refreshed_on_time"}
    by_get = http.get(url, params={"api": "", "api_key": key.upper(), "feeds": ""}).json()
    assert by_get["auth"] == 1 and len(by_get["feeds"]) == 2
    # Only the key's SHA-256 is stored, never the token or the md5 key itself.
    with session_scope(engine) as s:
        row = s.scalars(select(ApiToken).where(ApiToken.scope == "fever")).one()
        assert fever_token not in row.token_hash and key not in row.token_hash
        assert revoke_token(s, row.user_id, row.id)
    assert http.post(url + "?api", data={"api_key": key}).json() == failure


def test_items_since_id_max_id_with_ids(
    server: str, http: requests.Session, corpus: Corpus, fever_token: str
) -> None:
    fever = Fever(http, server, key_of("alice", fever_token))
    subscribed = sorted(corpus.articles["business"] + corpus.articles["tech"])
    assert len(subscribed) > 2 * PAGE

    first = fever("items")  # no argument: the oldest
    assert [i["id"] for i in first["items"]] == subscribed[:PAGE]
    assert first["total_items"] == len(subscribed)
    item = first["items"][0]
    assert set(item) == {
        "id",
        "feed_id",
        "title",
        "author",
        "html",
        "url",
        "is_saved",
        "is_read",
        "created_on_time",
    }
    assert (item["is_read"], item["is_saved"], item["author"]) == (0, 0, "BBC News")

    # since_id: ascending pages after the highest id held, until an empty page
    seen: list[int] = []
    since = 0
    while True:
        page = [i["id"] for i in fever("items", since_id=since)["items"]]
        if not page:
            break
        assert page == sorted(page) and len(page) <= PAGE and page[0] > since
        seen += page
        since = page[-1]
    assert seen == subscribed

    # max_id: descending pages below the lowest id held (0: the newest)
    seen = []
    top = 0
    while True:
        page = [i["id"] for i in fever("items", max_id=top)["items"]]
        if not page:
            break
        assert page == sorted(page, reverse=True) and (top == 0 or page[0] < top)
        seen += page
        top = page[-1]
    assert seen == subscribed[::-1]

    # with_ids: those (up to 50), any article of the site; junk and unknown ids skipped
    sport = corpus.articles["sport"][0]
    wanted = [subscribed[3], sport, 10**9]
    got = fever("items", with_ids=",".join(map(str, wanted)) + ",x,")["items"]
    assert sorted(i["id"] for i in got) == sorted([subscribed[3], sport])
    assert {i["id"]: i["feed_id"] for i in got}[sport] == corpus.feeds["sport"]
    many = fever("items", with_ids=",".join(map(str, subscribed[:60])))["items"]
    assert sorted(i["id"] for i in many) == subscribed[:PAGE]


def test_groups_feeds_favicons_links_in_one_request(
    server: str, http: requests.Session, corpus: Corpus, fever_token: str
) -> None:
    fever = Fever(http, server, key_of("alice", fever_token))
    body = fever("groups", "feeds", "favicons", "links")
    money = group_ids(["Money"])["Money"]
    assert body["groups"] == [{"id": money, "title": "Money"}]
    assert body["feeds_groups"] == [{"group_id": money, "feed_ids": str(corpus.feeds["business"])}]
    assert body["favicons"] == [] and body["links"] == []
    feed = next(f for f in body["feeds"] if f["id"] == corpus.feeds["tech"])
    assert feed == {
        "id": corpus.feeds["tech"],
        "favicon_id": 0,
        "title": "BBC News - Tech",
        "url": "https://feeds.bbci.co.uk/news/tech/rss.xml",
        "site_url": "https://www.bbc.co.uk/news/tech",
        "is_spark": 0,
        "last_updated_on_time": int((NOW - timedelta(minutes=5)).timestamp()),
    }


def test_group_ids_are_stable_and_distinct() -> None:
    one = group_ids(["Money"])
    many = group_ids(["Money", "World", "Tech", "Science", ""])
    assert one["Money"] == many["Money"] > 0
    assert len(set(many.values())) == len(many) and 0 not in many.values()


def test_marks_items_feeds_and_groups_with_before(
    server: str,
    http: requests.Session,
    corpus: Corpus,
    accounts: Accounts,
    fever_token: str,
) -> None:
    fever = Fever(http, server, key_of("alice", fever_token))
    business, tech = corpus.articles["business"], corpus.articles["tech"]
    token = accounts.tokens["alice"]
    assert ids_of(fever("unread_item_ids")["unread_item_ids"]) != []
    assert sorted(ids_of(fever("unread_item_ids")["unread_item_ids"])) == sorted(business + tech)
    assert fever("saved_item_ids")["saved_item_ids"] == ""

    # mark=item: the answer carries the changed list; unknown ids change nothing
    answer = fever(mark="item", **{"as": "read"}, id=tech[0])
    assert tech[0] not in ids_of(answer["unread_item_ids"])
    assert fever(mark="item", **{"as": "unread"}, id=tech[0])["unread_item_ids"].count(",") == (
        len(business + tech) - 1
    )
    assert ids_of(fever(mark="item", **{"as": "saved"}, id=tech[1])["saved_item_ids"]) == [tech[1]]
    fever(mark="item", **{"as": "read"}, id=10**9)
    assert greader_unread(http, server, token) == len(business + tech)
    item = fever("items", with_ids=str(tech[1]))["items"][0]
    assert (item["is_saved"], item["is_read"]) == (1, 0)

    # mark=feed&before: only that feed's articles published before the time
    cut = corpus.published[business[20]]  # articles 0..19 are newer, 20.. older or equal
    answer = fever(
        mark="feed", **{"as": "read"}, id=corpus.feeds["business"], before=int(cut.timestamp())
    )
    unread = set(ids_of(answer["unread_item_ids"]))
    assert unread == set(business[:21]) | set(tech)
    assert greader_unread(http, server, token, "user/-/label/Money") == 21

    # a feed she does not subscribe to is not marked
    fever(mark="feed", **{"as": "read"}, id=corpus.feeds["sport"], before=int(NOW.timestamp()))
    sport = fever("items", with_ids=",".join(map(str, corpus.articles["sport"])))["items"]
    assert [i["is_read"] for i in sport] == [0] * len(sport)

    # mark=group: a folder by its id, then group 0 (everything)
    money = group_ids(["Money"])["Money"]
    answer = fever(mark="group", **{"as": "read"}, id=money, before=int(NOW.timestamp()))
    assert set(ids_of(answer["unread_item_ids"])) == set(tech)
    answer = fever(mark="group", **{"as": "read"}, id=0, before=int(NOW.timestamp()))
    assert answer["unread_item_ids"] == ""
    assert greader_unread(http, server, token) == 0
    assert ids_of(fever("saved_item_ids")["saved_item_ids"]) == [tech[1]]  # saved untouched


def test_failed_keys_are_throttled_per_address(
    app: FastAPI, server: str, http: requests.Session, corpus: Corpus, fever_token: str
) -> None:
    app.state.reader_limits = replace(app.state.reader_limits, login_per_ip=Limit(3, 900))
    url = server + FEVER + "?api"
    for n in range(3):
        r = http.post(url, data={"api_key": f"{n:032x}"})
        assert (r.status_code, r.json()["auth"]) == (200, 0)
    refused = http.post(url, data={"api_key": key_of("alice", fever_token)})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.json() == {"api_version": 3, "auth": 0}


def test_account_page_makes_a_fever_token_and_shows_its_key(
    client: Any, server: str, http: requests.Session, corpus: Corpus, accounts: Accounts
) -> None:
    assert login(client, "alice").status_code == 303
    # A session cookie is not a Fever login (and a cross-site POST carries only that).
    assert client.post(FEVER + "?api&feeds").json() == {"api_version": 3, "auth": 0}
    page = client.get("/me/tokens")
    assert "/api/fever.php" in page.text and 'value="fever"' in page.text
    made = client.post(
        "/me/tokens",
        data={"name": "Reeder", "scope": "fever", "csrf_token": csrf_of(page.text)},
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    token = _input(made.text, "new-token")
    key = _input(made.text, "new-fever-key")
    assert key == key_of("alice", token)
    assert _input(made.text, "new-fever-url").endswith("/api/fever.php")
    body = Fever(http, server, key)("feeds")
    assert len(body["feeds"]) == 2


def _input(html: str, element_id: str) -> str:
    marker = f'id="{element_id}" type="text" readonly value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
