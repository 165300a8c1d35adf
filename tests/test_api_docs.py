"""/api/docs: the API's reference pages (Swagger UI) work offline, under the site's
Content-Security-Policy, and "Try it out" calls the real API (Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsdesk.config import Settings
from newsdesk.store import connect
from newsdesk.web.app import SECURITY_HEADERS, create_app

SHOTS = Path("/tmp/shots")


def test_docs_page_uses_only_the_sites_own_files(settings: Settings) -> None:
    with TestClient(create_app(settings, connect(settings.db_url))) as client:
        moved = client.get("/docs", follow_redirects=False)
        assert moved.status_code == 308 and moved.headers["location"] == "/api/docs"
        page = client.get("/api/docs")
        assert page.status_code == 200
        assert (
            page.headers["content-security-policy"] == (SECURITY_HEADERS["Content-Security-Policy"])
        )
        html = page.text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        assert "<script>" not in html and "style=" not in html  # nothing inline: CSP holds
        for src in sources:
            assert client.get(src).status_code == 200, src
        bundle = client.get("/api/docs/assets/swagger-ui-bundle.js").text
        assert "SwaggerUIBundle" in bundle and "cdn." not in html


@pytest.mark.browser
def test_swagger_ui_renders_the_schema_and_tries_a_call(settings: Settings) -> None:
    from playwright.sync_api import expect

    try:
        from .browser_support import BackgroundServer, launch_chromium, loopback_page
    except ImportError:
        from browser_support import BackgroundServer, launch_chromium, loopback_page

    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        TestClient(create_app(settings, connect(settings.db_url))) as client,
        BackgroundServer(create_app(settings, connect(settings.db_url))) as server,
        launch_chromium() as browser,
        loopback_page(browser) as page,  # fails on console errors (CSP) and non-loopback URLs
    ):
        operations = sum(len(item) for item in client.get("/openapi.json").json()["paths"].values())
        page.goto(server.url + "/api/docs")
        expect(page.locator(".info .title")).to_contain_text("newsdesk API")
        expect(page.locator(".opblock")).to_have_count(operations)
        listing = page.locator(".opblock-get").filter(
            has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/articles$"))
        )
        listing.locator(".opblock-summary").click()
        listing.locator("button.try-out__btn").click()
        listing.locator("button.execute").click()
        status = listing.locator(".live-responses-table tbody .response-col_status").first
        expect(status).to_have_text("200")
        expect(listing.locator(".live-responses-table .microlight").first).to_contain_text(
            '"items"'
        )
        page.screenshot(path=str(SHOTS / "api-docs.png"))
