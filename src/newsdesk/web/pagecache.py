"""Whole pages for readers who are not signed in, kept a short while and shared by the web
processes of a machine, as news sites cache what anonymous readers get.

A signed-in reader always gets a page made for them. A visitor who is not signed in gets the
same page as every other such visitor except for the CSRF token of its forms (each page's
token is new, and tied to the visitor's own CSRF cookie): the page is kept with a placeholder
where the token was, and each visitor gets it with a token of their own. Keys say what changes
the page at once (an article page: the article's enrichment, its story and its comments); what
other articles change shows up to PAGES_TTL seconds late, as in the parts each process keeps
(web/microcache.py).

The pages are kept in a diskcache.Cache (SQLite and files under the data directory), which
every web process of the machine reads and writes safely: a page one process made is every
process's (with `serve --web-processes 2`, twice the kept pages of a cache per process).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import suppress
from pathlib import Path

import diskcache
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from newsdesk import __version__
from newsdesk.web.csrf import csrf_token, issued_csrf_token
from newsdesk.web.sessions import current_user

PAGES_TTL = 60.0  # as the article page's slots (web/slots.py SLOTS_TTL)
PAGES_SIZE = 256 * 2**20  # bytes on disk; the least recently stored go first
_TOKEN = b"<!--newsdesk-csrf-token-->"  # no page holds it: text in pages is escaped ("&lt;")


def open_pages(data_dir: Path) -> diskcache.Cache:
    """The machine's kept pages (one per data directory), for app.state.public_pages."""
    return diskcache.Cache(str(data_dir / "cache" / "pages"), size_limit=PAGES_SIZE, timeout=1)


def kept_page(
    request: Request, key: Callable[[], Hashable], make: Callable[[], Response]
) -> Response:
    """For a reader not signed in, the page kept for key() with this visitor's CSRF token,
    else make() (kept when it is a 200); for a signed-in reader, make()."""
    if current_user(request) is not None:
        return make()
    pages: diskcache.Cache = request.app.state.public_pages
    name = repr((__version__, key()))  # a new version's templates: other pages
    try:
        body = pages.get(name)
    except diskcache.Timeout:  # another process writing for over a second: make it
        body = None
    if isinstance(body, bytes):
        if _TOKEN in body:
            body = body.replace(_TOKEN, csrf_token(request).encode())
        return HTMLResponse(body)
    response = make()
    if response.status_code == 200:
        token = issued_csrf_token(request)
        body = bytes(response.body)
        with suppress(diskcache.Timeout):  # not kept this time
            pages.set(name, body.replace(token.encode(), _TOKEN) if token else body, PAGES_TTL)
    return response
