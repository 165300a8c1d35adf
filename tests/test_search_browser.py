"""The search page in Chromium, on a desktop and a 390 px phone: a query typed with filters
chosen in the form, results grouped by story, tags above them, nothing cut off; a query
nothing holds offers the nearest in meaning. Screenshots in /tmp/shots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from newsdesk.web.app import create_app

try:
    from .browser_support import BackgroundServer, launch_chromium, loopback_page
    from .test_search import Corpus, corpus
except ImportError:
    from browser_support import BackgroundServer, launch_chromium, loopback_page
    from test_search import Corpus, corpus  # type: ignore[no-redef]  # noqa: F401

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


def test_search_with_filters_on_desktop_and_phone(corpus: Corpus) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        BackgroundServer(create_app(corpus.settings, corpus.engine)) as server,
        launch_chromium() as browser,
        loopback_page(browser) as page,
    ):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(server.url + "/search")
            expect(page.locator(".search-help")).to_contain_text('"interest rates"')
            page.fill("#q", "Israel Turkey Syria talks")
            page.select_option("#lang", "en")
            page.fill("#since", "2000-01-01")
            page.click(".search-row button")
            page.wait_for_url("**/search?*")
            results = page.locator("ol.results > li")
            expect(results.first).to_contain_text("Syria")
            expect(page.locator(".search-tags .tags")).to_contain_text("#Turkey")
            expect(page.locator(".search-synonyms")).to_contain_text("turkiye")
            expect(results.first.locator(".also")).to_contain_text("+1 outlet")
            titles = results.locator(".card-title").all_inner_texts()
            story = [t for t in titles if "Turk" in t or "Turkiye" in t]
            assert len(story) == 1, f"the story is listed once: {titles}"
            page.screenshot(path=str(SHOTS / f"search-{width}.png"), full_page=True)
            used = page.evaluate("document.documentElement.scrollWidth")
            assert used <= width, f"the search page scrolls sideways ({used}px)"
            # an outlet filter chosen in the form keeps only that outlet, newest first
            page.select_option("#outlet", "Reuters")
            page.select_option("#sort", "date")
            page.fill("#q", "Syria")
            page.click(".search-row button")
            expect(page.locator(".result-count")).to_contain_text("newest first")
            outlets = page.locator("ol.results > li .meta .outlet").all_inner_texts()
            assert outlets and set(outlets) == {"Reuters"}
            expect(page.locator("#outlet")).to_have_value("Reuters")
            page.screenshot(path=str(SHOTS / f"search-filtered-{width}.png"), full_page=True)
        page.goto(server.url + "/search?q=Ankara+Jerusalem+rapprochement")
        expect(page.locator("#nearest-h")).to_be_visible()
        page.screenshot(path=str(SHOTS / "search-nearest-390.png"), full_page=True)
