"""A German article's quotes in headless Chromium: the quotes box credits the people named
beside the quotation marks, and each speaker's page lists what they said."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from newsdesk.extract.article import extract_article

try:
    from .browser_support import serve_imported
    from .conftest import shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from browser_support import serve_imported  # type: ignore[no-redef]
    from conftest import shared_data  # type: ignore[no-redef]

pytestmark = pytest.mark.browser
PAGE = "biathlonword.com-chinesisch.html"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    raw = gzip.decompress((shared_data("trafilatura-eval") / "html" / f"{PAGE}.gz").read_bytes())
    ex = extract_article(raw, url=f"https://{PAGE}")
    data_dir = Path(tmp_path_factory.mktemp("quoted-web"))
    lines = data_dir / "article.jsonl"
    row = {"url": f"https://example.org/{PAGE}", "title": ex.title, "text": ex.text}
    lines.write_text(json.dumps(row | {"outlet": "biathlonworld", "language": "de"}) + "\n")
    with serve_imported(data_dir, lines) as url:
        yield url


def test_german_quotes_and_the_speakers_page(served: str, page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served}/articles/1")
    quotes = page.locator("section.quotes")
    expect(quotes).to_contain_text("Als Norweger war ich daran gewöhnt")
    expect(quotes).to_contain_text("Ole Einar Björndalen")
    quotes.get_by_role("link", name="Ole Einar Björndalen").first.click()
    expect(page.locator("h1")).to_contain_text("Ole Einar Björndalen")
    expect(page.locator("main")).to_contain_text("Als Norweger war ich daran gewöhnt")


def test_the_coach_page_quotes_him_and_gives_his_office(served: str, page: Page) -> None:
    """ "…“, meinte Trainer Tobias Torgersen": his page says what he said, and how the
    coverage describes him."""
    page.goto(f"{served}/tags/TobiasTorgersen")
    expect(page.locator("h1")).to_contain_text("Tobias Torgersen")
    expect(page.locator("main")).to_contain_text("Das Team hat sich in vielen Bereichen")
    expect(page.locator("main")).to_contain_text("Trainer")
