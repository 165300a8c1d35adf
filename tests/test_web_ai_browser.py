"""The AI layer in a real browser: an article with its AI sections, a hashtag / explainer page,
a story page and an answer, in Debian's headless Chromium (no JavaScript needed by the pages)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from newsdesk.web import create_app

try:
    from .browser_support import BackgroundServer
    from .conftest import shared_data
    from .webai_support import Site, build_site
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from browser_support import (  # type: ignore[no-redef]
        BackgroundServer,
    )
    from conftest import shared_data  # type: ignore[no-redef]
    from webai_support import Site, build_site  # type: ignore[no-redef]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Site]]:
    data = shared_data("ecbplus-story-clusters")
    site = build_site(str(tmp_path_factory.getbasetemp() / "web-ai"), str(data))
    engine = site.engine
    try:
        with BackgroundServer(create_app(site.settings, engine)) as server:
            yield server.url, site
    finally:
        engine.dispose()


def test_article_hashtag_explainer_story_and_answer(served: tuple[str, Site], page: Page) -> None:
    base, site = served
    original = site.corpus.original_id
    page.goto(f"{base}/articles/{original}")
    expect(page.get_by_role("heading", name="Summary AI")).to_be_visible()
    expect(page.get_by_role("heading", name="Quotes")).to_be_visible()
    expect(page.get_by_role("heading", name="Same story, other outlets")).to_be_visible()
    expect(page.get_by_role("heading", name="Ask about this story")).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-ai-article.png", full_page=True)

    # a hashtag -> its page (a person: the explainer) lists this article
    tag = page.locator("section.hashtags a").filter(has_text="#WladimirKlitschko")
    tag.click()
    page.wait_for_url(f"{base}/tags/WladimirKlitschko")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is Wladimir Klitschko?")
    expect(page.get_by_role("heading", name="How the coverage describes Wladimir Klitschko"))
    expect(page.locator(f'section.tag-articles a[href="/articles/{original}"]')).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-ai-explainer.png", full_page=True)

    # -> a story that mentions him
    story_id = site.story_of[original]
    page.locator(f'ol.timeline a[href="/stories/{story_id}"]').click()
    page.wait_for_url(f"{base}/stories/{story_id}")
    groups = page.locator("section.outlet-group")
    expect(groups.first).to_be_visible()
    assert groups.count() >= 2
    expect(page.get_by_text("Also published by")).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-ai-story.png", full_page=True)

    # ask the story a question (a plain form POST with its CSRF token)
    page.get_by_label("Your question").fill("Who did Klitschko beat in the seventh round?")
    page.get_by_role("button", name="Ask").click()
    page.wait_for_url(f"{base}/stories/{story_id}/ask")
    expect(page.locator("ol.citations li").first).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-ai-answer.png", full_page=True)

    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Top stories")).to_be_visible()
    page.screenshot(path="/tmp/newsdesk-ai-home.png")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for path in (f"/stories/{story_id}", "/tags/WladimirKlitschko", f"/articles/{original}"):
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone"
    page.screenshot(path="/tmp/newsdesk-ai-article-mobile.png", full_page=True)
