"""Feed management on the Sources page, as an admin does it in the browser: import a real OPML
subscription list (Dave Winer's, from ../shared/data), export the feeds as OPML, remove a feed
(its stored articles stay); visitors can export but not change anything."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from newsdesk.accounts import create_user
from newsdesk.config import Settings
from newsdesk.ingest import refresh
from newsdesk.ingest.jsonl import import_jsonl_file
from newsdesk.sources.opml import read_opml
from newsdesk.store import Article, Feed, connect, session_scope
from newsdesk.subscriptions import subscribe_url
from newsdesk.web.app import create_app

try:
    from .conftest import LoopbackServer, shared_data
except ImportError:
    from conftest import LoopbackServer, shared_data  # type: ignore[no-redef]

SHOTS = Path("/tmp/shots")
PASSWORD = "correct horse battery"


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[tuple[Settings, LoopbackServer]]:
    server = LoopbackServer()
    settings = Settings(
        data_dir=tmp_path,
        allowed_networks=("127.0.0.0/8",),
        timeout=5.0,
        extract_workers=1,
        secret_key="test-secret",
        max_pages_per_feed=0,  # the feed's teasers are enough here
    )
    try:
        create_user(connect(settings.db_url), "boss", PASSWORD, "admin")
        yield settings, server
    finally:
        server.close()


def _opml(name: str) -> bytes:
    return (shared_data("syndikit-real-feeds") / "OPML" / name).read_bytes()


def _token(client: TestClient, path: str = "/sources") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found[1]


def _login(client: TestClient) -> None:
    r = client.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": _token(client, "/login")},
        follow_redirects=False,
    )
    assert r.status_code == 303


def _upload(
    client: TestClient, name: str, data: bytes, form_page: str = "/sources"
) -> tuple[int, str]:
    r = client.post(
        "/sources/opml",
        data={"csrf_token": _token(client, form_page)},
        files={"opml": (name, data, "text/x-opml")},
    )
    return r.status_code, r.text


def _feed_count(settings: Settings) -> int:
    with session_scope(connect(settings.db_url)) as s:
        return s.scalar(select(func.count()).select_from(Feed)) or 0


def test_an_admin_imports_a_real_opml_file_and_exports_it_again(
    site: tuple[Settings, LoopbackServer],
) -> None:
    settings, _server = site
    wanted, _ = read_opml(_opml("subscriptionList.opml"))
    assert len(wanted) == 13
    with TestClient(create_app(settings, connect(settings.db_url))) as client:
        # visitors see no form, and cannot post one
        assert 'action="/sources/opml"' not in client.get("/sources").text
        status, _ = _upload(client, "subs.opml", _opml("subscriptionList.opml"), "/login")
        assert status == 403 and _feed_count(settings) == 0
        _login(client)
        assert 'action="/sources/opml"' in client.get("/sources").text
        status, page = _upload(client, "subs.opml", _opml("subscriptionList.opml"))
        assert status == 200
        assert "Imported 13 feeds; their articles arrive at the next refresh." in page
        assert page.count('<tr id="feed-') == 13 and "CNET News.com" in page
        # nothing fetched yet: no link to an outlet page that has no article, due at once
        assert 'href="/outlets/' not in page and "Outlet: CNET News.com" in page
        assert page.count(">due now<") == 13 and "not scheduled" not in page
        # the same file again adds nothing
        status, page = _upload(client, "subs.opml", _opml("subscriptionList.opml"))
        assert "Imported 0 feeds (13 already subscribed)." in page
        # a directory of links (no feed addresses) says what it skipped and why
        status, page = _upload(client, "directory.opml", _opml("directory.opml"))
        skipped = re.search(r"Skipped (\d+) outlines", page)
        assert status == 200 and skipped and int(skipped[1]) > 0
        assert "no feed address" in page.split('class="skipped-outlines"')[1]
        # not OPML at all: a clear error, nothing changed
        status, page = _upload(client, "notes.txt", b"just some notes, not XML")
        assert status == 400 and "Could not import &#39;notes.txt&#39;" in page
        status, page = _upload(client, "empty.opml", b"")
        assert status == 400 and "Choose an OPML file to import." in page
        assert _feed_count(settings) == 13
        client.cookies.clear()
        # anyone can take the list away: it is the one the page shows
        r = client.get("/sources.opml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/x-opml")
    assert "attachment" in r.headers["content-disposition"]
    exported, dropped = read_opml(r.content)
    assert not dropped
    assert sorted((f.xml_url, f.title, f.html_url) for f in exported) == sorted(
        (f.xml_url, f.title, f.html_url) for f in wanted
    )


def test_removing_a_feed_keeps_its_articles(
    site: tuple[Settings, LoopbackServer], tmp_path: Path
) -> None:
    settings, server = site
    engine = connect(settings.db_url)
    body = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML" / "donnywals.xml.gz").read_bytes()
    )
    feed = subscribe_url(
        engine, settings, server.route("/feed.xml", body, content_type="application/rss+xml")
    )
    asyncio.run(refresh(engine, settings))
    with session_scope(engine) as s:
        stored = s.scalars(select(Article.id).order_by(Article.id)).all()
    assert len(stored) > 5
    outlet = feed.outlet_name
    assert outlet
    # two more of the outlet's articles come from a JSON Lines import, not from the feed
    lines = tmp_path / "more.jsonl"
    lines.write_text(
        "".join(
            json.dumps({"url": f"https://x.example/{i}", "title": f"Imported {i}",
                        "text": "An imported article with a few words in it.", "source": outlet})
            + "\n"
            for i in range(2)
        )
    )  # fmt: skip
    import_jsonl_file(engine, lines)
    with TestClient(create_app(settings, engine)) as client:
        lede = " ".join(client.get(f"/outlets/{outlet}").text.split('class="lede">')[1].split())
        assert lede.startswith(f"{len(stored) + 2} articles, {len(stored)} of them from"), lede
        assert "the others imported or from feeds since removed" in lede
        assert f'action="/sources/feeds/{feed.id}/remove"' not in client.get("/sources").text
        r = client.post(
            f"/sources/feeds/{feed.id}/remove", data={"csrf_token": _token(client, "/login")}
        )
        assert r.status_code == 403 and _feed_count(settings) == 1
        _login(client)
        page = client.get("/sources").text
        assert f'action="/sources/feeds/{feed.id}/remove"' in page
        r = client.post(f"/sources/feeds/{feed.id}/remove", data={"csrf_token": _token(client)})
        assert r.status_code == 200
        assert f"Its {len(stored)} stored articles stay readable" in r.text
        assert '<tr id="feed-' not in r.text and _feed_count(settings) == 0
        assert client.get(f"/articles/{stored[0]}").status_code == 200
        again = client.post(f"/sources/feeds/{feed.id}/remove", data={"csrf_token": _token(client)})
        assert again.status_code == 404
    with session_scope(engine) as s:
        kept = s.scalars(select(Article.id).order_by(Article.id)).all()
        assert kept[: len(stored)] == stored and len(kept) == len(stored) + 2


@pytest.mark.browser
def test_import_and_remove_in_chromium(site: tuple[Settings, LoopbackServer]) -> None:
    """The file picker, the Remove… confirmation and the notices, at phone width."""
    from playwright.sync_api import expect

    try:
        from .browser_support import BackgroundServer, launch_chromium, loopback_page
    except ImportError:
        from browser_support import BackgroundServer, launch_chromium, loopback_page

    settings, _server = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    opml = shared_data("syndikit-real-feeds") / "OPML" / "subscriptionList.opml"
    with (
        BackgroundServer(create_app(settings, connect(settings.db_url))) as server,
        launch_chromium() as browser,
        loopback_page(browser) as page,
    ):
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(server.url + "/login?next=/sources")
        page.fill("#login-username", "boss")
        page.fill("#login-password", PASSWORD)
        page.click("form.account-form button[type=submit]")
        page.wait_for_url(f"{server.url}/sources")
        page.set_input_files("#import-opml-file", str(opml))
        page.click("form.import-opml button[type=submit]")
        expect(page.locator(".notice[role=status]")).to_contain_text("Imported 13 feeds")
        expect(page.locator("table.feeds tbody tr")).to_have_count(13)
        page.screenshot(path=str(SHOTS / "sources-opml-imported-390.png"), full_page=True)
        row = page.locator("table.feeds tbody tr").filter(has_text="Scobleizer")
        confirm = row.locator(".remove-feed button")
        expect(confirm).to_be_hidden()  # nothing is removed by one stray tap
        row.locator(".remove-feed summary").click()
        expect(confirm).to_be_visible()
        confirm.click()
        expect(page.locator(".notice[role=status]")).to_contain_text("Removed Scobleizer")
        expect(page.locator("table.feeds tbody tr")).to_have_count(12)
        width_used = page.evaluate("document.documentElement.scrollWidth")
        assert width_used <= 390, f"/sources scrolls sideways ({width_used}px)"
        page.screenshot(path=str(SHOTS / "sources-opml-removed-390.png"), full_page=True)


def test_a_feed_address_as_typed(site: tuple[Settings, LoopbackServer]) -> None:
    """ "example.org/feed" is an address too (the box refused it as not a URL); one that cannot
    be added stays in the box, to be corrected."""
    from newsdesk.subscriptions import with_scheme

    assert with_scheme(" example.org/feed ") == "https://example.org/feed"
    assert with_scheme("http://example.org") == "http://example.org"
    assert with_scheme("HTTPS://example.org") == "HTTPS://example.org"
    assert with_scheme("//example.org/rss") == "https://example.org/rss"
    settings, _server = site
    with TestClient(create_app(settings, connect(settings.db_url))) as client:
        _login(client)
        page = client.get("/sources").text
        assert 'type="text" inputmode="url"' in page and 'type="url"' not in page
        r = client.post(
            "/sources/feeds", data={"url": "127.0.0.1:9/feed.xml", "csrf_token": _token(client)}
        )
        assert r.status_code == 400
        assert "Could not add &#39;127.0.0.1:9/feed.xml&#39;" in r.text
        assert 'value="127.0.0.1:9/feed.xml"' in r.text
        assert "(tried with https://; type http:// in front if the site has no https)" in r.text
