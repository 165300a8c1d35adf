"""Latest grouped by story in Chromium, on a desktop and a 390 px phone: one entry per story
with "+N outlets" linked, nothing cut off; screenshots in /tmp/shots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from newsdesk.config import Settings
from newsdesk.store import connect
from newsdesk.web.app import create_app

try:
    from .browser_support import BackgroundServer, launch_chromium, loopback_page
    from .test_lists_grouped import build
except ImportError:
    from browser_support import BackgroundServer, launch_chromium, loopback_page
    from test_lists_grouped import build  # type: ignore[no-redef]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


def test_grouped_latest_on_desktop_and_phone(settings: Settings) -> None:
    engine = connect(settings.db_url)
    story_of = build(engine)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        BackgroundServer(create_app(settings, engine)) as server,
        launch_chromium() as browser,
        loopback_page(browser) as page,
    ):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(server.url + "/")
            cards = page.locator(".article-list > li")
            titles = cards.locator(".card-title").all_inner_texts()
            stories = [t.split(" from ")[0] for t in titles if t.startswith("Story")]
            assert len(stories) == len(set(stories)), "a story listed twice"
            also = page.locator(".also").first
            expect(also).to_be_visible()
            expect(also.locator(".also-count")).to_contain_text("outlet")
            page.screenshot(path=str(SHOTS / f"grouped-latest-{width}.png"), full_page=True)
            used = page.evaluate("document.documentElement.scrollWidth")
            assert used <= width, f"the home page scrolls sideways ({used}px)"
        # following another outlet's link opens that outlet's article of the story
        link = page.locator(".also a").first
        outlet = link.inner_text()
        link.click()
        expect(page.locator(".story-head .kicker")).to_contain_text(outlet)
    assert story_of
