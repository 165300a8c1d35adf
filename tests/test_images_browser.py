"""Pictures in a real browser: Debian's headless Chromium on the real app under uvicorn.

Thumbnails on Latest, an outlet, a tag and a story page, at desktop width and at 390 px:
each loads through the image proxy (naturalWidth > 0) from a loopback "outlet", the page
never reaches the network nor breaks the Content-Security-Policy, and nothing overflows.
Screenshots go to /tmp/shots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.store import Article, connect, models_ai, session_scope
from newsdesk.web import create_app

try:
    from .browser_support import BackgroundServer, LoopbackTab, launch_chromium
    from .conftest import LoopbackServer, shared_data
    from .test_images_proxy import png
    from .webdata import populate
except ImportError:
    from browser_support import (  # type: ignore[no-redef]
        BackgroundServer,
        LoopbackTab,
        launch_chromium,
    )
    from conftest import LoopbackServer, shared_data  # type: ignore[no-redef]
    from test_images_proxy import png  # type: ignore[no-redef]
    from webdata import populate  # type: ignore[no-redef]

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
# The renditions CNN's feed offers (wide, square, tall), as the outlet's pictures.
SIZES = [(1100, 619), (300, 300), (414, 552), (640, 480)]


@dataclass
class Site:
    url: str
    story: int
    outlet: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    outlet_server = LoopbackServer()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("images-browser"),
        secret_key="test",
        allowed_networks=("127.0.0.0/8",),
        timeout=5.0,
    )
    engine = connect(settings.db_url)
    populate(engine, shared_data("bbc-news"))
    with session_scope(engine) as s:
        articles = s.scalars(select(Article).order_by(Article.id)).all()
        for number, article in enumerate(articles[:-1]):  # the last one keeps no picture
            width, height = SIZES[number % len(SIZES)]
            colour = (40 * number % 255, 90, 160)
            article.image_url = outlet_server.route(
                f"/media/{number}.png", png(width, height, colour), content_type="image/png"
            )
        story = models_ai.Story(title="BBC business", article_count=2, outlet_count=1, score=1)
        tag = models_ai.Tag(slug="Markets", label="markets", kind="topic", article_count=2)
        s.add_all([story, tag])
        s.flush()
        for article in articles[:2]:
            s.add(models_ai.Enrichment(article_id=article.id, model_version="t", story_id=story.id))
            s.add(models_ai.ArticleTag(article_id=article.id, tag_id=tag.id, is_hashtag=True))
        story_id, outlet = story.id, articles[0].outlet
    try:
        with BackgroundServer(create_app(settings, engine)) as server:
            yield Site(server.url, story_id, outlet)
    finally:
        outlet_server.close()
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def loaded_thumbnails(page: Page) -> list[dict[str, float]]:
    """Scroll through the page (the thumbnails load lazily), then each one's state."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    all_complete = "() => [...document.querySelectorAll('img')].every(img => img.complete)"
    deadline = time.monotonic() + 10
    while not page.evaluate(all_complete) and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # polled from here: the CSP forbids wait_for_function's eval
    page.evaluate("window.scrollTo(0, 0)")
    return page.eval_on_selector_all(
        "img.thumb, .lead-image img",
        """imgs => imgs.map(img => {
            const box = img.getBoundingClientRect();
            return {natural: img.naturalWidth, left: box.left, right: box.right,
                    width: box.width, height: box.height,
                    src: img.getAttribute('src')};
        })""",
    )


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_thumbnails_load_and_fit(browser: Browser, site: Site, width: int, label: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    pages = {
        "latest": "/",
        "outlet": f"/outlets/{site.outlet.replace(' ', '%20')}",
        "tag": "/tags/Markets",
        "story": f"/stories/{site.story}",
    }
    tab = LoopbackTab(browser, width=width, height=900)
    try:
        for name, path in pages.items():
            tab.page.goto(site.url + path)
            images = loaded_thumbnails(tab.page)
            assert images, f"no pictures on {name}"
            for image in images:
                assert image["src"].startswith("/img/"), image
                assert image["natural"] > 0, (name, image)  # decoded: the proxy served it
                assert image["left"] >= 0 and image["right"] <= width + 0.5, (name, image)
            thumbs = [i for i in images if i["width"] < width / 2]
            if name in ("latest", "outlet", "tag"):
                assert thumbs, name
                assert all(abs(i["width"] / i["height"] - 1.6) < 0.05 for i in thumbs), thumbs
            overflow = tab.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} at {width}px scrolls sideways by {overflow}px"
            tab.page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=False)
    finally:
        tab.close()
    assert not tab.blocked, f"the page tried to reach the network: {tab.blocked}"
    assert not tab.errors + tab.page_errors, tab.errors + tab.page_errors


@pytest.fixture(scope="module")
def unreachable_pictures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same pages, every picture at an address the outlet answers 404 for."""
    outlet_server = LoopbackServer()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("images-unreachable"),
        secret_key="test",
        allowed_networks=("127.0.0.0/8",),
        timeout=5.0,
    )
    engine = connect(settings.db_url)
    populate(engine, shared_data("bbc-news"))
    base = outlet_server.route("/present.png", png(16, 10, (0, 0, 0)), content_type="image/png")
    with session_scope(engine) as s:
        for number, article in enumerate(s.scalars(select(Article).order_by(Article.id)).all()):
            article.image_url = base.replace("/present.png", f"/gone/{number}.png")
            if number == 0:  # a teaser that opens with the outlet's picture, as GameStar's
                gone = base.replace("/present.png", "/gone/inline.png")
                article.html = f'<p><img src="{gone}">{article.text}</p>'  # no alt
    try:
        with BackgroundServer(create_app(settings, engine)) as server:
            yield server.url
    finally:
        outlet_server.close()
        engine.dispose()


def test_pictures_that_cannot_be_loaded_leave_no_empty_box(
    browser: Browser, unreachable_pictures: str
) -> None:
    """Offline, or when the proxy refuses a picture, the list shows no grey boxes."""
    tab = LoopbackTab(browser, width=1280, height=900)
    try:
        tab.page.goto(unreachable_pictures + "/")
        images = loaded_thumbnails(tab.page)
        assert images and all(i["src"].startswith("/img/") for i in images)
        assert all(i["natural"] == 0 for i in images)  # none could be loaded
        shown = tab.page.eval_on_selector_all(
            "img.thumb", "imgs => imgs.filter(img => img.offsetParent !== null).length"
        )
        assert shown == 0, f"{shown} empty picture boxes shown"
    finally:
        tab.close()
    assert not tab.blocked, f"the page tried to reach the network: {tab.blocked}"
    assert not tab.page_errors, tab.page_errors  # the script itself ran without errors


def test_a_picture_in_the_text_that_cannot_be_loaded_is_hidden(
    browser: Browser, unreachable_pictures: str
) -> None:
    """GameStar's teasers open with a picture the proxy could not fetch: a broken-picture
    icon stood before the text."""
    tab = LoopbackTab(browser, width=1100, height=900)
    try:
        tab.page.goto(f"{unreachable_pictures}/articles/1")  # the first stored
        body = tab.page.locator(".story-body img")
        assert body.count() == 1
        deadline = time.monotonic() + 10
        while not body.evaluate("img => img.complete") and time.monotonic() < deadline:
            tab.page.wait_for_timeout(50)
        assert body.evaluate("img => img.naturalWidth") == 0  # it could not be loaded
        assert not body.is_visible()
        assert tab.page.locator(".story-body").inner_text().strip()  # the text stays
    finally:
        tab.close()
    assert not tab.page_errors, tab.page_errors
