"""The web app factory: routes, templates, static files, security headers, error pages;
HEAD on every GET route; the uvicorn configuration of `newsdesk serve`.

Everything the app serves is plugged in here, by create_app(): the public pages, the AI
pages, accounts/comments/moderation with the session + CSRF middleware
(_install_accounts_and_comments), then the readers' own pages and the machine interfaces:
/me, Atom, the Google Reader API and the JSON API (_install_my_pages_and_apis)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk import __version__
from newsdesk.accounts import Viewer
from newsdesk.config import Settings
from newsdesk.security import Limits, ensure_secret_key, warm_up
from newsdesk.store.db import connect
from newsdesk.store.models import ErrorRecord
from newsdesk.web import (
    account_pages,
    api,
    atom,
    atom_ai,
    comments,
    fever,
    greader,
    images,
    me_pages,
    moderation,
)
from newsdesk.web.ai_pages import router as ai_router
from newsdesk.web.api.common import DEFAULT_BASE_URL, normalize_base_url, request_path
from newsdesk.web.api.errors import RETRY_AFTER, is_busy
from newsdesk.web.csrf import CsrfMiddleware, csrf_field, csrf_token
from newsdesk.web.microcache import PARTS_CACHED, PARTS_TTL, MicroCache
from newsdesk.web.pagecache import open_pages
from newsdesk.web.pages import SITE_LISTS_TTL, router
from newsdesk.web.request import alone, engine_of, render
from newsdesk.web.searching import SEARCH_TTL, SEARCHES_CACHED
from newsdesk.web.sessions import Auth
from newsdesk.web.slots import SlotCaches
from newsdesk.web.source_pages import router as sources_router
from newsdesk.web.templating import make_env, static_version

if TYPE_CHECKING:
    import uvicorn

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)
# An unhandled error is recorded with SQLite waiting at most this long for the write lock
RECORD_BUSY_MS = 1000
MESSAGE_CHARS = 1000

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

# Responses smaller than this go out uncompressed: gzip's framing and the CPU would cost more
# than the bytes saved (an error page or a small JSON answer).
GZIP_MINIMUM_SIZE = 1024

# The templates link static files as /static/NAME?v=<hash of the file> (templating.static_url):
# a URL with the file's current hash changes whenever the file does, so browsers keep it a
# year without asking again. Any other URL of a static file (no or an old v) gets a day, then
# revalidates with StaticFiles' ETag and Last-Modified (a 304).
STATIC_CACHE_CONTROL = "public, max-age=86400"
STATIC_VERSIONED_CACHE_CONTROL = "public, max-age=31536000, immutable"

ERROR_TITLES = {
    400: "Bad request",
    404: "Page not found",
    405: "Method not allowed",
    413: "Too large",
    429: "Too many requests",
    500: "Something went wrong",
    503: "The site is busy",
}


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response (static files, errors too)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CachedStaticFiles(StaticFiles):
    """StaticFiles whose files (and 304s) say how long browsers may keep them."""

    def file_response(
        self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        current = static_version(Path(full_path).name) if version else ""
        cache = STATIC_VERSIONED_CACHE_CONTROL if current and version == current else None
        response.headers.setdefault("Cache-Control", cache or STATIC_CACHE_CONTROL)
        return response


class ReadTurns:
    """ASGI middleware: at most `limit` GET and HEAD requests of this process run at once;
    the others wait their turn, in order of arrival (0: no limit). Other methods (a comment,
    a login, which may wait for the database's write lock) are never held back, nor are paths
    under `waiting` (the image proxy, which waits on other servers, not on this process).

    Pages are made in threads that share one interpreter lock, which passes from thread to
    thread every few milliseconds: with every request in a thread of its own, a page that
    takes 10 ms of CPU shared it with the nine others of its process and took 100 ms or more,
    and the switching itself cost CPU. Taking turns, a request waits for those before it and
    then runs nearly alone, as in a process per request (gunicorn's sync workers): at 100,000
    articles under 20 readers, article pages 695 -> 1,052 a second and p99 258 -> 101 ms in
    the same hour (BENCHMARKS.md). Two at once still hand the lock back and forth at each
    database call; one (SQLite's default, Settings.reads_at_once) does not, and its pages
    are made on the event loop itself (web/request.py TurnRoute)."""

    def __init__(self, app: ASGIApp, limit: int, waiting: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limit = limit
        self.waiting = waiting
        self._turns: asyncio.Semaphore | None = None  # made on the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.limit
            or scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(self.waiting)
        ):
            await self.app(scope, receive, send)
            return
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.limit)
        async with self._turns:
            if self.limit != 1:
                await self.app(scope, receive, send)
                return
            # The page is made on the event loop (web/request.py TurnRoute), which reads no
            # socket meanwhile. Requests read in one go would each find the turn free as the
            # one before ends in the same step of the loop, and run back to back while new
            # connections wait to be accepted and requests to be read (a connection then
            # waited for several such runs: p99 1.5 s against 0.5 s with threads, mixed
            # pages): one pass of the loop first, so that those arrived meanwhile queue here
            # in their order.
            await asyncio.sleep(0)
            with alone():
                await self.app(scope, receive, send)


class HeadAsGet:
    """ASGI middleware: HEAD runs as GET (same status and headers), the body is dropped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # a copy: the server keeps seeing HEAD (and sends no body for it either)
        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    title = ERROR_TITLES.get(status, "Something went wrong")
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else title
    response = render(
        request,
        "error.html",
        {"status": status, "error_title": title, "message": message},
        status_code=status,
    )
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    return render(
        request,
        "error.html",
        {
            "status": 400,
            "error_title": ERROR_TITLES[400],
            "message": "Some of the values in that address are not valid.",
        },
        status_code=400,
    )


def record_error(engine: Engine, url: str, message: str) -> None:
    """Store an ErrorRecord (stage "web") in its own short transaction; never raises."""
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # do not wait the usual 30 s for a busy database
                previous = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
                conn.exec_driver_sql(f"PRAGMA busy_timeout={RECORD_BUSY_MS}")
            try:
                conn.execute(
                    insert(ErrorRecord).values(url=url[:2048], stage="web", message=message)
                )
                conn.commit()
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={previous}")
    except Exception:
        log.exception("could not record the web error %s", url)


def _error_page(request: Request, status: int, message: str) -> Response:
    context = {"status": status, "error_title": ERROR_TITLES[status], "message": message}
    try:
        response: Response = render(request, "error.html", context, status_code=status)
    except Exception:  # the error page must not fail in turn
        log.exception("error page failed")
        response = PlainTextResponse(message, status_code=status)
    response.headers.update(SECURITY_HEADERS)  # this handler runs outside the middleware
    response.headers["Cache-Control"] = "no-store"
    return response


def _server_error(request: Request, exc: Exception) -> Response:
    """Unhandled exceptions: 503 + Retry-After when the database is busy; otherwise recorded
    (errors table, stage "web") and a 500 page. Starlette re-raises them for the server log."""
    if is_busy(exc):
        response = _error_page(request, 503, "The site is busy: try again in a few seconds.")
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    url = f"{request.method} {request_path(request)}"
    message = f"{type(exc).__name__}: {exc}"[:MESSAGE_CHARS]
    record_error(engine_of(request), url, message)
    return _error_page(request, 500, "Something went wrong on our side. It has been noted.")


def trusted_proxies(settings: Settings) -> list[str]:
    """settings.trusted_proxies as networks ("*": any); ValueError on anything else."""
    networks = []
    for entry in settings.trusted_proxies:
        try:
            networks.append("*" if entry == "*" else str(ipaddress.ip_network(entry, False)))
        except ValueError as exc:
            raise ValueError(f"NEWSDESK_TRUSTED_PROXIES: not an IP or CIDR: {entry!r}") from exc
    return networks


def server_config(
    app: ASGIApp | str,
    settings: Settings,
    host: str,
    port: int,
    log_level: str = "info",
    workers: int = 1,
) -> uvicorn.Config:
    """The uvicorn configuration of `newsdesk serve`: X-Forwarded-For/-Proto are believed only
    from settings.trusted_proxies (uvicorn's own default trusts 127.0.0.1). `app` may be the
    import string of an app factory (APP_FACTORY), as `workers` > 1 needs."""
    import uvicorn

    proxies = trusted_proxies(settings)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
        factory=isinstance(app, str),
        workers=workers,
        access_log=settings.access_log,
    )


# What each of several web processes runs (`newsdesk serve --web-processes N`): uvicorn spawns
# them, and each builds its app from the environment.
APP_FACTORY = "newsdesk.web.app:app_from_env"


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to HOST:PORT with SO_REUSEPORT (port 0: one free port for all),
    one per web process: the kernel spreads new connections evenly over them. With one shared
    socket the process that wakes first takes every waiting connection; 20 readers on
    keep-alive connections then all went to one of two processes (17.0 CPU-s against 0.1)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    out: list[socket.socket] = []
    for _ in range(count):
        sock = socket.socket(family=family)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]
        sock.set_inheritable(True)
        out.append(sock)
    return out


def run_processes(config: uvicorn.Config, sockets: list[socket.socket]) -> None:
    """uvicorn's supervisor (restarts a process that dies or stops answering, SIGHUP: replaced
    one by one, SIGTERM/SIGINT: all stopped) over one web process per socket, until SIGTERM."""
    from uvicorn.supervisors.multiprocess import Multiprocess, Process

    class OneSocketEach(Multiprocess):
        """Process i serves sockets[i]; a process started again serves all of them (so that
        no socket is left without one)."""

        def init_processes(self) -> None:
            for sock in self.sockets:
                process = Process(self.config, [sock])
                process.start()
                self.processes.append(process)

    config.workers = len(sockets)
    OneSocketEach(config, sockets=sockets).run()


def app_from_env() -> FastAPI:
    """create_app() over Settings.from_env(): the app of each process of `serve --web-processes`,
    which ends with its supervisor (killed alone, it would leave them serving the port)."""
    from newsdesk.children import end_with_parent

    end_with_parent()
    app = create_app(Settings.from_env())
    settle(app)
    return app


def open_vector_index(app: FastAPI) -> None:
    """Load the vector index (related articles, search) before the first request rather than
    on it: 1 to 2 s at 100,000 articles, once per web process. Never raises (the pages open it
    again, or go without)."""
    from newsdesk.stories.index import open_index

    try:
        open_index(app.state.engine, Path(app.state.settings.data_dir))
    except Exception:
        log.exception("the vector index could not be opened at start")


def settle(app: FastAPI) -> None:
    """Ready a web process before its first request: the vector index (open_vector_index), the
    modules pages load on first use and the templates; then what exists is set aside from
    Python's cyclic garbage collector (gc.freeze). A full collection then walks only what was
    made since, not the libraries' ~220,000 objects: 64 -> 6 ms at 100,000 articles, a pause
    that stalled every request in flight in the process."""
    import gc
    import importlib

    for module in ("newsdesk.nlp.deaths", "newsdesk.nlp.profiles"):  # tag pages' first use
        importlib.import_module(module)
    open_vector_index(app)
    env = app.state.templates.env
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    gc.collect()
    gc.freeze()


def serve_base_url(host: str, port: int) -> str:
    """The base URL `serve` uses when NEWSDESK_BASE_URL is unset: http://HOST:PORT."""
    bracketed = f"[{host}]" if ":" in host else host
    return f"http://{bracketed}:{port}"


def base_url(settings: Settings) -> str:
    """settings.base_url checked, or DEFAULT_BASE_URL; ValueError naming the setting."""
    try:
        return normalize_base_url(settings.base_url or DEFAULT_BASE_URL)
    except ValueError as exc:
        raise ValueError(f"NEWSDESK_BASE_URL: {exc}") from exc


def _viewer(request: Request) -> Viewer | None:
    state = getattr(request.state, "auth", None)
    return state.user if isinstance(state, Auth) else None


def _install_accounts_and_comments(app: FastAPI) -> None:
    """Accounts, comments and moderation: routes, the session/CSRF middleware and template
    helpers.

    Call after app.state.settings/engine/templates are set and before the security-headers
    middleware is added (so that it stays outermost and covers the CSRF refusals too).
    """
    app.state.secret_key = ensure_secret_key(app.state.settings)
    app.state.reader_limits = Limits()
    warm_up()
    # path prefixes that take unsafe requests without a CSRF token (none; e.g. a login
    # endpoint of an API that answers with a token rather than a cookie)
    app.state.csrf_exempt_paths = ()
    app.state.templates.env.globals.update(
        current_user=_viewer, csrf_field=csrf_field, csrf_token=csrf_token
    )
    app.include_router(account_pages.router)
    app.include_router(comments.router)
    app.include_router(moderation.router)
    app.add_middleware(CsrfMiddleware)


def _install_my_pages_and_apis(app: FastAPI) -> None:
    """The readers' own features and the machine interfaces:

    - /me/...: My feed, Starred, subscriptions and follows, API tokens (HTML, forms + CSRF);
    - /feeds/...atom: Atom feeds out;
    - /accounts/ClientLogin and /reader/api/0/...: the Google Reader API;
    - /api/fever.php: the Fever API;
    - /api/v1/...: the JSON API (schema at /openapi.json).

    Call after _install_accounts_and_comments(app) (it sets up sessions, CSRF, the secret
    key and rate limits, and resets the CSRF-exempt paths that this extends)."""
    app.include_router(me_pages.router)
    app.include_router(atom.router)
    app.include_router(atom_ai.router)
    app.include_router(greader.router)
    app.include_router(greader.router, prefix=greader.FRESHRSS_PREFIX)
    app.include_router(fever.router)
    exempt = tuple(getattr(app.state, "csrf_exempt_paths", ()))
    # Google Reader and Fever clients authenticate by header or form field, never by cookie
    app.state.csrf_exempt_paths = (*exempt, *greader.CSRF_EXEMPT, *fever.CSRF_EXEMPT)
    api.install(app)


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the web app over `engine` (default: the database of `settings`, migrated).

    Absolute links use settings.base_url, or DEFAULT_BASE_URL (http://localhost) when it is
    unset; never the request's Host header."""
    app = FastAPI(
        title="newsdesk",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.base_url = base_url(settings)
    app.state.engine = engine if engine is not None else connect(settings.db_url)
    app.state.templates = Jinja2Templates(env=make_env())
    app.state.slot_caches = SlotCaches()  # article pages' AI slots, story boxes (web/slots.py)
    app.state.site_lists = MicroCache(SITE_LISTS_TTL, 4)  # outlets, languages (web/pages.py)
    app.state.searches = MicroCache(SEARCH_TTL, SEARCHES_CACHED)  # web/searching.py
    app.state.page_parts = MicroCache(PARTS_TTL, PARTS_CACHED)  # home, tag pages
    app.state.public_pages = open_pages(Path(settings.data_dir))  # web/pagecache.py
    app.router.on_shutdown.append(app.state.public_pages.close)
    app.state.templates.env.globals["site_base"] = app.state.base_url  # absolute links
    app.include_router(router)
    app.include_router(sources_router)  # the Sources page and its admin forms
    app.include_router(ai_router)  # stories, hashtags, explainers, asking
    app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
    _install_accounts_and_comments(app)  # sessions + CSRF middleware
    images.install(app)  # /img/: outlets' pictures through the proxy (after the secret key)
    _install_my_pages_and_apis(app)  # my feed, tokens, Atom, Google Reader API, /api/v1
    # Inside HeadAsGet: a HEAD is compressed like its GET (same Content-Encoding, Content-Length
    # and Vary), and only then is the body dropped.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE)
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)
    app.add_middleware(HeadAsGet)
    # outermost; the image proxy waits on outlets' servers, not on this process's CPU
    app.add_middleware(ReadTurns, limit=settings.reads_at_once, waiting=(images.PREFIX + "/",))
    return app
