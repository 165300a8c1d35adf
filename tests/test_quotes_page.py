"""The quotes of the seed page's articles, through the real analysis and the real article page.

../shared/data/seed-page/articles.jsonl: the Al Jazeera article "Turkiye and Israel hold talks
to avoid clashes in Syria" and its three related articles (one the Salami explainer). A reader
found: the "red line" quote cut from the box, overlapping duplicates shown, closing quote marks
stripped, an abstract noun phrase credited as a speaker, the outlet a person "told" credited
as the speaker, and "Salami was quoted as saying" without a speaker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.nlp.analyze import analyze_many
from newsdesk.nlp.quotes import RankItem, rank_quotes
from newsdesk.nlp.types import Analysis, Quote
from newsdesk.store import connect, session_scope
from newsdesk.store.models import Article
from newsdesk.stories.views import clean_quote
from newsdesk.web import create_app
from newsdesk.web.slots import MAX_QUOTES

try:
    from .conftest import shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import shared_data  # type: ignore[no-redef]

TURKIYE = "Turkiye and Israel hold talks"
SALAMI = "Who was Hossein Salami"
RED_LINE = "is a red line and will be considered a breaking of the rules"

Seed = dict[str, tuple[dict[str, str], Analysis]]  # title -> (record, its analysis)
Site = tuple[TestClient, dict[str, int]]  # the app over the enriched seed page, title -> id


def _records() -> list[dict[str, str]]:
    path = shared_data("seed-page") / "articles.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def analyses() -> Seed:
    records = _records()
    done = analyze_many([(r["title"], r["text"]) for r in records])
    return {r["title"]: (r, a) for r, a in zip(records, done, strict=True)}


def _article(analyses: Seed, start: str) -> tuple[dict[str, str], Analysis]:
    return next(v for k, v in analyses.items() if k.startswith(start))


def _find(quotes: list[Quote], words: str) -> Quote:
    for q in quotes:
        if words in q.quote:
            return q
    raise AssertionError(f"no quote with {words!r} in {[q.quote[:50] for q in quotes]}")


def _ranked(record: dict[str, str], a: Analysis) -> tuple[list[RankItem], list[int], list[int]]:
    items = [
        RankItem(clean_quote(q.quote), q.speaker, q.kind, q.speaker_entity is not None, q.outlet)
        for q in a.quotes
    ]
    top, rest = rank_quotes(items, record["text"], record["title"], MAX_QUOTES)
    return items, top, rest


# --- attribution ----------------------------------------------------------------------------


def test_red_line_quote_is_among_the_shown_ones(analyses: Seed) -> None:
    record, a = _article(analyses, TURKIYE)
    q = _find(a.quotes, RED_LINE)
    assert q.speaker == "An Israeli political source" and q.outlet == "Reuters"
    items, top, rest = _ranked(record, a)
    assert len(a.quotes) > MAX_QUOTES  # this article has more quotes than the box shows
    assert len(top) == MAX_QUOTES and rest
    assert any(RED_LINE in items[i].text for i in top)
    assert any(RED_LINE in items[i].text for i in top[:4])  # among the most important


def test_no_shown_quote_is_contained_in_another(analyses: Seed) -> None:
    for record, a in analyses.values():
        items, top, rest = _ranked(record, a)
        shown = [" ".join(items[i].text.casefold().split()) for i in top + rest]
        for i, x in enumerate(shown):
            for j, y in enumerate(shown):
                assert i == j or x not in y, (x, y)
    # the case: the 'without targeting third countries' clause is one quote, once
    _, a = _article(analyses, TURKIYE)
    with_clause = [q for q in a.quotes if "without targeting third countries" in q.quote]
    assert len(with_clause) == 1


def test_closing_quote_marks_are_kept(analyses: Seed) -> None:
    record, a = _article(analyses, TURKIYE)
    assert "would be a 'danger to Israel'." in record["text"]
    q = _find(a.quotes, "danger to Israel")
    assert q.quote.endswith("'danger to Israel'")  # stored with its closing mark
    assert clean_quote(q.quote).endswith("'danger to Israel'")  # and shown with it
    q = _find(a.quotes, "agreed to continue the dialogue")
    assert q.quote.endswith("preserve regional stability'")
    q = _find(a.quotes, RED_LINE)
    assert clean_quote(q.quote).endswith("breaking of the rules.'")


def test_reported_speech_credits_the_official_not_a_noun_phrase(analyses: Seed) -> None:
    _, a = _article(analyses, TURKIYE)
    q = _find(a.quotes, "such activities followed international law")
    assert q.kind == "reported"
    assert q.speaker in (None, "A Turkish Ministry of National Defence official")
    assert not (q.speaker or "").startswith("assessments")
    assert not any((x.speaker or "").startswith("assessments") for x in a.quotes)
    # the first clause is the official's too, without the second one inside it
    first = _find(a.quotes, "assessments for the establishment of a base")
    assert first.speaker == "A Turkish Ministry of National Defence official"
    assert "such activities" not in first.quote
    assert first.outlet == "Associated Press"  # the name, without "news agency"


def test_told_al_jazeera_credits_the_person_and_the_outlet_is_the_medium(analyses: Seed) -> None:
    _, a = _article(analyses, SALAMI)
    q = _find(a.quotes, "On a human level you will have gaps of knowledge")
    assert q.speaker == "Reza H Akbari"
    assert q.outlet == "Al Jazeera" and q.cue == "told"
    # the next paragraph goes on with his words: one quote, still his
    assert "it's difficult to destroy an existing structure" in q.quote
    assert not any(x.speaker == "Al Jazeera" for x in a.quotes)


def test_was_quoted_as_saying_credits_the_subject(analyses: Seed) -> None:
    _, a = _article(analyses, SALAMI)
    q = _find(a.quotes, "We shall fight them")
    assert q.kind == "direct"
    assert q.speaker == "Salami" and q.speaker_entity == "Hossein Salami"
    assert "We have plans to defeat the world powers." in q.quote


# --- the article page -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file

    root = tmp_path_factory.mktemp("quotes-page")
    settings = Settings(data_dir=Path(root), secret_key="test-secret")
    engine = connect(settings.db_url)
    report = import_jsonl_file(engine, shared_data("seed-page") / "articles.jsonl")
    assert report.new == 4 and report.bad == 0
    enrich(engine, settings, batch_size=8)
    with session_scope(engine) as session:
        ids = {title: i for i, title in session.execute(select(Article.id, Article.title))}
    with TestClient(create_app(settings, engine), follow_redirects=False) as client:
        yield client, ids
    engine.dispose()


def _quotes_section(client: TestClient, ids: dict[str, int], start: str) -> lxml.html.HtmlElement:
    article_id = next(i for t, i in ids.items() if t.startswith(start))
    response = client.get(f"/articles/{article_id}")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.text)
    sections = page.xpath('//section[contains(@class, "quotes")]')
    assert sections, "no quotes section"
    return sections[0]


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_article_page_shows_the_top_quotes_then_show_all(site: Site) -> None:
    client, ids = site
    section = _quotes_section(client, ids, TURKIYE)
    shown = section.xpath("./figure")
    hidden = section.xpath("./details/figure")
    assert 0 < len(shown) <= MAX_QUOTES and hidden
    summary = section.xpath("./details/summary")[0].text_content()
    assert _norm(summary) == f"Show all {len(shown) + len(hidden)} quotes"
    shown_text = [_norm(f.xpath(".//blockquote")[0].text_content()) for f in shown]
    assert any(RED_LINE in t for t in shown_text)
    assert any(
        t.endswith("'danger to Israel'")
        for t in shown_text + [_norm(f.xpath(".//blockquote")[0].text_content()) for f in hidden]
    )
    everything = shown_text + [_norm(f.xpath(".//blockquote")[0].text_content()) for f in hidden]
    for i, x in enumerate(everything):  # no quote shown twice, or inside another
        for j, y in enumerate(everything):
            assert i == j or x.strip("“”") not in y, (x, y)
    # the hidden ones in text order
    record = next(r for r in _records() if r["title"].startswith(TURKIYE))
    text = _norm(record["text"])
    starts = [
        text.find(_norm(f.xpath(".//blockquote")[0].text_content()).strip("“”")[:40])
        for f in hidden
    ]
    assert -1 not in starts and starts == sorted(starts)
    # speakers: the official, not the noun phrase
    captions = " | ".join(_norm(c.text_content()) for c in section.xpath(".//figcaption"))
    assert "assessments" not in captions
    assert "A Turkish Ministry of National Defence official" in captions


def test_article_page_credits_the_person_who_told_the_outlet(site: Site) -> None:
    client, ids = site
    section = _quotes_section(client, ids, SALAMI)
    figures = section.xpath(".//figure")
    akbari = next(
        f for f in figures if "On a human level" in f.xpath(".//blockquote")[0].text_content()
    )
    caption = _norm(akbari.xpath(".//figcaption")[0].text_content())
    assert caption.startswith("— Reza H Akbari (told)")
    assert akbari.xpath('.//span[@class="carrier"]')[0].text == "Al Jazeera"
    salami = next(
        f for f in figures if "We shall fight them" in f.xpath(".//blockquote")[0].text_content()
    )
    assert "Salami" in _norm(salami.xpath(".//figcaption")[0].text_content())
    # four quotes: all shown, no disclosure
    assert len(figures) <= MAX_QUOTES and not section.xpath("./details")


def test_a_known_speaker_is_named_in_full(site: Site) -> None:
    # The UN article writes "said Grossi" after "Rafael Grossi, chief of the United Nations
    # nuclear watchdog": the caption names him as his explainer page does, and links it.
    client, ids = site
    section = _quotes_section(client, ids, "UN officials")
    speakers = section.xpath('.//figcaption//a[@class="speaker"]')
    names = {_norm(a.text_content()): a.get("href") for a in speakers}
    assert names.get("Rafael Grossi") == "/tags/RafaelGrossi", names
    assert "Grossi" not in names and "Danon" not in names


def test_article_page_lists_the_reference_pages_related_articles(site: Site) -> None:
    """The reference page lists the three June articles under the April one; coverage from
    further apart than a week comes after nearer related stories, not never."""
    client, ids = site
    article_id = next(i for t, i in ids.items() if t.startswith(TURKIYE))
    page = lxml.html.fromstring(client.get(f"/articles/{article_id}").text)
    related = page.xpath('//section[contains(@class, "related")]')
    assert related, "no related articles on the seed article's page"
    titles = [_norm(a.text_content()) for a in related[0].xpath(".//li//h4/a")]
    others = [t for t in ids if not t.startswith(TURKIYE)]
    assert sum(any(t.startswith(o[:30]) for t in titles) for o in others) >= 2, titles


def test_no_unsaid_or_unattributed_reported_speech_in_the_box(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """BBC business/058 (Electrolux): "It did not say which facilities would be affected" is
    no speech, and "after it said it would be shifting ..." (the "it" unresolved) names no one:
    the box showed both, the second without a speaker line."""
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file

    raw = (shared_data("bbc-news") / "bbc" / "business" / "058.txt").read_text("latin-1")
    title, _, body = raw.partition("\n")
    root = tmp_path_factory.mktemp("quotes-electrolux")
    records = root / "electrolux.jsonl"
    record = {"url": "https://news.example/bbc/business/58", "title": title.strip()}
    records.write_text(json.dumps({**record, "text": body.strip(), "source": "BBC News"}))
    settings = Settings(data_dir=root, secret_key="test-secret")
    engine = connect(settings.db_url)
    assert import_jsonl_file(engine, records).new == 1
    enrich(engine, settings, batch_size=8)
    with TestClient(create_app(settings, engine)) as client:
        section = _quotes_section(client, {title.strip(): 1}, title.strip())
        figures = section.xpath(".//figure")
        texts = [_norm(f.xpath(".//blockquote")[0].text_content()) for f in figures]
        assert any("about half the plants" in t for t in texts)  # the chief executive's words
        assert not [t for t in texts if "which facilities" in t or "shifting more" in t], texts
        assert all(f.xpath(".//figcaption") for f in figures)  # every quote says whose it is
    engine.dispose()
