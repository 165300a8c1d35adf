"""parse_feed: format adaptation, hardening and the Entry fields, on small hand-written feeds."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from newsdesk.sources.entry import FeedError
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.sniff import looks_like_feed

from .conftest import shared_data

FEED_URL = "https://news.example.com/feeds/main.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example News</title>
  <link>https://news.example.com/</link>
  <item>
    <title>First story</title>
    <link>/2024/01/first.html</link>
    <guid isPermaLink="false">story-1</guid>
    <pubDate>Tue, 02 Jan 2024 10:30:00 +0100</pubDate>
    <dc:creator>Ada Lovelace</dc:creator>
    <description>&lt;p&gt;Teaser&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Full <b>text</b></p>]]></content:encoded>
    <media:content url="https://img.example.com/1.jpg" medium="image"/>
  </item>
  <item>
    <title>No guid</title>
    <link>https://news.example.com/2024/01/second.html</link>
    <media:thumbnail url="/thumbs/2.png"/>
  </item>
  <item>
    <title>Neither guid nor link</title>
    <pubDate>Wed, 03 Jan 2024 00:00:00 GMT</pubDate>
    <enclosure url="https://img.example.com/3.webp" type="image/webp" length="1"/>
  </item>
</channel>
</rss>"""


def test_rss_entries() -> None:
    feed = parse_feed(RSS, FEED_URL, "application/rss+xml; charset=utf-8")
    assert (feed.title, feed.site_url, feed.format) == (
        "Example News",
        "https://news.example.com/",
        "rss20",
    )
    first, second, third = feed.entries
    assert first.guid == "story-1"
    assert first.url == "https://news.example.com/2024/01/first.html"  # resolved against feed
    assert first.title == "First story" and first.author == "Ada Lovelace"
    assert first.published == datetime(2024, 1, 2, 9, 30, tzinfo=UTC)
    assert first.published.tzinfo is UTC
    assert first.summary_html == "<p>Teaser</p>"
    assert first.content_html == "<p>Full <b>text</b></p>"
    assert first.image_url == "https://img.example.com/1.jpg"
    assert second.guid == second.url == "https://news.example.com/2024/01/second.html"
    assert second.image_url == "https://news.example.com/thumbs/2.png"
    assert second.published is None
    assert third.url == "" and third.guid.startswith("sha256:")
    assert third.image_url == "https://img.example.com/3.webp"


def test_hash_guid_is_stable_and_depends_on_title_and_date() -> None:
    def guid(title: str, date: str) -> str:
        doc = f"<rss version='2.0'><channel><title>t</title><item><title>{title}</title>"
        doc += f"<pubDate>{date}</pubDate></item></channel></rss>"
        return parse_feed(doc.encode(), FEED_URL).entries[0].guid

    a = guid("A", "Wed, 03 Jan 2024 00:00:00 GMT")
    assert a == guid("A", "Wed, 03 Jan 2024 00:00:00 GMT")
    assert a != guid("B", "Wed, 03 Jan 2024 00:00:00 GMT")
    assert a != guid("A", "Thu, 04 Jan 2024 00:00:00 GMT")


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example.org/base/">
  <title type="html">A &lt;em&gt;blog&lt;/em&gt;</title>
  <link rel="alternate" href="https://blog.example.org/"/>
  <id>urn:uuid:feed</id>
  <updated>2024-02-01T00:00:00Z</updated>
  <entry>
    <title type="text">Plain &lt;not a tag&gt;</title>
    <id>urn:uuid:1</id>
    <link rel="alternate" href="posts/1"/>
    <link rel="enclosure" type="image/png" href="img/1.png"/>
    <updated>2024-02-01T12:00:00+02:00</updated>
    <summary type="text">1 &lt; 2 &amp; 3</summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body</p></div></content>
    <author><name>Grace</name></author>
  </entry>
  <entry>
    <title>Dated in 2999</title>
    <id>urn:uuid:2</id>
    <published>2999-01-01T00:00:00Z</published>
    <updated>2999-01-01T00:00:00Z</updated>
  </entry>
</feed>"""


def test_atom_entries() -> None:
    feed = parse_feed(ATOM, "https://blog.example.org/feed.atom", "application/atom+xml")
    assert feed.format == "atom10"
    assert feed.title == "A blog"  # HTML title flattened to text
    first, future = feed.entries
    assert first.guid == "urn:uuid:1"
    assert first.url == "https://blog.example.org/base/posts/1"  # xml:base honoured
    assert first.title == "Plain <not a tag>"
    assert first.published == datetime(2024, 2, 1, 10, 0, tzinfo=UTC)  # from <updated>
    assert first.summary_html == "1 &lt; 2 &amp; 3"  # plain text escaped into HTML
    assert "<p>Body</p>" in first.content_html
    assert first.author == "Grace"
    assert first.image_url == "https://blog.example.org/base/img/1.png"
    assert future.published is None  # absurd future dates are dropped, not trusted


def test_duplicate_guids_are_dropped() -> None:
    doc = b"<rss version='2.0'><channel><title>t</title>"
    doc += b"<item><guid isPermaLink='false'>x</guid><title>one</title></item>" * 2
    doc += b"<item><guid isPermaLink='false'>y</guid><title>two</title></item></channel></rss>"
    feed = parse_feed(doc, FEED_URL)
    assert [(e.guid, e.title) for e in feed.entries] == [("x", "one"), ("y", "two")]


def test_rss_090_and_rdf() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://e.example/"><title>RDF</title><link>https://e.example/</link></channel>
  <item rdf:about="https://e.example/a"><title>A</title><link>https://e.example/a</link></item>
</rdf:RDF>"""
    feed = parse_feed(rdf, FEED_URL, "application/rdf+xml")
    assert feed.format == "rss10" and feed.entries[0].url == "https://e.example/a"


def test_bozo_but_usable_feed_keeps_its_entries() -> None:
    broken = b"""<rss version="2.0"><channel><title>Broken & proud</title>
<item><title>Kept</title><link>https://e.example/kept?a=1&b=2</link></item>
<item><title>Also kept</title><link>https://e.example/also</link></item>
</channel>"""  # bare ampersands and no </rss>
    feed = parse_feed(broken, FEED_URL, "text/xml")
    assert [e.title for e in feed.entries] == ["Kept", "Also kept"]
    assert feed.entries[0].url == "https://e.example/kept?a=1&b=2"


# --- hardening and refusals ---------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>x</title></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!-- a comment with <tags> before the DOCTYPE -->
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""


@pytest.mark.parametrize(
    "doc",
    [
        BILLION_LAUGHS,
        XXE,
        BILLION_LAUGHS.decode().replace('"1.0"?>', '"1.0" encoding="utf-16"?>').encode("utf-16"),
        b"<!DOCTYPE feed [<!ENTITY % p SYSTEM 'http://127.0.0.1/x.dtd'> %p;]><feed/>",
    ],
    ids=["billion-laughs", "xxe", "utf-16", "parameter-entity"],
)
def test_entity_declarations_are_refused(doc: bytes) -> None:
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(doc, FEED_URL, "application/xml")


def test_plain_doctype_without_entities_is_fine() -> None:
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title>
<item><title>Caf&eacute;</title><link>https://e.example/1</link></item></channel></rss>"""
    feed = parse_feed(doc, FEED_URL)
    assert feed.format == "rss091n" and feed.entries[0].title == "Café"


@pytest.mark.parametrize(
    ("doc", "content_type", "message"),
    [
        (b"<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>",
         "application/rss+xml", "this is an HTML page, not a feed"),
        (b"<html><body><item>x</item></body></html>", "text/xml", "HTML page"),
        (b"  \n ", "application/xml", "empty"),
        (b"", None, "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><title>x</title></svg>", "image/svg+xml",
         "<svg>"),
        (b"<rss version='2.0'><channel>", "application/xml", "malformed XML"),
        (b"just some text", "text/plain", "not a feed"),
        (b"/etc/passwd", None, "not a feed"),  # must not be opened as a file by feedparser
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "not a feed"),
        (b'{"name": "not a feed"}', "application/json", "not a JSON Feed"),
        (b"[1, 2, 3]", "application/json", "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}',
         "application/feed+json", "no 'items'"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": [', None, "invalid JSON"),
    ],
)  # fmt: skip
def test_not_a_feed(doc: bytes, content_type: str | None, message: str) -> None:
    with pytest.raises(FeedError, match=message.replace("(", r"\(")):
        parse_feed(doc, FEED_URL, content_type)


def test_empty_but_valid_feed_is_not_an_error() -> None:
    feed = parse_feed(b"<rss version='2.0'><channel></channel></rss>", FEED_URL)
    assert feed.entries == [] and feed.format == "rss20"


# --- JSON Feed ----------------------------------------------------------------------------


def test_json_feed_11() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON News",
        "home_page_url": "https://j.example/",
        "authors": [{"name": "Feed Author"}],
        "items": [
            {
                "id": 42,
                "url": "/posts/42",
                "title": "Answer",
                "content_html": "<p>HTML body</p>",
                "summary": "Short & sweet",
                "date_published": "2024-03-01T08:00:00-05:00",
                "authors": [{"name": "Ann"}, {"name": "Bob"}],
                "image": "/img/42.jpg",
            },
            {
                "id": "plain",
                "external_url": "https://elsewhere.example/x",
                "content_text": "a < b",
                "date_modified": "2024-03-02T00:00:00Z",
                "attachments": [{"url": "https://j.example/a.png", "mime_type": "image/png"}],
            },
            {"id": "", "url": "https://j.example/no-id", "date_published": "garbage"},
            "not an object",
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), "https://j.example/feed.json", "application/json")
    assert (feed.title, feed.site_url, feed.format) == ("JSON News", "https://j.example/", "json11")
    first, second, third = feed.entries
    assert first.guid == "42" and first.url == "https://j.example/posts/42"
    assert first.published == datetime(2024, 3, 1, 13, 0, tzinfo=UTC)
    assert first.author == "Ann, Bob"
    assert first.content_html == "<p>HTML body</p>"
    assert first.summary_html == "Short &amp; sweet"
    assert first.image_url == "https://j.example/img/42.jpg"
    assert second.url == "https://elsewhere.example/x"
    assert second.content_html == "a &lt; b"
    assert second.published == datetime(2024, 3, 2, tzinfo=UTC)
    assert second.image_url == "https://j.example/a.png"
    assert third.guid == "https://j.example/no-id" and third.published is None


def test_xml_feed_mislabelled_as_json_is_still_read() -> None:
    feed = parse_feed(RSS, FEED_URL, "application/json")
    assert feed.format == "rss20" and len(feed.entries) == 3


def test_json_feed_10_without_content_type() -> None:
    doc = b'\xef\xbb\xbf{"version": "https://jsonfeed.org/version/1", "title": "T", "items": []}'
    feed = parse_feed(doc, "https://j.example/feed.json", None)
    assert feed.format == "json10" and feed.title == "T" and feed.entries == []


# --- looks_like_feed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (RSS, "text/xml", True),
        (ATOM, None, True),
        (b"anything", "application/rss+xml", True),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "application/json", True),
        (b'{"some": "api"}', "application/json", False),
        (b"<!DOCTYPE html><html><head></head></html>", "text/html", False),
        (b"<?xml version='1.0'?><!-- c --><rdf:RDF xmlns:rdf='x'/>", "application/xml", True),
        ("<rss version='2.0'/>".encode("utf-16"), "text/xml", True),
        (b"<svg/>", "image/svg+xml", False),
        (b"", None, False),
    ],
)
def test_looks_like_feed(body: bytes, content_type: str | None, expected: bool) -> None:
    assert looks_like_feed(body, content_type) is expected


def test_declared_language_of_every_format() -> None:
    """RSS <language>, Atom xml:lang (feed or entry), JSON Feed "language": ISO 639 codes."""
    rss = (
        b"<rss version='2.0'><channel><title>DR</title><language>da-DK</language>"
        b"<item><title>Mulig tredje bombe p\xc3\xa5 Als</title><link>https://dr.dk/1</link></item>"
        b"</channel></rss>"
    )
    assert [e.language for e in parse_feed(rss, "https://dr.dk/rss").entries] == ["da"]
    atom = (
        b"<feed xmlns='http://www.w3.org/2005/Atom' xml:lang='de'><title>GS</title>"
        b"<entry><id>1</id><title>Neu auf Steam</title><link href='https://gs.de/1'/></entry>"
        b"<entry xml:lang='en-GB'><id>2</id><title>In English</title>"
        b"<link href='https://gs.de/2'/></entry></feed>"
    )
    assert [e.language for e in parse_feed(atom, "https://gs.de/atom").entries] == ["de", "en"]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "language": "pt-BR",
        "items": [
            {"id": "1", "url": "https://j.example/1", "title": "Um"},
            {"id": "2", "url": "https://j.example/2", "title": "Two", "language": "en"},
            {"id": "3", "url": "https://j.example/3", "title": "Bad", "language": "not a tag!"},
        ],
    }
    parsed = parse_feed(json.dumps(feed).encode(), "https://j.example/feed.json")
    assert [e.language for e in parsed.entries] == ["pt", "en", "pt"]
    bare = b"<rss version='2.0'><channel><title>X</title><item><title>t</title>"
    bare += b"<link>https://x.example/1</link></item></channel></rss>"
    assert parse_feed(bare, "https://x.example/rss").entries[0].language is None


def test_a_media_caption_is_not_taken_for_the_items_text() -> None:
    """feedparser files a <media:description> after an item's <description> as its "content":
    GameStar's teasers became "Videoimage" (a picture's caption), on the page and in search."""
    doc = b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
    <item><title>A</title><link>https://x.example/a</link>
    <description>The teaser says what the article is about, in a sentence.</description>
    <media:content url="https://x.example/a.jpg" medium="image">
    <media:description>Videoimage</media:description></media:content></item>
    <item><title>B</title><link>https://x.example/b</link><description>Short teaser.</description>
    <content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>The
    whole article, longer than its teaser.</p>]]></content:encoded></item></channel></rss>"""
    a, b = parse_feed(doc, "https://x.example/feed").entries
    assert a.content_html == "" and "teaser says" in a.summary_html
    assert "whole article" in b.content_html  # a real full text is kept
    gamestar = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML/news.rss.gz").read_bytes()
    )
    entries = parse_feed(gamestar, "https://www.gamestar.de/news/rss/news.rss").entries
    texts = [e.content_html or e.summary_html for e in entries]
    assert len(entries) == 49 and not any(t.strip() == "Videoimage" for t in texts)
    enlisted = next(e for e in entries if e.title.startswith("Enlisted - Realistischer"))
    assert "historisch akkurate Inhalte" in (enlisted.content_html or enlisted.summary_html)


def test_a_json_feed_episodes_file_and_odd_attachments() -> None:
    """A JSON Feed item with no url keeps its audio attachment (stored under its address);
    "attachments" of another type than a list is ignored (the fuzz test found an int)."""
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Pod",
        "items": [
            {
                "id": "e1",
                "title": "Episode 1",
                "content_text": "Show notes.",
                "attachments": [
                    {"url": "/e1.mp3", "mime_type": "audio/mpeg"},
                    {"url": "/e1.jpg", "mime_type": "image/jpeg"},
                ],
            },
            {"id": "e2", "title": "Episode 2", "content_text": "Notes.", "attachments": 5},
            {"id": "e3", "title": "Episode 3", "content_text": "Notes.", "attachments": "x"},
        ],
    }
    entries = parse_feed(json.dumps(doc).encode(), "https://pod.example/feed.json").entries
    assert [e.enclosure_url for e in entries] == ["https://pod.example/e1.mp3", None, None]


def _real_feed(name: str, url: str) -> list:  # type: ignore[type-arg]
    body = gzip.decompress((shared_data("syndikit-real-feeds") / name).read_bytes())
    return parse_feed(body, url).entries


def test_bylines_and_titles_read_as_text_not_as_escaped_html() -> None:
    """iDeveloper's 297 episodes showed "By Steve Scott (Scotty) &amp; John Fox", and Apple's
    developer news "Safari &amp; Web" (its feed escapes the title twice)."""
    episodes = _real_feed("XML/ideveloper.xml.gz", "https://ideveloper.co/feed/")
    bylines = {e.author for e in episodes}
    assert "Steve Scott (Scotty) & John Fox" in bylines
    assert not any("&amp;" in (a or "") for a in bylines)
    apple = _real_feed("XML/apple.developer.xml.gz", "https://developer.apple.com/news/rss/")
    titles = [e.title for e in apple]
    assert "Safari & Web" in " ".join(titles) and not any("&amp;" in t for t in titles)
    doc = b"""<rss version="2.0"><channel><title>T</title>
    <item><title>AT&amp;T &lt;3 Fish &amp; Chips</title><link>https://x.example/1</link>
    <author>news@x.example (Jo Bloggs)</author></item>
    <item><title><![CDATA[Tom <b>&amp;</b> Jerry]]></title><link>https://x.example/2</link>
    </item></channel></rss>"""
    plain, marked = parse_feed(doc, "https://x.example/feed").entries
    assert plain.title == "AT&T <3 Fish & Chips" and plain.author == "news@x.example (Jo Bloggs)"
    assert marked.title == "Tom & Jerry" and marked.author is None


def test_an_item_whose_content_is_a_picture_alone_keeps_its_summary() -> None:
    """WWDC Notes' "What's new in UIKit": content_html is a sketchnote's <img> alone; its
    summary has two sentences. The article showed a headline and nothing under it."""
    from newsdesk.ingest.article import candidate_from_entry

    entries = _real_feed("JSON/wwdcnotes.json.gz", "https://www.wwdcnotes.com/feed.json")
    uikit = next(e for e in entries if e.title == "What's new in UIKit")
    assert "<img" in uikit.content_html and "Discover the latest" in uikit.summary_html
    found = candidate_from_entry(uikit, "WWDC Notes")
    assert found.text.startswith("Discover the latest updates and improvements to UIKit")
    empty = [e.title for e in entries if not candidate_from_entry(e, "WWDC Notes").text.strip()]
    assert empty == []
