"""Who is asking: server-side sessions of logged-in readers, and their cookie.

- The session cookie holds a random token; the database stores only its SHA-256 (sessions.id).
  Cookies are HttpOnly, SameSite=Lax, and Secure on HTTPS or with settings.secure_cookies.
- Logging in (or registering, or changing the password) always starts a new session and
  deletes the old one, so a session id planted before login is worthless afterwards.
- Each request's state is an `Auth` at request.state.auth, filled by
  newsdesk.web.csrf.CsrfMiddleware (which also checks CSRF and sends the cookies).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import HTTPException, Request
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.accounts import Viewer
from newsdesk.security import new_token, purge_rate_events, token_hash
from newsdesk.store.db import session_scope
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import LoginAttempt, User, UserSession

SESSION_COOKIE = "newsdesk_session"
USER_SESSION_LIFETIME = timedelta(days=30)
PURGE_EVERY = timedelta(minutes=10)

# --- who is asking --------------------------------------------------------------------------


@dataclass
class Auth:
    """Per-request authentication state, at request.state.auth (set by CsrfMiddleware)."""

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
        raise RuntimeError("CsrfMiddleware is not installed (see newsdesk.web.app)")
    return auth


def current_user(request: Request) -> Viewer | None:
    return get_auth(request).user


def require_user(request: Request) -> Viewer:
    user = current_user(request)
    if user is None:
        raise HTTPException(403, "Log in first.")
    return user


# --- session rows ---------------------------------------------------------------------------

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
    token = new_token()
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


# --- the cookie -----------------------------------------------------------------------------


def cookie_attributes(auth: Auth) -> str:
    """The attributes of every cookie we send (the session's and the anonymous CSRF one)."""
    return "Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if auth.secure else "")


def session_cookie(auth: Auth) -> str | None:
    """The Set-Cookie value for the session cookie this response must send, if any."""
    attrs = cookie_attributes(auth)
    if auth.set_cookie is not None:
        token, max_age = auth.set_cookie
        age = f"; Max-Age={max_age}" if max_age else ""
        return f"{SESSION_COOKIE}={token}; {attrs}{age}"
    if auth.clear_cookie:
        return f"{SESSION_COOKIE}=; {attrs}; Max-Age=0"
    return None
