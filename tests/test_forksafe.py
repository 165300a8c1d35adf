"""Forking while other threads parse HTML with lxml: the child can still parse.

Before newsdesk.forksafe, the extraction workers (forked by the refresher) hung for good in
their first lxml parse when a thread was building feed items at the moment of the fork (the
ingest benchmark hung on its first run).
"""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from newsdesk.extract.sanitize import html_to_text
from newsdesk.sources.discover import discover_feeds

pytestmark = pytest.mark.slow  # make test-fast leaves it out

PAGE = "<div><p>Paragraph with <a href='/x'>a link</a> and <b>bold</b> text.</p></div>" * 200


def _parse_in_child() -> None:
    assert html_to_text(PAGE).startswith("Paragraph with a link")


def test_forks_taken_while_threads_parse_html_never_hang() -> None:
    stop = threading.Event()

    def parse_forever() -> None:
        while not stop.is_set():
            html_to_text(PAGE)
            discover_feeds(PAGE, "https://example.org/")

    threads = [threading.Thread(target=parse_forever) for _ in range(3)]
    for thread in threads:
        thread.start()
    context = multiprocessing.get_context("fork")
    try:
        for _ in range(20):
            child = context.Process(target=_parse_in_child)
            child.start()
            child.join(20)
            hung = child.is_alive()
            if hung:
                child.kill()
            assert not hung, "a forked child hung in lxml"
            assert child.exitcode == 0
    finally:
        stop.set()
        for thread in threads:
            thread.join()
