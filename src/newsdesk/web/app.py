"""The web app factory: routes, templates, static files, security headers, error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk import __version__
from newsdesk.config import Settings
from newsdesk.store.db import connect
from newsdesk.web import ai_links
from newsdesk.web.ai_pages import router as ai_router
from newsdesk.web.pages import render, router
from newsdesk.web.personal import install as install_personal
from newsdesk.web.readers import install as install_readers
from newsdesk.web.templating import make_env

STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src * data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

ERROR_TITLES = {
    400: "Bad request",
    404: "Page not found",
    405: "Method not allowed",
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


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """Build the web app over `engine` (default: the database of `settings`, migrated)."""
    app = FastAPI(
        title="newsdesk",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine if engine is not None else connect(settings.db_url)
    app.state.templates = Jinja2Templates(env=make_env())
    app.include_router(router)
    if ai_links.tables_ready(app.state.engine):  # stories, hashtags, explainers, asking
        app.include_router(ai_router)
        app.state.templates.env.globals["stories_nav"] = True
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    install_readers(app)  # accounts, comments, moderation; sessions + CSRF middleware
    install_personal(app)  # my feed, tokens, Atom, Google Reader API, JSON API /api/v1
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)
    return app
