"""A story page's hashtags without variants of one another: the BBC's nine reports on the Greek
sprinters Kenteris and Thanou, imported and enriched for real, and the rule on its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.store import connect, session_scope
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories.views import TagLink, _without_variants
from newsdesk.web import create_app

try:
    from .conftest import bbc_article
except ImportError:
    from conftest import bbc_article  # type: ignore[no-redef]

# Every BBC sport file of the first hundred that names Kenteris: one story, two spellings of
# his first name (Kostas, Costas), "drugs tests" and "tests".
FILES = ["016", "017", "023", "033", "034", "047", "048", "050", "051", "054"]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, int]]:
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file

    root = Path(tmp_path_factory.mktemp("story-tags"))
    now = datetime.now(UTC)
    lines = []
    for i, name in enumerate(FILES):
        title, body = bbc_article(f"sport/{name}.txt")
        published = (now - timedelta(hours=2 * (len(FILES) - i))).isoformat()
        row = {"url": f"https://news.example/bbc/sport/{name}", "title": title, "text": body}
        lines.append(json.dumps(row | {"published": published, "source": "BBC News"}))
    (root / "greek.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    settings = Settings(data_dir=root, secret_key="test-secret")
    engine = connect(settings.db_url)
    assert import_jsonl_file(engine, root / "greek.jsonl").new == len(FILES)
    enrich(engine, settings, batch_size=16)
    with session_scope(engine) as s:
        stories = [x for x in s.scalars(select(Enrichment.story_id)) if x is not None]
    story = max(set(stories), key=stories.count)
    with TestClient(create_app(settings, engine), follow_redirects=True) as c:
        yield c, story
    engine.dispose()


def test_the_story_page_shows_one_tag_per_thing(client: tuple[TestClient, int]) -> None:
    c, story = client
    page = lxml.html.fromstring(c.get(f"/stories/{story}").text)
    tags = [a.text_content().strip() for a in page.xpath('//a[starts-with(@href, "/tags/")]')]
    tags = list(dict.fromkeys(tags))
    assert any("Kenteris" in t for t in tags), tags
    assert len([t for t in tags if "Kenteris" in t]) == 1, tags
    lower = {t.lower() for t in tags}
    assert not ({"#tests", "#drugstests"} <= lower or {"#test", "#drugstest"} <= lower), tags


@pytest.mark.parametrize(
    ("tags", "kept"),
    [
        (
            [("KostasKenteris", "Kostas Kenteris", "person"), ("Tests", "tests", "topic")]
            + [("CostasKenteris", "Costas Kenteris", "person")]
            + [("DrugsTests", "drugs tests", "topic")],
            ["KostasKenteris", "DrugsTests"],
        ),
        (  # two letters apart: two people
            [("DanBrown", "Dan Brown", "person"), ("JanBrown", "Jan Browne", "person")],
            ["DanBrown", "JanBrown"],
        ),
        (  # each word of a longer topic folds into it; a name does not
            [("Oil", "oil", "topic"), ("OilPrices", "oil prices", "topic")]
            + [("Prices", "prices", "topic"), ("Opec", "Opec", "organization")],
            ["OilPrices", "Opec"],
        ),
    ],
)
def test_variants_are_folded_into_the_first(tags: list[tuple[str, ...]], kept: list[str]) -> None:
    links = [TagLink(slug, label, kind, 10 - i) for i, (slug, label, kind) in enumerate(tags)]
    assert [t.slug for t in _without_variants(links)] == kept
