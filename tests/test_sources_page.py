"""The Sources page tells the truth: real live feeds (DR, GameStar, CNN) served on loopback with
every article page failing as pages do (robots.txt, 404, 403): per feed the share of failed
pages and why, grouped; details for admins only; usable on a 390 px phone (Chromium); and the
"teaser only" note on those articles in lists and on their pages."""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from newsdesk.accounts import create_user
from newsdesk.config import Settings
from newsdesk.ingest import refresh
from newsdesk.sources.page_failures import failure_reason
from newsdesk.store import Article, Feed, connect, session_scope
from newsdesk.subscriptions import subscribe_url
from newsdesk.web.app import create_app

try:
    from .conftest import LoopbackServer, shared_data
except ImportError:
    from conftest import LoopbackServer, shared_data  # type: ignore[no-redef]

SHOTS = Path("/tmp/shots")
PASSWORD = "correct horse battery"
# feed file: (path prefix, what its article pages answer)
FEEDS = {
    "senestenyt.xml.gz": ("dr", 200),  # robots.txt disallows /dr/
    "news.rss.gz": ("gamestar", 404),
    "cnn_latest.xml.gz": ("cnn", 403),
}
REASON = {"dr": "robots.txt", "gamestar": "not found (404/410)", "cnn": "forbidden (403)"}
_LINK = re.compile(rb"(<link>\s*(?:<!\[CDATA\[)?)(https?://[^<\]\s]+)")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict[str, int]]]:
    root = shared_data("syndikit-real-feeds") / "XML"
    server = LoopbackServer()
    settings = Settings(
        data_dir=Path(tmp_path_factory.mktemp("sources")),
        allowed_networks=("127.0.0.0/8",),
        timeout=5.0,
        extract_workers=1,
        secret_key="test-secret",
        pages_per_host_per_minute=60000,
        pages_per_host_burst=1000,
        max_pages_per_feed=0,
    )
    try:
        server.route("/robots.txt", "User-agent: *\nDisallow: /dr/\n", content_type="text/plain")
        engine = connect(settings.db_url)
        ids = {}
        for name, (prefix, status) in FEEDS.items():

            def link(
                m: re.Match[bytes],
                prefix: str = prefix,
                status: int = status,
                count: list[int] = [0],  # noqa: B006 (one counter per feed, by design)
            ) -> bytes:
                count[0] += 1
                path = f"/{prefix}/{count[0]}.html"
                server.route(path, "<html><body>Subscribe to read</body></html>", status=status)
                return m.group(1) + server.url(path).encode()

            body = _LINK.sub(link, gzip.decompress((root / name).read_bytes()))
            url = server.route(f"/{prefix}.xml", body, content_type="application/rss+xml")
            ids[prefix] = subscribe_url(engine, settings, url).id
        asyncio.run(refresh(engine, settings))
        create_user(engine, "boss", PASSWORD, "admin")
        yield settings, ids
    finally:
        server.close()


def _login(client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert r.status_code == 303


def _card(html: str, feed_id: int) -> str:
    return html.split(f'<tr id="feed-{feed_id}"')[1].split("</tr>")[0]


def test_failure_reasons_group_the_messages_newsdesk_records() -> None:
    assert failure_reason("refused by robots.txt: http://x/1") == "robots.txt"
    assert failure_reason("HTTP 403 Forbidden from http://x/1") == "forbidden (403)"
    assert failure_reason("HTTP 404 Not Found from http://x/1") == "not found (404/410)"
    assert failure_reason("HTTP 503 Service Unavailable from x") == "server error (5xx)"
    assert failure_reason("timeout: no complete answer from x within 5 s") == "timeout"
    assert failure_reason("body of x announces 99999999 bytes (limit 5 bytes)") == "too large"
    assert failure_reason("no main text found (3 words after removing boilerplate)") == (
        "no article text"
    )
    assert failure_reason("something new") == "other"


def test_every_failed_page_counted_and_grouped_by_reason(
    live: tuple[Settings, dict[str, int]],
) -> None:
    settings, ids = live
    engine = connect(settings.db_url)
    with TestClient(create_app(settings, engine)) as client:
        html = client.get("/sources").text
        for prefix, feed_id in ids.items():
            with session_scope(engine) as s:
                total = len(
                    s.scalars(select(Article.id).where(Article.url.like(f"%/{prefix}/%"))).all()
                )
            assert total > 5
            card = _card(html, feed_id)
            assert (
                "badge-ok" not in card and '<span class="badge badge-warn">warning</span>' in card
            )
            assert f"{total} of {total} article pages failed</span>" in card
            assert "(100%, kept as the feed" in card
            reasons = re.findall(r'<span class="reason">([^<]+)</span>', card)
            assert reasons == [REASON[prefix]], (prefix, reasons)
            assert f'<span class="reason-count">{total}</span>' in card
        # visitors: counts and reasons, never messages or addresses
        assert "Subscribe to read" not in html
        assert "/cnn/5.html" not in html and "HTTP 404" not in html
        assert 'action="/sources/feeds"' not in html
        _login(client)
        admin = client.get("/sources").text
        assert "refused by robots.txt" in admin and "/gamestar/" in admin
        assert 'action="/sources/feeds"' in admin


def test_adding_a_feed_the_site_has_says_so(live: tuple[Settings, dict[str, int]]) -> None:
    """Adding DR's feed again said "Subscribed to Seneste nyt | DR", as if it were new."""
    settings, ids = live
    engine = connect(settings.db_url)
    with session_scope(engine) as s:
        url = s.scalar(select(Feed.url).where(Feed.id == ids["dr"]))
    with TestClient(create_app(settings, engine)) as client:
        _login(client)
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sources").text)
        assert token and url
        page = client.post("/sources/feeds", data={"url": url, "csrf_token": token[1]}).text
    assert "Already subscribed to" in page and f'href="#feed-{ids["dr"]}"' in page
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Feed)) == len(ids)


def test_teaser_only_articles_say_so(live: tuple[Settings, dict[str, int]]) -> None:
    settings, _ids = live
    engine = connect(settings.db_url)
    with session_scope(engine) as s:
        # one with a teaser (two of GameStar's trailers have a headline only)
        article_id = s.scalars(
            select(Article.id)
            .where(Article.outlet == "GameStar", Article.text != "")
            .order_by(Article.id)
        ).first()
    with TestClient(create_app(settings, engine)) as client:
        listing = client.get("/outlets/GameStar").text
        assert listing.count('class="teaser-only"') >= 10
        page = client.get(f"/articles/{article_id}").text
        assert '<span class="badge badge-warn">teaser only</span>' in page
        assert "the whole article is on GameStar" in page
        assert "Read on GameStar" in page  # the outlet by name, not "Read on GameStar - News"
        # DR's feed gives headlines only: said so, not "teaser only" with no teaser
        dr = client.get("/outlets/DR").text
        assert dr.count(">headline only</span>") >= 10 and ">teaser only<" not in dr
        api = client.get("/api/v1/articles", params={"outlet": "DR", "limit": 3}).json()
        assert api["items"] and all(i["teaser_only"] for i in api["items"])


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_sources_page_on_desktop_and_phone(
    live: tuple[Settings, dict[str, int]], width: int
) -> None:
    from playwright.sync_api import expect

    try:
        from .browser_support import BackgroundServer, launch_chromium, loopback_page
    except ImportError:
        from browser_support import BackgroundServer, launch_chromium, loopback_page

    settings, ids = live
    engine = connect(settings.db_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        BackgroundServer(create_app(settings, engine)) as server,
        launch_chromium() as browser,
        loopback_page(browser) as page,
    ):
        for who in ("visitor", "admin"):
            if who == "admin":
                page.goto(server.url + "/login?next=/sources")
                page.fill("#login-username", "boss")
                page.fill("#login-password", PASSWORD)
                page.click("form.account-form button[type=submit]")
                page.wait_for_url(f"{server.url}/sources")
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(server.url + "/sources")
            dr = page.locator(f"#feed-{ids['dr']}")
            expect(dr.locator(".badge-warn")).to_be_visible()
            expect(dr.locator(".fail-reasons .reason")).to_have_text(["robots.txt"])
            expect(dr.locator(".fail-reasons")).to_be_visible()
            page.screenshot(path=str(SHOTS / f"sources-{width}-{who}.png"), full_page=True)
            width_used = page.evaluate("document.documentElement.scrollWidth")
            assert width_used <= width, f"/sources scrolls sideways ({width_used}px)"
            clipped = page.evaluate(
                f"[...document.querySelectorAll('main *')]"
                f".filter(e => e.getBoundingClientRect().right > {width} + 0.5).length"
            )
            assert clipped == 0
