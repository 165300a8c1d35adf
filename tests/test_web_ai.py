"""The AI layer as readers see it: article slots, story, hashtag / explainer and list pages,
asking questions. Real ECB+ news imported through the pipeline and really enriched (once)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, null, select, update

from newsdesk.accounts import create_user
from newsdesk.nlp.summary_box import OPENING_WORDS, SHORT_ARTICLE_WORDS, box_sentences
from newsdesk.store import session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import ArticleTag, DescriptionRow, Enrichment, QuoteRow, Story, Tag
from newsdesk.web import create_app
from newsdesk.web.pagecache import open_pages

try:
    from .conftest import shared_data
    from .readers_support import PASSWORD, csrf_of, fast_hashing, login
    from .webai_support import XSS_DESC, XSS_QUOTE, XSS_SLUG, XSS_TAG, Site, build_site
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import shared_data  # type: ignore[no-redef]
    from readers_support import PASSWORD, csrf_of, fast_hashing, login  # type: ignore[no-redef]
    from webai_support import (  # type: ignore[no-redef]
        XSS_DESC,
        XSS_QUOTE,
        XSS_SLUG,
        XSS_TAG,
        Site,
        build_site,
    )

AI_MARKERS = (
    'class="slot hashtags"',
    'class="slot summary"',
    'class="slot quotes"',
    'class="slot ask"',
    'class="slot related"',
    "Key points",
    "Ask about this story",
    "Related articles",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    data = shared_data("ecbplus-story-clusters")
    return build_site(str(tmp_path_factory.getbasetemp() / "web-ai"), str(data))


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[TestClient]:
    engine = site.engine
    with TestClient(create_app(site.settings, engine), follow_redirects=False) as c:
        yield c
    engine.dispose()


def doc(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html)


def section(page: lxml.html.HtmlElement, css_class: str) -> lxml.html.HtmlElement:
    found = page.xpath(f'//section[contains(concat(" ", @class, " "), " {css_class} ")]')
    assert found, f"no section .{css_class}"
    return found[0]


def hrefs(node: lxml.html.HtmlElement) -> list[str]:
    return [a.get("href") for a in node.iter("a")]


def norm(text: str) -> str:
    return " ".join(text.split())


# --- the article page ------------------------------------------------------------------------


def test_article_hashtags_link_to_tag_pages_that_list_it(client: TestClient, site: Site) -> None:
    article_id = site.corpus.original_id
    page = doc(client.get(f"/articles/{article_id}").text)
    links = section(page, "hashtags").xpath(".//a")
    assert 3 <= len(links) <= 8
    for a in links:
        href = a.get("href")
        assert re.fullmatch(r"/tags/[A-Za-z0-9%]+", href), href
        assert a.text_content().startswith("#")
        r = client.get(href)
        assert r.status_code == 200, href
        listed = section(doc(r.text), "tag-articles")
        assert f"/articles/{article_id}" in hrefs(listed), href


def test_summary_sentences_come_from_the_article(client: TestClient, site: Site) -> None:
    article_id = site.corpus.original_id
    with session_scope(site.engine) as session:
        text = norm(session.get(Article, article_id).text)  # type: ignore[union-attr]
        row = session.get(Enrichment, article_id)
        assert row is not None and row.summary and len(row.summary) == 3
        sentences = [norm(s) for s in row.summary]
        points = [norm(p) for p in row.key_points or []]
    summary = section(doc(client.get(f"/articles/{article_id}").text), "summary")
    shown = norm(summary.xpath("./p")[0].text_content())
    opening = " ".join(text.split()[:OPENING_WORDS])
    for sentence in sentences:
        assert sentence in text  # extractive: the article's own words
        # shown unless the reader reads it right below, in the article's opening
        assert (sentence in shown) != (sentence in opening), sentence
    assert any(sentence not in opening for sentence in sentences)  # the case shows something
    assert summary.xpath('.//span[@class="badge"]')[0].text == "AI"
    items = [norm(li.text_content()) for li in summary.xpath(".//li")]
    assert items and all(item in points and item in text for item in items)
    assert not any(item in opening for item in items)


def test_summary_box_never_repeats_the_opening_nor_sums_up_a_short_article(
    client: TestClient, site: Site
) -> None:
    """On every enriched article page: nothing in the summary box is in the article's first
    OPENING_WORDS words, printed right below it; an article shorter than SHORT_ARTICLE_WORDS
    has no summary box."""
    with session_scope(site.engine) as session:
        rows = session.execute(
            select(Article.id, Article.text).join(Enrichment, Enrichment.article_id == Article.id)
        ).all()
    checked = short = 0
    for article_id, body in rows:
        words = norm(body or "").split()
        page = doc(client.get(f"/articles/{article_id}").text)
        boxes = page.xpath('//section[contains(@class, "summary")]')
        if len(words) < SHORT_ARTICLE_WORDS:
            assert not boxes, article_id
            short += 1
            continue
        opening = " ".join(words[:OPENING_WORDS])
        for box in boxes:
            for node in box.xpath("./p[not(@class)] | .//li"):
                for sentence in re.split(r"(?<=[.!?])\s+", norm(node.text_content())):
                    assert sentence not in opening or len(sentence.split()) < 4, sentence
            checked += 1
    assert checked >= 3 and short >= 1


def test_summary_box_is_stored_at_enrichment_and_served_as_stored(site: Site) -> None:
    """Enrichment stores each article's summary box (migration 0015); pages show the stored
    sentences without summarising again, and make and store a box still missing (a row
    enriched before 0015) once."""
    article_id = site.corpus.original_id
    with session_scope(site.engine) as session:
        rows = session.execute(
            select(Article.id, Article.title, Article.text, Enrichment.box_summary).join(
                Enrichment, Enrichment.article_id == Article.id
            )
        ).all()
        stored = session.get(Enrichment, article_id)
        assert stored is not None and stored.box_summary
        box = list(stored.box_summary)
    assert all(b == box_sentences(text or "", title or "") for _, title, text, b in rows)
    assert any(b == [] for *_, b in rows) and any(b for *_, b in rows)  # short ones: no box
    marker = ["A stored box sentence that the article does not contain."]
    try:
        with session_scope(site.engine) as session:
            session.execute(
                update(Enrichment)
                .where(Enrichment.article_id == article_id)
                .values(box_summary=marker)
            )
        open_pages(site.settings.data_dir).clear()  # pages kept by earlier tests' views
        with TestClient(create_app(site.settings, site.engine)) as client:
            assert marker[0] in client.get(f"/articles/{article_id}").text
        with session_scope(site.engine) as session:  # as if enriched before migration 0015
            session.execute(
                update(Enrichment)
                .where(Enrichment.article_id == article_id)
                .values(box_summary=null())
            )
        open_pages(site.settings.data_dir).clear()
        with TestClient(create_app(site.settings, site.engine)) as client:
            summary = section(doc(client.get(f"/articles/{article_id}").text), "summary")
        assert norm(box[0]) in norm(summary.text_content())
        with session_scope(site.engine) as session:
            assert (
                session.scalar(
                    select(Enrichment.box_summary).where(Enrichment.article_id == article_id)
                )
                == box
            )
    finally:
        with session_scope(site.engine) as session:
            session.execute(
                update(Enrichment)
                .where(Enrichment.article_id == article_id)
                .values(box_summary=box)
            )


def test_kept_slots_follow_a_new_enrichment_and_a_new_story_at_once(site: Site) -> None:
    """Each web process keeps an article's AI slots a minute (web/slots.py SLOTS_TTL), but
    re-enriching the article or moving it to another story shows on the next view."""
    article_id = site.corpus.original_id
    with session_scope(site.engine) as session:
        row = session.get(Enrichment, article_id)
        assert row is not None and row.story_id is not None
        before = (row.enriched_at, row.story_id, list(row.box_summary or []))
        own_title = session.get(Story, row.story_id).title
        other, other_title = session.execute(
            select(Story.id, Story.title).where(
                Story.id != row.story_id, Story.title.is_not(None), Story.title != own_title
            )
        ).first()
    app = create_app(site.settings, site.engine)
    marker = ["A box sentence written by a later enrichment of this article."]
    try:
        with TestClient(app) as client:
            first = client.get(f"/articles/{article_id}").text
            assert marker[0] not in first
            with session_scope(site.engine) as session:
                session.execute(
                    update(Enrichment)
                    .where(Enrichment.article_id == article_id)
                    .values(box_summary=marker)
                )
            kept = client.get(f"/articles/{article_id}").text  # same stamp: the kept slots
            assert marker[0] not in kept
            with session_scope(site.engine) as session:  # what a re-enrichment does
                session.execute(
                    update(Enrichment)
                    .where(Enrichment.article_id == article_id)
                    .values(enriched_at=before[0] + timedelta(seconds=1))
                )
            assert marker[0] in client.get(f"/articles/{article_id}").text
            with session_scope(site.engine) as session:  # moved to another story
                session.execute(
                    update(Enrichment)
                    .where(Enrichment.article_id == article_id)
                    .values(story_id=other)
                )
            link = section(doc(client.get(f"/articles/{article_id}").text), "related")
            shown = norm(" ".join(link.xpath('.//p[@class="story-link"]//text()')))
            assert norm(other_title) in shown and norm(own_title) not in shown
    finally:
        with session_scope(site.engine) as session:
            session.execute(
                update(Enrichment)
                .where(Enrichment.article_id == article_id)
                .values(enriched_at=before[0], story_id=before[1], box_summary=before[2])
            )


def test_article_page_made_anew_reads_each_part_once(site: Site) -> None:
    """A page made anew (no kept page, no kept slots) reads the article's enrichment once for
    all its parts, copies only of an article that has some, no comment rows when the stamp
    counted none, and no outlet names for the story box (it shows their count): each statement
    costs PostgreSQL and the web process."""
    engine = site.engine
    original = site.corpus.original_id
    with session_scope(engine) as session:  # one of the original's story that has no copies
        single = session.scalar(
            select(Enrichment.article_id).where(
                Enrichment.story_id == site.story_of[original],
                Enrichment.duplicate_of.is_(None),
                Enrichment.article_id.not_in([original, site.corpus.copy_id]),
            )
        )
    assert single is not None

    def made_anew(article_id: int) -> list[str]:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append(" ".join(statement.split()))

        with TestClient(create_app(site.settings, engine)) as client:
            event.listen(engine, "before_cursor_execute", record)
            page = client.get(f"/articles/{article_id}?made=anew")
            event.remove(engine, "before_cursor_execute", record)
        assert page.status_code == 200
        assert 'class="story-link"' in page.text and 'class="slot related"' in page.text
        own_row = [s for s in statements if "WHERE enrichments.article_id = " in s]
        assert len(own_row) == 1, own_row
        assert [s for s in statements if "comments" in s] == statements[:1]  # the stamp only
        assert not [s for s in statements if "GROUP BY enrichments.story_id, articles.outlet" in s]
        assert len(statements) <= 14, statements
        return statements

    try:

        def copies(statements: list[str]) -> list[str]:
            return [s for s in statements if "WHERE enrichments.duplicate_of = " in s]

        assert copies(made_anew(original))
        assert not copies(made_anew(single))
    finally:
        engine.dispose()


def test_quote_speaker_links_to_the_speakers_page(client: TestClient, site: Site) -> None:
    with session_scope(site.engine) as session:
        quote, speaker, slug = session.execute(
            select(QuoteRow.article_id, Tag.label, Tag.slug)
            .join(Tag, Tag.id == QuoteRow.speaker_tag_id)
            .where(Tag.slug != XSS_SLUG, func.length(QuoteRow.speaker) > 3)
            .order_by(QuoteRow.article_id, QuoteRow.position)
        ).first()
    page = doc(client.get(f"/articles/{quote}").text)
    quotes = section(page, "quotes")
    speakers = {a.text_content(): a.get("href") for a in quotes.xpath('.//a[@class="speaker"]')}
    assert speakers.get(speaker) == f"/tags/{slug}"  # named as on their page ("Hasim Rahman")
    assert quotes.xpath(".//blockquote") and quotes.xpath(".//figcaption")
    # the speaker's page lists what they said, linked to the article
    said = section(doc(client.get(f"/tags/{slug}").text), "quotes")
    assert f"/articles/{quote}" in hrefs(said)


def test_related_same_story_first_never_itself(client: TestClient, site: Site) -> None:
    original, copy = site.corpus.original_id, site.corpus.copy_id
    related = section(doc(client.get(f"/articles/{original}").text), "related")
    headings = [norm(h.text_content()) for h in related.xpath(".//h3")]
    assert headings[0] == "Same story, other outlets"
    lists = related.xpath('.//ol[contains(@class, "related-list")]')
    same = [h for h in hrefs(lists[0]) if h.startswith("/articles/")]
    assert len(same) >= 3
    listed = [h for h in hrefs(related) if h.startswith("/articles/")]
    cards = [h for ol in lists for h in hrefs(ol) if h.startswith("/articles/")]
    assert f"/articles/{original}" not in listed
    assert f"/articles/{copy}" not in cards  # the copy is "also published by", not related
    for a in same:
        assert site.story_of[int(a.rsplit("/", 1)[1])] == site.story_of[original]
    also = related.xpath('.//p[@class="also-published"]')[0]
    assert "Syndicate Weekly" in also.text_content()
    assert hrefs(also) == [f"/articles/{copy}"]
    # each related card: outlet, headline link, snippet, time
    card = lists[0].xpath(".//article")[0]
    assert card.xpath('.//a[@class="outlet"]') and card.xpath(".//time[@datetime]")
    assert card.xpath('.//p[@class="excerpt"]')
    # the copy's page points back to the original
    also = section(doc(client.get(f"/articles/{copy}").text), "related")
    assert f"/articles/{original}" in hrefs(also.xpath('.//p[@class="also-published"]')[0])


def test_unenriched_article_shows_no_ai_sections(client: TestClient, site: Site) -> None:
    html = client.get(f"/articles/{site.unenriched_id}").text
    assert "Harbour bridge reopens" in html
    for marker in AI_MARKERS:
        assert marker not in html, marker
    assert 'id="comments"' in html  # comments are not AI: still there
    r = client.post(f"/articles/{site.unenriched_id}/ask", data={"question": "x"})
    assert r.status_code in (403, 404)  # no CSRF token, and nothing to ask about


# --- stories ---------------------------------------------------------------------------------


def test_story_page_shows_coverage_by_outlet(client: TestClient, site: Site) -> None:
    story_id = site.main_story("7_ecb")
    r = client.get(f"/stories/{story_id}")
    assert r.status_code == 200
    page = doc(r.text)
    with session_scope(site.engine) as session:
        story = session.get(Story, story_id)
        assert story is not None
        title, outlets, summary = story.title, story.outlet_count, story.summary
    assert norm(page.xpath("//h1")[0].text_content()) == norm(title)
    assert f"{outlets} outlets" in page.xpath('//span[@class="story-size"]')[0].text_content()
    groups = page.xpath('//section[@class="outlet-group"]')
    assert len(groups) >= 2
    names = [norm(g.xpath(".//h3")[0].text_content()) for g in groups]
    assert len(set(names)) == len(names) and "Daily Planet" in names
    for group in groups:
        assert group.xpath(".//li//time[@datetime]")
    # the syndicated copy is folded into its original
    assert "Also published by" in r.text and "Syndicate Weekly" in r.text
    assert summary and norm(summary[0]) in norm(section(page, "summary").text_content())
    # which outlet reports what: each summary sentence names the outlets whose articles say it,
    # linked to those articles, and together they name two outlets or more
    lines = section(page, "summary").xpath(".//li")
    assert [norm(li.text_content()).split(" —")[0] for li in lines] == [norm(s) for s in summary]
    cited = {a.text_content() for li in lines for a in li.xpath(".//a")}
    assert len(cited) >= 2 and cited <= set(names) | {"Syndicate Weekly"}, cited
    for li in lines:
        sentence = norm(li.text_content()).split(" —")[0]
        for link in li.xpath(".//a"):
            article_id = int(link.get("href").rsplit("/", 1)[1])
            with session_scope(site.engine) as session:
                enrichment = session.get(Enrichment, article_id)
                assert enrichment is not None and enrichment.summary
                assert sentence in [norm(s) for s in enrichment.summary]
    tags = section(page, "hashtags").xpath(".//a")
    assert tags and all(a.get("href").startswith("/tags/") for a in tags)
    assert page.xpath(f'//form[@action="/stories/{story_id}/ask"]')
    assert page.xpath('//section[@id="comments"]')
    assert client.get("/stories/999999").status_code == 404
    assert client.get("/stories/0").status_code == 404


def test_comment_on_a_story_and_follow_a_hashtag(client: TestClient, site: Site) -> None:
    story_id = site.main_story("12_ecb")
    with fast_hashing():
        create_user(site.engine, "storyreader", PASSWORD)
        with TestClient(create_app(site.settings, site.engine), follow_redirects=False) as c:
            assert login(c, "storyreader").status_code == 303
            token = csrf_of(c.get(f"/stories/{story_id}").text)
            r = c.post(
                f"/stories/{story_id}/comments",
                data={"body": "Which ship was it?", "csrf_token": token},
            )
            assert r.status_code == 303
            assert r.headers["location"].startswith(f"/stories/{story_id}#comment-")
            assert "Which ship was it?" in c.get(f"/stories/{story_id}").text
            # signed in, a hashtag page offers to follow it (into "My feed")
            with session_scope(site.engine) as session:
                slug, tagged = session.execute(
                    select(Tag.slug, func.max(ArticleTag.article_id))
                    .join(ArticleTag, ArticleTag.tag_id == Tag.id)
                    .where(Tag.kind == "place")
                    .group_by(Tag.id, Tag.slug)
                    .order_by(func.count().desc(), Tag.slug)
                ).first()
            form = doc(c.get(f"/tags/{slug}").text).xpath('//form[@class="follow-form"]')[0]
            assert form.get("action") == "/me/follows"
            data = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
            r = c.post("/me/follows", data=data)
            assert r.status_code == 303 and r.headers["location"] == f"/tags/{slug}"
            form = doc(c.get(f"/tags/{slug}").text).xpath('//form[@class="follow-form"]')[0]
            assert form.get("action") == "/me/follows/remove"
            assert f'href="/articles/{tagged}"' in c.get("/me/feed").text


def test_home_top_stories_and_trending_hashtags(client: TestClient, site: Site) -> None:
    page = doc(client.get("/").text)
    top = section(page, "top-stories")
    stories = [h for h in hrefs(top) if re.fullmatch(r"/stories/\d+", h)]
    assert stories and f"/stories/{site.main_story('7_ecb')}" in stories
    card = top.xpath(".//article")[0]
    assert re.search(r"\d+ articles from \d+ outlets", card.text_content())
    assert card.xpath(".//time[@datetime]") and card.xpath('.//a[@class="outlet"]')
    trending = section(page, "trending")
    tags = trending.xpath(".//a")
    assert tags and all(a.get("href").startswith("/tags/") for a in tags)
    assert "last 48 hours" in trending.text_content()  # the boxing events are "fetched now"
    # the latest list is still there, below
    assert page.xpath('//ol[@aria-label="Articles, newest first"]//a')
    # not on later pages nor outlet filters
    assert "top-stories" not in client.get("/", params={"outlet": "Daily Planet"}).text


def test_stories_list_page_and_nav(client: TestClient, site: Site) -> None:
    r = client.get("/stories")
    assert r.status_code == 200
    page = doc(r.text)
    nav = page.xpath('//nav[@aria-label="Main"]//a[@href="/stories"]')
    assert nav and nav[0].get("aria-current") == "page"
    listed = [h for h in hrefs(page.xpath("//main")[0]) if re.fullmatch(r"/stories/\d+", h)]
    with session_scope(site.engine) as session:
        total = session.scalar(
            select(func.count()).select_from(Story).where(Story.article_count > 0)
        )
    assert len(set(listed)) == min(total, 20)
    assert client.get("/stories", params={"page": 0}).status_code == 400
    assert "No more stories" in client.get("/stories", params={"page": 9}).text


# --- hashtags and explainers -----------------------------------------------------------------


def test_explainer_shows_descriptions_linked_to_sources(client: TestClient, site: Site) -> None:
    with session_scope(site.engine) as session:
        slug, label, kind, phrase, article_id = session.execute(
            select(Tag.slug, Tag.label, Tag.kind, DescriptionRow.phrase, DescriptionRow.article_id)
            .join(DescriptionRow, DescriptionRow.tag_id == Tag.id)
            .where(Tag.kind == "person", Tag.slug != XSS_SLUG)
            .order_by(Tag.article_count.desc(), DescriptionRow.id)
        ).first()
    r = client.get(f"/tags/{slug}")
    assert r.status_code == 200
    page = doc(r.text)
    assert page.xpath("//h1")[0].text_content() == f"Who is {label}?"
    assert kind == "person" and "Person" in page.xpath('//span[contains(@class, "badge")]')[0].text
    phrases = section(page, "descriptions").xpath(".//li")
    entry = [li for li in phrases if norm(phrase).strip(" ,;:") in norm(li.text_content())]
    assert entry and f"/articles/{article_id}" in hrefs(entry[0])
    # stories over time, co-occurring names with counts, the articles
    timeline = page.xpath('//ol[@class="timeline"]//a')
    assert timeline and all(a.get("href").startswith(("/stories/", "/outlets/")) for a in timeline)
    co = page.xpath('//section[@aria-labelledby="cooccur-title"]//a')
    assert co and all(a.xpath('.//span[@class="tag-count"]') for a in co)
    assert slug not in [a.get("href").rsplit("/", 1)[1] for a in co]


def test_tag_pages_one_address_and_kinds(client: TestClient, site: Site) -> None:
    with session_scope(site.engine) as session:
        topic = session.scalar(
            select(Tag).where(Tag.kind == "topic", Tag.article_count > 0).order_by(Tag.id)
        )
        place = session.scalar(
            select(Tag).where(Tag.kind == "place", Tag.article_count > 0).order_by(Tag.id)
        )
        assert topic is not None and place is not None
        topic_slug, place_slug, place_label = topic.slug, place.slug, place.label
    r = client.get(f"/tags/{topic_slug.lower()}")
    if topic_slug != topic_slug.lower():
        assert r.status_code == 301 and r.headers["location"] == f"/tags/{topic_slug}"
    html = client.get(f"/tags/{topic_slug}").text
    assert f"<h1>#{topic_slug}</h1>" in html and "Topic" in html
    html = client.get(f"/tags/{place_slug}").text
    assert f"Where is {place_label}?" in unescape(html)
    assert client.get("/tags/NoSuchTagAnywhere").status_code == 404
    r = client.get(f"/tags/{place_slug}", params={"before": "garbage"})
    assert r.status_code == 400


def test_links_to_tags_and_stories_agree_with_the_api(client: TestClient, site: Site) -> None:
    r = client.get("/api/v1/hashtags", params={"limit": 5})
    if r.status_code != 200:
        pytest.skip(f"the JSON API answers {r.status_code} here")
    for item in r.json()["items"]:
        path = "/" + item["link"].split("/", 3)[3]
        assert path == f"/tags/{item['slug']}"
        assert client.get(path).status_code == 200
    r = client.get("/api/v1/stories", params={"limit": 3})
    for item in r.json()["items"]:
        path = "/" + item["link"].split("/", 3)[3]
        assert client.get(path).status_code == 200


# --- asking ----------------------------------------------------------------------------------


def _ask(client: TestClient, page: str, action: str, question: str) -> lxml.html.HtmlElement:
    token = csrf_of(client.get(page).text)
    r = client.post(action, data={"question": question, "csrf_token": token})
    assert r.status_code == 200, r.text[:500]
    return doc(r.text)


def test_ask_quotes_and_cites_or_says_it_cannot(client: TestClient, site: Site) -> None:
    article_id = site.event("12_ecb")[0]
    path = f"/articles/{article_id}"
    page = _ask(client, path, f"{path}/ask", "How many pirates did the Indian Navy capture?")
    answer = page.xpath('//section[@class="answer-section"]')[0]
    assert "How many pirates did the Indian Navy capture?" in answer.text_content()
    cited = answer.xpath('.//ol[@class="citations"]/li')
    assert cited
    first = cited[0]
    sentence = norm(first.xpath(".//blockquote")[0].text_content())
    assert "pirates" in sentence.lower()
    source = first.xpath(".//figcaption//a")[0].get("href")
    cited_id = int(source.rsplit("/", 1)[1])
    with session_scope(site.engine) as session:
        text = norm(session.get(Article, cited_id).text)  # type: ignore[union-attr]
        outlet = session.get(Article, cited_id).outlet  # type: ignore[union-attr]
    assert sentence in text  # a quoted sentence of the cited article
    assert outlet in first.xpath(".//figcaption")[0].text_content()
    assert site.story_of[cited_id] == site.story_of[article_id]  # scoped to the story

    page = _ask(client, path, f"{path}/ask", "What is a good recipe for sourdough bread?")
    answer = page.xpath('//section[@class="answer-section"]')[0]
    assert not answer.xpath('.//ol[@class="citations"]')
    assert "does not answer this question" in answer.text_content()
    # a story's own ask box
    story_id = site.main_story("7_ecbplus")
    page = _ask(
        client, f"/stories/{story_id}", f"/stories/{story_id}/ask", "Who did Klitschko fight?"
    )
    cites = page.xpath('//ol[@class="citations"]//figcaption//a/@href')
    assert cites and all(site.story_of[int(h.rsplit("/", 1)[1])] == story_id for h in cites)


def test_ask_needs_csrf_and_a_question(client: TestClient, site: Site) -> None:
    path = f"/articles/{site.corpus.original_id}"
    r = client.post(f"{path}/ask", data={"question": "Who won?"})
    assert r.status_code == 403
    token = csrf_of(client.get(path).text)
    r = client.post(f"{path}/ask", data={"question": "   ", "csrf_token": token})
    assert r.status_code == 400 and "Type a question first." in r.text
    r = client.post("/stories/999999/ask", data={"question": "Who?", "csrf_token": token})
    assert r.status_code == 404


# --- escaping --------------------------------------------------------------------------------


def test_tag_quote_and_description_text_is_escaped(client: TestClient, site: Site) -> None:
    pages = {
        "article": client.get(f"/articles/{site.xss_article_id}").text,
        "tag": client.get(f"/tags/{XSS_SLUG}").text,
        "story": client.get(f"/stories/{site.story_of[site.xss_article_id]}").text,
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
    article = doc(pages["article"])
    tag_link = section(article, "hashtags").xpath(f'.//a[@href="/tags/{XSS_SLUG}"]')[0]
    assert tag_link.get("title") == XSS_TAG  # the label, as text
    quote = section(article, "quotes")
    assert XSS_QUOTE in quote.text_content()
    assert quote.xpath(f'.//a[@class="speaker"][@href="/tags/{XSS_SLUG}"]')[0].text == XSS_TAG
    tag = doc(pages["tag"])
    assert tag.xpath("//h1")[0].text_content() == f"Who is {XSS_TAG}?"
    assert XSS_DESC in section(tag, "descriptions").text_content()
    assert XSS_QUOTE in section(tag, "quotes").text_content()
    assert "&lt;script&gt;" in pages["tag"]


def test_trending_falls_back_to_all_time_when_the_news_is_old(site: Site) -> None:
    from datetime import UTC, datetime, timedelta

    from newsdesk.stories.views import trending_hashtags

    with session_scope(site.engine) as session:
        now = trending_hashtags(session)
        later = trending_hashtags(session, now=datetime.now(UTC) + timedelta(days=30))
    assert now.recent and now.tags
    assert not later.recent and later.tags
    counts = [t.count for t in later.tags]
    assert counts == sorted(counts, reverse=True)
    assert all(t.url == f"/tags/{t.slug}" for t in later.tags)


def test_asking_is_rate_limited_per_client(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsdesk.security import Limit
    from newsdesk.web import ai_pages

    monkeypatch.setattr(ai_pages, "ASK_LIMITS", (Limit(1, 60),))
    app = create_app(site.settings, site.engine)
    path = f"/articles/{site.corpus.original_id}"
    with TestClient(app, client=("192.0.2.7", 40000)) as c:
        token = csrf_of(c.get(path).text)
        assert c.post(f"{path}/ask", data={"question": "Who won?", "csrf_token": token}).is_success
        r = c.post(f"{path}/ask", data={"question": "Who lost?", "csrf_token": token})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "try again in" in r.text
        assert "Too many requests" in r.text and "Something went wrong" not in r.text


def test_tag_explainer_is_kept_until_the_tag_gains_an_article(site: Site) -> None:
    """A web process keeps a tag page's explainer (web/microcache.py page_part): a description
    written since shows once the tag's article count changes, as enrichment changes it."""
    with session_scope(site.engine) as s:
        tag = s.scalars(
            select(Tag).where(Tag.article_count >= 2).order_by(Tag.article_count.desc())
        ).first()
        assert tag is not None
        slug, tag_id, count = tag.slug, tag.id, tag.article_count
        article_id = s.scalars(
            select(ArticleTag.article_id).where(ArticleTag.tag_id == tag_id)
        ).first()
    phrase = "the subject of this cache test"
    with TestClient(create_app(site.settings, site.engine)) as c:
        parts = c.app.state.page_parts  # type: ignore[attr-defined]
        before = c.get(f"/tags/{slug}").text
        misses = parts.misses
        with session_scope(site.engine) as s:
            s.add(DescriptionRow(tag_id=tag_id, article_id=article_id, phrase=phrase))
        try:
            kept = c.get(f"/tags/{slug}").text
            assert parts.misses == misses and phrase not in kept and phrase not in before
            with session_scope(site.engine) as s:
                s.execute(update(Tag).where(Tag.id == tag_id).values(article_count=count + 1))
            assert phrase in c.get(f"/tags/{slug}").text and parts.misses == misses + 1
        finally:
            with session_scope(site.engine) as s:
                s.execute(update(Tag).where(Tag.id == tag_id).values(article_count=count))
                s.query(DescriptionRow).filter(DescriptionRow.phrase == phrase).delete()
