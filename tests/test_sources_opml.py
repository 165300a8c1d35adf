"""OPML import/export on the shared OPML files (SyndiKit's and the feed validator's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.sources.opml import OPMLError, OutlineFeed, build_opml, parse_opml

from .conftest import shared_data


def _opml_files(*parts: str) -> list[Path]:
    return sorted(p for p in shared_data(parts[0]).joinpath(*parts[1:]).iterdir() if p.is_file())


def _round_trip(feeds: list[OutlineFeed]) -> None:
    rebuilt = parse_opml(build_opml(feeds).encode("utf-8"))
    assert rebuilt == feeds


def test_syndikit_opml_files_parse_and_round_trip() -> None:
    files = _opml_files("syndikit-real-feeds", "OPML")
    assert len(files) == 8
    for path in files:
        feeds = parse_opml(path.read_bytes())
        _round_trip(feeds)
    subscriptions = parse_opml(shared_data("syndikit-real-feeds").joinpath(
        "OPML", "subscriptionList.opml").read_bytes())  # fmt: skip
    assert len(subscriptions) == 13
    first = subscriptions[0]
    assert first.xml_url == "http://news.com.com/2547-1_3-0-5.xml"
    assert first.title == "CNET News.com"
    assert first.html_url == "http://news.com.com/"
    assert first.category is None


def test_feedvalidator_clean_opml_files_parse() -> None:
    files = _opml_files("w3c-feedvalidator-testcases", "testcases", "opml", "clean")
    assert len(files) == 11
    parsed = {path.name: parse_opml(path.read_bytes()) for path in files}
    for feeds in parsed.values():
        _round_trip(feeds)
    assert len(parsed["subscriptionList.opml"]) == 13
    assert parsed["states.opml"] == []  # an outline document, no feeds in it


def test_feedvalidator_error_opml_files_raise_only_opml_error() -> None:
    files = _opml_files("w3c-feedvalidator-testcases", "testcases", "opml", "errors")
    assert len(files) == 25
    outcomes: dict[str, str] = {}
    for path in files:
        try:
            feeds = parse_opml(path.read_bytes())
        except OPMLError as exc:
            assert str(exc), path.name
            outcomes[path.name] = "error"
        else:
            _round_trip(feeds)
            outcomes[path.name] = f"{len(feeds)} feeds"
    # Structural errors are refused; the validator's softer complaints (dates, attributes)
    # still leave a usable subscription list.
    for name in ("notwellformed.opml", "missingBody.opml", "missingOpml.opml"):
        assert outcomes[name] == "error", (name, outcomes[name])
    assert outcomes["badlyFormedDateCreated.opml"] != "error"


def test_nested_outlines_give_categories_and_urls_are_deduplicated() -> None:
    doc = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>mine</title></head><body>
  <outline text="Tech">
    <outline type="rss" text="Ars" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"
             htmlUrl="https://arstechnica.com"/>
    <outline text="Python">
      <outline type="rss" title="PSF" text="psf" xmlurl="https://pyfound.blogspot.com/feeds/posts/default"/>
    </outline>
  </outline>
  <outline type="rss" text="Top level" xmlUrl="feed://example.com/rss"/>
  <outline type="rss" text="Again" xmlUrl="https://feeds.arstechnica.com/arstechnica/index"/>
  <outline type="rss" text="bad scheme" xmlUrl="javascript:alert(1)"/>
</body></opml>"""
    feeds = parse_opml(doc)
    assert feeds == [
        OutlineFeed(
            "https://feeds.arstechnica.com/arstechnica/index",
            "Ars",
            "https://arstechnica.com",
            "Tech",
        ),
        OutlineFeed("https://pyfound.blogspot.com/feeds/posts/default", "PSF", None, "Python"),
        OutlineFeed("http://example.com/rss", "Top level", None, None),
    ]
    _round_trip(feeds)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b"", "malformed"),
        (b"<opml><body>", "malformed"),
        (b"<rss version='2.0'/>", "not an OPML document"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><opml><body><outline text="&b;"/></body></opml>""",
         "forbidden"),
        (b"""<!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<opml><body><outline text="&x;" xmlUrl="http://e.example/"/></body></opml>""", "forbidden"),
    ],
)  # fmt: skip
def test_invalid_documents_raise_opml_error(doc: bytes, message: str) -> None:
    with pytest.raises(OPMLError, match=message):
        parse_opml(doc)


def test_build_opml_is_valid_opml_2() -> None:
    feeds = [
        OutlineFeed("https://a.example/feed?x=1&y=2", 'Quotes "&" <angles>', None, "News & Views"),
        OutlineFeed("https://b.example/rss", None, "https://b.example/", None),
        OutlineFeed("https://c.example/atom", "C", None, "News & Views"),
    ]
    text = build_opml(feeds, title="My list")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<title>My list</title>" in text and "<dateCreated>" in text
    parsed = parse_opml(text.encode())
    # Grouped by category in order of first appearance; everything survives escaping.
    assert parsed == [feeds[0], feeds[2], feeds[1]]
