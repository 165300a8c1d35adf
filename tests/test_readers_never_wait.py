"""Readers never wait on writers: every page a visitor can reach answers while another
process holds SQLite's write lock (as `newsdesk refresh` or `enrich` do for seconds at a time).

The app's database waits at most 0.2 s for a write lock here, so any GET that writes would
fail (503 or 500) instead of passing after a long wait.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient

from newsdesk.accounts import create_user
from newsdesk.store import connect
from newsdesk.web import create_app

try:
    from .conftest import shared_data
    from .readers_support import PASSWORD, fast_hashing, login
    from .webai_support import Site, build_site
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import shared_data  # type: ignore[no-redef]
    from readers_support import PASSWORD, fast_hashing, login  # type: ignore[no-redef]
    from webai_support import Site, build_site  # type: ignore[no-redef]

pytestmark = pytest.mark.slow  # make test-fast leaves it out

MAX_PAGES = 80
EXTRA = ["/healthz", "/api/v1/articles", "/api/v1/search?q=pirates", "/search?q=pirates"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    data = shared_data("ecbplus-story-clusters")
    return build_site(str(tmp_path_factory.getbasetemp() / "web-ai"), str(data))


@contextmanager
def write_lock(site: Site) -> Iterator[None]:
    """Another process's write transaction, held open."""
    path = site.settings.data_dir / "newsdesk.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE feeds SET error_count = error_count")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def crawl(client: TestClient) -> dict[str, int]:
    """Status of every same-site page reachable from / (and a few API paths), breadth first."""
    seen: dict[str, int] = {}
    queue = ["/", *EXTRA]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for href in lxml.html.fromstring(response.text or "<p/>").xpath("//a/@href"):
            parts = urlsplit(urljoin("http://testserver" + path, href))
            if parts.netloc == "testserver" and not parts.path.startswith("/static/"):
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                if target not in seen:
                    queue.append(target)
    return seen


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_every_page_answers_while_another_process_writes(site: Site, logged_in: bool) -> None:
    engine = connect(site.settings.db_url, busy_timeout=0.2)
    with TestClient(create_app(site.settings, engine), follow_redirects=False) as client:
        if logged_in:
            with fast_hashing():
                create_user(engine, "never-waits", PASSWORD)
                assert login(client, "never-waits").status_code == 303
        with write_lock(site):
            statuses = crawl(client)
    engine.dispose()
    failed = {path: status for path, status in statuses.items() if status >= 500}
    assert failed == {}
    assert sum(status == 200 for status in statuses.values()) >= 40, statuses
