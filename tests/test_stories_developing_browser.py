"""A developing story in a real browser (Debian's headless Chromium): its timeline, and the way
there from one of its articles; on a desktop and on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from newsdesk.web import create_app

try:
    from .browser_support import BackgroundServer
    from .conftest import shared_data
    from .developing_support import Developing, build_developing
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from browser_support import (  # type: ignore[no-redef]
        BackgroundServer,
    )
    from conftest import shared_data  # type: ignore[no-redef]
    from developing_support import Developing, build_developing  # type: ignore[no-redef]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Developing]]:
    data = shared_data("ecbplus-story-clusters")
    site = build_developing(str(tmp_path_factory.getbasetemp() / "developing"), str(data))
    engine = site.engine
    try:
        with BackgroundServer(create_app(site.settings, engine)) as server:
            yield server.url, site
    finally:
        engine.dispose()


def test_timeline_and_the_way_from_an_article(served: tuple[str, Developing], page: Page) -> None:
    base, site = served
    story = f"{base}/stories/{site.story_id}"
    page.goto(story)
    expect(page.get_by_role("heading", name="Timeline", exact=True)).to_be_visible()
    days = page.locator("ol.story-timeline > li")
    expect(days).to_have_count(4)
    expect(days.first.get_by_role("heading", level=3)).to_have_text("Thu 12 Apr 2007")
    expect(page.locator("p.developing")).to_contain_text("Developing story · 4 days")
    expect(page.get_by_role("heading", name="Coverage")).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-developing-story.png", full_page=True)

    page.goto(f"{base}/articles/{site.ids['18_10ecbplus']}")
    link = page.get_by_role("link", name="Developing story · 4 days")
    expect(link).to_have_text("Developing story · 4 days · 10 articles from 8 outlets")
    link.click()
    page.wait_for_url(story)
    expect(page.locator("ol.story-timeline > li")).to_have_count(4)

    page.goto(f"{base}/stories")
    expect(page.get_by_text("Developing · 4 days")).to_be_visible()

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for path in (f"/stories/{site.story_id}", f"/articles/{site.ids['18_10ecbplus']}", "/"):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone"
    page.goto(story)
    page.screenshot(path="/tmp/newsdesk-developing-story-mobile.png", full_page=True)
