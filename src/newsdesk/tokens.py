"""API tokens: bearer tokens for the JSON API, Google Reader app passwords, private feed URLs.

A token is shown once, when it is made; the database keeps only its SHA-256
(newsdesk.security.token_hash), so a leaked database does not leak working tokens.

Scopes (ApiToken.scope):
- "api": `Authorization: Bearer <token>` on /api/v1, and `GoogleLogin auth=<token>` on the
  Google Reader API;
- "greader": a Google Reader "app password": the Passwd of /accounts/ClientLogin, or the
  GoogleLogin auth value itself;
- "feed": the secret in a private feed URL (/feeds/starred/<token>.atom); nothing else;
- "fever": a Fever API password (web/fever.py). Fever apps send md5("username:password"),
  so this row keeps the SHA-256 of that key (`fever_key`), not of the token itself.

Google Reader clients that log in with the account password get a derived token instead
("<user id>/<HMAC>"), which stops working when the password changes.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.accounts import Viewer
from newsdesk.security import new_token, token_hash
from newsdesk.store.db import session_scope
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import TOKEN_SCOPES, ApiToken, User

MAX_TOKEN_CHARS = 256
MAX_NAME_CHARS = 128
# last_used_at is refreshed at most this often (not a write on every request)
TOUCH_EVERY = timedelta(minutes=5)
# Scopes each surface accepts.
API_SCOPES = frozenset({"api"})
GREADER_SCOPES = frozenset({"api", "greader"})
FEED_SCOPES = frozenset({"feed"})
FEVER_SCOPES = frozenset({"fever"})


class TokenError(ValueError):
    """A token could not be made; the message is for people."""


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed to its owner (never the secret itself)."""

    id: int
    name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenInfo:
        return cls(row.id, row.name, row.scope, row.created_at, row.last_used_at, row.expires_at)


def _clean_name(name: str) -> str:
    return " ".join(name.split())[:MAX_NAME_CHARS]


def fever_key(username: str, secret: str) -> str:
    """The Fever API key of a user and token: md5 of "username:token" in hex, as Fever apps
    compute it from the username and password typed into them (md5 is the protocol's)."""
    return hashlib.md5(f"{username}:{secret}".encode(), usedforsecurity=False).hexdigest()


def issue_token(
    session: Session,
    user_id: int,
    name: str,
    scope: str = "api",
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """Make a token in `session` (flushed, not committed); returns (secret, row)."""
    if scope not in TOKEN_SCOPES:
        raise TokenError(f"Unknown token scope {scope!r}: use one of {', '.join(TOKEN_SCOPES)}.")
    user = session.get(User, user_id)
    if user is None:
        raise TokenError(f"There is no user with id {user_id}.")
    secret = new_token()
    row = ApiToken(
        user_id=user_id,
        token_hash=token_hash(fever_key(user.username, secret) if scope == "fever" else secret),
        name=_clean_name(name) or scope,
        scope=scope,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return secret, row


def create_api_token(engine: Engine, user_id: int, name: str, scope: str = "api") -> str:
    """Create a token for `user_id` and return it (the only time it can be seen).

    For `newsdesk tokens create USER NAME`. Raises TokenError (a ValueError) with a readable
    reason for an unknown user or scope.
    """
    with session_scope(engine) as session:
        secret, _ = issue_token(session, user_id, name, scope)
    return secret


def list_tokens(session: Session, user_id: int) -> list[TokenInfo]:
    """The user's tokens that still work, newest first."""
    now = utcnow()
    rows = session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [TokenInfo.of(r) for r in rows if r.expires_at is None or r.expires_at > now]


def revoke_token(session: Session, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; False if they have no such (working) token."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


def resolve_token(session: Session, secret: str, scopes: frozenset[str]) -> Viewer | None:
    """The user a token belongs to, if it is valid for one of `scopes` (and the user may log in)."""
    if not secret or len(secret) > MAX_TOKEN_CHARS:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    now = utcnow()
    if row is None or row.scope not in scopes or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.banned_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
    return Viewer.of(user)


# --- Google Reader login tokens ------------------------------------------------------------


def _derived_mac(secret_key: str, user: User) -> str:
    message = f"greader|{user.id}|{user.password_hash}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def derived_login_token(secret_key: str, user: User) -> str:
    """The ClientLogin Auth value of a password login: '<user id>/<HMAC of id and hash>'.

    Deterministic (every login gets the same one, nothing is stored) and void once the
    password (hence its hash) changes."""
    return f"{user.id}/{_derived_mac(secret_key, user)}"


def resolve_login_token(session: Session, secret_key: str, value: str) -> Viewer | None:
    """The user of a GoogleLogin auth value: a derived login token or a greader/api token."""
    if not value or len(value) > MAX_TOKEN_CHARS:
        return None
    uid, sep, mac = value.partition("/")
    if sep and uid.isdigit() and len(uid) <= 10:
        user = session.get(User, int(uid))
        if user is None or user.banned_at is not None:
            return None
        if hmac.compare_digest(mac, _derived_mac(secret_key, user)):
            return Viewer.of(user)
        return None
    return resolve_token(session, value, GREADER_SCOPES)
