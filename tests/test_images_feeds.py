"""Each item's picture, kept from the real feeds of ../shared/data/syndikit-real-feeds.

What the files carry is counted independently with lxml (media:content, media:thumbnail,
image enclosures, itunes:image, <img> in the item's HTML) and compared with what
parse_feed keeps; then the CNN feed goes through the whole ingest on loopback into SQLite.
"""

from __future__ import annotations

import asyncio
import gzip
import html
import re
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.ingest import refresh
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.images import html_image
from newsdesk.store import Article, connect, session_scope

try:
    from .conftest import LoopbackServer, shared_data
    from .test_pipeline import add_feeds
except ImportError:
    from conftest import LoopbackServer, shared_data  # type: ignore[no-redef]
    from test_pipeline import add_feeds  # type: ignore[no-redef]

MEDIA = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
FEED_URL = "https://feeds.example.com/feed.xml"


def _real(name: str) -> bytes:
    return gzip.decompress((shared_data("syndikit-real-feeds") / name).read_bytes())


def _items(body: bytes) -> list[etree._Element]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    tree = etree.fromstring(body, parser=parser)
    return list(tree.xpath("//*[local-name()='item' or local-name()='entry']"))


def _carried(item: etree._Element) -> dict[str, bool]:
    """Which kinds of picture an item carries, read from the XML without feedparser."""
    html = "".join(
        (child.text or "")
        for child in item
        if etree.QName(child).localname in ("description", "encoded", "content", "summary")
    )
    return {
        "media:content": bool(item.findall(f".//{{{MEDIA}}}content")),
        "media:group": bool(item.findall(f"{{{MEDIA}}}group")),
        "media:thumbnail": bool(item.findall(f".//{{{MEDIA}}}thumbnail")),
        "enclosure": any(
            (e.get("type") or "").startswith("image/") for e in item.findall("enclosure")
        ),
        "itunes:image": item.find(f"{{{ITUNES}}}image") is not None,
        "<img>": bool(re.search(r"<img\b", html, re.IGNORECASE)),
    }


def test_cnn_keeps_the_widest_rendition_of_each_media_group() -> None:
    body = _real("XML/cnn_latest.xml.gz")
    entries = parse_feed(body, "http://rss.cnn.com/rss/cnn_latest.rss").entries
    items = _items(body)
    assert len(entries) == len(items) == 30
    for entry, item in zip(entries, items, strict=True):
        renditions = [
            (int(c.get("width") or 0), c.get("url"))
            for c in item.iter(f"{{{MEDIA}}}content")
            if c.get("medium") == "image"
        ]
        assert len(renditions) >= 2, entry.title  # a media:group of several sizes
        # the widest; of equals, the first (some items have two groups: two pictures)
        assert entry.image_url == max(renditions, key=lambda r: r[0])[1], entry.title
    assert all(e.image_url and "-super-169." in e.image_url for e in entries)


def test_every_real_feed_keeps_the_pictures_its_items_carry() -> None:
    folder = shared_data("syndikit-real-feeds") / "XML"
    totals = dict.fromkeys(
        ["items", "media:content", "media:group", "media:thumbnail", "enclosure"], 0
    ) | {"itunes:image": 0, "<img>": 0, "any": 0, "kept": 0}
    lost: list[str] = []
    for path in sorted(folder.glob("*.gz")):
        body = gzip.decompress(path.read_bytes())
        entries = {e.title: e for e in parse_feed(body, FEED_URL).entries}
        for item in _items(body):
            carried = _carried(item)
            title = " ".join(str(item.xpath("string(*[local-name()='title'])")).split())
            # (Apple's titles are escaped twice, "Safari &amp;amp; Web": read as "Safari & Web")
            entry = entries.get(title) or entries.get(html.unescape(title))
            if entry is None:
                continue  # an item repeated under one title (news.rss)
            totals["items"] += 1
            for kind, has in carried.items():
                totals[kind] += has
            media = carried["media:content"] or carried["media:thumbnail"] or carried["enclosure"]
            totals["any"] += media or carried["itunes:image"] or carried["<img>"]
            totals["kept"] += entry.image_url is not None
            # rhonabwy.com's only media:content is its author's Gravatar: refused on purpose
            avatar = "gravatar" in etree.tostring(item).decode()
            if (media or carried["itunes:image"]) and entry.image_url is None and not avatar:
                lost.append(f"{path.name}: {title}")
    assert not lost, lost[:10]
    # When written: 1,054 of the 2,906 entries kept a picture (250 before, 40 of them avatars).
    assert totals["items"] > 2500
    assert totals["media:group"] >= 30 + 4 * 15  # CNN and four YouTube channels
    assert totals["itunes:image"] >= 400 and totals["<img>"] >= 300
    assert totals["kept"] >= 1050, totals


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("XML/radar.xml.gz", 219),  # itunes:image on every episode
        ("XML/empowerapps-show.xml.gz", 94),  # itunes:image
        ("XML/apple.developer.xml.gz", 118),  # <img> at the top of the description
        ("JSON/apple.developer.json.gz", 118),  # <img> in content_html
        ("XML/appfigures.youtube.xml.gz", 15),  # media:thumbnail beside a video
        ("XML/news.rss.gz", 30),  # media:content, thumbnail and enclosure
    ],
)
def test_feeds_without_media_content_keep_their_pictures(name: str, expected: int) -> None:
    entries = parse_feed(_real(name), FEED_URL).entries
    assert sum(e.image_url is not None for e in entries) == expected


def test_decoration_is_not_taken_for_the_picture() -> None:
    rhonabwy = parse_feed(_real("XML/rhonabwy.xml.gz"), FEED_URL).entries
    kept = [e.image_url for e in rhonabwy if e.image_url]
    assert kept and not any("gravatar" in url or "smiley" in url for url in kept)
    fivestars = parse_feed(_real("XML/fivestars.xml.gz"), FEED_URL).entries
    assert not any("support/stream.png" in (e.image_url or "") for e in fivestars)
    assert any((e.image_url or "").endswith("safe-area-insets/button.png") for e in fivestars)


def test_html_image_rules() -> None:
    base = "https://blog.example/posts/1/"
    assert html_image('<p>x</p><img src="a.png" alt="">', base) == base + "a.png"
    pixel = '<img src="https://t.example/p.gif" width="1" height="1">'
    assert html_image(pixel + '<img src="/b.jpg">', base) == "https://blog.example/b.jpg"
    smiley = '<img class="wp-smiley" src="https://s.w.org/x.png" style="height: 1em">'
    assert html_image(smiley, base) is None
    lazy = '<img src="data:image/gif;base64,R0lG" data-src="https://cdn.example/c.webp">'
    assert html_image(lazy, base) == "https://cdn.example/c.webp"
    assert html_image('<img src="javascript:alert(1)">', base) is None
    assert html_image("<img src='https://x.example/a.jpg?w=1&amp;h=2'>") == (
        "https://x.example/a.jpg?w=1&h=2"
    )


def test_cnn_pictures_reach_the_database(
    http_server: LoopbackServer, settings: Settings, tmp_path: Path
) -> None:
    """The real CNN feed, its links pointed at loopback whose pages fail: the feed's pictures
    are stored for all 30 articles."""
    body = _real("XML/cnn_latest.xml.gz").replace(
        b"https://www.cnn.com/", http_server.url("/cnn/").encode()
    )
    feed_url = http_server.route("/cnn.rss", body, content_type="application/rss+xml")
    http_server.route("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    add_feeds(settings, [feed_url])
    engine = connect(settings.db_url)
    report = asyncio.run(refresh(engine, settings))
    assert report.new_articles == 30, report
    with session_scope(engine) as session:
        images = session.scalars(select(Article.image_url)).all()
    assert len(images) == 30
    assert all(url and url.startswith("https://cdn.cnn.com/") for url in images), images
