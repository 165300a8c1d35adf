"""Static files: linked by content hash, kept a year under that URL, a day under any other;
pages and static files gzip-compressed."""

from __future__ import annotations

import gzip
import hashlib
import re

from fastapi.testclient import TestClient

from newsdesk.web.app import STATIC, STATIC_CACHE_CONTROL, STATIC_VERSIONED_CACHE_CONTROL

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .readers_support import _fast_hashing, app, client, engine
except ImportError:
    from readers_support import _fast_hashing, app, client, engine  # type: ignore[no-redef]  # noqa: F401


def test_static_links_carry_the_content_hash_and_are_cached_a_year(client: TestClient) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    links = dict(re.findall(r'href="/static/([\w.-]+)\?v=([0-9a-f]+)"', page.text))
    assert set(links) >= {"style.css", "readers.css", "ai.css"}
    for name, version in links.items():
        assert version == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12], name
        r = client.get(f"/static/{name}?v={version}", headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200, name
        assert (
            r.headers["cache-control"]
            == STATIC_VERSIONED_CACHE_CONTROL
            == ("public, max-age=31536000, immutable")
        )
        assert r.headers["content-encoding"] == "gzip"  # the client decoded it: same bytes
        assert r.content == (STATIC / name).read_bytes()
        again = client.get(
            f"/static/{name}?v={version}", headers={"If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.headers["cache-control"] == STATIC_VERSIONED_CACHE_CONTROL
    # An old or missing version may name other bytes: a day, then revalidation.
    for url in ("/static/style.css", "/static/style.css?v=0123456789ab", "/static/style.css?v="):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == STATIC_CACHE_CONTROL, url
    assert "public" not in client.get("/static/none.css?v=x").headers.get("cache-control", "")


def test_page_gzip_matches_the_plain_page(client: TestClient) -> None:
    with client.stream("GET", "/", headers={"Accept-Encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert len(raw) < len(plain.content) / 2
    token = re.compile(rb'(name="csrf_token" value=")[^"]*"')
    assert token.sub(b"", gzip.decompress(raw)) == token.sub(b"", plain.content)
