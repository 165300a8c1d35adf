"""An outlet's template (extract/template.py) and copies seen years apart (stories/dedup.py), on
two real podcast feeds: Relay FM's "Under the Radar" (219 episodes, 2015-2021, each with the
same sponsor notes) and NPR's "Wait Wait... Don't Tell Me!" (headlines "WWDTM: <guest>")."""

from __future__ import annotations

import asyncio
import gzip
import re
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.enrich.batch import _not_the_outlets, _Row
from newsdesk.extract import html_to_text
from newsdesk.extract.template import (
    hosts,
    numbering,
    outlet_kind,
    outlet_names,
    template_paragraphs,
    without_outlet_name,
    without_template,
)
from newsdesk.ingest import refresh
from newsdesk.ingest.article import NO_PAGE
from newsdesk.nlp.analyze import analyze
from newsdesk.nlp.types import Hashtag
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.page_failures import failure_reason
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.models import ErrorRecord
from newsdesk.store.models_ai import Enrichment, FigureRow, Story
from newsdesk.stories.dedup import DuplicateFinder, signature
from newsdesk.web import create_app

try:
    from .conftest import LoopbackServer, bbc_article, shared_data
    from .test_pipeline import add_feeds
except ImportError:  # pragma: no cover - run without the tests package
    from conftest import LoopbackServer, bbc_article, shared_data  # type: ignore[no-redef]
    from test_pipeline import add_feeds  # type: ignore[no-redef]


SPONSOR = "This episode of Under the Radar is sponsored by:"


def _episodes(n: int) -> list[tuple[str, str]]:
    return [
        (
            f"{i}: Episode about topic {i}",
            f"What we talk about in episode {i}.\n\n{SPONSOR}\n\nLinks and Show Notes:",
        )
        for i in range(n)
    ]


def test_paragraphs_of_three_items_with_their_own_headlines_are_the_template() -> None:
    template = template_paragraphs(_episodes(3))
    assert template == {SPONSOR.lower(), "links and show notes:"}
    title, text = _episodes(3)[0]
    assert without_template(title, text, template) == "What we talk about in episode 0."
    # the sponsor's read the template announces goes too, up to the next template paragraph
    read = text.replace(SPONSOR, f"{SPONSOR}\n\nXojo: Create native apps.\n\nUse code X.")
    assert without_template(title, read, template) == "What we talk about in episode 0."
    # ... or the next heading: the episode's own show notes stay
    notes = read.replace("Links and Show Notes:", "Show notes\n\nA link of ours")
    expected = "What we talk about in episode 0.\n\nShow notes\n\nA link of ours"
    assert without_template(title, notes, template) == expected
    # two items are no template: two articles of one story may share a paragraph
    assert template_paragraphs(_episodes(2)) == set()
    # the same headline three times is one item stored again, not a template
    same = [("Parry firm over Gerrard", "A paragraph.\nAnother one.")] * 3
    assert template_paragraphs(same) == set()


def test_a_blogs_footer_naming_each_headline_is_a_template() -> None:
    items = [
        (title, f"Text of {title}.\nThe post {title} appeared first on Example Blog.")
        for title in ("Swift tips for June", "A new way to test apps", "Notes from the conference")
    ]
    template = template_paragraphs(items)
    assert without_template(*items[1], template) == "Text of A new way to test apps."


def test_the_outlets_name_in_a_headline() -> None:
    assert outlet_names("Wait Wait... Don't Tell Me!") == {"waitwaitdonttellme", "wwdtm"}
    assert without_outlet_name("WWDTM: Fred Schneider", "Wait Wait... Don't Tell Me!") == (
        "Fred Schneider"
    )
    assert without_outlet_name("iOS Dev Weekly - Issue 506 - May 7th 2021", "iOS Dev Weekly") == (
        "Issue 506 - May 7th 2021"
    )
    assert without_outlet_name("Biden signs the bill | CNN", "CNN") == "Biden signs the bill"
    assert without_outlet_name(
        "The iDeveloper Podcast 100: Reviews and Predictions", "The iDeveloper Podcast"
    ) == ("Reviews and Predictions")
    assert "ideveloper" in outlet_names("The iDeveloper Podcast")  # its tag is no hashtag
    # the author a name "X by Y" gives: Swift by Sundell's items were tagged #Sundell (31 of
    # them, "What is Sundell?"); Swift, what they are about, stays a tag
    assert {"sundell", "sbs"} <= outlet_names("Swift by Sundell")
    assert "benthompson" in outlet_names("Stratechery by Ben Thompson")
    row = _Row(1, "Using the MainActor attribute", "…", "Swift by Sundell", None, None, "en")
    tags = [Hashtag("Sundell", "Sundell", "organization"), Hashtag("Swift", "Swift", "topic")]
    assert [h.tag for h in _not_the_outlets(tags, row)] == ["Swift"]
    # another name, or nothing left: the headline stays
    assert without_outlet_name("Kerry: Formal climate talks", "BBC News") == (
        "Kerry: Formal climate talks"
    )
    assert without_outlet_name("CNN", "CNN") == "CNN"


def test_a_copy_is_seen_within_the_window_of_its_original() -> None:
    """The same text years apart is no reprint (a podcast's episodes with only sponsor notes
    differ in a few words); the same text two days apart is."""
    sig = signature(bbc_article("business/001.txt")[1])
    assert sig is not None
    start = datetime(2020, 1, 1, tzinfo=UTC)
    finder = DuplicateFinder()
    finder.add(1, sig, None, start)
    assert finder.find(2, sig, start + timedelta(days=400))[0] is None
    assert finder.find(3, sig, start + timedelta(days=2))[0] == 1
    assert finder.find(4, sig)[0] == 1  # no date known: as before


def _serve(http_server: LoopbackServer, name: str, host: bytes, path: str) -> str:
    raw = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML" / f"{name}.xml.gz").read_bytes()
    )
    body = raw.replace(host, http_server.url(path).encode())
    return http_server.route(f"{path}feed.xml", body, content_type="application/rss+xml")


@pytest.mark.slow
def test_podcast_feeds_on_the_article_page(http_server: LoopbackServer, settings: Settings) -> None:
    """Both feeds on loopback (episode pages behind robots.txt: newsdesk has the feeds' show
    notes), through refresh and enrich to the article pages."""
    feeds = [
        _serve(http_server, "radar", b"http://relay.fm/", "/relay/"),
        _serve(http_server, "wait-wait-dont-tell-me", b"https://www.npr.org/", "/npr/"),
    ]
    http_server.route("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    add_feeds(settings, feeds)
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    enrich(engine, settings)
    with session_scope(engine) as session:
        ids = dict(
            session.execute(
                select(Article.title, Article.id).where(
                    Article.title.in_(["219: WWDC 2021", "WWDTM: Fred Schneider"])
                )
            ).all()
        )
        wwdc = ids["219: WWDC 2021"]
        row = session.get(Enrichment, wwdc)
        assert row is not None and row.duplicate_of is None
        published = session.scalars(
            select(Article.published_at)
            .join(Enrichment, Enrichment.article_id == Article.id)
            .where(Enrichment.story_id == row.story_id)
        ).all()
        # its story is WWDC 2021's, not every WWDC episode since 2016
        assert max(published) - min(published) < timedelta(days=60), published
        figures = session.scalars(select(FigureRow.text).where(FigureRow.article_id == wwdc)).all()
        # the show's label heads every story an episode heads, however long the guest's name
        labelled = session.scalars(
            select(Story.title)
            .join(Article, Article.id == Story.title_article_id)
            .where(Article.title.startswith("WWDTM: "))
        ).all()
        assert len(labelled) > 10 and all(t.startswith("WWDTM: ") for t in labelled), labelled
        # nothing lost: the page still shows the sponsor notes
        assert SPONSOR in (session.get(Article, wwdc).text or "")  # type: ignore[union-attr]
        # ... and no summary reads them ("Xojo: Create native cross-platform desktop, web,
        # mobile & Raspberry Pi apps.", "Use code RADAR2018 for 20% off any licence.")
        summaries = session.scalars(
            select(Enrichment.summary)
            .join(Article, Article.id == Enrichment.article_id)
            .where(Article.outlet == "Under the Radar")
        ).all()
        read = [s for ss in summaries for s in ss or [] if re.search(r"\b[Uu]se code\b|% off", s)]
        assert len(summaries) > 100 and not read, read
    # "iOS 15 and watchOS 8": versions; "30% off" with the offer code: the sponsor's
    assert not [f for f in figures if f.startswith(("15", "8", "30"))], figures
    with TestClient(create_app(settings)) as client:
        pages = {
            title: lxml.html.fromstring(client.get(f"/articles/{i}").text)
            for title, i in ids.items()
        }
    hashtags = '//section[contains(concat(" ", @class, " "), " hashtags ")]//a'
    tags = {
        title: [a.text_content().strip() for a in page.xpath(hashtags)]
        for title, page in pages.items()
    }
    assert "#WWDC" in tags["219: WWDC 2021"], tags
    assert not {"#Radar", "#Pingdom"} & set(tags["219: WWDC 2021"]), tags
    assert "Also published by" not in pages["219: WWDC 2021"].text_content()
    assert "#FredSchneider" in tags["WWDTM: Fred Schneider"], tags
    assert not {"#WWDTM", "#Panelists"} & set(tags["WWDTM: Fred Schneider"]), tags


def test_the_hosts_of_a_podcast_are_no_hashtags() -> None:
    """The iDeveloper Podcast's real feed: "This week John and Scotty …" in most of its 297
    episodes. A surname written in most items ("Trump") is no host once it follows a given
    name anywhere ("Donald Trump")."""
    raw = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML" / "ideveloper.xml.gz").read_bytes()
    )
    feed = parse_feed(raw, "https://ideveloper.example/feed.xml", "application/rss+xml")
    items = [(e.title, html_to_text(e.content_html or e.summary_html or "")) for e in feed.entries]
    assert {"John", "Scotty"} <= hosts(items[:100]), hosts(items[:100])
    politics = [(f"Headline {i}", f"Trump said something on day {i}.") for i in range(30)]
    assert "Trump" in hosts(politics)
    politics[0] = ("Headline 0", "Donald Trump said something on day 0.")
    assert "Trump" not in hosts(politics)
    assert hosts(politics[1:11]) == set()  # too few items to tell


def test_a_headline_that_opens_the_first_sentence_stays_in_it() -> None:
    """Read without its "WWDTM: " label, NPR's "WWDTM: Dakota Johnson" is "Dakota Johnson",
    and its teaser opens with her name: the name is the sentence's subject, not the headline
    repeated ("App Store Connect 1.6 is now available …" of Apple's real feed was cut to "is
    now available …" the same way). A headline on a line of its own is still left out."""
    raw = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML" / "wait-wait-dont-tell-me.xml.gz").read_bytes()
    )
    feed = parse_feed(raw, "https://npr.example/feed.xml", "application/rss+xml")
    entry = next(e for e in feed.entries if e.title == "WWDTM: Dakota Johnson")
    text = html_to_text(entry.content_html or entry.summary_html or "")
    title = without_outlet_name(entry.title, "Wait Wait... Don't Tell Me!")
    summary = analyze(title, text).summary
    assert summary and summary[0].startswith("Dakota Johnson, whose new documentary"), summary
    assert analyze("Apple releases", "Apple releases\nThe update is out today.").summary == [
        "The update is out today."
    ]


def test_what_the_outlets_name_says_it_is_is_no_topic() -> None:
    """#Podcast was on 63 of The raywenderlich.com Podcast's 100 episodes: a topic that is the
    section word the outlet's name ends with says nothing of an episode. A person or a place is
    kept, as is the word on another outlet's items."""
    from newsdesk.enrich.batch import _not_the_outlets
    from newsdesk.enrich.store import _Row
    from newsdesk.nlp.types import Hashtag

    assert outlet_kind("The raywenderlich.com Podcast") == {"podcast"}
    assert outlet_kind("Under the Radar") == set()
    tags = [Hashtag("Podcast", "Podcast", "topic"), Hashtag("CateHuston", "Cate Huston", "person")]

    def row(outlet: str) -> _Row:
        return _Row(1, "Cate Huston – Podcast S11 E10", "", outlet, None, None, "en")

    kept = _not_the_outlets(tags, row("The raywenderlich.com Podcast"))
    assert [h.tag for h in kept] == ["CateHuston"]
    assert len(_not_the_outlets(tags, row("BBC News"))) == 2


def test_an_outlets_numbering_is_no_news() -> None:
    """The raywenderlich.com Podcast's real headlines end "– Podcast S11 E08": #S11E08, #S10
    and #E04 were episodes' hashtags. A headline part that three or more items write with
    other numbers is the outlet's numbering; a label that keeps its number is not, and a
    headline that is all numbering stays whole."""
    raw = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML" / "raywenderlich.xml.gz").read_bytes()
    )
    feed = parse_feed(raw, "https://rw.example/feed.xml", "application/rss+xml")
    items = [(e.title, "") for e in feed.entries[:50]]
    shapes = numbering(items)
    outlet = "The raywenderlich.com Podcast"
    assert without_outlet_name("Fernando Cejas – Podcast S11 E08", outlet, shapes) == (
        "Fernando Cejas"
    )
    assert without_outlet_name("Season 11 Kickoff – Podcast S11 E00", outlet, shapes) == (
        "Season 11 Kickoff – Podcast S11 E00"
    )
    covid = [(f"COVID-19: {place} reopens its schools", "") for place in ["Spain", "Italy", "Peru"]]
    assert numbering(covid) == set()


def test_episodes_with_no_link_are_kept_by_their_audio(
    http_server: LoopbackServer, settings: Settings
) -> None:
    """107 of the 300 episodes of Wait Wait... Don't Tell Me!'s real feed have a guid and an
    audio file but no link: they were dropped without a word. Each is kept with its show notes,
    its address the audio file's, which is not fetched as a page; an item with neither is
    reported against its feed."""
    feed = _serve(http_server, "wait-wait-dont-tell-me", b"https://www.npr.org/", "/npr/")
    http_server.route("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    bare = http_server.route(
        "/bare.xml",
        "<rss version='2.0'><channel><title>Bare</title><item><title>No link</title>"
        "<guid isPermaLink='false'>x-1</guid><description>Nothing to open.</description></item>"
        "<item><title>Linked</title><link>https://example.org/a</link></item></channel></rss>",
        content_type="application/rss+xml",
    )
    add_feeds(settings, [feed, bare])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    with session_scope(engine) as session:
        rows = session.execute(
            select(Article.url, Article.extraction_error, Article.text).where(
                Article.outlet.startswith("Wait Wait")
            )
        ).all()
        notes = session.scalars(
            select(ErrorRecord.message).where(ErrorRecord.stage == "parse")
        ).all()
    assert len(rows) == 300
    audio = [r for r in rows if r.extraction_error == NO_PAGE]
    assert len(audio) == 107 and len({r.url for r in audio}) == 107
    assert all(".mp3" in r.url and r.text for r in audio)
    assert not any(r.url.startswith(http_server.url("/")) and ".mp3" in r.url for r in rows)
    assert any("1 items have neither a link nor an audio or video file" in n for n in notes)
    assert failure_reason(NO_PAGE) == "audio or video only"
