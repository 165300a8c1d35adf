"""Plugs reader accounts, comments and moderation into the web app: `install(app)`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from markupsafe import Markup

from newsdesk.web import auth, comments, moderation
from newsdesk.web.security import Limits, ensure_secret_key, warm_up


def _viewer(request: Request) -> auth.Viewer | None:
    state = getattr(request.state, "auth", None)
    return state.user if isinstance(state, auth.Auth) else None


def _csrf_field(request: Request) -> Markup:
    return auth.csrf_field(request)


def install(app: FastAPI) -> None:
    """Routes, the session/CSRF middleware and template helpers.

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
        current_user=_viewer, csrf_field=_csrf_field, csrf_token=auth.csrf_token
    )
    app.include_router(auth.router)
    app.include_router(comments.router)
    app.include_router(moderation.router)
    app.add_middleware(auth.ReadersMiddleware)
