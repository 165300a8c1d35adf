"""Outlets by name (newsdesk.sources.outlet): derived from real feeds' titles and site links,
refined by og:site_name when an article page is read, kept in feeds.outlet_name (migration
0008), editable by an admin (web form with CSRF, CLI); and the same source subscribed twice
(another format, another URL) reported. Real feeds of syndikit-real-feeds on loopback."""

from __future__ import annotations

import asyncio
import gzip
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from newsdesk.config import Settings
from newsdesk.ingest import refresh
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.outlet import outlet_name, site_host
from newsdesk.store import Article, Feed, FeedArticle, connect, session_scope
from newsdesk.subscriptions import SimilarFeed, set_outlet_name, subscribe_url
from newsdesk.web.app import create_app

try:
    from .conftest import LoopbackServer, database_at, shared_data
except ImportError:
    from conftest import LoopbackServer, database_at, shared_data  # type: ignore[no-redef]

_LINK = re.compile(rb"(<link>\s*(?:<!\[CDATA\[)?)(https?://[^<\]\s]+)")
# checked by eye on every feed of the folder (printed by the first test): a handful asserted
EXPECTED = {
    "XML/cnn_latest.xml.gz": "CNN",
    "JSON/cnn_latest.json.gz": "CNN",
    "XML/senestenyt.xml.gz": "DR",
    "JSON/senestenyt.json.gz": "DR",
    "XML/news.rss.gz": "GameStar",
    "XML/apple.developer.xml.gz": "Apple Developer",
    "XML/swiftpackageindex.xml.gz": "Swift Package Index",
    "XML/kilo.youtube.xml.gz": "Kilo Loco",
    "XML/swiftbysundell.xml.gz": "Swift by Sundell",
    "XML/enekoalonso.xml.gz": "enekoalonso.com",
}


def real_feed(name: str) -> bytes:
    return gzip.decompress((shared_data("syndikit-real-feeds") / name).read_bytes())


def test_every_real_feed_gets_a_readable_name() -> None:
    root = shared_data("syndikit-real-feeds")
    names = {}
    for path in sorted([*root.glob("XML/*.gz"), *root.glob("JSON/*.gz")]):
        parsed = parse_feed(gzip.decompress(path.read_bytes()), "http://example.org/feed")
        name = outlet_name(title=parsed.title, site_url=parsed.site_url)
        key = f"{path.parent.name}/{path.name}"
        names[key] = name
        print(f"{key:45} {parsed.title!r:62} -> {name!r}")
        assert name and len(name) <= len(parsed.title or name)
        assert not re.search(r"\bRSS\b|\||—|–| - ", name), (key, name)
    for key, want in EXPECTED.items():
        assert names[key] == want, key


@pytest.mark.parametrize(
    ("title", "site", "pages", "want"),
    [
        ("CNN.com - RSS Channel", "http://www.cnn.com", [], "CNN"),
        ("Read on Seneste nyt | DR ↗", "https://www.dr.dk/", [], "DR"),
        ("Seneste nyt | DR", None, [], "DR"),
        ("BBC News - World", "https://www.bbc.co.uk/news/world", [], "BBC News"),
        ("NYT > Top Stories", "https://www.nytimes.com", [], "NYT"),
        (None, "https://www.swiftbysundell.com/", [], "swiftbysundell.com"),
        # og:site_name of the pages wins, the most common one ...
        ("CNN.com - RSS Channel", "http://www.cnn.com", ["CNN", "CNN", "CNN Intl"], "CNN"),
        ("Seneste nyt | DR", "https://www.dr.dk/", ["DR Nyheder"], "DR Nyheder"),
        # ... except on a platform, where it names the platform
        ("Kilo Loco", "https://www.youtube.com/channel/UCv75", ["YouTube"], "Kilo Loco"),
    ],
)
def test_outlet_name_rules(
    title: str | None, site: str | None, pages: list[str], want: str
) -> None:
    assert outlet_name(title=title, site_url=site, site_names=pages) == want


def test_site_host() -> None:
    assert site_host("https://www.cnn.com/2022/x") == "cnn.com"
    assert site_host("http://feeds.bbci.co.uk/news/rss.xml") == "bbci.co.uk"
    assert site_host("not a url") == ""


# --- refresh: the name flows into articles ----------------------------------------------------

ARTICLE_PAGE = """<!doctype html><html><head><title>{title} | CNN</title>
<meta property="og:site_name" content="CNN"><meta property="og:title" content="{title}">
</head><body><article><h1>{title}</h1>{paras}</article></body></html>"""


def _serve(server: LoopbackServer, name: str, prefix: str, page: str | None, status: int) -> bytes:
    """The real feed with its item links moved to loopback pages (`page` HTML or `status`)."""
    count = [0]

    def link(m: re.Match[bytes]) -> bytes:
        count[0] += 1
        path = f"/{prefix}/{count[0]}.html"
        body = page.format(title=f"Story {count[0]}", paras=_paras()) if page else "gone"
        server.route(path, body, status=200 if page else status)
        return m.group(1) + server.url(path).encode()

    return _LINK.sub(link, real_feed(name))


def _paras() -> str:
    bbc = shared_data("bbc-news") / "bbc" / "business"
    text = (bbc / "001.txt").read_text(encoding="utf-8", errors="replace")
    return "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())


@pytest.fixture
def served(settings: Settings, http_server: LoopbackServer) -> tuple[Settings, Engine, dict]:
    settings = settings.with_(max_pages_per_feed=3, pages_per_host_per_minute=6000)
    engine = connect(settings.db_url)
    urls = {
        "cnn": http_server.route(
            "/cnn.xml", _serve(http_server, "XML/cnn_latest.xml.gz", "cnn", ARTICLE_PAGE, 200)
        ),
        "dr": http_server.route(
            "/dr.xml", _serve(http_server, "XML/senestenyt.xml.gz", "dr", None, 403)
        ),
    }
    ids = {key: subscribe_url(engine, settings, url).id for key, url in urls.items()}
    asyncio.run(refresh(engine, settings))
    return settings, engine, ids


def _outlets(engine: Engine, feed_id: int) -> set[str]:
    with session_scope(engine) as s:
        query = (
            select(Article.outlet)
            .join(FeedArticle, FeedArticle.article_id == Article.id)
            .where(FeedArticle.feed_id == feed_id)
        )
        return set(s.scalars(query))


def test_refresh_names_articles_by_site(served: tuple[Settings, Engine, dict]) -> None:
    _settings, engine, ids = served
    with session_scope(engine) as s:
        cnn, dr = s.get_one(Feed, ids["cnn"]), s.get_one(Feed, ids["dr"])
        assert (cnn.title, cnn.outlet_name, cnn.outlet_source) == (
            "CNN.com - RSS Channel",
            "CNN",
            "site",  # og:site_name of the pages read
        )
        assert (dr.outlet_name, dr.outlet_source) == ("DR", "feed")  # every page: 403
    assert _outlets(engine, ids["cnn"]) == {"CNN"}
    assert _outlets(engine, ids["dr"]) == {"DR"}


def test_admin_renames_an_outlet_on_the_sources_page(
    served: tuple[Settings, Engine, dict],
) -> None:
    from newsdesk.accounts import create_user

    settings, engine, ids = served
    create_user(engine, "boss", "correct horse battery", "admin")
    create_user(engine, "reader", "correct horse battery", "reader")
    with TestClient(create_app(settings, engine)) as client:
        anonymous = client.get("/sources").text
        assert 'action="/sources/feeds/' not in anonymous  # no forms for visitors
        assert 'Outlet: <a href="/outlets/DR">DR</a>' in anonymous
        assert (
            client.post(f"/sources/feeds/{ids['dr']}/outlet", data={"name": "x"}).status_code == 403
        )
        _login(client, "boss")
        page = client.get("/sources").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
        # without the CSRF token: refused
        r = client.post(f"/sources/feeds/{ids['dr']}/outlet", data={"name": "Danmarks Radio"})
        assert r.status_code == 403
        r = client.post(
            f"/sources/feeds/{ids['dr']}/outlet",
            data={"name": "  Danmarks   Radio ", "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == f"/sources#feed-{ids['dr']}"
        assert _outlets(engine, ids["dr"]) == {"Danmarks Radio"}
        assert client.get("/outlets/Danmarks%20Radio").status_code == 200
        assert "(named by an admin)" in client.get("/sources").text
    # an admin's name survives the next refresh; blank derives it again
    asyncio.run(refresh(engine, settings, [ids["dr"]]))
    assert _outlets(engine, ids["dr"]) == {"Danmarks Radio"}
    with session_scope(engine) as s:
        assert set_outlet_name(s, s.get_one(Feed, ids["dr"]), "") == "DR"
    assert _outlets(engine, ids["dr"]) == {"DR"}


def _login(client: TestClient, name: str) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    r = client.post(
        "/login",
        data={"username": name, "password": "correct horse battery", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]


def test_cli_names_an_outlet(served: tuple[Settings, Engine, dict], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.cli import app

    settings, engine, ids = served
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(app, ["feeds", "outlet", str(ids["cnn"]), "CNN International"])
    assert result.exit_code == 0, result.output
    assert "CNN International" in result.output
    assert _outlets(engine, ids["cnn"]) == {"CNN International"}


# --- the same source subscribed twice ----------------------------------------------------------


def test_same_site_in_another_format_or_url_is_reported(
    settings: Settings, http_server: LoopbackServer
) -> None:
    settings = settings.with_(full_text_min_words=0)  # no page fetches
    engine = connect(settings.db_url)
    xml = http_server.route(
        "/dr.xml", real_feed("XML/senestenyt.xml.gz"), content_type="application/rss+xml"
    )
    json_feed = http_server.route(
        "/dr.json", real_feed("JSON/senestenyt.json.gz"), content_type="application/feed+json"
    )
    copy = http_server.route(
        "/mirror/dr.rss", real_feed("XML/senestenyt.xml.gz"), content_type="text/xml"
    )
    other = http_server.route(
        "/cnn.xml", real_feed("XML/cnn_latest.xml.gz"), content_type="application/rss+xml"
    )
    first: list[SimilarFeed] = []
    dr = subscribe_url(engine, settings, xml, first)
    assert first == []
    asyncio.run(refresh(engine, settings))
    as_json: list[SimilarFeed] = []
    subscribe_url(engine, settings, json_feed, as_json)
    assert [s.feed.id for s in as_json] == [dr.id]
    assert "same site link" in as_json[0].reason
    mirrored: list[SimilarFeed] = []
    subscribe_url(engine, settings, copy, mirrored)
    assert dr.id in [s.feed.id for s in mirrored]
    unrelated: list[SimilarFeed] = []
    subscribe_url(engine, settings, other, unrelated)
    assert unrelated == []


def test_shared_items_under_another_site_link_are_reported(
    settings: Settings, http_server: LoopbackServer
) -> None:
    """The same items under a feed whose site link differs: found by the stored items."""
    settings = settings.with_(full_text_min_words=0)
    engine = connect(settings.db_url)
    body = real_feed("XML/news.rss.gz")
    first = http_server.route("/gamestar.xml", body, content_type="application/rss+xml")
    relinked = body.replace(
        b"<link>https://www.gamestar.de/</link>", b"<link>https://gamestar.example/</link>", 1
    )
    assert relinked != body
    second = http_server.route("/gs-all.xml", relinked, content_type="application/rss+xml")
    feed = subscribe_url(engine, settings, first)
    asyncio.run(refresh(engine, settings))
    similar: list[SimilarFeed] = []
    subscribe_url(engine, settings, second, similar)
    assert [s.feed.id for s in similar] == [feed.id]
    assert "items are already stored" in similar[0].reason


def test_cli_feeds_add_reports_the_same_source(
    settings: Settings, http_server: LoopbackServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.cli import app

    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("NEWSDESK_ALLOWED_NETWORKS", "127.0.0.0/8")
    xml = http_server.route(
        "/cnn.xml", real_feed("XML/cnn_latest.xml.gz"), content_type="application/rss+xml"
    )
    js = http_server.route(
        "/cnn.json", real_feed("JSON/cnn_latest.json.gz"), content_type="application/json"
    )
    runner = CliRunner()
    first = runner.invoke(app, ["feeds", "add", xml])
    assert first.exit_code == 0, first.output
    assert "subscribed: CNN <" in first.output and "same source" not in first.output
    second = runner.invoke(app, ["feeds", "add", js])
    assert second.exit_code == 0, second.output
    assert "looks like the same source" in second.output and xml in second.output
    again = runner.invoke(app, ["feeds", "add", xml])  # it said "subscribed" as if new
    assert again.exit_code == 0 and "already subscribed: CNN <" in again.output, again.output


def test_migration_0008_names_existing_feeds_and_articles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    cfg, engine = database_at(tmp_path / "old.sqlite", "0007")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feeds (id, url, title, site_url, added_at, error_count) VALUES "
                "(1, 'https://rss.cnn.com/rss/cnn_latest.rss', 'CNN.com - RSS Channel', "
                "'http://www.cnn.com', '2024-01-01 00:00:00', 0),"
                "(2, 'https://www.dr.dk/nyheder/service/feeds/senestenyt', NULL, NULL, "
                "'2024-01-01 00:00:00', 0)"
            )
        )
        for n, (feed, outlet) in enumerate(
            [(1, "CNN.com - RSS Channel"), (2, "www.dr.dk"), (1, "Other")]
        ):
            conn.execute(
                text(
                    "INSERT INTO articles (id, url, title, outlet, fetched_at, text, html, "
                    "word_count) VALUES (:id, :url, 't', :outlet, '2024-01-01 00:00:00', '', '', 0)"
                ),
                {"id": n + 1, "url": f"https://x.example/{n}", "outlet": outlet},
            )
            conn.execute(
                text(
                    "INSERT INTO feed_articles (feed_id, article_id, guid, seen_at) "
                    "VALUES (:f, :a, :g, '2024-01-01 00:00:00')"
                ),
                {"f": feed, "a": n + 1, "g": f"g{n}"},
            )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        feeds = conn.execute(
            text("SELECT id, outlet_name, outlet_source FROM feeds ORDER BY id")
        ).all()
        outlets = conn.execute(text("SELECT outlet FROM articles ORDER BY id")).scalars().all()
    assert [tuple(r) for r in feeds] == [(1, "CNN", "feed"), (2, "dr.dk", "feed")]
    assert outlets == ["CNN", "dr.dk", "Other"]  # another outlet's name is left alone
    command.downgrade(cfg, "0007")


def test_migration_0018_unescapes_stored_bylines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """iDeveloper's 297 episodes were stored "By Steve Scott (Scotty) &amp; John Fox"."""
    from alembic import command

    cfg, engine = database_at(tmp_path / "old.sqlite", "0017")
    authors = [
        "Steve Scott (Scotty) &amp; John Fox",
        "Tom &amp;lt;3 &quot;Jerry&quot; O&#39;Brien",
        "Plain Name",
        None,
    ]
    with engine.begin() as conn:
        for n, author in enumerate(authors):
            conn.execute(
                text(
                    "INSERT INTO articles (id, url, title, outlet, author, fetched_at, text, "
                    "html, word_count) VALUES (:id, :url, 't', 'o', :author, "
                    "'2024-01-01 00:00:00', '', '', 0)"
                ),
                {"id": n + 1, "url": f"https://x.example/{n}", "author": author},
            )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT author FROM articles ORDER BY id")).scalars().all()
    assert stored == [
        "Steve Scott (Scotty) & John Fox",
        'Tom &lt;3 "Jerry" O\'Brien',
        "Plain Name",
        None,
    ]


def test_migration_0019_unescapes_stored_titles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Apple Developer's "Safari &amp; Web" was stored escaped; the search index follows."""
    from alembic import command

    cfg, engine = database_at(tmp_path / "old.sqlite", "0018")
    titles = ["Safari &amp; Web", "O&#39;Brien &lt;3 &quot;Jerry&quot;", "AT&T; R&D &copy 2020"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feeds (id, url, title, added_at, error_count) "
                "VALUES (1, 'https://x.example/f', :t, '2024-01-01 00:00:00', 0)"
            ),
            {"t": "Apple &amp; Developer"},
        )
        for n, title in enumerate(titles):
            conn.execute(
                text(
                    "INSERT INTO articles (id, url, title, outlet, fetched_at, text, html, "
                    "word_count) VALUES (:id, :url, :t, 'o', '2024-01-01 00:00:00', 'x', '', 1)"
                ),
                {"id": n + 1, "url": f"https://x.example/{n}", "t": title},
            )
        conn.execute(
            text(
                "INSERT INTO stories (id, title, article_count, outlet_count, score, "
                "created_at, updated_at) VALUES (1, :t, 1, 1, 0, '2024-01-01 00:00:00', "
                "'2024-01-01 00:00:00')"
            ),
            {"t": titles[0]},
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT title FROM articles ORDER BY id")).scalars().all()
        story = conn.scalar(text("SELECT title FROM stories"))
        feed = conn.scalar(text("SELECT title FROM feeds"))
        amp = conn.execute(text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'amp'"))
        found = conn.execute(text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'web'"))
        amp_ids, web_ids = amp.scalars().all(), found.scalars().all()
    assert stored == ["Safari & Web", 'O\'Brien <3 "Jerry"', "AT&T; R&D &copy 2020"]
    assert (story, feed) == ("Safari & Web", "Apple & Developer")
    assert amp_ids == [] and web_ids == [1]
