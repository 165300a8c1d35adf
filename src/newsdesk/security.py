"""Security primitives: password hashing, random tokens, the secret key, rate limits, safe
redirects.

No FastAPI here: the command line (newsdesk.accounts) and the web app both use it. CSRF tokens
are in newsdesk.web.csrf, the username and password rules in newsdesk.accounts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import RateEvent

SECRET_KEY_FILE = "secret_key"

# --- passwords ------------------------------------------------------------------------------

# argon2id with the library's defaults (RFC 9106 "low memory": t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()
_dummy_hash: tuple[PasswordHasher, str] | None = None


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the password hasher (tests use cheap parameters); returns the previous one.

    Hashes made with other parameters still verify and are upgraded at the next login.
    """
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None or _dummy_hash[0] is not _hasher:
        _dummy_hash = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy_hash[1]


def warm_up() -> None:
    """Make the dummy hash now, so that the first unknown-user login is not faster."""
    _dummy()


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). With no stored hash (unknown user) a dummy hash is verified
    instead, so that unknown users and wrong passwords take the same time."""
    candidate = stored_hash or _dummy()
    try:
        _hasher.verify(candidate, password)
    except (VerificationError, InvalidHashError):
        return False, False
    if stored_hash is None:
        return False, False
    return True, _hasher.check_needs_rehash(stored_hash)


# --- tokens ---------------------------------------------------------------------------------


def new_token() -> str:
    """A random secret for a cookie, an API token or a private feed URL (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database stores for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def ip_hash(secret_key: str, ip: str) -> str:
    """A keyed hash of a client IP address: lets us count per client without storing the IP."""
    return hmac.new(secret_key.encode(), ip.encode(), hashlib.sha256).hexdigest()


# --- the secret key -------------------------------------------------------------------------


def ensure_secret_key(settings: Settings) -> str:
    """settings.secret_key, or the key persisted in data_dir/secret_key (created, mode 0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


# --- rate limits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


@dataclass(frozen=True)
class Limits:
    """Every throttle of the readers features. Replace app.state.reader_limits to change them."""

    login_per_account: Limit = Limit(5, 15 * 60)  # failures
    login_per_ip: Limit = Limit(20, 15 * 60)  # failures
    register_per_ip: Limit = Limit(5, 60 * 60)  # accounts made
    register_attempts_per_ip: Limit = Limit(10, 60 * 60)  # tries, failed ones included
    comment_per_user: tuple[Limit, ...] = (Limit(5, 60), Limit(30, 60 * 60))
    comment_per_ip: tuple[Limit, ...] = (Limit(10, 60), Limit(60, 60 * 60))
    report_per_user: tuple[Limit, ...] = (Limit(20, 60 * 60),)


def retry_after(oldest: datetime, limit: Limit, now: datetime) -> int:
    """Seconds until the oldest counted event leaves the window."""
    return max(1, int((oldest + timedelta(seconds=limit.seconds) - now).total_seconds()) + 1)


def rate_check(
    session: Session, action: str, subject: str, limits: tuple[Limit, ...] | Limit
) -> int:
    """0 if `subject` may do `action` now, else the seconds to wait (it is over a limit)."""
    now = utcnow()
    wait = 0
    for limit in limits if isinstance(limits, tuple) else (limits,):
        since = now - timedelta(seconds=limit.seconds)
        count, oldest = session.execute(
            select(func.count(), func.min(RateEvent.created_at)).where(
                RateEvent.action == action,
                RateEvent.subject == subject,
                RateEvent.created_at > since,
            )
        ).one()
        if count >= limit.count and oldest is not None:
            wait = max(wait, retry_after(oldest, limit, now))
    return wait


def rate_record(session: Session, action: str, *subjects: str) -> None:
    now = utcnow()
    session.add_all(RateEvent(action=action, subject=s, created_at=now) for s in subjects)


def purge_rate_events(session: Session, older_than: timedelta = timedelta(days=1)) -> None:
    session.execute(delete(RateEvent).where(RateEvent.created_at < utcnow() - older_than))


# --- redirects ------------------------------------------------------------------------------


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 0x20 or ch in "\\\x7f" for ch in target):
        return default
    return target
