"""Reader accounts under attack: CSRF, session fixation, brute force, enumeration, IDOR, bans,
XSS in comments and comment flooding. Real app, real SQLite, FastAPI's TestClient; no mocks."""

from __future__ import annotations

import base64
import contextlib
import re
import secrets
import statistics
import time
from dataclasses import replace

import httpx
import lxml.html
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from newsdesk.security import Limit, token_hash, use_hasher
from newsdesk.store import session_scope
from newsdesk.store.models_readers import Comment, LoginAttempt, User, UserSession
from newsdesk.web.app import SECURITY_HEADERS
from newsdesk.web.csrf import CSRF_COOKIE
from newsdesk.web.sessions import SESSION_COOKIE
from newsdesk.web.templating import static_url

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .readers_support import (
        PASSWORD,
        _fast_hashing,
        app,
        article_id,
        client,
        comment_id_from,
        csrf_of,
        engine,
        login,
        new_client,
        page_token,
        post_comment,
        users,
    )
except ImportError:
    from readers_support import (  # type: ignore[no-redef]  # noqa: F401
        PASSWORD,
        _fast_hashing,
        app,
        article_id,
        client,
        comment_id_from,
        csrf_of,
        engine,
        login,
        new_client,
        page_token,
        post_comment,
        users,
    )

# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_missing_forged_and_valid(
    client: TestClient, users: dict[str, int], article_id: int
) -> None:
    assert login(client, "alice").status_code == 303
    url = f"/articles/{article_id}/comments"
    token = page_token(client, f"/articles/{article_id}")

    missing = client.post(url, data={"body": "no token"})
    assert missing.status_code == 403
    assert "forged" in missing.text or "expired" in missing.text
    for key, value in SECURITY_HEADERS.items():  # the refusal page keeps the headers
        assert missing.headers[key] == value

    forged = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    # one character of the MAC changed (the last characters carry padding bits: a token
    # ending in "AA" stayed itself when they were replaced by "AA", once in about 1,000 runs)
    tampered = token[:-5] + ("B" if token[-5] != "B" else "C") + token[-4:]
    for bad in [forged, tampered, "", "x" * 500, "%%%"]:
        r = client.post(url, data={"body": "forged", "csrf_token": bad})
        assert r.status_code == 403, bad

    # a genuine token of another session is just as useless
    with new_client(client.app) as other:  # type: ignore[arg-type]
        login(other, "bob")
        bobs = page_token(other, f"/articles/{article_id}")
    assert client.post(url, data={"body": "x", "csrf_token": bobs}).status_code == 403

    # a valid token from another site (Sec-Fetch-Site) is refused too
    cross = client.post(
        url, data={"body": "x", "csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403

    ok = client.post(url, data={"body": "valid", "csrf_token": token})
    assert ok.status_code == 303
    # the header works as well as the form field (for scripts)
    ok2 = client.post(url, data={"body": "valid too"}, headers={"X-CSRF-Token": token})
    assert ok2.status_code == 303
    with session_scope(client.app.state.engine) as s:  # type: ignore[attr-defined]
        assert [c.body_markdown for c in s.scalars(select(Comment))] == ["valid", "valid too"]


def test_csrf_guards_login_logout_and_multipart(client: TestClient, users: dict[str, int]) -> None:
    # login CSRF: no session, no token -> refused (an attacker can't log you into their account)
    r = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert r.status_code == 403
    token = page_token(client, "/login")
    r = client.post(
        "/login",
        files={"username": (None, "alice"), "password": (None, PASSWORD)},
        data={"csrf_token": "forged"},
    )
    assert r.status_code == 403
    r = client.post(
        "/login",
        files={"username": (None, "alice"), "password": (None, PASSWORD)},
        data={"csrf_token": token},
    )
    assert r.status_code == 303  # multipart forms carry the token too
    assert client.post("/logout").status_code == 403  # a forged logout link does nothing
    assert client.get("/account/password").status_code == 200


def test_token_authenticated_requests_skip_csrf_but_never_use_the_cookie(
    client: TestClient, users: dict[str, int], article_id: int
) -> None:
    login(client, "alice")
    # the session cookie is ignored when an Authorization token is sent: no CSRF to exempt
    r = client.post(
        f"/articles/{article_id}/comments",
        data={"body": "via token?"},
        headers={"Authorization": "Bearer not-a-real-token"},
    )
    assert r.status_code == 403
    assert "Log in" in r.text


# --- sessions -------------------------------------------------------------------------------


def test_session_fixation_new_id_at_login(
    app: FastAPI, users: dict[str, int], article_id: int
) -> None:
    # A session id planted before login (here: the attacker's own) is replaced at login.
    with new_client(app) as victim:  # a browser that holds the attacker's session
        login(victim, "bob")
        planted = victim.cookies[SESSION_COOKIE]
        login_page = victim.get("/login")
        token_before = csrf_of(login_page.text)
        r = victim.post(
            "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token_before}
        )
        assert r.status_code == 303
        after = victim.cookies[SESSION_COOKIE]
        assert after != planted and "HttpOnly" in r.headers["set-cookie"]
        with session_scope(app.state.engine) as s:
            assert s.get(UserSession, token_hash(planted)) is None  # the old row is gone
            assert s.get(UserSession, token_hash(after)).user_id == users["alice"]
            assert all(len(sid) == 64 for sid in s.scalars(select(UserSession.id)))

    # an attacker holding the planted id gets nothing
    with new_client(app, cookies={SESSION_COOKIE: planted}) as attacker:
        page = attacker.get(f"/articles/{article_id}")
        assert "alice" not in page.text and "bob" not in page.text
        assert 'action="/logout"' not in page.text
        cleared = [c for c in page.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)]
        assert cleared and cleared[0].startswith(f"{SESSION_COOKIE}=;")
        assert "Max-Age=0" in cleared[0]
        r = attacker.post(
            f"/articles/{article_id}/comments", data={"body": "x", "csrf_token": token_before}
        )
        assert r.status_code == 403
    # ... while the real session works
    with new_client(app, cookies={SESSION_COOKIE: after}) as owner:
        assert "alice" in owner.get(f"/articles/{article_id}").text


def test_anonymous_pages_write_nothing_and_their_forms_work(
    app: FastAPI, users: dict[str, int], article_id: int
) -> None:
    # Reading never writes: an anonymous visitor's CSRF token is tied to a cookie, not a row.
    with new_client(app) as visitor:
        for path in ("/login", "/register", f"/articles/{article_id}", "/"):
            page = visitor.get(path)
            assert page.status_code == 200
            assert SESSION_COOKIE not in visitor.cookies
        with session_scope(app.state.engine) as s:
            assert list(s.scalars(select(UserSession.id))) == []
        cookie = visitor.cookies[CSRF_COOKIE]
        assert "HttpOnly" in visitor.get("/login").headers.get("set-cookie", "HttpOnly")
        r = login(visitor, "alice")
        assert r.status_code == 303 and SESSION_COOKIE in visitor.cookies
    # the token of one visitor's cookie does not work with another's (or with none)
    with new_client(app) as other:
        token = csrf_of(other.get("/login").text)
    with new_client(app, cookies={CSRF_COOKIE: cookie}) as forger:
        r = forger.post(
            "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
        )
        assert r.status_code == 403
    with new_client(app) as cookieless:
        r = cookieless.post(
            "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token}
        )
        assert r.status_code == 403


def test_logout_and_password_change_kill_sessions(app: FastAPI, users: dict[str, int]) -> None:
    with new_client(app) as laptop, new_client(app) as phone:
        login(laptop, "alice")
        login(phone, "alice")
        old_phone = phone.cookies[SESSION_COOKIE]
        token = page_token(laptop, "/account/password")
        new_password = "a brand new passphrase"
        r = laptop.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "password": new_password,
                "password2": new_password,
                "csrf_token": token,
            },
        )
        assert r.status_code == 303
        assert "password was changed" in laptop.get(r.headers["location"]).text
        assert 'action="/logout"' not in phone.get("/").text  # logged out everywhere else
        assert phone.cookies.get(SESSION_COOKIE) != old_phone
        assert login(phone, "alice").status_code == 400
        assert login(phone, "alice", new_password).status_code == 303
        session_cookie = laptop.cookies[SESSION_COOKIE]
        laptop.post("/logout", data={"csrf_token": page_token(laptop, "/")})
    with new_client(app, cookies={SESSION_COOKIE: session_cookie}) as replay:
        assert 'action="/logout"' not in replay.get("/").text


def test_session_cookie_attributes(app: FastAPI, users: dict[str, int]) -> None:
    with new_client(app) as plain:
        r = login(plain, "alice")
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Max-Age=2592000" in cookie and "Secure" not in cookie
        assert plain.get("/").headers["cache-control"] == "private, no-store"
    with new_client(app, base_url="https://testserver") as tls:
        assert "; Secure" in login(tls, "alice").headers["set-cookie"]
    app.state.settings = app.state.settings.with_(secure_cookies=True)
    with new_client(app) as proxied:
        assert "; Secure" in proxied.get("/login").headers["set-cookie"]


def test_open_redirects_refused(client: TestClient, users: dict[str, int]) -> None:
    for evil in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]:
        token = page_token(client, "/login")
        r = client.post(
            "/login",
            data={"username": "alice", "password": PASSWORD, "csrf_token": token, "next": evil},
        )
        assert r.status_code == 303
        assert r.headers["location"] == "/"
        client.post("/logout", data={"csrf_token": page_token(client, "/")})
    token = page_token(client, "/login")
    r = client.post(
        "/login",
        data={"username": "alice", "password": PASSWORD, "csrf_token": token, "next": "/search"},
    )
    assert r.headers["location"] == "/search"


# --- brute force and enumeration ------------------------------------------------------------


def test_login_throttled_per_account(app: FastAPI, users: dict[str, int]) -> None:
    with new_client(app) as client:
        for _ in range(5):
            assert login(client, "alice", "wrong password").status_code == 400
        r = login(client, "alice")  # even the right password, while locked
        assert r.status_code == 429
        assert 60 < int(r.headers["retry-after"]) <= 15 * 60 + 1
        assert "Too many failed log-in attempts" in r.text
        assert login(client, "ALICE").status_code == 429  # usernames are case-insensitive
        assert login(client, "bob").status_code == 303  # other accounts are not locked
    with session_scope(app.state.engine) as s:
        attempts = s.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        assert [a.success for a in attempts] == [False] * 5 + [True]  # locked tries not counted
        assert all(len(a.ip_hash) == 64 and "testclient" not in a.ip_hash for a in attempts)


def test_login_throttled_per_ip(app: FastAPI, users: dict[str, int]) -> None:
    app.state.reader_limits = replace(app.state.reader_limits, login_per_ip=Limit(6, 900))
    with new_client(app) as client:
        for i in range(6):  # a password-spraying run: one try per account
            assert login(client, f"user{i}", "password1").status_code == 400
        r = login(client, "bob")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
    # the throttle is per client address: the same account from elsewhere still works
    with new_client(app, client=("203.0.113.9", 50000)) as elsewhere:
        assert login(elsewhere, "bob").status_code == 303


def _masked(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_unknown_user_and_wrong_password_look_the_same(
    client: TestClient, users: dict[str, int]
) -> None:
    unknown = login(client, "nobody-here", "wrong password")
    wrong = login(client, "alice", "wrong password")
    assert unknown.status_code == wrong.status_code == 400
    assert "Wrong username or password." in wrong.text
    unknown_page = _masked(unknown.text).replace("nobody-here", "NAME")
    wrong_page = _masked(wrong.text).replace("alice", "NAME")
    assert unknown_page == wrong_page
    assert unknown.headers.keys() == wrong.headers.keys()


def test_unknown_user_takes_as_long_as_wrong_password(
    client: TestClient, engine: Engine, users: dict[str, int]
) -> None:
    """Both verify an argon2id hash of the real cost (a dummy one for unknown users)."""
    real = PasswordHasher()
    previous = use_hasher(real)
    try:
        with session_scope(engine) as s:
            s.scalar(select(User).where(User.username == "bob")).password_hash = real.hash(PASSWORD)
        login(client, "warm-up", "x")

        def timed(username: str) -> float:
            start = time.perf_counter()
            assert login(client, username, "wrong password").status_code == 400
            return time.perf_counter() - start

        unknown = statistics.median(timed(f"ghost{i}") for i in range(3))
        wrong = statistics.median(timed("bob") for _ in range(3))
    finally:
        use_hasher(previous)
    assert wrong > 0.02  # a real argon2 verification happened
    # without the dummy hash an unknown user would answer ~50x faster; allow for a busy machine
    assert 1 / 3 < unknown / wrong < 3, (unknown, wrong)


def test_password_rehashed_when_parameters_change(
    client: TestClient, engine: Engine, users: dict[str, int]
) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=16 * 1024, parallelism=1)
    previous = use_hasher(stronger)
    try:
        assert login(client, "alice").status_code == 303
    finally:
        use_hasher(previous)
    with session_scope(engine) as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "alice"))
    assert stored.startswith("$argon2id$") and "m=16384,t=2,p=1" in stored


# --- authorization --------------------------------------------------------------------------


def test_cannot_edit_or_delete_someone_elses_comment(
    app: FastAPI, users: dict[str, int], article_id: int
) -> None:
    with new_client(app) as alice, new_client(app) as bob:
        login(alice, "alice")
        login(bob, "bob")
        cid = comment_id_from(post_comment(alice, article_id, "alice's words").headers["location"])
        token = page_token(bob, f"/articles/{article_id}")
        page = bob.get(f"/articles/{article_id}").text
        assert f'action="/comments/{cid}/edit"' not in page  # no edit form for bob...
        edit = bob.post(f"/comments/{cid}/edit", data={"body": "pwned", "csrf_token": token})
        delete = bob.post(f"/comments/{cid}/delete", data={"csrf_token": token})
        assert edit.status_code == 403 and delete.status_code == 403  # ...nor a way around it
        assert bob.post("/comments/99999/delete", data={"csrf_token": token}).status_code == 404
        for path in [
            f"/comments/{cid}/hide",
            "/admin/users/1/ban",
            f"/moderation/comments/{cid}/dismiss",
        ]:
            assert bob.post(path, data={"csrf_token": token}).status_code == 403, path
        assert bob.get("/moderation").status_code == 403
        assert bob.get("/admin/users").status_code == 403
        assert "alice&#39;s words" in alice.get(f"/articles/{article_id}").text
    with session_scope(app.state.engine) as s:
        comment = s.get(Comment, cid)
        assert comment.body_markdown == "alice's words" and comment.deleted_at is None


def test_banned_user_cannot_post_or_log_in(
    app: FastAPI, users: dict[str, int], article_id: int
) -> None:
    with new_client(app) as bob, new_client(app) as root:
        login(bob, "bob")
        token = page_token(bob, f"/articles/{article_id}")
        login(root, "root")
        r = root.post(
            f"/admin/users/{users['bob']}/ban",
            data={"csrf_token": page_token(root, "/admin/users"), "reason": "spam"},
        )
        assert r.status_code == 303
        r = bob.post(f"/articles/{article_id}/comments", data={"body": "hi", "csrf_token": token})
        assert r.status_code == 403
        r = login(bob, "bob")
        assert r.status_code == 403 and "suspended" in r.text
        assert login(bob, "bob", "wrong password").status_code == 400  # no hint without it
    # a ban made straight in the database (no session clean-up) is enforced as well
    with new_client(app) as alice:
        login(alice, "alice")
        token = page_token(alice, f"/articles/{article_id}")
        with session_scope(app.state.engine) as s:
            s.get(User, users["alice"]).banned_at = s.get(User, users["root"]).created_at
        r = alice.post(f"/articles/{article_id}/comments", data={"body": "hi", "csrf_token": token})
        assert r.status_code == 403
    with session_scope(app.state.engine) as s:
        assert s.scalars(select(Comment)).all() == []


# --- XSS ------------------------------------------------------------------------------------

XSS_VECTORS = [
    "<script>window.__xss=1</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=window.__xss=1>",
    "<svg/onload=window.__xss=1>",
    "<body onload=window.__xss=1>",
    "<iframe src=javascript:window.__xss=1></iframe>",
    '<a href="javascript:window.__xss=1">raw html link</a>',
    "[click](javascript:window.__xss=1)",
    "[click](JaVaScRiPt:window.__xss=1)",
    "[click](&#x6A;avascript:window.__xss=1)",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;window.__xss=1)",
    "[click](java\tscript:window.__xss=1)",
    "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '<https://ok.example/"onmouseover="window.__xss=1>',
    '<div style="background:url(javascript:window.__xss=1)">styled</div>',
    "<style>body{background:red}</style>",
    '<object data="javascript:window.__xss=1"></object><embed src="x.swf">',
    '<form action="javascript:window.__xss=1"><button>go</button></form>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
    '"><img src=x onerror=window.__xss=1>',
    "![img](javascript:window.__xss=1)",
    "`<script>window.__xss=1</script>` and **<b onclick=window.__xss=1>bold</b>**",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
]


def assert_inert(fragment: lxml.html.HtmlElement) -> None:
    bad_tags = {"script", "style", "iframe", "object", "embed", "svg", "math", "img", "form",
                "input", "button", "meta", "link", "base", "body", "div", "b"}  # fmt: skip
    for el in fragment.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        assert el.tag not in bad_tags, lxml.html.tostring(el)
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (name, value)
            assert name in ("href", "rel", "start"), (name, value)
            if name == "href":
                scheme = value.split(":", 1)[0].lower() if ":" in value else ""
                assert scheme in ("", "http", "https", "mailto"), value
                assert "javascript" not in value.lower()


def test_xss_vectors_render_inert(app: FastAPI, users: dict[str, int], article_id: int) -> None:
    app.state.reader_limits = replace(
        app.state.reader_limits, comment_per_user=(Limit(1000, 60),), comment_per_ip=()
    )
    with new_client(app) as alice:
        login(alice, "alice")
        for vector in XSS_VECTORS:
            assert post_comment(alice, article_id, vector).status_code == 303, vector
        html = alice.get(f"/articles/{article_id}").text
    doc = lxml.html.fromstring(html)
    bodies = doc.find_class("comment-text")
    assert len(bodies) == len(XSS_VECTORS)
    for body in bodies:
        assert_inert(body)
    # the whole page: only our own scripts, no inline handlers, no script URLs anywhere
    scripts = [s.get("src") for s in doc.iter("script")]
    assert scripts == [static_url("images.js"), static_url("comments.js")]
    for el in doc.body.iter():
        if isinstance(el.tag, str):
            assert not any(a.lower().startswith("on") for a in el.attrib), el.attrib
            for attr in ("href", "src", "action", "formaction"):
                assert (
                    not (el.get(attr) or "").lower().lstrip().startswith(("javascript:", "data:"))
                )
    links = [a for body in bodies for a in body.iter("a")]
    assert links and all(a.get("rel") == "nofollow ugc noopener" for a in links)
    assert "window.__xss=1" in html  # the text itself is kept, as text


def test_markdown_subset(client: TestClient, users: dict[str, int], article_id: int) -> None:
    login(client, "alice")
    text = (
        "Hello *there* and **you**, see `code` and [the docs](https://docs.example/a?b=1).\n\n"
        "> quoted\n\n- one\n- two\n\n3. three\n\n# not a heading"
    )
    post_comment(client, article_id, text)
    body = lxml.html.fromstring(client.get(f"/articles/{article_id}").text).find_class(
        "comment-text"
    )[0]
    html = lxml.html.tostring(body, encoding="unicode")
    for snippet in [
        "<em>there</em>",
        "<strong>you</strong>",
        "<code>code</code>",
        '<a href="https://docs.example/a?b=1" rel="nofollow ugc noopener">the docs</a>',
        "<blockquote>",
        "<li>one</li>",
        '<ol start="3">',
        "<p># not a heading</p>",
    ]:
        assert snippet in html, snippet


# --- flooding -------------------------------------------------------------------------------


def test_posting_is_rate_limited_per_user_and_per_ip(
    app: FastAPI, users: dict[str, int], article_id: int
) -> None:
    app.state.reader_limits = replace(
        app.state.reader_limits, comment_per_user=(Limit(3, 60),), comment_per_ip=(Limit(5, 60),)
    )
    with new_client(app) as alice, new_client(app) as bob:
        login(alice, "alice")
        login(bob, "bob")
        for i in range(3):
            assert post_comment(alice, article_id, f"comment {i}").status_code == 303
        r = post_comment(alice, article_id, "one too many")
        assert r.status_code == 429
        assert 0 < int(r.headers["retry-after"]) <= 61
        assert "one too many" in r.text  # the text is not lost
        assert "too fast" in r.text
        fetch = post_comment(alice, article_id, "again", headers={"X-Requested-With": "fetch"})
        assert fetch.status_code == 429 and fetch.headers["content-type"].startswith("text/plain")
        # bob shares alice's address: 2 more from it, then the per-IP limit
        assert post_comment(bob, article_id, "bob 1").status_code == 303
        assert post_comment(bob, article_id, "bob 2").status_code == 303
        assert post_comment(bob, article_id, "bob 3").status_code == 429
    with session_scope(app.state.engine) as s:
        assert len(s.scalars(select(Comment)).all()) == 5


def _register(client: TestClient, username: str) -> httpx.Response:
    token = page_token(client, "/register")
    return client.post(
        "/register",
        data={
            "username": username,
            "password": PASSWORD,
            "password2": PASSWORD,
            "csrf_token": token,
        },
    )


def test_registration_probes_are_limited_per_address(app: FastAPI, users: dict[str, int]) -> None:
    # Every attempt counts, failed ones included: a taken name is told only a few times an hour.
    limit = app.state.reader_limits.register_attempts_per_ip.count
    with new_client(app) as prober:
        answers = [_register(prober, "alice") for _ in range(limit)]
        assert all(r.status_code == 400 and "taken" in r.text for r in answers)
        refused = _register(prober, "alice")
        assert refused.status_code == 429 and "taken" not in refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert _register(prober, "a-free-name").status_code == 429  # a free name too


def test_a_taken_name_costs_as_much_as_a_free_one() -> None:
    # The password is hashed before the name is looked up (it was 15 ms vs 335 ms): the same
    # argon2 work either way, compared in CPU time so that it holds on any machine.
    from newsdesk.accounts import UserError, create_user
    from newsdesk.store import connect

    engine = connect("sqlite://")
    create_user(engine, "taken", PASSWORD)

    def cpu(name: str) -> float:
        start = time.process_time()
        with contextlib.suppress(UserError):
            create_user(engine, name, PASSWORD)
        return time.process_time() - start

    taken = min(cpu("taken") for _ in range(2))
    free = min(cpu(f"free{i}") for i in range(2))
    assert taken > 0.5 * free
