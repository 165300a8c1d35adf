"""Whole pages for readers who are not signed in, kept a short while per web process, as news
sites cache what anonymous readers get (web/microcache.py).

A signed-in reader always gets a page made for them. A visitor who is not signed in gets the
same page as every other such visitor except for the CSRF token of its forms (each page's
token is new, and tied to the visitor's own CSRF cookie): the page is kept with a placeholder
where the token was, and each visitor gets it with a token of their own. Keys say what changes
the page at once (an article page: the article's enrichment, its story and its comments); what
other articles change shows up to PAGES_TTL seconds late, as in the parts kept before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from fastapi import Request
from fastapi.responses import HTMLResponse

from newsdesk.web.csrf import csrf_token
from newsdesk.web.microcache import MicroCache
from newsdesk.web.sessions import current_user, get_auth

PAGES_TTL = 60.0  # as the article page's slots (web/slots.py SLOTS_TTL)
PAGES_CACHED = 1500  # pages of 20-40 kB: at most ~60 MB per web process
_TOKEN = b"<!--newsdesk-csrf-token-->"  # no page holds it: text in pages is escaped ("&lt;")


def anonymous(request: Request) -> bool:
    """Whether the request's page may come from the kept pages: a reader not signed in."""
    return current_user(request) is None


def kept_page(request: Request, key: Hashable, make: Callable[[], HTMLResponse]) -> HTMLResponse:
    """The page kept for `key` with this visitor's CSRF token, else make() (kept when it is a
    200). Only for anonymous() requests."""
    pages: MicroCache[bytes] = request.app.state.public_pages
    made: list[HTMLResponse] = []

    def render() -> bytes:
        response = make()
        made.append(response)
        if response.status_code != 200:
            raise _NotKept
        token = get_auth(request)._csrf  # the token the page's forms hold, if any
        body = bytes(response.body)
        return body.replace(token.encode(), _TOKEN) if token else body

    try:
        body = pages.get_or_make(key, render)
    except _NotKept:
        return made[0]
    if made:
        return made[0]
    if _TOKEN in body:
        body = body.replace(_TOKEN, csrf_token(request).encode())
    return HTMLResponse(body)


class _NotKept(Exception):
    """make() answered with another status than 200: sent, not kept."""
