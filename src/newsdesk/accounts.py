"""Reader accounts: who is asking (Viewer), the username and password rules, making and
changing users, bans, and login throttling.

No FastAPI here: `newsdesk users ...`, newsdesk.tokens and the web app
(newsdesk.web.account_pages, newsdesk.web.moderation, the Google Reader login) share it.
Failed logins are counted in login_attempts, so every process sees them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.security import Limits, hash_password, retry_after
from newsdesk.store.db import session_scope
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import ROLES, LoginAttempt, User, UserSession

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{2,31}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}

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


# --- rules ----------------------------------------------------------------------------------


def username_key(username: str) -> str:
    """The case-insensitive form of a username, used for uniqueness and look-ups."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()


def username_problem(username: str) -> str | None:
    if not USERNAME_RE.fullmatch(username):
        return (
            "Usernames are 3 to 32 characters: letters, digits, '.', '_' and '-', "
            "starting with a letter or digit."
        )
    return None


def password_problem(password: str, username: str = "") -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"Passwords need at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Passwords can have at most {MAX_PASSWORD} characters."
    if username and username_key(password) == username_key(username):
        return "Your password cannot be your username."
    return None


# --- users ----------------------------------------------------------------------------------


class UserError(ValueError):
    """A user could not be created or changed; the message is for people."""


def new_user(session: Session, username: str, password: str, role: str) -> User:
    """Add an account in `session` (flushed, so it has an id). Raises UserError."""
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
            return new_user(session, username, password, role).id
    except IntegrityError as exc:  # a concurrent registration took the name
        raise UserError("That username is taken.") from exc


def end_user_sessions(session: Session, user_id: int) -> None:
    """Log a user out everywhere (after a ban or a password change)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


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
