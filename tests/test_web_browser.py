"""What a reader sees: the real app under uvicorn, driven by Debian's headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from newsdesk.accounts import create_user
from newsdesk.config import Settings
from newsdesk.store import connect
from newsdesk.web import create_app

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .browser_support import BackgroundServer, launch_chromium, loopback_page
    from .conftest import shared_data
    from .readers_support import PASSWORD, fast_hashing
    from .webdata import FEED_ERROR, Dataset, add_page_failures, populate
except ImportError:
    from browser_support import BackgroundServer, launch_chromium, loopback_page
    from conftest import shared_data
    from readers_support import PASSWORD, fast_hashing
    from webdata import FEED_ERROR, Dataset, add_page_failures, populate

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Dataset]]:
    bbc = shared_data("bbc-news")
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-browser"), secret_key="test")
    engine = connect(settings.db_url)
    data = populate(engine, bbc)
    data.feed_ids["world"] = add_page_failures(engine, data)
    try:
        with fast_hashing(), BackgroundServer(create_app(settings, engine)) as server:
            create_user(engine, "root", PASSWORD, "admin")
            yield server.url, data
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page that can only reach loopback, failing the test on console errors."""
    with loopback_page(browser) as page:
        yield page


def test_home_then_article(site: tuple[str, Dataset], page: Page) -> None:
    base, data = site
    page.goto(base + "/")
    expect(page).to_have_title("Latest news — newsdesk")
    headlines = page.locator("ol.article-list .card-title a")
    expect(headlines.first).to_have_text(data.by_path("sport/001").title)
    for path in ["business/001", "tech/001", "politics/001"]:
        expect(page.get_by_role("link", name=data.by_path(path).title)).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-home.png")

    story = data.by_path("business/001")
    page.get_by_role("link", name=story.title).click()
    page.wait_for_url(f"{base}/articles/{story.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    expect(page.locator(".story-body")).to_contain_text("TimeWarner jumped 76%")
    original = page.get_by_role("link", name="Read on BBC Business")
    expect(original).to_be_visible()
    expect(original).to_have_attribute("href", "https://www.bbc.co.uk/news/business-001")
    expect(original).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("time").first).to_have_text("2 hours ago")
    page.screenshot(path="/tmp/newsdesk-article.png")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path="/tmp/newsdesk-article-mobile.png")
    page.goto(base + "/")
    page.screenshot(path="/tmp/newsdesk-home-mobile.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the home page scrolls sideways on a phone"


def test_search_highlights(site: tuple[str, Dataset], page: Page) -> None:
    base, data = site
    page.goto(base + "/")
    box = page.get_by_role("searchbox", name="Search articles")
    box.fill("Greenspan")
    box.press("Enter")
    page.wait_for_url(f"{base}/search?q=Greenspan")
    expect(page.get_by_role("status")).to_contain_text("for “Greenspan”")
    expect(page.get_by_role("link", name=data.by_path("business/002").title)).to_be_visible()
    marks = page.locator(".results mark")
    expect(marks.first).to_have_text("Greenspan")
    # on the search page, the main form keeps the query
    expect(page.get_by_label("Words to find in headlines and articles")).to_have_value("Greenspan")
    page.screenshot(path="/tmp/newsdesk-search.png")


def test_sources_shows_error(site: tuple[str, Dataset], page: Page) -> None:
    base, data = site
    page.goto(base + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    page.wait_for_url(f"{base}/sources")
    row = page.locator(f"#feed-{data.feed_ids['technology']}")
    expect(row.locator(".badge-error")).to_have_text("error")
    expect(row).not_to_contain_text(FEED_ERROR)  # details are for admins
    expect(page.get_by_role("heading", name="Recorded errors")).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-sources.png", full_page=True)


def _log_in_as_admin(page: Page, base: str, then: str) -> None:
    """Sign in through the login form, landing on `then`."""
    page.goto(base + f"/login?next={then}")
    page.fill("#login-username", "root")
    page.fill("#login-password", PASSWORD)
    page.click("form.account-form button[type=submit]")
    page.wait_for_url(f"{base}{then}")


@pytest.mark.parametrize("admin", [False, True], ids=["visitor", "admin"])
def test_sources_fits_a_phone(site: tuple[str, Dataset], page: Page, admin: bool) -> None:
    base, data = site
    who = "admin" if admin else "visitor"
    if admin:
        _log_in_as_admin(page, base, "/sources")
    for width in (1280, 1100):  # at 1100 px its last column was cut ("NEXT F", "in 24 minute")
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + "/sources")
        page.screenshot(path=f"/tmp/sources-desktop-{width}-{who}.png", full_page=True)
        box = page.locator(".table-scroll")
        inner, outer = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert inner <= outer, f"/sources: the feeds table scrolls in its box at {width}px"
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    world = page.locator(f"#feed-{data.feed_ids['world']}")
    expect(world.locator(".badge-warn")).to_have_text("warning")
    expect(world.locator(".badge-warn")).to_be_visible()
    expect(world.locator(".pages-failed")).to_have_text("3 of 3 article pages failed")
    expect(world.locator(".pages-failed")).to_be_visible()
    tech = page.locator(f"#feed-{data.feed_ids['technology']}")
    expect(tech.locator(".badge-error")).to_be_visible()
    if admin:
        expect(tech.locator(".error-msg")).to_have_text(FEED_ERROR)
        expect(tech.locator(".error-msg")).to_be_visible()
    page.screenshot(path=f"/tmp/sources-390-{who}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"/sources scrolls sideways on a phone ({width}px wide)"
    # nothing inside is cut off either (the old table scrolled inside its own box)
    clipped = page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > 390.5).length"
    )
    assert clipped == 0


@pytest.mark.parametrize("admin", [False, True], ids=["visitor", "admin"])
def test_header_rows_on_desktop_and_phone(
    site: tuple[str, Dataset], page: Page, admin: bool
) -> None:
    """The header is two rows whoever reads: the brand and the sections, then the search box
    and the account's links. Signed in as an admin, the box had dropped to a row of its own,
    indented, and on the wide Sources page it was squeezed to "Search a"."""
    base, _data = site
    if admin:
        _log_in_as_admin(page, base, "/")

    def box(selector: str) -> dict[str, float]:
        found = page.locator(selector).bounding_box()
        assert found, selector
        return found

    for path in ("/", "/sources"):
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(base + path)
        brand, nav = box(".brand"), box(".site-header nav")
        search, account = box("#site-q"), box(".account-nav")
        assert abs(nav["y"] - brand["y"]) < brand["height"], path  # one row ...
        assert search["y"] > brand["y"] + brand["height"] - 1, path  # ... then the next
        assert abs(search["x"] - brand["x"]) < 1, path  # starting where the page does
        assert search["width"] >= 192, path  # room to type ("Search a" was 104 px)
        middle = search["y"] + search["height"] / 2
        assert account["y"] <= middle <= account["y"] + account["height"], path
        page.set_viewport_size({"width": 360, "height": 800})
        page.goto(base + path)
        items = page.locator(".site-header nav li")
        rows = set()
        for i in range(items.count()):  # "My / feed" broke over two lines
            item = items.nth(i).bounding_box()
            assert item and item["height"] < 40, (path, items.nth(i).inner_text())
            rows.add(round(item["y"]))
        assert len(rows) == 1, f"{path}: the sections take {len(rows)} rows on a phone"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.screenshot(path=f"/tmp/header-360-{'admin' if admin else 'visitor'}.png")
