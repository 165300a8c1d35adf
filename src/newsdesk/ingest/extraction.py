"""What the extraction worker processes run: ``extract_page`` (a top-level function, so the
pool can pickle it by name), and the warm-up that loads the extractor's models before fork."""

from __future__ import annotations

import contextlib
from datetime import datetime

from newsdesk.extract.article import Extracted, ExtractionError, extract_article

_WARM_PAGE = (
    "<html><head><title>Warm-up</title><meta name='author' content='A. Writer'></head><body>"
    "<article><h1>Warm-up</h1>"
    + "<p>This page loads the extractor's language, date and fallback models once.</p>" * 20
    + "</article></body></html>"
)


def warm_up_extractor(dates: bool = True) -> None:
    """Run one extraction so lazily loaded models sit in memory that forked workers share.

    `dates`: also compile dateparser's patterns (see below), for long-lived pools.
    """
    with contextlib.suppress(ExtractionError):
        extract_article(_WARM_PAGE, "https://example.org/2026/01/01/warm-up")
    # The stop words of all languages that trafilatura's justext fallback uses (a 27 MB set,
    # 0.3 s to build), built here once rather than in each worker on its first hard page.
    with contextlib.suppress(ImportError):
        from justext.core import define_stoplist
        from trafilatura.external import jt_stoplist_init

        define_stoplist(jt_stoplist_init())
    # htmldate hands the text dates it cannot read to dateparser, which compiles the patterns of
    # each locale the first time it tries it: a date that no locale reads compiles them all
    # (about 1 s, 40 MB). A long-lived pool (`serve`) does it here once, instead of in each
    # worker on such a page (3% of pages without a feed date). A one-shot run does not wait
    # for it: with feed dates its workers never need it.
    if not dates:
        return
    from htmldate.extractors import get_external_parser

    with contextlib.suppress(Exception):
        get_external_parser().get_date_data("12 xxxx 2019")


def extract_page(
    body: bytes, url: str, published: datetime | None = None, content_type: str | None = None
) -> Extracted:
    """Runs in a worker process. `published`: the feed's date, if it gives one;
    `content_type`: the HTTP header, whose charset decides how the bytes are read."""
    return extract_article(body, url, published, content_type)
