"""What every web route uses: the database, templates, refusals, who the client is.

The database, one way everywhere in newsdesk.web: `engine_of(request)` for `session_scope`
blocks, or a `DbSession` parameter (a session for the whole request, committed at its end).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial, wraps
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from newsdesk.security import Limits, ip_hash
from newsdesk.store.db import close_session, session_factory
from newsdesk.web.sessions import get_auth

T = TypeVar("T")

# --- the database ---------------------------------------------------------------------------


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's session, as session_scope gives it. Made on the event loop (a session
    connects only at its first statement, in the route's thread); its end, which may wait on
    the database, runs in a worker thread when it began a transaction. A plain generator
    took a thread for its start as well (a hand-off to a thread and back per request)."""
    session = session_factory(engine_of(request))()
    try:
        yield session
    except BaseException:
        await _end(session, commit=False)
        raise
    await _end(session, commit=True)


async def _end(session: Session, commit: bool) -> None:
    if not session.in_transaction():  # nothing ran: nothing to wait for
        session.close()
        return
    if _alone.get():  # the process's only turn: here, as the page was made (TurnRoute)
        close_session(session, commit=commit)
        return
    with anyio.CancelScope(shield=True):  # a reader gone must not leave the connection out
        await anyio.to_thread.run_sync(partial(close_session, session, commit=commit))


DbSession = Annotated[Session, Depends(db_session)]

# --- one page at a time ---------------------------------------------------------------------

# True while a request holds its process's only turn (web/app.py ReadTurns with a limit of 1,
# SQLite's default): no other page of this process is being made meanwhile.
_alone: ContextVar[bool] = ContextVar("newsdesk_alone", default=False)


@contextmanager
def alone() -> Iterator[None]:
    """Mark the request running within as holding its process's only turn."""
    token = _alone.set(True)
    try:
        yield
    finally:
        _alone.reset(token)


async def in_turn(call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """call(*args, **kwargs), which may wait on the database: right here while the request
    holds its process's only turn, else in a worker thread."""
    if _alone.get():
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)


class TurnRoute(APIRoute):
    """A route whose plain (sync) GET endpoint runs in_turn(): on the event loop while its
    request holds the process's only turn, in a worker thread otherwise (FastAPI's way).

    With one page made at a time the thread adds nothing but hand-offs to it and back, and
    the interpreter lock passed between it and the loop: at 100,000 articles under 20
    readers, article pages 1,143-1,303 -> 1,470-1,494 a second, p99 56-62 -> 49-51 ms.
    The loop waits while a page is made, as the requests waiting for their turn do anyway;
    forms (POST) and the image proxy, which take no turn, keep their threads."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = set(kwargs.get("methods") or ("GET",))
        if methods <= {"GET", "HEAD"} and not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_turn(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_turn(page: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(page)  # FastAPI reads the parameters of `page` through __wrapped__
    async def endpoint(**values: Any) -> Any:
        return await in_turn(page, **values)

    return endpoint


# --- the client -----------------------------------------------------------------------------


def limits_of(request: Request) -> Limits:
    limits: Limits = request.app.state.reader_limits
    return limits


def client_ip(request: Request) -> str:
    """The client address as the ASGI server saw it (run uvicorn with --proxy-headers and
    --forwarded-allow-ips behind a reverse proxy)."""
    return request.client.host if request.client else "unknown"


def client_hash(request: Request) -> str:
    return ip_hash(get_auth(request).secret_key, client_ip(request))


def is_fetch(request: Request) -> bool:
    """True for requests from web/static/comments.js (or htmx), which want HTML fragments."""
    return (
        request.headers.get("x-requested-with", "").lower() == "fetch"
        or request.headers.get("hx-request", "").lower() == "true"
    )


# --- answers --------------------------------------------------------------------------------


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
    return response


def fail(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    """Refuse a request: a plain-text message for fetch() callers, else the error page."""
    if is_fetch(request):
        return PlainTextResponse(message, status_code=status, headers=headers)
    raise HTTPException(status, message, headers=headers)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
