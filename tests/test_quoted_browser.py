"""A German article's quotes in headless Chromium: the quotes box credits the people named
beside the quotation marks, and each speaker's page lists what they said."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from newsdesk.config import Settings
from newsdesk.extract.article import extract_article
from newsdesk.store import connect
from newsdesk.web import create_app

try:
    from .browser_support import BackgroundServer
    from .conftest import shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from browser_support import BackgroundServer  # type: ignore[no-redef]
    from conftest import shared_data  # type: ignore[no-redef]

pytestmark = pytest.mark.browser
PAGE = "biathlonword.com-chinesisch.html"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file

    raw = gzip.decompress((shared_data("trafilatura-eval") / "html" / f"{PAGE}.gz").read_bytes())
    ex = extract_article(raw, url=f"https://{PAGE}")
    data_dir = Path(tmp_path_factory.mktemp("quoted-web"))
    lines = data_dir / "article.jsonl"
    row = {"url": f"https://example.org/{PAGE}", "title": ex.title, "text": ex.text}
    lines.write_text(json.dumps(row | {"outlet": "biathlonworld", "language": "de"}) + "\n")
    settings = Settings(data_dir=data_dir, secret_key="t")
    engine = connect(settings.db_url)
    import_jsonl_file(engine, lines)
    enrich(engine, settings, batch_size=8)
    try:
        with BackgroundServer(create_app(settings, engine)) as server:
            yield server.url
    finally:
        engine.dispose()


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
