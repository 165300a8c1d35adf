"""Reader accounts: server-side sessions, CSRF, login throttling and the account pages.

- The session cookie holds a random token; the database stores only its SHA-256 (sessions.id).
  Cookies are HttpOnly, SameSite=Lax, and Secure on HTTPS or with settings.secure_cookies.
- Logging in (or registering, or changing the password) always starts a new session and
  deletes the old one, so a session id planted before login is worthless afterwards.
- Every POST/PUT/PATCH/DELETE needs a CSRF token tied to the session (form field
  `csrf_token` or header `X-CSRF-Token`) and must not come from another site
  (Sec-Fetch-Site). Only requests authenticated by an API token (Authorization: Bearer /
  GoogleLogin) are exempt, and for those the session cookie is ignored.
- Anonymous visitors have no session row: their forms' tokens are tied to a random secret in
  the `newsdesk_csrf` cookie (a signed double-submit cookie, as Django does), so reading a
  page never writes to the database and never waits for another writer.
- Failed logins are throttled per account and per client IP (stored in login_attempts, so
  every process sees them); unknown users and wrong passwords look and time the same.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request as StarletteRequest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.store.db import session_scope
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import ROLES, LoginAttempt, User, UserSession
from newsdesk.web.security import (
    Limits,
    hash_password,
    ip_hash,
    password_problem,
    purge_rate_events,
    rate_check,
    rate_record,
    retry_after,
    safe_next,
    token_hash,
    username_key,
    username_problem,
    verify_password,
)
from newsdesk.web.security import csrf_token as make_csrf_token
from newsdesk.web.security import csrf_valid as check_csrf_token
from newsdesk.web.security import new_token as make_token

log = logging.getLogger("newsdesk.auth")

SESSION_COOKIE = "newsdesk_session"
CSRF_COOKIE = "newsdesk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
USER_SESSION_LIFETIME = timedelta(days=30)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOKEN_SCHEMES = frozenset({"bearer", "googlelogin"})
MAX_FORM_BYTES = 4 * 1024 * 1024
PURGE_EVERY = timedelta(minutes=10)
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
LOGIN_FAILED = "Wrong username or password."

# --- who is asking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The logged-in user of a request (a plain snapshot, safe to use after the DB session)."""

    id: int
    username: str
    role: str

    def has_role(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]

    @property
    def is_moderator(self) -> bool:
        return self.has_role("moderator")

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(user.id, user.username, user.role)


@dataclass
class Auth:
    """Per-request authentication state, at request.state.auth (set by ReadersMiddleware)."""

    secret_key: str
    secure: bool = False
    session_id: str | None = None  # the hash stored in sessions.id
    csrf_secret: str | None = None
    user: Viewer | None = None
    via_token: bool = False  # Authorization header present: cookies were not looked at
    set_cookie: tuple[str, int | None] | None = None  # (token, max_age) to send
    clear_cookie: bool = False
    new_csrf_cookie: str | None = None  # an anonymous visitor's new CSRF secret, to send
    _csrf: str | None = field(default=None, repr=False)


def get_auth(request: Request) -> Auth:
    auth = getattr(request.state, "auth", None)
    if not isinstance(auth, Auth):
        raise RuntimeError("ReadersMiddleware is not installed (see newsdesk.web.readers)")
    return auth


def current_user(request: Request) -> Viewer | None:
    return get_auth(request).user


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


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


def db_session(request: Request) -> Iterator[Session]:
    with session_scope(engine_of(request)) as session:
        yield session


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


def require_user(request: Request) -> Viewer:
    user = current_user(request)
    if user is None:
        raise HTTPException(403, "Log in first.")
    return user


def require_role(role: str) -> Callable[[Request], Viewer]:
    def dependency(request: Request) -> Viewer:
        user = require_user(request)
        if not user.has_role(role):
            raise HTTPException(403, f"Only a {role} can do that.")
        return user

    return dependency


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


# --- sessions -------------------------------------------------------------------------------

_last_purge: dict[int, datetime] = {}


def _purge(session: Session) -> None:
    """Now and then, delete expired sessions and old throttling rows."""
    key = id(session.get_bind())
    now = utcnow()
    if now - _last_purge.get(key, now - PURGE_EVERY * 2) < PURGE_EVERY:
        return
    _last_purge[key] = now
    session.execute(delete(UserSession).where(UserSession.expires_at < now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - timedelta(days=1)))
    purge_rate_events(session)


def start_session(session: Session, auth: Auth, user: User, user_agent: str = "") -> None:
    """Replace the request's session (if any) with a brand-new one for `user`.

    The old session row is deleted: an id known before login is useless after it.
    """
    if auth.session_id:
        session.execute(delete(UserSession).where(UserSession.id == auth.session_id))
    token = make_token()
    now = utcnow()
    lifetime = USER_SESSION_LIFETIME
    row = UserSession(
        id=token_hash(token),
        user_id=user.id,
        csrf_secret=secrets.token_hex(32),
        created_at=now,
        expires_at=now + lifetime,
        user_agent=user_agent[:256] or None,
    )
    session.add(row)
    _purge(session)
    auth.session_id = row.id
    auth.csrf_secret = row.csrf_secret
    auth.user = Viewer.of(user)
    auth.set_cookie = (token, int(lifetime.total_seconds()))
    auth.clear_cookie = False
    auth._csrf = None


def end_session(session: Session, auth: Auth) -> None:
    if auth.session_id:
        session.execute(delete(UserSession).where(UserSession.id == auth.session_id))
    auth.session_id = auth.csrf_secret = None
    auth.user = None
    auth.set_cookie = None
    auth.clear_cookie = True
    auth._csrf = None


def end_user_sessions(session: Session, user_id: int) -> None:
    """Log a user out everywhere (after a ban or a password change)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def load_session(engine: Engine, auth: Auth, token: str) -> None:
    """Fill `auth` from the session cookie's token; an unknown/expired token clears the cookie.

    Reads only (expired rows are purged later, by a write): a GET never waits for a writer.
    """
    if len(token) > 128:
        auth.clear_cookie = True
        return
    sid = token_hash(token)
    with session_scope(engine) as session:
        row = session.execute(
            select(UserSession, User)
            .outerjoin(User, User.id == UserSession.user_id)
            .where(UserSession.id == sid)
        ).first()
        if row is None:
            auth.clear_cookie = True
            return
        sess, user = row
        expired = sess.expires_at <= utcnow()
        if expired or (sess.user_id is not None and (user is None or user.banned_at is not None)):
            auth.clear_cookie = True
            return
        auth.session_id = sid
        auth.csrf_secret = sess.csrf_secret
        auth.user = Viewer.of(user) if user is not None else None


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page; an anonymous visitor gets a CSRF cookie."""
    auth = get_auth(request)
    if auth.csrf_secret is None:
        auth.csrf_secret = auth.new_csrf_cookie = secrets.token_hex(32)
    if auth._csrf is None:
        auth._csrf = make_csrf_token(auth.secret_key, auth.csrf_secret)
    return auth._csrf


def csrf_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, csrf_token(request)
    )


# --- the middleware -------------------------------------------------------------------------


def _cookie_headers(auth: Auth) -> list[tuple[bytes, bytes]]:
    attrs = "Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if auth.secure else "")
    cookies: list[str] = []
    if auth.set_cookie is not None:
        token, max_age = auth.set_cookie
        age = f"; Max-Age={max_age}" if max_age else ""
        cookies.append(f"{SESSION_COOKIE}={token}; {attrs}{age}")
    elif auth.clear_cookie:
        cookies.append(f"{SESSION_COOKIE}=; {attrs}; Max-Age=0")
    if auth.new_csrf_cookie is not None and auth.session_id is None:
        cookies.append(f"{CSRF_COOKIE}={auth.new_csrf_cookie}; {attrs}")
    return [(b"set-cookie", cookie.encode()) for cookie in cookies]


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


class ReadersMiddleware:
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
                problem, receive = await self._check_csrf(scope, receive, headers, auth)
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

    async def _check_csrf(
        self, scope: Scope, receive: Receive, headers: Headers, auth: Auth
    ) -> tuple[tuple[int, str] | None, Receive]:
        site = headers.get("sec-fetch-site", "").lower()
        if site in ("cross-site", "same-site"):
            return (403, "Requests from other sites are not accepted."), receive
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
        if not check_csrf_token(auth.secret_key, auth.csrf_secret, token):
            return (403, "This form has expired or was forged. Reload the page and try again."), (
                receive
            )
        return None, receive

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


# --- users ----------------------------------------------------------------------------------


class UserError(ValueError):
    """A user could not be created or changed; the message is for people."""


def _new_user(session: Session, username: str, password: str, role: str) -> User:
    username = username.strip()
    problem = username_problem(username) or password_problem(password, username)
    if problem:
        raise UserError(problem)
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    key = username_key(username)
    password_hash = hash_password(password)  # first: a taken name answers no faster
    if session.scalar(select(User.id).where(User.username_key == key)) is not None:
        raise UserError("That username is taken.")
    user = User(
        username=username,
        username_key=key,
        password_hash=password_hash,
        role=role,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def create_user(engine: Engine, username: str, password: str, role: str = "reader") -> int:
    """Create an account; returns its id. Raises UserError (a ValueError) with a readable reason.

    For `newsdesk users create [--admin] NAME`.
    """
    try:
        with session_scope(engine) as session:
            return _new_user(session, username, password, role).id
    except IntegrityError as exc:  # a concurrent registration took the name
        raise UserError("That username is taken.") from exc


def set_password(engine: Engine, username: str, password: str) -> None:
    """Reset a password (operator tool); logs the user out everywhere."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username_key == username_key(username)))
        if user is None:
            raise UserError(f"There is no user {username!r}.")
        problem = password_problem(password, user.username)
        if problem:
            raise UserError(problem)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        end_user_sessions(session, user.id)


def set_role(engine: Engine, username: str, role: str) -> None:
    if role not in ROLES:
        raise UserError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username_key == username_key(username)))
        if user is None:
            raise UserError(f"There is no user {username!r}.")
        user.role = role


def set_banned(session: Session, user: User, banned: bool, reason: str | None = None) -> None:
    """Ban (logging the user out everywhere) or unban."""
    if banned:
        user.banned_at = user.banned_at or utcnow()
        user.ban_reason = (reason or "")[:512] or None
        end_user_sessions(session, user.id)
    else:
        user.banned_at = None
        user.ban_reason = None


# --- login throttling -----------------------------------------------------------------------


def login_wait(session: Session, key: str, ip: str, limits: Limits) -> int:
    """Seconds before another login attempt for account `key` from `ip` is allowed (0: now).

    Failures count per account since its last successful login, and per client address.
    """
    now = utcnow()
    wait = 0
    account, per_ip = limits.login_per_account, limits.login_per_ip
    since = now - timedelta(seconds=account.seconds)
    last_ok = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username_key == key, LoginAttempt.success.is_(True)
        )
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    for limit, column, value, start in (
        (account, LoginAttempt.username_key, key, since),
        (per_ip, LoginAttempt.ip_hash, ip, now - timedelta(seconds=per_ip.seconds)),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(LoginAttempt.created_at)).where(
                column == value, LoginAttempt.success.is_(False), LoginAttempt.created_at > start
            )
        ).one()
        if count >= limit.count and oldest is not None:
            wait = max(wait, retry_after(oldest, limit, now))
    return wait


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# --- pages ----------------------------------------------------------------------------------

router = APIRouter()
NextField = Annotated[str, Form(max_length=2000)]


def _account_form(
    request: Request,
    template: str,
    status: int = 200,
    error: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("username", "")
    context.setdefault("next", safe_next(request.query_params.get("next")))
    return render(request, template, {"error": error, **context}, status, headers)


@router.get("/login", response_class=HTMLResponse, name="login")
def login_page(request: Request) -> HTMLResponse:
    return _account_form(request, "readers/login.html")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: NextField = "/",
) -> Response:
    auth = get_auth(request)
    target = safe_next(next)
    key = username_key(username)[:64]
    ip = client_hash(request)
    with session_scope(engine_of(request)) as session:
        wait = login_wait(session, key, ip, limits_of(request))
    if wait:
        log.warning("login throttled for %r", key)
        return _account_form(
            request,
            "readers/login.html",
            429,
            f"Too many failed log-in attempts. Try again in {_minutes(wait)}.",
            {"Retry-After": str(wait)},
            username=username,
            next=target,
        )
    error: tuple[int, str] | None = None
    with session_scope(engine_of(request)) as session:
        user = session.scalar(select(User).where(User.username_key == key)) if key else None
        ok, rehash = verify_password(user.password_hash if user else None, password)
        session.add(LoginAttempt(username_key=key, ip_hash=ip, success=ok, created_at=utcnow()))
        if not ok or user is None:
            log.info("failed login for %r", key)
            error = (400, LOGIN_FAILED)
        elif user.banned_at is not None:
            error = (403, "This account has been suspended.")
        else:
            if rehash:
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            start_session(session, auth, user, request.headers.get("user-agent", ""))
    if error:
        return _account_form(
            request, "readers/login.html", error[0], error[1], username=username, next=target
        )
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    with session_scope(engine_of(request)) as session:
        end_session(session, get_auth(request))
    return RedirectResponse("/", status_code=303)


@router.get("/register", response_class=HTMLResponse, name="register")
def register_page(request: Request) -> HTMLResponse:
    return _account_form(request, "readers/register.html")


@router.post("/register", response_class=HTMLResponse)
def register(
    request: Request,
    username: Annotated[str, Form(max_length=256)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    password2: Annotated[str, Form(max_length=4096)] = "",
    next: NextField = "/",
) -> Response:
    auth = get_auth(request)
    target = safe_next(next)
    subject = f"ip:{client_hash(request)}"

    def again(status: int, error: str, headers: dict[str, str] | None = None) -> HTMLResponse:
        return _account_form(
            request, "readers/register.html", status, error, headers, username=username, next=target
        )

    if password != password2:
        return again(400, "The two passwords are different.")
    limits = limits_of(request)
    with session_scope(engine_of(request)) as session:
        # Every attempt counts, not only the accounts made: "That username is taken." answers
        # a few guesses an hour from one address, not a list of names.
        wait = rate_check(session, "register", subject, limits.register_per_ip) or rate_check(
            session, "register-attempt", subject, limits.register_attempts_per_ip
        )
        if not wait:
            rate_record(session, "register-attempt", subject)
    if wait:
        return again(
            429,
            f"Too many sign-up attempts from your address. Try again in {_minutes(wait)}.",
            {"Retry-After": str(wait)},
        )
    try:
        with session_scope(engine_of(request)) as session:
            user = _new_user(session, username, password, "reader")
            rate_record(session, "register", subject)
            user.last_login_at = utcnow()
            start_session(session, auth, user, request.headers.get("user-agent", ""))
    except UserError as exc:
        return again(400, str(exc))
    except IntegrityError:
        return again(400, "That username is taken.")
    log.info("new reader %r", user.username)
    return RedirectResponse(target, status_code=303)


@router.get("/account/password", response_class=HTMLResponse, name="password")
def password_page(request: Request) -> Response:
    if current_user(request) is None:
        return login_redirect(request)
    done = request.query_params.get("done") == "1"
    return render(request, "readers/password.html", {"error": None, "done": done})


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=4096)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    password2: Annotated[str, Form(max_length=4096)] = "",
) -> Response:
    auth = get_auth(request)
    viewer = require_user(request)
    ip = client_hash(request)
    key = username_key(viewer.username)

    def again(status: int, error: str, headers: dict[str, str] | None = None) -> HTMLResponse:
        ctx = {"error": error, "done": False}
        return render(request, "readers/password.html", ctx, status, headers)

    with session_scope(engine_of(request)) as session:
        wait = login_wait(session, key, ip, limits_of(request))
    if wait:
        return again(
            429,
            f"Too many wrong passwords. Try again in {_minutes(wait)}.",
            {"Retry-After": str(wait)},
        )
    if password != password2:
        return again(400, "The two new passwords are different.")
    problem = password_problem(password, viewer.username)
    if problem:
        return again(400, problem)
    wrong = False
    with session_scope(engine_of(request)) as session:
        user = session.get(User, viewer.id)
        assert user is not None
        ok, _ = verify_password(user.password_hash, current)
        if not ok:
            session.add(
                LoginAttempt(username_key=key, ip_hash=ip, success=False, created_at=utcnow())
            )
            wrong = True
        else:
            user.password_hash = hash_password(password)
            user.password_changed_at = utcnow()
            end_user_sessions(session, user.id)
            auth.session_id = None  # already deleted with the others
            start_session(session, auth, user, request.headers.get("user-agent", ""))
    if wrong:
        return again(400, "Your current password is not right.")
    return RedirectResponse("/account/password?done=1", status_code=303)
