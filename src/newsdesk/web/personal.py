"""Plugs the readers' personal features into the web app: `install(app)`.

- /me/...: My feed, Starred, subscriptions and follows, API tokens (HTML, forms + CSRF);
- /feeds/...atom: Atom feeds out;
- /accounts/ClientLogin and /reader/api/0/...: the Google Reader API;
- /api/v1/...: the JSON API (schema at /openapi.json).
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from newsdesk.web import ai_links, api, atom, greader, me


def install(app: FastAPI) -> None:
    """Call after newsdesk.web.readers.install(app) (it sets up sessions, CSRF, the secret
    key and rate limits, and resets the CSRF-exempt paths that this extends)."""
    app.include_router(me.router)
    app.include_router(atom.router)
    if ai_links.available(app.state.engine):
        app.include_router(importlib.import_module("newsdesk.web.atom_ai").router)
    app.include_router(greader.router)
    app.include_router(greader.router, prefix=greader.FRESHRSS_PREFIX)
    exempt = tuple(getattr(app.state, "csrf_exempt_paths", ()))
    # Google Reader clients authenticate by header or T field, never by cookie
    app.state.csrf_exempt_paths = (*exempt, *greader.CSRF_EXEMPT)
    api.install(app)
