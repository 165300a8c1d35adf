"""Shared harness for the browser tests: the real app under uvicorn on a free loopback port,
driven by Debian's headless Chromium through Playwright, in tabs that may only reach loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK = {"127.0.0.1", "localhost"}


class BackgroundServer:
    """uvicorn serving `app` on a free loopback port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@contextmanager
def serve_imported(data_dir: Path, jsonl: Path) -> Iterator[str]:
    """The app on loopback over a fresh database in `data_dir` holding the articles of a JSON
    Lines file, imported and enriched as `newsdesk import` and `newsdesk enrich` do; its URL."""
    from newsdesk.config import Settings
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file
    from newsdesk.store import connect
    from newsdesk.web import create_app

    settings = Settings(data_dir=data_dir, secret_key="t")
    engine = connect(settings.db_url)
    import_jsonl_file(engine, jsonl)
    enrich(engine, settings, batch_size=8)
    try:
        with BackgroundServer(create_app(settings, engine)) as server:
            yield server.url
    finally:
        engine.dispose()


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless; skips the test when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: run scripts/install-chromium.sh (as root)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class LoopbackTab:
    """A browser context and its page that may only reach loopback: any other request is
    aborted and recorded, as are console errors (Content-Security-Policy violations
    included), uncaught page errors and dialogs (which are dismissed)."""

    def __init__(
        self,
        browser: Browser,
        *,
        width: int = 1280,
        height: int = 900,
        javascript: bool = True,
        timeout_ms: int = 5000,
    ) -> None:
        self.context: BrowserContext = browser.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=javascript
        )
        self.blocked: list[str] = []
        self.errors: list[str] = []  # console errors
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._guard)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(timeout_ms)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.on("dialog", self._dialog)

    def _guard(self, route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("http", "https") and parts.hostname not in LOOPBACK:
            self.blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def close(self) -> None:
        self.context.close()


@contextmanager
def loopback_page(browser: Browser, *, timeout_ms: int = 5000) -> Iterator[Page]:
    """A fresh page (see LoopbackTab); afterwards, fails the test if it tried to reach the
    network or logged errors to the console."""
    tab = LoopbackTab(browser, timeout_ms=timeout_ms)
    yield tab.page
    tab.close()
    assert not tab.blocked, f"the page tried to reach the network: {tab.blocked}"
    errors = tab.errors + tab.page_errors
    assert not errors, f"browser console errors: {errors}"
