"""Explainer pages on the seed page's real articles: "Who was X?" when the coverage reports X
dead, with the sentence that says so; "Who is X?" for the living."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from newsdesk.config import Settings
from newsdesk.nlp.deaths import death_report
from newsdesk.store import connect
from newsdesk.web import create_app

try:
    from .conftest import shared_data
except ImportError:
    from conftest import shared_data  # type: ignore[no-redef]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file

    root = tmp_path_factory.mktemp("explainers")
    settings = Settings(data_dir=Path(root), secret_key="test-secret")
    engine = connect(settings.db_url)
    assert import_jsonl_file(engine, shared_data("seed-page") / "articles.jsonl").new == 4
    enrich(engine, settings, batch_size=8)
    with TestClient(create_app(settings, engine), follow_redirects=True) as c:
        yield c
    engine.dispose()


def _head(client: TestClient, path: str) -> tuple[str, str]:
    response = client.get(path)
    assert response.status_code == 200, path
    page = lxml.html.fromstring(response.text)
    died = page.xpath('//p[@class="died"]')
    return page.xpath("//h1")[0].text_content().strip(), died[0].text_content() if died else ""


def test_a_person_reported_dead_is_who_was(client: TestClient) -> None:
    heading, died = _head(client, "/tags/HosseinSalami")
    assert heading == "Who was Hossein Salami?"
    assert "killed in Israel's sweeping air strikes" in died and "Al Jazeera" in died


def test_the_living_are_who_is(client: TestClient) -> None:
    for slug, name in (("HakanFidan", "Hakan Fidan"), ("BenjaminNetanyahu", "Benjamin Netanyahu")):
        heading, died = _head(client, f"/tags/{slug}")
        assert heading == f"Who is {name}?" and not died


@pytest.mark.parametrize(
    ("text", "dead"),
    [
        ("Salami died in an air strike, according to Iranian media.", True),
        ("After Salami's assassination, Ahmad Vahidi was announced as his successor.", True),
        ("Thousands attended the funeral of General Hossein Salami in Tehran.", True),
        ("Hossein Salami, the IRGC commander, was killed on Friday.", True),
        ("Salami said the strikes killed hundreds of people.", False),
        ("The war killed hundreds of thousands, Salami told reporters.", False),
        ("Salami was among the officials who attended the meeting.", False),
    ],
)
def test_death_reports(text: str, dead: bool) -> None:
    assert (death_report(text, ["Hossein Salami", "Salami"]) is not None) == dead


def test_descriptions_are_no_fragments(client: TestClient) -> None:
    """ "the loyal and steadfast commander, Major" (of "…, Major-General Hossein Salami"), a
    bracket left open, a title on its own: none of them describe anybody."""
    page = lxml.html.fromstring(client.get("/tags/HosseinSalami").text)
    phrases = [p.text_content().strip("“” ") for p in page.xpath('//span[@class="phrase"]')]
    assert "the loyal and steadfast commander" in phrases
    assert "the commander of Iran's elite Islamic Revolutionary Guard Corps (IRGC)" in phrases
    for phrase in phrases:
        assert not phrase.endswith((", Major", "Major")), phrase
        assert phrase.count("(") == phrase.count(")"), phrase
        assert phrase != "Major-General"


def test_hashtags_lead_with_the_headlines_actors(client: TestClient) -> None:
    """#Turkey (written "Turkiye" in the article; one tag for Turkey, Türkiye and Turkiye) beside
    #Israel; no title or vague word on its own (#Amir, #President, #Developments)."""
    page = lxml.html.fromstring(client.get("/articles/1").text)
    tags = [
        a.text_content().strip() for a in page.xpath('//section[contains(@class,"hashtags")]//a')
    ]
    assert tags[:2] == ["#Turkey", "#Israel"], tags
    for article_id in (1, 2, 3, 4):
        page = lxml.html.fromstring(client.get(f"/articles/{article_id}").text)
        shown = {
            a.text_content().strip().lower()
            for a in page.xpath('//section[contains(@class,"hashtags")]//a')
        }
        assert not shown & {"#amir", "#president", "#developments", "#turkiye"}, shown


def test_what_a_person_said_puts_only_their_own_words_in_quotation_marks(
    client: TestClient,
) -> None:
    """ "What Danny Danon said" showed reported speech in quotation marks, as if he had said
    "an act of national preservation" word for word; the article page shows it without."""
    page = lxml.html.fromstring(client.get("/tags/DannyDanon").text)
    said = {
        f.xpath(".//blockquote")[0].text_content().strip(): f.get("class") or ""
        for f in page.xpath('//section[@aria-labelledby="said-title"]//figure')
    }
    reported = [t for t, cls in said.items() if "national preservation" in t]
    direct = [t for t, cls in said.items() if "This operation was carried out" in t]
    assert reported and not reported[0].startswith("“"), said
    assert "reported" in said[reported[0]], said
    assert direct and direct[0].startswith("“") and direct[0].endswith("”"), said
    # each credit names who spoke: it opened with the verb ("— said, reported by …")
    credits = [
        " ".join(f.text_content().split())
        for f in page.xpath('//section[@aria-labelledby="said-title"]//figcaption')
    ]
    assert credits and all(c.startswith("— Danny Danon") for c in credits), credits
    assert any(c.startswith("— Danny Danon (said), reported by") for c in credits), credits
