"""The Figures box on an article page and a flagged disagreement on a story page, in headless
Chromium at 1280 and 390 px (screenshots: /tmp/shots/figures-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from newsdesk.store import session_scope
from newsdesk.store.models_ai import Enrichment
from newsdesk.web import create_app

try:
    from .browser_support import BackgroundServer
    from .test_nlp_figures import build_figures_site
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from browser_support import (  # type: ignore[no-redef]
        BackgroundServer,
    )
    from test_nlp_figures import build_figures_site  # type: ignore[no-redef]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, int], int]]:
    settings, engine, ids = build_figures_site(Path(tmp_path_factory.mktemp("figures-web")))
    test_a = next(i for t, i in ids.items() if t.startswith("TEST ARTICLE A"))
    with session_scope(engine) as session:  # type: ignore[arg-type]
        story_id = session.scalar(
            select(Enrichment.story_id).where(Enrichment.article_id == test_a)
        )
    try:
        with BackgroundServer(create_app(settings, engine)) as server:  # type: ignore[arg-type]
            yield server.url, ids, story_id
    finally:
        engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [1280, 390])
def test_figures_box_and_story_disagreement(served, page: Page, width: int) -> None:  # type: ignore[no-untyped-def]
    url, ids, story_id = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    article = next(i for t, i in ids.items() if t.startswith("Turkiye and Israel"))
    page.goto(f"{url}/articles/{article}")
    box = page.locator("section.figures")
    expect(box.get_by_role("heading", name="Figures")).to_be_visible()
    item = box.locator("li.figure").filter(
        has=page.locator("strong.figure-value", has_text="more than 500")
    )
    expect(item).to_contain_text("air attacks on targets in Syria")
    expect(item).to_contain_text("Syrian Observatory for Human Rights")
    box.scroll_into_view_if_needed()
    box.screenshot(path=str(SHOTS / f"figures-article-{width}.png"))
    page.goto(f"{url}/stories/{story_id}")
    group = page.locator(".figure-group.disagree").first
    expect(group).to_contain_text("Outlets disagree")
    expect(group.locator("li").nth(0)).to_contain_text("Tasnim")
    expect(group.locator("li.latest")).to_contain_text("Reuters")
    page.screenshot(path=str(SHOTS / f"figures-story-{width}.png"), full_page=True)
