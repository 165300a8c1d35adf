"""canonicalize(): one canonical form per article URL."""

from __future__ import annotations

import pytest

from newsdesk.sources.urls import canonicalize

CASES = [
    # case, default ports, fragments
    ("HTTP://WWW.Example.COM:80/Path/Page.html#section", "http://www.example.com/Path/Page.html"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("http://example.com:443/a", "http://example.com:443/a"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com.", "https://example.com/"),
    ("  https://example.com/a  ", "https://example.com/a"),
    # dot segments
    ("https://example.com/a/../b", "https://example.com/b"),
    ("https://example.com/a/./b/../../c/", "https://example.com/c/"),
    ("https://example.com/../../x", "https://example.com/x"),
    ("https://example.com/a/b/..", "https://example.com/a/"),
    ("https://example.com/a//b", "https://example.com/a//b"),  # empty segments are meaningful
    # tracking parameters dropped, the rest sorted, raw encoding kept
    ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
    ("https://example.com/a?UTM_Campaign=x&b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?fbclid=abc&gclid=def&mc_cid=1&mc_eid=2", "https://example.com/a"),
    ("https://example.com/a?igshid=x&ref=tw&ref_src=twsrc&cmpid=y&ocid=z&_ga=1", "https://example.com/a"),
    ("https://example.com/a?msclkid=1&yclid=2&_hsenc=3&mkt_tok=4&wt.mc_id=5", "https://example.com/a"),
    ("https://example.com/search?q=a+b&page=2", "https://example.com/search?page=2&q=a+b"),
    ("https://example.com/a?q=%2f&z", "https://example.com/a?q=%2f&z"),
    ("https://example.com/a?", "https://example.com/a"),
    ("https://example.com/a?&&x=1&&", "https://example.com/a?x=1"),
    ("https://example.com/a?reference=keep&source=keep", "https://example.com/a?reference=keep&source=keep"),
    # AMP variants
    ("https://example.com/news/story/amp", "https://example.com/news/story"),
    ("https://example.com/news/story/amp/", "https://example.com/news/story/"),
    ("https://example.com/news/story.amp.html", "https://example.com/news/story.html"),
    ("https://example.com/news/story?amp", "https://example.com/news/story"),
    ("https://example.com/news/story?amp=1&id=3", "https://example.com/news/story?id=3"),
    ("https://example.com/news/story?outputType=amp", "https://example.com/news/story"),
    ("https://example.com/news/story?outputType=print", "https://example.com/news/story?outputType=print"),
    ("https://amp.example.com/news/story", "https://example.com/news/story"),
    ("https://example.com/amplifier/review", "https://example.com/amplifier/review"),
    ("https://example.com/camp", "https://example.com/camp"),
    # mobile hosts; www. is kept as is
    ("https://m.example.com/a", "https://example.com/a"),
    ("https://mobile.example.com/a", "https://example.com/a"),
    ("https://www.example.com/a", "https://www.example.com/a"),
    ("https://m.co/a", "https://m.co/a"),  # nothing registrable would remain
    ("https://mail.example.com/a", "https://mail.example.com/a"),
    # percent-escapes
    ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    # IPv6 and credentials survive
    ("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
    ("https://user:pw@Example.com/x", "https://user:pw@example.com/x"),
    # not http(s) or not parsable: returned as given (stripped)
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("ftp://Example.com/file", "ftp://Example.com/file"),
    ("not a url", "not a url"),
    ("http://[::1/x", "http://[::1/x"),
    ("", ""),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_canonicalize_is_idempotent(url: str, expected: str) -> None:
    assert canonicalize(canonicalize(url)) == canonicalize(url)


def test_variants_of_one_article_collapse() -> None:
    variants = [
        "https://www.news.example/world/2024/05/story.html",
        "HTTPS://WWW.NEWS.EXAMPLE:443/world/2024/05/story.html#comments",
        "https://www.news.example/world/2024/05/../05/story.html?utm_source=rss&utm_medium=rss",
        "https://www.news.example/world/2024/05/story.amp.html?fbclid=IwAR0",
    ]
    assert len({canonicalize(v) for v in variants}) == 1
