"""The account pages: log in, log out, register, change the password.

Failed logins are throttled per account and per client IP (newsdesk.accounts.login_wait);
unknown users and wrong passwords look and time the same.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsdesk.accounts import (
    UserError,
    end_user_sessions,
    login_wait,
    new_user,
    password_problem,
    username_key,
)
from newsdesk.security import hash_password, rate_check, rate_record, safe_next, verify_password
from newsdesk.store.db import session_scope
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import LoginAttempt, User
from newsdesk.web.request import (
    TurnRoute,
    client_hash,
    engine_of,
    limits_of,
    login_redirect,
    render,
)
from newsdesk.web.sessions import (
    current_user,
    end_session,
    get_auth,
    require_user,
    start_session,
)

log = logging.getLogger("newsdesk.auth")

router = APIRouter(route_class=TurnRoute)
NextField = Annotated[str, Form(max_length=2000)]
LOGIN_FAILED = "Wrong username or password."


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


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
            user = new_user(session, username, password, "reader")
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
