"""Readers in a real browser: Debian's headless Chromium on the real app under uvicorn.

Register, log in, comment, reply, edit, delete (with and without JavaScript), moderation,
CSRF from another site, and XSS payloads that must stay inert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect

from newsdesk.accounts import create_user
from newsdesk.config import Settings
from newsdesk.security import Limit
from newsdesk.store import Article, connect, session_scope
from newsdesk.web import create_app

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .browser_support import BackgroundServer, LoopbackTab, launch_chromium
    from .readers_support import PASSWORD, fast_hashing
except ImportError:
    from browser_support import (  # type: ignore[no-redef]
        BackgroundServer,
        LoopbackTab,
        launch_chromium,
    )
    from readers_support import PASSWORD, fast_hashing  # type: ignore[no-redef]

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/newsdesk-comments.png")
XSS_PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    "<svg onload=window.__xss=1>",
    "[innocent link](javascript:window.__xss=1)",
    "[encoded](&#x6A;avascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1" onmouseover="window.__xss=1">hover me</a>',
]


@dataclass
class Site:
    url: str
    app: FastAPI
    article: int
    other: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("readers-browser"), secret_key="test")
    engine = connect(settings.db_url)
    ids = []
    with session_scope(engine) as s:
        for n, title in enumerate(["Central bank holds rates", "Storm closes the harbour"]):
            article = Article(
                url=f"https://news.example/{n}",
                title=title,
                outlet="Example News",
                author="Jo Reporter",
                text="The decision was widely expected.\nMarkets barely moved after it.",
                word_count=10,
            )
            s.add(article)
            s.flush()
            ids.append(article.id)
    with fast_hashing():
        create_user(engine, "mia", PASSWORD, "moderator")
        app = create_app(settings, engine)
        app.state.reader_limits = replace(
            app.state.reader_limits, comment_per_user=(Limit(100, 60),), comment_per_ip=()
        )
        try:
            with BackgroundServer(app) as server:
                yield Site(server.url, app, ids[0], ids[1])
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def tabs(browser: Browser) -> Iterator[list[LoopbackTab]]:
    opened: list[LoopbackTab] = []
    yield opened
    for tab in opened:
        tab.close()


def open_tab(browser: Browser, tabs: list[LoopbackTab], javascript: bool = True) -> Page:
    tab = LoopbackTab(browser, width=1100, javascript=javascript)
    tabs.append(tab)
    return tab.page


def log_in(page: Page, site: Site, username: str, next_path: str = "/") -> None:
    page.goto(f"{site.url}/login?next={next_path}")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("form.account-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(site.url + next_path.split("#")[0])))


def comment(page: Page, cid: int | str) -> object:
    return page.locator(f"#comment-{cid}")


def last_comment_id(page: Page) -> int:
    ids = page.locator("li.comment").evaluate_all("els => els.map(e => e.id)")
    return max(int(i.removeprefix("comment-")) for i in ids)


def test_reader_journey_with_moderation(
    browser: Browser, site: Site, tabs: list[LoopbackTab]
) -> None:
    page = open_tab(browser, tabs)
    article = f"{site.url}/articles/{site.article}"

    # register (then log out and back in)
    page.goto(article)
    expect(page.locator("#comments")).to_contain_text("to join the discussion")
    expect(page.locator("#comments textarea")).to_have_count(0)
    page.click("#comments >> text=register")
    page.fill("#reg-username", "Robin")
    page.fill("#reg-password", PASSWORD)
    page.fill("#reg-password2", PASSWORD)
    page.click("form.account-form button[type=submit]")
    page.wait_for_url(f"{article}#comments")
    expect(page.locator(".account-name")).to_have_text("Robin")
    page.click(".account-nav button:has-text('Log out')")
    page.wait_for_url(f"{site.url}/")
    expect(page.locator(".account-nav")).to_contain_text("Log in")
    log_in(page, site, "robin", f"/articles/{site.article}")
    expect(page.locator(".account-name")).to_have_text("Robin")

    # comment without a page load (the marker survives), then reply, edit, delete
    page.evaluate("window.__noReload = 'still here'")
    page.fill("#comment-new", "Rates on hold was **expected**; the statement was the news.")
    page.click("#comments form.comment-form >> text=Post comment")
    expect(page.locator("#comments .comment-text strong")).to_have_text("expected")
    assert page.evaluate("window.__noReload") == "still here"
    first = last_comment_id(page)
    assert page.url.endswith(f"#comment-{first}")

    page.fill("#comment-new", "Second thought: watch the bond market.")
    page.click("#comments form.comment-form >> text=Post comment")
    expect(page.locator("#comments li.comment")).to_have_count(2)
    second = last_comment_id(page)

    item = page.locator(f"#comment-{first}")
    item.locator("summary", has_text="Reply").first.click()
    page.fill(f"#reply-{first}", "Replying to myself: and to *inflation* data.")
    item.locator("button", has_text="Post reply").click()
    expect(page.locator(f"#comment-{first} .comment-replies em")).to_have_text("inflation")
    reply = last_comment_id(page)

    item = page.locator(f"#comment-{second}")
    item.locator("summary", has_text="Edit").click()
    page.fill(f"#edit-{second}", "Second thought: watch the **bond** market closely.")
    item.locator("button", has_text="Save changes").click()
    expect(page.locator(f"#comment-{second} .comment-text")).to_contain_text("closely")
    expect(page.locator(f"#comment-{second} .edited")).to_have_text("edited")

    item = page.locator(f"#comment-{first}")
    item.locator("> .comment-card summary", has_text="Delete").click()
    item.locator("> .comment-card button", has_text="Delete comment").click()
    expect(page.locator(f"#comment-{first} > .comment-card")).to_contain_text("[deleted]")
    expect(page.locator(f"#comment-{reply}")).to_contain_text("inflation")  # reply stays
    assert page.evaluate("window.__noReload") == "still here"

    # a moderator hides the edited comment; the reader no longer sees it
    mod = open_tab(browser, tabs)
    log_in(mod, site, "mia", f"/articles/{site.article}")
    expect(mod.locator(".account-nav a[href='/moderation']")).to_be_visible()
    mod.locator(f"#comment-{second}").locator("button", has_text="Hide").click()
    expect(mod.locator(f"#comment-{second}")).to_contain_text("hidden by a moderator")
    page.reload()
    expect(page.locator(f"#comment-{reply}")).to_be_visible()
    expect(page.locator(f"#comment-{second}")).to_have_count(0)
    expect(page.locator("#comments")).not_to_contain_text("bond")

    # the screenshot: the moderator's view of a thread (placeholder, reply, hidden comment)
    mod.fill(
        "#comment-new",
        "Moderator note: keep it civil, and cite sources with [links](https://example.org/).",
    )
    mod.click("#comments form.comment-form >> text=Post comment")
    expect(mod.locator("#comments li.comment")).to_have_count(4)
    mod.locator(f"#comment-{reply}").locator("summary", has_text="Reply").click()
    mod.locator("#comments").scroll_into_view_if_needed()
    mod.screenshot(path=str(SCREENSHOT), full_page=True)
    for tab in tabs:
        assert tab.errors == [] and tab.blocked == [] and tab.dialogs == []


def test_comments_work_without_javascript(
    browser: Browser, site: Site, tabs: list[LoopbackTab]
) -> None:
    with fast_hashing():
        create_user(site.app.state.engine, "nojs", PASSWORD)
    page = open_tab(browser, tabs, javascript=False)
    log_in(page, site, "nojs", f"/articles/{site.other}")
    page.fill("#comment-new", "Posted with JavaScript off.")
    page.click("#comments form.comment-form >> text=Post comment")
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    cid = int(page.url.rsplit("-", 1)[1])
    expect(page.locator(f"#comment-{cid}")).to_contain_text("Posted with JavaScript off.")
    page.locator(f"#comment-{cid} summary", has_text="Edit").click()
    page.fill(f"#edit-{cid}", "")
    page.locator(f"#edit-{cid}").evaluate("el => el.removeAttribute('required')")
    page.locator(f"#comment-{cid} button", has_text="Save changes").click()
    expect(page.locator(".form-error")).to_have_text("Write something first.")
    page.click("text=Back to the discussion")
    page.locator(f"#comment-{cid} summary", has_text="Delete").click()
    page.locator(f"#comment-{cid} button", has_text="Delete comment").click()
    page.wait_for_url(re.compile(r"#comments$"))
    expect(page.locator("#comments")).to_contain_text("No comments yet.")


def test_visitor_has_no_form_and_forged_posts_fail(
    browser: Browser, site: Site, tabs: list[LoopbackTab], http_server: object
) -> None:
    article = f"{site.url}/articles/{site.other}"
    visitor = open_tab(browser, tabs)
    visitor.goto(article)
    expect(visitor.locator("#comments textarea, #comments form")).to_have_count(0)
    status = visitor.evaluate(
        """url => fetch(url, {method: "POST", body: new URLSearchParams({body: "spam"})})
                 .then(r => r.status)""",
        f"{article}/comments",
    )
    assert status == 403

    # a logged-in reader lured to another site that posts a form to newsdesk
    with fast_hashing():
        create_user(site.app.state.engine, "victim", PASSWORD)
    reader = open_tab(browser, tabs)
    log_in(reader, site, "victim", f"/articles/{site.other}")
    evil = http_server.route(  # type: ignore[attr-defined]
        "/evil.html",
        f"""<!doctype html><title>Win a prize</title>
        <form method="post" action="{article}/comments">
          <input name="body" value="I was forged">
          <input name="csrf_token" value="guessed">
          <button id="go">Claim</button>
        </form>""",
    ).replace("127.0.0.1", "localhost")  # another site, as far as the browser is concerned
    reader.goto(evil)
    with reader.expect_navigation():
        reader.click("#go")
    assert "Request refused" in reader.content()
    reader.goto(article)
    expect(reader.locator("#comments")).not_to_contain_text("I was forged")
    expect(reader.locator(".account-name")).to_have_text("victim")  # still logged in


def test_xss_payloads_stay_inert(browser: Browser, site: Site, tabs: list[LoopbackTab]) -> None:
    with fast_hashing():
        create_user(site.app.state.engine, "mallory", PASSWORD)
    page = open_tab(browser, tabs)
    log_in(page, site, "mallory", f"/articles/{site.other}")
    before = page.locator("#comments li.comment").count()
    for n, payload in enumerate(XSS_PAYLOADS, 1):
        page.fill("#comment-new", payload)
        page.click("#comments form.comment-form >> text=Post comment")
        expect(page.locator("#comments li.comment")).to_have_count(before + n)
    for _ in range(2):  # as swapped in by fetch(), then as rendered by a full page load
        links = page.locator("#comments .comment-text a")
        for i in range(links.count()):
            links.nth(i).hover()
            links.nth(i).click(no_wait_after=True)
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__xss") == "undefined"
        page.reload()
    expect(page.locator("#comments li.comment")).to_have_count(before + len(XSS_PAYLOADS))
    expect(
        page.locator("#comments .comment-text").get_by_text("<script>window.__xss=1</script>")
    ).to_be_visible()
    tab = tabs[-1]
    assert tab.dialogs == [] and tab.blocked == []
    assert page.evaluate("typeof window.__xss") == "undefined"
