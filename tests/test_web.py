"""The web app over a real SQLite database, through FastAPI's TestClient (no mocks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.accounts import create_user
from newsdesk.config import Settings
from newsdesk.store import Article, connect, session_scope
from newsdesk.web import create_app
from newsdesk.web.app import SECURITY_HEADERS

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .conftest import shared_data
    from .readers_support import fast_hashing, login
    from .webdata import FEED_ERROR, XSS_TITLE, Dataset, add_page_failures, populate
except ImportError:
    from conftest import shared_data
    from readers_support import fast_hashing, login
    from webdata import FEED_ERROR, XSS_TITLE, Dataset, add_page_failures, populate


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = connect(settings.db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def data(engine: Engine) -> Dataset:
    return populate(engine, shared_data("bbc-news"))


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine)) as client:
        yield client


def titles_in(html: str) -> list[str]:
    """Headlines of the article cards, in page order."""
    return [unescape(t) for t in re.findall(r'<a href="/articles/\d+">([^<]*)</a>', html)]


def walk(client: TestClient, url: str) -> list[str]:
    """Headlines of every page, following the "Older" links."""
    seen: list[str] = []
    next_url: str | None = url
    while next_url:
        r = client.get(next_url)
        assert r.status_code == 200
        seen += titles_in(r.text)
        m = re.search(r'<a class="older" href="([^"]+)"', r.text)
        next_url = unescape(m[1]) if m else None
    return seen


def test_home_lists_newest_first(client: TestClient, data: Dataset) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "<title>Latest news — newsdesk</title>" in r.text
    expected = [
        data.by_path(p).title
        for p in ["sport/001", "business/001", "business/002", "tech/001", "tech/002"]
    ]
    shown = titles_in(r.text)
    assert shown[:5] == expected
    assert shown[-1] == data.by_path("politics/001").title
    assert XSS_TITLE in shown  # listed (escaped) between the 3-day and 40-day-old stories
    # outlet, author, relative time, absolute time and an excerpt of the text
    assert 'href="/outlets/BBC%20Business"' in r.text
    assert "Simon Jack" in r.text
    assert ">2 hours ago</time>" in r.text
    assert ">yesterday</time>" in r.text
    assert ">3 days ago</time>" in r.text
    assert "Quarterly profits at US media giant TimeWarner jumped 76%" in r.text
    assert "No articles yet" not in r.text


def test_home_paginates_with_older_link(
    settings: Settings, engine: Engine, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdesk.web import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    with TestClient(create_app(settings, engine)) as client:
        seen = walk(client, "/")
        assert len(seen) == len(data.stories) + 1 == len(set(seen))
        assert seen[0] == data.by_path("sport/001").title
        assert seen[-1] == data.by_path("politics/001").title
        assert client.get("/?before=not-a-cursor").status_code == 400


def test_pagination_breaks_ties_by_id(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles with the same timestamp (or a year-1 date) are neither skipped nor repeated."""
    from newsdesk.web import pages
    from newsdesk.web.queries import Cursor

    same = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    with session_scope(engine) as s:
        for n in range(5):
            s.add(Article(url=f"https://x.example/{n}", title=f"Tie {n}", published_at=same))
        s.add(Article(url="https://x.example/old", title="Ancient", published_at=datetime(1, 1, 1)))
    assert Cursor.decode(Cursor(datetime(1, 1, 1, tzinfo=UTC), 7).encode()) == Cursor(
        datetime(1, 1, 1, tzinfo=UTC), 7
    )
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    with TestClient(create_app(settings, engine)) as client:
        seen = walk(client, "/")
    assert seen == ["Tie 4", "Tie 3", "Tie 2", "Tie 1", "Tie 0", "Ancient"]


def test_outlet_filter(client: TestClient, data: Dataset) -> None:
    r = client.get("/", params={"outlet": "BBC Technology"})
    assert r.status_code == 200
    assert titles_in(r.text) == [data.by_path("tech/001").title, data.by_path("tech/002").title]
    assert "<title>BBC Technology — latest news — newsdesk</title>" in r.text
    # the filter form offers every outlet, with the current one selected
    assert '<option value="BBC Technology" selected>BBC Technology (2)</option>' in r.text
    assert '<label for="outlet-filter">Outlet</label>' in r.text
    assert "No articles from Nowhere" in client.get("/?outlet=Nowhere").text


def test_outlet_page(client: TestClient, data: Dataset) -> None:
    r = client.get("/outlets/" + quote("BBC Business"))
    assert r.status_code == 200
    assert "<h1>BBC Business</h1>" in r.text
    assert "2 articles from" in r.text
    assert ">BBC News - Business</a>." in r.text  # all of them: no count repeated
    assert titles_in(r.text) == [
        data.by_path("business/001").title,
        data.by_path("business/002").title,
    ]
    assert client.get("/outlets/" + quote("No Such Outlet")).status_code == 404
    # names with markup or slashes survive the round trip through the URL
    r = client.get("/outlets/" + quote("Example <i>Wire</i>", safe=""))
    assert r.status_code == 200
    assert "<h1>Example &lt;i&gt;Wire&lt;/i&gt;</h1>" in r.text


def test_article_page(client: TestClient, data: Dataset) -> None:
    story = data.by_path("business/001")
    r = client.get(f"/articles/{story.id}")
    assert r.status_code == 200
    html = r.text
    assert f"<title>{escape(story.title)} — BBC Business — newsdesk</title>" in html
    assert f'<h1 id="headline">{story.title}</h1>' in html
    assert '<article class="story" lang="en"' in html
    assert 'href="/outlets/BBC%20Business"' in html
    assert "By Simon Jack" in html
    published = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    m = re.search(r'Published <time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', html)
    assert m, "published time missing"
    assert abs(datetime.fromisoformat(m[1]) - published) < timedelta(minutes=5)
    assert m[2].endswith(" UTC") and m[3] == "2 hours ago"
    # the stored (sanitized) HTML is the body
    assert "<p>Quarterly profits at US media giant TimeWarner jumped 76%" in html
    words = len(story.text.split())
    assert f"({words:,} words)" in html and "2 min read" in html
    assert (
        '<a class="button" href="https://www.bbc.co.uk/news/business-001" '
        'rel="noopener noreferrer">Read on BBC Business' in html
    )
    assert "Found in feed:" in html and ">BBC News - Business</a>" in html


def test_article_text_becomes_paragraphs(client: TestClient, data: Dataset) -> None:
    story = data.by_path("tech/001")  # no HTML stored: the text is split into <p>
    html = client.get(f"/articles/{story.id}").text
    paragraphs = [p.strip() for p in story.text.split("\n") if p.strip()]
    body = html.split('<div class="story-body">')[1].split("</div>")[0]
    assert body.count("<p>") == len(paragraphs)
    assert f"<p>{escape(paragraphs[0], quote=False)}</p>" in body.replace("&#39;", "'")
    assert "By Zoe Kleinman" in html


def test_article_without_publish_date_shows_fetch_time(client: TestClient, data: Dataset) -> None:
    html = client.get(f"/articles/{data.by_path('sport/001').id}").text
    assert "Fetched <time" in html and ">30 minutes ago</time>" in html
    assert "By " not in html.split('class="meta byline"')[1].split("</p>")[0]


def test_missing_article_is_404(client: TestClient, data: Dataset) -> None:
    for path in ["/articles/999999", "/articles/99999999999999999999", "/articles/abc", "/nope"]:
        r = client.get(path)
        assert r.status_code == 404, path
        assert "text/html" in r.headers["content-type"]
        assert "<title>Page not found (404) — newsdesk</title>" in r.text


def test_empty_slots_render_nothing(client: TestClient, data: Dataset) -> None:
    html = client.get(f"/articles/{data.by_path('business/001').id}").text
    for marker in [
        'class="slot',
        "Hashtags",
        "Summary",
        "Key points",
        "Quotes",
        "Ask about this story",
        "Related articles",
    ]:
        assert marker not in html, marker
    # Comments are on (newsdesk.web.comments): an empty thread invites readers to join in.
    assert "No comments yet." in html


def test_slots_render_when_filled(
    settings: Settings, engine: Engine, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The later features only fill data: the templates already show it."""
    from newsdesk.web import pages, slots

    def filled(session: object, article: Article, *_: object, **__: object) -> slots.ArticleSlots:
        return slots.ArticleSlots(
            hashtags=["economy"],
            summary="Time Warner's profit rose.",
            key_points=["AOL lost subscribers"],
            quotes=[slots.QuoteView("Our results were strong.", "Dick Parsons")],
            ask=slots.AskBox(action=f"/articles/{article.id}/ask"),
            related=[],
            comments=[],
        )

    monkeypatch.setattr(pages, "article_slots", filled)
    with TestClient(create_app(settings, engine)) as client:
        html = client.get(f"/articles/{data.by_path('business/001').id}").text
    for marker in [
        'href="/search?q=economy">#economy</a>',
        "Time Warner&#39;s profit rose.",
        "<h3>Key points</h3>",
        "— Dick Parsons",
        'id="ask-title">Ask about this story',
        "No comments yet.",
    ]:
        assert marker in html, marker
    assert "Related articles" not in html


def test_search_highlights_body_words(client: TestClient, data: Dataset) -> None:
    r = client.get("/search", params={"q": "Greenspan"})
    assert r.status_code == 200
    assert "<title>“Greenspan” — search — newsdesk</title>" in r.text
    assert data.by_path("business/002").title in titles_in(r.text)
    assert "<mark>Greenspan</mark>" in r.text
    assert re.search(r"\d+ results? for “Greenspan”", r.text)
    # a word that only occurs deep in a body
    r = client.get("/search", params={"q": "subscribers"})
    assert data.by_path("business/001").title in titles_in(r.text)
    assert "<mark>subscribers</mark>" in r.text


def test_search_empty_and_no_results(client: TestClient, data: Dataset) -> None:
    r = client.get("/search")
    assert r.status_code == 200 and "Type one or more words" in r.text
    assert '<label for="q">' in r.text
    r = client.get("/search", params={"q": "zzyzxqq"})
    assert "No articles match “zzyzxqq”" in r.text
    r = client.get("/search", params={"q": '"); DROP TABLE articles; --'})
    assert r.status_code == 200
    assert client.get("/search", params={"q": "profit", "page": "0"}).status_code == 400


def test_search_pagination(
    settings: Settings, engine: Engine, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdesk.web import pages

    monkeypatch.setattr(pages, "SEARCH_PAGE_SIZE", 1)
    with TestClient(create_app(settings, engine)) as client:
        first = client.get("/search", params={"q": "the"}).text
        assert "Results 1–1 for “the”" in first
        assert 'href="/search?q=the&amp;page=2" rel="next"' in first
        second = client.get("/search", params={"q": "the", "page": 2}).text
        assert "Results 2–2" in second and 'href="/search?q=the" rel="prev"' in second
        assert titles_in(first) != titles_in(second)


def sources_as(client: TestClient, engine: Engine, role: str | None) -> str:
    """/sources as an anonymous visitor (role None) or as a freshly created user of role."""
    if role is not None:
        with fast_hashing():
            create_user(engine, f"user-{role}", "correct horse battery", role)
            login(client, f"user-{role}", "correct horse battery")
        assert client.get("/me/starred").status_code == 200, "not logged in"
    r = client.get("/sources")
    assert r.status_code == 200
    return r.text


def feed_row(html: str, feed_id: int) -> str:
    return html.split(f'<tr id="feed-{feed_id}"')[1].split("</tr>")[0]


def test_sources_page_shows_feed_health(client: TestClient, engine: Engine, data: Dataset) -> None:
    html = sources_as(client, engine, "admin")
    assert "<title>Sources — 3 feeds, 1 failing — newsdesk</title>" in html
    row = html.split(f'<tr id="feed-{data.feed_ids["technology"]}" class="failing">')[1]
    row = row.split("</tr>")[0]
    assert '<span class="badge badge-error">error</span>' in row
    assert FEED_ERROR in row
    assert '<td class="num" data-label="Articles">2</td>' in row
    assert (
        '<td class="num" data-label="Failed fetches in a row">3</td>' in row
    )  # consecutive fetch errors
    assert ">10 minutes ago</time>" in html or ">12 minutes ago</time>" in html
    assert ">in 19 minutes</time>" in html or ">in 20 minutes</time>" in html
    assert ">due now<" in html  # the sport feed was never fetched: the next run fetches it
    # recent ErrorRecords: stage, url, message, time
    assert "no main content found (trafilatura returned nothing)" in html
    assert "https://www.bbc.co.uk/news/business-999" in html
    assert '<span class="badge badge-error">extract</span>' in html


def test_sources_counts_failed_article_pages(
    client: TestClient, engine: Engine, data: Dataset
) -> None:
    world = add_page_failures(engine, data)
    html = sources_as(client, engine, None)
    assert "<title>Sources — 4 feeds, 1 failing, 1 with failing pages — newsdesk</title>" in html
    # fetched fine, but every article page failed: a warning, never plain "ok"
    row = feed_row(html, world)
    assert row.startswith(' class="warning">')
    assert '<span class="badge badge-warn">warning</span>' in row
    assert "badge-ok" not in row
    assert '<span class="pages-failed">3 of 3 article pages failed</span>' in row
    # one of three business pages failed: still ok, with the share next to it
    row = feed_row(html, data.feed_ids["business"])
    assert '<span class="badge badge-ok">ok</span>' in row
    assert '<span class="pages-failed">1 of 3 article pages failed</span>' in row
    # no failed pages: no share shown
    assert "pages-failed" not in feed_row(html, data.feed_ids["technology"])
    assert "pages-failed" not in feed_row(html, data.feed_ids["sport"])
    assert html.count('class="pages-failed"') == 2


def test_sources_groups_errors_for_admins(
    client: TestClient, engine: Engine, data: Dataset
) -> None:
    world = add_page_failures(engine, data)
    html = sources_as(client, engine, "admin")
    errors = html.split('<ol class="error-list">')[1].split("</ol>")[0]
    groups = errors.split("<li>")[1:]
    assert len(groups) == 4  # 6 ErrorRecords: the three alike 404s are one group
    (g404,) = [g for g in groups if "HTTP 404" in g]
    assert '<strong class="error-count">3 errors</strong>' in g404
    assert '<p class="error-msg">HTTP 404 for &lt;url&gt; (request &lt;n&gt;)</p>' in g404
    assert f'<a href="#feed-{world}">BBC News - World</a>' in g404
    assert ">10 minutes ago</time>" in g404  # the latest of the three
    assert "For example: https://www.bbc.co.uk/news/world-" in g404
    (g503,) = [g for g in groups if "HTTP 503 for" in g]
    assert '<strong class="error-count">1 error</strong>' in g503
    assert ">1 hour ago</time>" in g503
    assert errors.count('class="error-count">1 error<') == 3
    assert "shown to administrators only" not in html


@pytest.mark.parametrize("role", [None, "reader"])
def test_sources_error_details_are_for_admins_only(
    client: TestClient, engine: Engine, data: Dataset, role: str | None
) -> None:
    world = add_page_failures(engine, data)
    html = sources_as(client, engine, role)
    for detail in [
        FEED_ERROR,
        "HTTP 404",
        "HTTP 503",
        "https://www.bbc.co.uk/news/world-",
        "https://www.bbc.co.uk/news/business-999",
        "trafilatura",
        "&lt;url&gt;",
    ]:
        assert detail not in html, (role, detail)
    assert "Error messages and addresses are shown to administrators only." in html
    # states and counts stay
    assert '<span class="badge badge-error">error</span>' in feed_row(
        html, data.feed_ids["technology"]
    )
    assert "3 of 3 article pages failed" in feed_row(html, world)
    errors = html.split('<ol class="error-list">')[1].split("</ol>")[0]
    assert errors.count("<li>") == 4
    assert errors.count('<strong class="error-count">3 errors</strong>') == 1
    assert errors.count('<strong class="error-count">1 error</strong>') == 3


def test_first_run_offline(settings: Settings, engine: Engine) -> None:
    """Every feed failed and nothing was stored: every page still renders."""
    from newsdesk.store import ErrorRecord, Feed

    with session_scope(engine) as s:
        for n in range(3):
            feed = Feed(
                url=f"https://news{n}.example/rss",
                last_error="connection refused",
                error_count=1,
                last_fetched_at=datetime.now(UTC),
            )
            s.add(feed)
            s.flush()
            s.add(ErrorRecord(feed_id=feed.id, url=feed.url, stage="fetch", message="refused"))
    with TestClient(create_app(settings, engine)) as client:
        home = client.get("/")
        assert home.status_code == 200
        assert "No articles yet — add feeds with <code>newsdesk feeds add URL</code>" in home.text
        sources = client.get("/sources")
        assert sources.status_code == 200
        assert sources.text.count('<span class="badge badge-error">error</span>') == 3
        assert "3 failing" in sources.text and "0 articles stored" in sources.text
        assert client.get("/search?q=news").status_code == 200


def test_app_connects_from_settings(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/").status_code == 200
        assert client.get("/sources").text.count("No feeds yet") == 1


def test_security_headers(client: TestClient, data: Dataset) -> None:
    for path in ["/", f"/articles/{data.xss_id}", "/articles/0", "/static/style.css", "/healthz"]:
        r = client.get(path)
        for name, value in SECURITY_HEADERS.items():
            assert r.headers[name] == value, (path, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp


def test_markup_in_data_is_escaped(client: TestClient, data: Dataset) -> None:
    for path in ["/", f"/articles/{data.xss_id}", "/search?q=Markets+rally", "/search?q=Shares"]:
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert "<b>Mallory</b>" not in html and "<i>Wire</i>" not in html, path
    html = client.get(f"/articles/{data.xss_id}").text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; Markets &lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert "Shares rose &lt;script&gt;alert(2)&lt;/script&gt; on Monday." in html
    # the query is echoed escaped too
    html = client.get("/search", params={"q": "<script>alert(3)</script>"}).text
    assert "<script>alert(3)" not in html and "&lt;script&gt;alert(3)&lt;/script&gt;" in html


def test_unsafe_urls_are_not_links(settings: Settings, engine: Engine) -> None:
    with session_scope(engine) as s:
        a = Article(
            url="javascript:alert(1)",
            title="Odd link",
            outlet="Odd",
            text="Body.",
            image_url="javascript:alert(2)",
        )
        s.add(a)
        s.flush()
        article_id = a.id
    with TestClient(create_app(settings, engine)) as client:
        html = client.get(f"/articles/{article_id}").text
    assert "javascript:" not in html
    assert "read-original" not in html and "Read the original" not in html


def test_healthz_and_robots(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert "User-agent: *" in robots.text and "Disallow: /" in robots.text


def test_pages_are_accessible_shells(client: TestClient, data: Dataset) -> None:
    for path in ["/", "/search?q=profit", "/sources", f"/articles/{data.stories[0].id}"]:
        html = client.get(path).text
        assert html.startswith('<!doctype html>\n<html lang="en">'), path
        for landmark in ["<header", "<nav", '<main id="main"', "<footer"]:
            assert landmark in html, (path, landmark)
        assert '<a class="skip-link" href="#main">' in html
        assert html.count("<h1") == 1, path
        assert re.search(r"<title>[^<]+ — newsdesk</title>", html), path
        # every form field has a label
        for field_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', html):
            assert f'<label for="{field_id}"' in html or f'for="{field_id}">' in html, field_id
        assert "style=" not in html  # the CSP forbids inline styles


def test_a_settled_web_process_sets_its_libraries_aside_from_the_collector(
    settings: Settings, engine: Engine, data: Dataset
) -> None:
    """settle(): before the first request the modules and templates pages need are loaded and
    what exists then is frozen, so that a full garbage collection in a busy process walks
    only what was made since; pages work as before."""
    import gc

    from newsdesk.web.app import settle

    app = create_app(settings, engine)
    try:
        settle(app)
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # the libraries' objects (~220,000 with the app's)
        with TestClient(app) as client:
            assert client.get("/").status_code == 200
            assert client.get(f"/articles/{data.stories[0].id}").status_code == 200
    finally:
        gc.unfreeze()
