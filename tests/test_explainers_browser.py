"""Hossein Salami's explainer page in headless Chromium at 1280 and 390 px: the profile with
its cited facts (screenshots: /tmp/shots/explainer-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

try:
    from .browser_support import serve_imported
    from .conftest import shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from browser_support import serve_imported  # type: ignore[no-redef]
    from conftest import shared_data  # type: ignore[no-redef]

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = Path(tmp_path_factory.mktemp("explainer-web"))
    with serve_imported(data_dir, shared_data("seed-page") / "articles.jsonl") as url:
        yield url


@pytest.mark.parametrize("width", [1280, 390])
def test_salami_profile_with_citations(served: str, page: Page, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{served}/tags/HosseinSalami")
    expect(page.locator("h1")).to_have_text("Who was Hossein Salami?")
    box = page.locator("section.profile")
    expect(box.get_by_role("heading", name="Hossein Salami in brief")).to_be_visible()
    successor = box.locator("li.fact[data-kind=successor]")
    expect(successor.get_by_role("link", name="Ahmad Vahidi")).to_be_visible()
    expect(successor.locator(".fact-source")).to_contain_text("Al Jazeera")
    before = box.locator("li.fact[data-kind=predecessor]")
    expect(before.locator(".when")).to_have_text("2019")
    expect(before).to_contain_text("Mohammad Ali Jafari")
    expect(box.locator("li.fact[data-kind=event] .when").first).to_have_text("2005")
    # Each fact's source link opens the cited article.
    box.locator(".fact-source a").first.click()
    expect(page).to_have_url(f"{served}/articles/4")
    page.go_back()
    width_px = page.evaluate("document.documentElement.scrollWidth")
    assert width_px <= width, width_px  # no sideways scrolling on a phone
    page.locator("section.profile").screenshot(path=str(SHOTS / f"explainer-{width}.png"))


def test_an_article_without_paragraph_breaks_reads_in_paragraphs(served: str, page: Page) -> None:
    """The seed page's Salami article came as 525 words without a line break: it showed as
    one wall of text below the summary box. It reads in paragraphs of whole sentences."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served}/articles/4")
    paras = page.locator(".story-body p").all_inner_texts()
    assert len(paras) >= 5, paras
    assert all(len(p.split()) <= 150 and p.rstrip()[-1] in ".?!'\"”’" for p in paras), paras
    assert paras[0].startswith("Hossein Salami, the commander of Iran's elite")
    page.screenshot(path=str(SHOTS / "article-paragraphs.png"))


def test_the_talks_article_tags_its_actors_and_the_minister_page_lists_it(
    served: str, page: Page
) -> None:
    """The issue's reading of the reference page: the Turkiye-Israel talks article lacked its
    main actor and Hakan Fidan, who confirmed the talks. Its tags open with the headline's
    countries and name the minister; his tag is a person's page listing the article."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served}/articles/1")
    tags = page.locator("section.hashtags a").all_inner_texts()
    assert [t.split()[0] for t in tags[:2]] == ["#Turkey", "#Israel"], tags
    page.locator("section.hashtags a").filter(has_text="#HakanFidan").click()
    expect(page.locator("h1")).to_contain_text("Hakan Fidan")
    expect(page.locator("main")).to_contain_text("Turkiye and Israel hold talks")
    page.screenshot(path=str(SHOTS / "tag-hakan-fidan.png"))
