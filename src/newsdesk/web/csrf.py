"""CSRF: the tokens of forms, the checks, and the middleware that enforces them.

- Every POST/PUT/PATCH/DELETE needs a CSRF token tied to the session (form field
  `csrf_token` or header `X-CSRF-Token`) and must not come from another site
  (Sec-Fetch-Site). Only requests authenticated by an API token (Authorization: Bearer /
  GoogleLogin) are exempt, and for those the session cookie is ignored.
- Anonymous visitors have no session row: their forms' tokens are tied to a random secret in
  the `newsdesk_csrf` cookie (a signed double-submit cookie, as Django does), so reading a
  page never writes to the database and never waits for another writer.
- CsrfMiddleware also loads each request's session (newsdesk.web.sessions) into
  request.state.auth, since the token is checked against it, and sends the cookies.
- The JSON API checks CSRF itself (newsdesk.web.api.deps.csrf_guard, with `cross_site` and
  `csrf_valid` from here), to answer with error objects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request as StarletteRequest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.web.sessions import (
    SESSION_COOKIE,
    Auth,
    cookie_attributes,
    get_auth,
    load_session,
    session_cookie,
)

log = logging.getLogger("newsdesk.auth")

CSRF_COOKIE = "newsdesk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOKEN_SCHEMES = frozenset({"bearer", "googlelogin"})
MAX_FORM_BYTES = 4 * 1024 * 1024
CROSS_SITE = "Requests from other sites are not accepted."

# --- tokens ---------------------------------------------------------------------------------
# Synchronizer tokens tied to the server-side session: each session has a random csrf_secret.
# A form token is nonce + HMAC(secret_key, csrf_secret, nonce): it differs on every page (so
# compressed responses don't leak it, BREACH) and is worthless with any other session.

_NONCE = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_csrf_token(secret_key: str, csrf_secret: str) -> str:
    nonce = secrets.token_bytes(_NONCE)
    mac = hmac.new(
        secret_key.encode(), csrf_secret.encode() + b"|" + nonce, hashlib.sha256
    ).digest()
    return _b64(nonce + mac[:16])


def csrf_valid(secret_key: str, csrf_secret: str, token: str | None) -> bool:
    if not token or len(token) > 64:
        return False
    try:
        raw = _unb64(token)
    except (ValueError, TypeError):
        return False
    if len(raw) != _NONCE + 16:
        return False
    nonce, mac = raw[:_NONCE], raw[_NONCE:]
    expected = hmac.new(
        secret_key.encode(), csrf_secret.encode() + b"|" + nonce, hashlib.sha256
    ).digest()
    return hmac.compare_digest(mac, expected[:16])


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page; an anonymous visitor gets a CSRF cookie."""
    auth = get_auth(request)
    if auth.csrf_secret is None:
        auth.csrf_secret = auth.new_csrf_cookie = secrets.token_hex(32)
    if auth._csrf is None:
        auth._csrf = make_csrf_token(auth.secret_key, auth.csrf_secret)
    return auth._csrf


def issued_csrf_token(request: Request) -> str | None:
    """The CSRF token this request's page holds in its forms; None if it made none."""
    return get_auth(request)._csrf


def csrf_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, csrf_token(request)
    )


# --- checks ---------------------------------------------------------------------------------


def cross_site(headers: Headers) -> bool:
    """True when the browser says another site made the request (Sec-Fetch-Site)."""
    return headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site")


def _anonymous_csrf_secret(scope: Scope) -> str | None:
    value = StarletteRequest(scope).cookies.get(CSRF_COOKIE, "")
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value
    return None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def check_csrf(
    scope: Scope, receive: Receive, headers: Headers, auth: Auth
) -> tuple[tuple[int, str] | None, Receive]:
    """(status, message) if an unsafe request must be refused, else None; and the `receive`
    to go on with (a form body read to find its token is replayed)."""
    if cross_site(headers):
        return (403, CROSS_SITE), receive
    token = headers.get(CSRF_HEADER)
    if token is None:
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            body = await _read_body(receive, MAX_FORM_BYTES)
            if body is None:
                return (413, "That form is too large."), receive
            receive = _replay(body, receive)
            if ctype == "multipart/form-data":
                form = await StarletteRequest(scope, _replay(body, receive)).form()
                value = form.get(CSRF_FIELD)
                token = value if isinstance(value, str) else None
                await form.close()
            else:
                text = body.decode("utf-8", "replace")
                token = parse_qs(text, keep_blank_values=True).get(CSRF_FIELD, [None])[0]
    if auth.csrf_secret is None:
        return (
            403,
            "Your session has expired or cookies are blocked. Reload the page and try again.",
        ), receive
    if not csrf_valid(auth.secret_key, auth.csrf_secret, token):
        return (403, "This form has expired or was forged. Reload the page and try again."), (
            receive
        )
    return None, receive


# --- the middleware -------------------------------------------------------------------------


def _cookie_headers(auth: Auth) -> list[tuple[bytes, bytes]]:
    cookies: list[str] = []
    session = session_cookie(auth)
    if session is not None:
        cookies.append(session)
    if auth.new_csrf_cookie is not None and auth.session_id is None:
        cookies.append(f"{CSRF_COOKIE}={auth.new_csrf_cookie}; {cookie_attributes(auth)}")
    return [(b"set-cookie", cookie.encode()) for cookie in cookies]


class CsrfMiddleware:
    """Loads the session of every request into request.state.auth, enforces CSRF on unsafe
    methods, and sets / clears the session cookie on the way out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        headers = Headers(scope=scope)
        auth = Auth(
            secret_key=state.secret_key,
            secure=scope.get("scheme") == "https" or bool(state.settings.secure_cookies),
        )
        scope.setdefault("state", {})["auth"] = auth
        scheme = headers.get("authorization", "").split(" ", 1)[0].lower()
        if scheme in TOKEN_SCHEMES:
            auth.via_token = True
        else:
            token = StarletteRequest(scope).cookies.get(SESSION_COOKIE)
            if token:
                await run_in_threadpool(load_session, state.engine, auth, token)
            if auth.csrf_secret is None:
                auth.csrf_secret = _anonymous_csrf_secret(scope)

        if scope["method"] not in SAFE_METHODS and not auth.via_token:
            exempt = any(scope["path"].startswith(p) for p in state.csrf_exempt_paths)
            if not exempt:
                problem, receive = await check_csrf(scope, receive, headers, auth)
                if problem:
                    await self._refuse(scope, receive, send, auth, headers, *problem)
                    return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = _cookie_headers(auth)
                present = {name.lower() for name, _ in message.get("headers", [])}
                personal = auth.session_id or auth.new_csrf_cookie
                if personal and b"cache-control" not in present:
                    extra.append((b"cache-control", b"private, no-store"))
                if extra:
                    message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        auth: Auth,
        headers: Headers,
        status: int,
        message: str,
    ) -> None:
        log.warning("refused %s %s: %s", scope["method"], scope["path"], message)
        response: Response
        fetch = headers.get("x-requested-with", "").lower() == "fetch"
        if fetch or not hasattr(scope["app"].state, "templates"):
            response = PlainTextResponse(message, status_code=status)
        else:
            request = StarletteRequest(scope, receive)
            title = "Request refused" if status == 403 else "Request too large"
            response = scope["app"].state.templates.TemplateResponse(
                request,
                "error.html",
                {"status": status, "error_title": title, "message": message},
                status_code=status,
            )
        response.raw_headers.extend(_cookie_headers(auth))
        await response(scope, receive, send)
