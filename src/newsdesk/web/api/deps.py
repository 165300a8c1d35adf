"""Who is calling the JSON API, and the CSRF rule for cookie-session callers.

- `Authorization: Bearer <token>` (an api_tokens token of scope "api"): the token's user. Such
  requests ignore cookies and need no CSRF token.
- No Authorization header: the logged-in user of the session cookie (if any). Their unsafe
  requests (POST/PUT/PATCH/DELETE) need the session's CSRF token in header X-CSRF-Token
  (GET /api/v1/me returns it) and must not come from another site (Sec-Fetch-Site).
- Any other Authorization header, or a bad token: 401.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newsdesk.accounts import Viewer
from newsdesk.store.db import session_scope
from newsdesk.tokens import API_SCOPES, resolve_token
from newsdesk.web.api.errors import ApiError
from newsdesk.web.csrf import CROSS_SITE, CSRF_HEADER, SAFE_METHODS, cross_site, csrf_valid
from newsdesk.web.request import engine_of, in_turn
from newsdesk.web.sessions import get_auth

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token (scope `api`): create one at /me/tokens or POST /api/v1/me/tokens.",
)
_WWW = {"WWW-Authenticate": 'Bearer realm="newsdesk"'}


def _token_viewer(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Viewer:
    if credentials is None:  # an Authorization header with another scheme
        raise ApiError(
            401, "unsupported_authorization", "Use Authorization: Bearer <token>.", headers=_WWW
        )
    with session_scope(engine_of(request)) as session:
        viewer = resolve_token(session, credentials.credentials.strip(), API_SCOPES)
    if viewer is None:
        raise ApiError(
            401,
            "invalid_token",
            "That token is not valid (unknown, revoked or expired).",
            headers={"WWW-Authenticate": 'Bearer realm="newsdesk", error="invalid_token"'},
        )
    return viewer


# The dependencies are coroutines: a plain function would run in a worker thread of its own,
# a hand-off per dependency and request; what may wait on the database runs in_turn().
async def optional_viewer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Viewer | None:
    """The caller, or None for anonymous read-only use."""
    viewer: Viewer | None
    if "authorization" in request.headers:
        viewer = await in_turn(_token_viewer, request, credentials)
    else:
        viewer = get_auth(request).user
    return viewer


async def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    if viewer is None:
        raise ApiError(401, headers=_WWW)
    return viewer


async def require_admin(viewer: Annotated[Viewer, Depends(require_viewer)]) -> Viewer:
    if not viewer.is_admin:
        raise ApiError(403, "admin_only", "Only an admin can do that.")
    return viewer


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: unsafe requests of cookie-session callers need a CSRF token."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    auth = get_auth(request)
    if auth.user is None:
        return  # anonymous: the route's require_viewer answers 401
    if cross_site(request.headers):
        raise ApiError(403, "cross_site", CROSS_SITE)
    token = request.headers.get(CSRF_HEADER)
    if auth.csrf_secret is None or not csrf_valid(auth.secret_key, auth.csrf_secret, token):
        raise ApiError(
            403,
            "csrf_failed",
            "Cookie-authenticated writes need header X-CSRF-Token (see GET /api/v1/me), "
            "or use a bearer token.",
        )


OptionalViewer = Annotated[Viewer | None, Depends(optional_viewer)]
CurrentViewer = Annotated[Viewer, Depends(require_viewer)]
AdminViewer = Annotated[Viewer, Depends(require_admin)]
