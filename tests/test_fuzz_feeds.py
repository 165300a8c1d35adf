"""Fuzzing parse_feed: arbitrary bytes, mutated real feeds, hostile field values.

Whatever the document, parse_feed returns a well-formed ParsedFeed or raises FeedError, and
nothing else; a DOCTYPE declaring entities is refused; the result is not much bigger than the
document (no entity expansion). Seeds are the real feeds in ../shared/data (read at test time).
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from newsdesk.sources import feeds
from newsdesk.sources.entry import Entry, FeedError, ParsedFeed
from newsdesk.sources.feeds import parse_feed

from .conftest import SHARED
from .fuzz_support import feed_seeds, fuzz, require_feed_seeds, seed_document, show

# Failure reports of huge inputs (deep nesting, 1 MB attributes) make Hypothesis warn
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

FEED_URLS = [
    "https://news.example.com/feeds/world.xml",
    "http://127.0.0.1:8080/rss?x=1&y=2",
    "https://xn--bcher-kva.example/f%C3%BCr/feed/",
    "http://[::1]/atom.xml",
]
CONTENT_TYPES = [
    None,
    "",
    "application/rss+xml",
    "application/atom+xml; charset=utf-8",
    "application/feed+json",
    "application/json; charset=utf-16",
    "text/xml; charset=iso-8859-1",
    "text/html",
    "text/plain; charset=bogus-charset",
    "application/octet-stream",
    'text/xml; charset="utf-32"',
    "application/xml; charset=ebcdic-cp-us",
]
content_types = st.one_of(st.sampled_from(CONTENT_TYPES), st.text(max_size=60))
feed_urls = st.sampled_from(FEED_URLS)

# ---------------------------------------------------------------- checking one outcome


def _string_sizes(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, ParsedFeed | Entry):
        return sum(_string_sizes(v) for v in vars(value).values())
    if isinstance(value, list):
        return sum(_string_sizes(v) for v in value)
    return 0


def _web_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def outcome(body: bytes, url: str, content_type: str | None) -> ParsedFeed | FeedError:
    """parse_feed's result, or the FeedError it raised; any other exception fails the test."""
    show(body=body, url=url, content_type=content_type)
    try:
        feed = parse_feed(body, url, content_type)
    except FeedError as exc:
        assert str(exc), "a FeedError says why"
        event(f"FeedError: {str(exc)[:30]}")
        return exc
    check_feed(feed, body)
    event(f"{feed.format} feed, {'no' if not feed.entries else 'some'} entries")
    return feed


def bounded_outcome(
    body: bytes, url: str, content_type: str | None, max_items: int
) -> ParsedFeed | FeedError | None:
    """parse_feed_bounded's result (None where this version has no parse_feed_bounded)."""
    parse_bounded = getattr(feeds, "parse_feed_bounded", None)
    if parse_bounded is None:
        return None
    show(max_items=max_items)
    try:
        feed, skipped = parse_bounded(body, url, content_type, max_items)
    except FeedError as exc:
        return exc
    check_feed(feed, body)
    assert isinstance(skipped, int) and skipped >= 0
    if max_items > 0:
        assert len(feed.entries) <= max_items
    return feed


def check_feed(feed: ParsedFeed, body: bytes) -> None:
    assert isinstance(feed, ParsedFeed)
    assert feed.title is None or (isinstance(feed.title, str) and feed.title)
    assert feed.site_url is None or _web_url(feed.site_url), feed.site_url
    assert isinstance(feed.format, str) and feed.format
    assert isinstance(feed.entries, list)
    latest = datetime.now(UTC) + timedelta(days=1, minutes=5)
    for entry in feed.entries:
        assert isinstance(entry, Entry)
        assert isinstance(entry.guid, str) and entry.guid
        assert isinstance(entry.url, str)
        assert entry.url == "" or _web_url(entry.url), entry.url
        assert isinstance(entry.title, str)
        assert entry.author is None or isinstance(entry.author, str)
        assert isinstance(entry.summary_html, str) and isinstance(entry.content_html, str)
        assert entry.image_url is None or _web_url(entry.image_url), entry.image_url
        if entry.published is not None:
            assert isinstance(entry.published, datetime)
            assert entry.published.utcoffset() == timedelta(0)
            assert entry.published <= latest
    guids = [e.guid for e in feed.entries]
    assert len(guids) == len(set(guids)), "entries with a repeated guid are dropped"
    # No entity expansion or other blow-up: the result is about as big as the document
    # (relative links get the feed URL, plain text is HTML-escaped, guids may be hashes).
    assert _string_sizes(feed) <= 20 * len(body) + 100_000


# ---------------------------------------------------------------- arbitrary documents


@fuzz(examples=500)
@given(
    body=st.one_of(
        st.binary(max_size=4096),
        st.text(max_size=2048).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.text(alphabet="<>/?!-[]&;=\"' abcdefghilmnrstx{}:,01\n", max_size=300).map(str.encode),
    ),
    url=feed_urls,
    content_type=content_types,
)
def test_arbitrary_bytes_give_a_feed_or_feed_error(
    body: bytes, url: str, content_type: str | None
) -> None:
    outcome(body, url, content_type)


# ---------------------------------------------------------------- mutations of real feeds


def _nest(tag: str, depth: int, closed: bool) -> bytes:
    return (f"<{tag}>" * depth + ("x" + f"</{tag}>" * depth if closed else "")).encode()


def _entities(depth: int) -> bytes:
    lines = ['<!ENTITY e0 "lol">'] + [
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, depth + 1)
    ]
    return f"<!DOCTYPE rss [{''.join(lines)}]>".encode()


# Snippets a mutation inserts: structure breakers, hostile XML, odd encodings and values.
_SNIPPETS = st.one_of(
    st.builds(_nest, st.sampled_from(["item", "entry", "div", "a", "x:y"]), st.integers(1, 3000), st.booleans()),
    st.builds(
        lambda size, quote: b'<link href="' + quote * size + b'" rel="enclosure" type="image/png"/>',
        st.integers(1, 1 << 20),
        st.sampled_from([b"A", b"&amp;", b"/", b"%", b"\xc3\xa9"]),
    ),
    st.builds(lambda size: b'<x a="' + b"y" * size + b'"/>', st.integers(1, 1 << 20)),
    st.builds(_entities, st.integers(0, 9)),
    st.builds(lambda depth: b"[" * depth + b"]" * depth, st.integers(1, 5000)),
    st.builds(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth, st.integers(1, 5000)),
    st.sampled_from(
        [
            b'<!DOCTYPE x SYSTEM "file:///etc/passwd">',
            b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            b"&xxe;", b"&e9;", b"&nbsp;", b"&#0;", b"&#xD800;", b"&#x110000;", b"&#99999999999;",
            b"&amp;amp;", b"<![CDATA[", b"]]>", b"<!--", b"-->", b"<?", b"?>", b"<", b">", b"&",
            b'<?xml version="1.0" encoding="utf-16"?>', b'<?xml version="1.1"?>',
            b'encoding="bogus"', b'encoding="utf-32"', codecs.BOM_UTF8, codecs.BOM_UTF16_LE,
            codecs.BOM_UTF32_BE, b"\x00", b"\xff\xfe\x00", b"\xc3\x28", b"\xed\xa0\x80",
            b'xmlns="http://www.w3.org/2005/Atom"', b'xmlns:x="bogus"', b"<x:y>", b"</channel>",
            b"<item>", b"</item>", b"<entry>", b"</entry>", b"<rss>", b"<feed>", b"<html>",
            b"<link>javascript:alert(1)</link>", b"<link>//evil.example/x</link>",
            b'<link href="data:text/html,hi"/>', b'<link href="http://[::1"/>',
            b"<guid>   </guid>", b"<title type='html'>&lt;b&gt;x&lt;/b&gt;</title>",
            b"<pubDate>Mon, 31 Feb 99999999999999999999 25:61:61 +9999</pubDate>",
            b"<pubDate>1 Jan 2000 00:00:00 +99999999999999999999</pubDate>",
            b"<updated>0000-00-00T00:00:00Z</updated>", b"<published>9999-12-31T23:59:59-23:59</published>",
            b"<dc:date>-0001-13-32</dc:date>",
            b'<media:content url="http://[bad" medium="image"/>', b'<media:thumbnail url=""/>',
            b'<enclosure url="x" type="image/png"/>', b'"items": [', b'"items": {}', b'"items": 1',
            b'{"url": 5, "attachments": 7, "authors": "x", "date_published": "1 Jan 99999999999999999999 00:00:00 +0000"}',
            b'"version": "https://jsonfeed.org/version/1.1",', b"\\ud800", b"NaN", b"1e99999",
        ]
    ),
    st.binary(min_size=1, max_size=64),
)  # fmt: skip
_POSITION = st.integers(min_value=0, max_value=1 << 24)
_MUTATION = st.one_of(
    st.tuples(st.just("flip"), _POSITION, st.integers(1, 255)),
    st.tuples(st.just("set"), _POSITION, st.integers(0, 255)),
    st.tuples(st.just("truncate"), _POSITION),
    st.tuples(st.just("delete"), _POSITION, st.integers(1, 4096)),
    st.tuples(st.just("duplicate"), _POSITION, st.integers(1, 4096), _POSITION),
    st.tuples(st.just("insert"), _POSITION, _SNIPPETS),
)


def mutate(data: bytes, mutation: tuple[Any, ...]) -> bytes:
    kind, position = mutation[0], mutation[1] % (len(data) + 1)
    if kind == "flip" and position < len(data):
        return data[:position] + bytes([data[position] ^ mutation[2]]) + data[position + 1 :]
    if kind == "set" and position < len(data):
        return data[:position] + bytes([mutation[2]]) + data[position + 1 :]
    if kind == "truncate":
        return data[:position]
    if kind == "delete":
        return data[:position] + data[position + mutation[2] :]
    if kind == "duplicate":
        chunk = data[position : position + mutation[2]]
        at = mutation[3] % (len(data) + 1)
        return data[:at] + chunk + data[at:]
    if kind == "insert":
        return data[:position] + mutation[2] + data[position:]
    return data


@cache
def _seeds() -> st.SearchStrategy[Path]:
    """A seed from one data set: the few real-world feeds as likely as the many test cases."""
    folders: dict[str, list[Path]] = {}
    for path in feed_seeds():
        folders.setdefault(path.relative_to(SHARED).parts[0], []).append(path)
    return st.one_of([_spread(paths) for _folder, paths in sorted(folders.items())])


def _spread(paths: list[Path]) -> st.SearchStrategy[Path]:
    """Like sampled_from, without its lean towards the first few (which shrinking keeps)."""
    return st.integers(0, 2**32 - 1).map(lambda i: paths[(i * 2654435761) % 2**32 % len(paths)])


@fuzz(examples=1000)
@given(
    data=st.data(),
    mutations=st.lists(_MUTATION, min_size=1, max_size=4),
    url=feed_urls,
    own_type=st.booleans(),
    max_items=st.integers(0, 12),
)
def test_mutated_real_feeds_give_a_feed_or_feed_error(
    data: st.DataObject, mutations: list[tuple[Any, ...]], url: str, own_type: bool, max_items: int
) -> None:
    require_feed_seeds()
    path: Path = data.draw(_seeds(), label="seed")
    body, seed_type = seed_document(path)
    show(seed=path.relative_to(path.parents[2]), mutations=mutations)
    for mutation in mutations:
        body = mutate(body, mutation)
    content_type = seed_type if own_type else data.draw(content_types, label="content_type")
    result = outcome(body, url, content_type)
    bounded = bounded_outcome(body, url, content_type, max_items)
    if max_items == 0 and bounded is not None:
        assert type(bounded) is type(result)
        if isinstance(bounded, ParsedFeed):
            assert bounded == result


# ---------------------------------------------------------------- entity declarations


_XML_DECL = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>")


@cache
def _ascii_compatible_xml() -> tuple[Path, ...]:
    """The XML seeds whose markup is ASCII (not UTF-16/32), where a declaration can go in."""

    def compatible(body: bytes) -> bool:
        head = body[:4]
        wide = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or 0 in head
        return not wide and b"<" in body[:4096] and body.lstrip(codecs.BOM_UTF8)[:1] != b"{"

    return tuple(p for p in require_feed_seeds() if compatible(seed_document(p)[0]))


@fuzz(examples=100)
@given(
    data=st.data(),
    declaration=st.sampled_from(
        [
            _entities(9),  # billion laughs
            b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            b'<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>',
            b'<!DOCTYPE feed PUBLIC "-//x//y" "x.dtd" [\n<!eNtItY a "b">\n]>',
            b'<!DOCTYPE rss [<!ELEMENT rss ANY><!ENTITY big "' + b"A" * 100_000 + b'">]>',
        ]
    ),
    use_entity=st.booleans(),
)
def test_documents_declaring_entities_are_refused(
    data: st.DataObject, declaration: bytes, use_entity: bool
) -> None:
    seeds = _ascii_compatible_xml()
    body, content_type = seed_document(data.draw(st.sampled_from(seeds), label="seed"))
    decl = _XML_DECL.match(body)
    at = decl.end() if decl else (3 if body.startswith(codecs.BOM_UTF8) else 0)
    hostile = body[:at] + declaration + body[at:]
    if use_entity:  # and reference the entities where the first title's text goes
        hostile = hostile.replace(b"<title>", b"<title>&e9;&xxe;&big;", 1)
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(hostile, FEED_URLS[0], content_type)


# ---------------------------------------------------------------- hostile field values

_DATES = st.one_of(
    st.sampled_from(
        [
            "Mon, 31 Feb 99999999999999999999 25:61:61 +9999",
            "1 Jan 2000 00:00:00 +99999999999999999999",
            "1 Jan 2000 99999999999999999999:00:00 +0000",
            "Sat, 01 Jan 2000 00:00:00 +2400",
            "9999-12-31T23:59:59-23:59",
            "0001-01-01T00:00:00+23:59",
            "2026-13-45T25:61:61Z",
            "99999-01-01T00:00:00Z",
            "2026-02-29",
            "",
            "now",
        ]
    ),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.text(max_size=40),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)  # fmt: skip
_ITEM_KEYS = [
    "id", "guid", "url", "external_url", "title", "content_html", "content_text", "summary",
    "image", "banner_image", "date_published", "date_modified", "author", "authors", "tags",
    "attachments",
]  # fmt: skip
_URLS = st.sampled_from(
    ["https://a.example/x", "/relative", "//host.example/p", "javascript:alert(1)", "http://[::1",
     "data:image/png;base64,AA", "  ", "http://", "mailto:x@y.example", "?q=1", "#f"]
)  # fmt: skip
_ITEM_VALUE = st.one_of(json_values, _URLS, _DATES)
json_items = st.dictionaries(st.sampled_from(_ITEM_KEYS), _ITEM_VALUE, max_size=8) | json_values


@fuzz(examples=600)
@given(
    feed=st.fixed_dictionaries(
        {"items": st.lists(json_items, max_size=5) | json_values},
        optional={
            "version": st.sampled_from(
                ["https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1/", "2"]
            )
            | json_values,
            "title": json_values,
            "home_page_url": _URLS | json_values,
        },
    ),
    url=feed_urls,
    ensure_ascii=st.booleans(),
)
@example(feed={"items": [{"attachments": 1}]}, url=FEED_URLS[0], ensure_ascii=True)
@example(
    feed={"items": [{"date_published": "1 Jan 2000 00:00:00 +99999999999999999999"}]},
    url=FEED_URLS[0],
    ensure_ascii=True,
)
def test_json_feeds_with_any_values_give_a_feed_or_feed_error(
    feed: dict[str, Any], url: str, ensure_ascii: bool
) -> None:
    body = json.dumps(feed, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    outcome(body, url, "application/feed+json")


_TEXT = st.text(max_size=80)
_XML_SAFE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80
)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rss_item(fields: dict[str, str]) -> str:
    return "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</item>"


_RSS_FIELD = st.one_of(
    st.tuples(st.just("title"), _XML_SAFE.map(_escape)),
    st.tuples(st.just("title"), _XML_SAFE.map(lambda t: f"<![CDATA[{t.replace(']]>', '')}]]>")),
    st.tuples(st.just("link"), _URLS | _XML_SAFE.map(_escape)),
    st.tuples(st.just("guid"), _XML_SAFE.map(_escape)),
    st.tuples(st.just("pubDate"), _DATES.map(_escape)),
    st.tuples(st.just("dc:date"), _DATES.map(_escape)),
    st.tuples(st.just("description"), _TEXT.map(_escape)),
    st.tuples(st.just("author"), _XML_SAFE.map(_escape)),
)


@fuzz(examples=400)
@given(
    items=st.lists(st.lists(_RSS_FIELD, max_size=6).map(dict), max_size=6),
    raw_title=_TEXT,
    url=feed_urls,
)
def test_rss_with_hostile_field_values_gives_a_feed_or_feed_error(
    items: list[dict[str, str]], raw_title: str, url: str
) -> None:
    # raw_title goes in unescaped: often ill-formed XML, which feedparser parses loosely.
    document = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{raw_title}</title><link>https://site.example/</link>"
        + "".join(_rss_item(fields) for fields in items)
        + "</channel></rss>"
    )
    result = outcome(document.encode("utf-8", "surrogatepass"), url, "application/rss+xml")
    if isinstance(result, ParsedFeed) and "<" not in raw_title and "&" not in raw_title:
        assert len(result.entries) <= len(items)
