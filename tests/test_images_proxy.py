"""The image proxy (/img/) over real HTTP on loopback, into the real app and SQLite.

The outlet is a loopback server (allowed through the SSRF guard by the test settings, as
127.0.0.0/8 only): its pictures are proxied, cached and never given cookies; private
addresses, redirects to them, huge or non-image bodies and forged links are refused.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.store import Article, connect, models_ai, session_scope
from newsdesk.web import create_app
from newsdesk.web.app import SECURITY_HEADERS
from newsdesk.web.images import CACHE_DIR, IMAGE_MAX_BYTES, sniff

try:
    from .conftest import LoopbackServer
except ImportError:
    from conftest import LoopbackServer  # type: ignore[no-redef]

THUMB = re.compile(r'<img class="thumb[^"]*" src="(/img/[^"]+)"')


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A real PNG (8-bit RGB, one colour) that browsers decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = connect(settings.db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine)) as client:
        yield client


def add_article(engine: Engine, image_url: str | None, html: str = "", title: str = "") -> int:
    with session_scope(engine) as s:
        article = Article(
            url=f"https://news.example/{title or 'a'}-{datetime.now(UTC).timestamp()}",
            title=title or "Harbour bridge reopens after repairs",
            outlet="Loopback Gazette",
            published_at=datetime.now(UTC) - timedelta(hours=1),
            text="The bridge reopened on Monday after two years of repairs.",
            summary="The bridge reopened on Monday after two years of repairs.",
            html=html,
            image_url=image_url,
        )
        s.add(article)
        s.flush()
        return article.id


def proxied_path(client: TestClient, page: str) -> str:
    found = THUMB.search(client.get(page).text)
    assert found, f"no thumbnail on {page}"
    return unescape(found.group(1))


def test_a_picture_is_proxied_cached_and_cookie_free(
    client: TestClient, engine: Engine, http_server: LoopbackServer, settings: Settings
) -> None:
    picture = png(320, 200)
    url = http_server.route(
        "/pictures/bridge.png",
        picture,
        content_type="image/png",
        headers={"Set-Cookie": "tracker=abc123; Path=/"},
    )
    http_server.route("/pictures/other.png", png(16, 10), content_type="image/png")
    add_article(engine, url)
    path = proxied_path(client, "/")
    assert url not in client.get("/").text  # the page never names the outlet's picture
    r = client.get(path)
    assert r.status_code == 200 and r.content == picture
    assert r.headers["content-type"] == "image/png"
    assert "set-cookie" not in r.headers
    assert (
        "immutable" in r.headers["cache-control"] and "max-age=604800" in r.headers["cache-control"]
    )
    assert "sandbox" in r.headers["content-security-policy"]
    assert list((settings.data_dir / CACHE_DIR).glob("*/*"))  # on disk under the data dir
    fetched = len(http_server.requests)
    again = client.get(path)
    assert again.content == picture and len(http_server.requests) == fetched  # from the cache
    assert client.get(path, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    # the outlet set a cookie: the next picture from it is fetched without one, nor a Referer
    add_article(engine, http_server.url("/pictures/other.png"), title="Second")
    other = client.get(proxied_path(client, "/"))
    assert other.status_code == 200 and sniff(other.content) == "image/png"
    for _path, headers in http_server.requests:
        assert "cookie" not in headers and "referer" not in headers
        assert headers["accept"].startswith("image/")


def test_forged_and_tampered_links_are_refused(
    client: TestClient, engine: Engine, http_server: LoopbackServer
) -> None:
    url = http_server.route("/p.png", png(20, 20), content_type="image/png")
    add_article(engine, url)
    path = proxied_path(client, "/")
    _prefix, signature, encoded = path.rsplit("/", 2)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    other = http_server.url("/secret.png").encode()
    foreign = base64.urlsafe_b64encode(other).rstrip(b"=").decode()
    for bad in (
        f"/img/{flipped}/{encoded}",  # tampered signature
        f"/img/{signature}/{foreign}",  # another URL under a valid signature
        f"/img/{signature}/{encoded[:-2]}",  # truncated URL
        f"/img/x/{encoded}",
        f"/img/{signature}/%%%",
    ):
        assert client.get(bad).status_code == 403, bad
    assert http_server.requests == []  # nothing was fetched for them


@pytest.mark.parametrize(
    "target",
    [
        "http://10.20.30.40/p.png",  # a private address
        "http://[::1]:9/p.png",  # loopback, but IPv6: not in the allowed 127.0.0.0/8
        "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
        "file:///etc/passwd",
    ],
)
def test_private_addresses_are_refused(client: TestClient, engine: Engine, target: str) -> None:
    proxy = client.app.state.images  # type: ignore[attr-defined]
    path = proxy.path(target)
    if not path:  # not http(s): no link is ever made
        assert target.startswith("file:")
        return
    r = client.get(path)
    assert r.status_code == 403 and "refused" in r.text.lower(), r.text


def test_a_redirect_to_a_private_address_is_refused(
    client: TestClient, http_server: LoopbackServer
) -> None:
    url = http_server.route(
        "/moved.png", b"", status=302, headers={"Location": "http://192.168.1.1/admin.png"}
    )
    r = client.get(client.app.state.images.path(url))  # type: ignore[attr-defined]
    assert r.status_code == 403 and "192.168.1.1" in r.text


@pytest.mark.parametrize(
    ("body", "content_type", "stream", "why"),
    [
        (png(8, 8)[:16] + b"\0" * (50 * 1024 * 1024), "image/png", False, "announces"),
        (png(8, 8)[:16] + b"\0" * (IMAGE_MAX_BYTES + 1), "image/png", True, "limit"),
        (b"<!doctype html><html><body>Hello</body></html>", "text/html", False, "text/html"),
        (png(8, 8), "text/html; charset=utf-8", False, "text/html"),  # a picture, mislabelled
        (b"<html><script>alert(1)</script></html>", "image/png", False, "not a JPEG"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            False,
            "not a JPEG",
        ),
    ],
    ids=["50MB", "stream-over-limit", "html", "png-as-html", "html-as-png", "svg"],
)
def test_huge_and_non_image_bodies_are_refused(
    client: TestClient,
    http_server: LoopbackServer,
    settings: Settings,
    body: bytes,
    content_type: str,
    stream: bool,
    why: str,
) -> None:
    url = http_server.route("/thing", body, content_type=content_type, stream=stream)
    r = client.get(client.app.state.images.path(url))  # type: ignore[attr-defined]
    assert r.status_code == 502 and why in r.text, r.text[:300]
    assert not list((settings.data_dir / CACHE_DIR).glob("*/*"))  # nothing cached


def test_article_pictures_and_body_images_go_through_the_proxy(
    client: TestClient, engine: Engine, http_server: LoopbackServer
) -> None:
    lead = http_server.route("/lead.png", png(64, 40), content_type="image/png")
    inline = http_server.route("/in.png?w=1&h=2", png(30, 30), content_type="image/png")
    body = f'<p>Text.</p><img src="{inline.replace("&", "&amp;")}" alt="A chart">'
    article_id = add_article(engine, lead, html=body)
    html = client.get(f"/articles/{article_id}").text
    assert lead not in html and "/in.png" not in html
    sources = [unescape(s) for s in re.findall(r'<img[^>]* src="([^"]+)"', html)]
    assert len(sources) == 2 and all(s.startswith("/img/") for s in sources)
    assert 'alt="A chart"' in html
    assert [client.get(s).status_code for s in sources] == [200, 200]
    assert {p.split("?")[0] for p, _ in http_server.requests} == {"/lead.png", "/in.png"}


def test_csp_allows_pictures_from_this_site_only() -> None:
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["img-src"] == "'self' data:"
    assert "*" not in csp and "https:" not in csp


def test_api_gives_a_proxied_thumbnail(
    client: TestClient, engine: Engine, http_server: LoopbackServer
) -> None:
    url = http_server.route("/api.png", png(40, 25), content_type="image/png")
    add_article(engine, url)
    item = client.get("/api/v1/articles?limit=1").json()["items"][0]
    assert item["image_url"] == url
    assert item["thumbnail_url"].startswith("http://localhost/img/")
    r = client.get(item["thumbnail_url"].removeprefix("http://localhost"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


# --- OpenGraph and Twitter cards -------------------------------------------------------------

META = re.compile(r'<meta (?:property|name)="((?:og|twitter):[a-z_:]+)" content="([^"]*)">')


def card(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    return {name: unescape(value) for name, value in META.findall(head)}


def test_sharing_cards_on_article_story_tag_and_entity_pages(
    settings: Settings, engine: Engine, http_server: LoopbackServer, tmp_path: Path
) -> None:
    picture = http_server.route("/card.png", png(1200, 630), content_type="image/png")
    with_picture = add_article(engine, picture, title="Harbour bridge reopens")
    without = add_article(engine, None, title="Council meets & <votes>")
    with session_scope(engine) as s:
        story = models_ai.Story(
            title="Harbour bridge",
            article_count=2,
            outlet_count=1,
            score=1.0,
            summary=["The bridge reopened.", "Traffic is back."],
        )
        person = models_ai.Tag(slug="AnnaBerg", label="Anna Berg", kind="person", article_count=1)
        topic = models_ai.Tag(slug="Bridges", label="bridges", kind="topic", article_count=1)
        s.add_all([story, person, topic])
        s.flush()
        for article_id in (with_picture, without):
            s.add(models_ai.Enrichment(article_id=article_id, model_version="t", story_id=story.id))
        s.add_all(
            [
                models_ai.ArticleTag(article_id=with_picture, tag_id=person.id, score=1.0),
                models_ai.ArticleTag(
                    article_id=with_picture, tag_id=topic.id, score=1.0, is_hashtag=True
                ),
            ]
        )
        story_id = story.id
    site = "https://news.example.org"
    app = create_app(settings.with_(base_url=site), engine)
    with TestClient(app) as client:
        pages = {
            "article": (f"/articles/{with_picture}", "Harbour bridge reopens"),
            "story": (f"/stories/{story_id}", "Harbour bridge"),
            "entity": ("/tags/AnnaBerg", "Who is Anna Berg?"),
            "tag": ("/tags/Bridges", "#Bridges"),
        }
        for kind, (path, title) in pages.items():
            response = client.get(path)
            assert response.status_code == 200, (kind, response.text[:300])
            tags = card(response.text)
            assert tags["og:title"] == title, kind
            assert tags["og:url"] == site + path, kind
            assert tags["og:site_name"] == "newsdesk"
            assert tags["og:type"] in ("article", "website")
            assert tags["og:image"].startswith(site + "/img/"), kind
            assert tags["twitter:card"] == "summary_large_image", kind
            image = client.get(tags["og:image"].removeprefix(site))
            assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert "reopened" in card(client.get(pages["article"][0]).text)["og:description"]
        assert card(client.get(pages["story"][0]).text)["og:description"].startswith(
            "The bridge reopened. Traffic"
        )
        plain = card(client.get(f"/articles/{without}").text)
        assert plain["og:title"] == "Council meets & <votes>"  # escaped in the page, intact
        assert plain["twitter:card"] == "summary" and "og:image" not in plain
        assert "<votes>" not in client.get(f"/articles/{without}").text.split("</head>")[0]
