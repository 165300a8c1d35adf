"""extract_inputs: order, .gz files, failures that do not abort the batch, URLs over loopback."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdesk.config import Settings
from newsdesk.extract.batch import IN_PROCESS_MAX, extract_inputs

from .conftest import LoopbackServer, shared_data

KEYS = {
    "cbs": "08f793762792bd252c75fb57544cdf506ffcc04785136cb87503f02364b82b56",
    "wired": "2f42ef1d3ea0c96e56355d3db93d0e06b47e760b74f6f4261278b8cd1c246dd6",
    "cnbc": "374ac9a59a85196cdacc1679fb8993521a7b7d9d6533720f102300be1c7face4",
}
FIELDS = {"url", "title", "author", "published", "language", "text"}


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, Path]:
    """Benchmark pages on disk: cbs and wired as plain .html, cnbc left gzip-compressed."""
    root = shared_data("article-extraction-benchmark") / "html"
    files = {}
    for name, key in KEYS.items():
        raw = (root / f"{key}.html.gz").read_bytes()
        if name == "cnbc":
            files[name] = tmp_path / f"{name}.html.gz"
            files[name].write_bytes(raw)
        else:
            files[name] = tmp_path / f"{name}.html"
            files[name].write_bytes(gzip.decompress(raw))
    files["garbage"] = tmp_path / "garbage.bin"
    files["garbage"].write_bytes(bytes(range(256)) * 40)
    files["broken_gz"] = tmp_path / "broken.html.gz"
    files["broken_gz"].write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    return files


def test_order_gz_and_failures(pages: dict[str, Path], settings: Settings) -> None:
    inputs = [
        str(pages["wired"]),
        str(pages["garbage"]),
        str(pages["cnbc"]),
        str(pages["broken_gz"]),
        "/no/such/file.html",
        "ftp://example.com/article.html",
        str(pages["cbs"]),
    ]
    results = list(extract_inputs(inputs, settings))
    assert len(results) == len(inputs)
    wired, garbage, cnbc, broken, missing, ftp, cbs = results
    for ok in (wired, cnbc, cbs):
        assert set(ok) == FIELDS
        assert ok["text"] and ok["title"] and ok["language"] == "en"
        assert ok["published"] and ok["published"].endswith("+00:00")
    assert wired["title"] == "The Future of Banking Is … You're Broke"
    assert cnbc["title"].startswith("Emirates inks $9 billion order")
    assert cbs["author"] == "Bryan DeArdo"
    assert cbs["url"].startswith("https://www.cbssports.com/nfl/news/browns-player")
    for failed in (garbage, broken, missing, ftp):
        assert set(failed) == FIELDS | {"error"}
        assert failed["text"] == "" and failed["error"]
    assert "no main text" in garbage["error"] or "not an HTML document" in garbage["error"]
    assert "cannot read" in broken["error"]
    assert "No such file" in missing["error"]
    assert "unsupported URL scheme 'ftp'" in ftp["error"]
    json.dumps(results, ensure_ascii=False)  # what `newsdesk extract --json` prints


def test_process_pool_gives_the_same_results_in_order(
    pages: dict[str, Path], settings: Settings
) -> None:
    inputs = [str(pages[name]) for name in ("cbs", "garbage", "cnbc", "wired", "cbs", "cnbc")]
    assert len(inputs) > IN_PROCESS_MAX
    in_process = list(extract_inputs(inputs, settings.with_(extract_workers=1)))
    pooled = list(extract_inputs(inputs, settings.with_(extract_workers=2)))
    assert pooled == in_process
    assert [r["title"] for r in pooled][::2] == [r["title"] for r in in_process][::2]
    assert pooled[0]["text"] == pooled[4]["text"] and "error" in pooled[1]


def test_urls_are_fetched_over_loopback(
    http_server: LoopbackServer, pages: dict[str, Path], settings: Settings
) -> None:
    html = pages["cbs"].read_bytes()
    article_url = http_server.route("/news/browns.html", html, gzip_body=True)
    redirect_url = http_server.route(
        "/old-link", b"", status=301, headers={"Location": "/news/browns.html"}
    )
    missing_url = http_server.url("/gone.html")
    pdf_url = http_server.route("/report.pdf", b"%PDF-1.4", content_type="application/pdf")
    results = list(
        extract_inputs(
            [article_url, missing_url, str(pages["cnbc"]), pdf_url, redirect_url], settings
        )
    )
    fetched, missing, local, pdf, redirected = results
    assert fetched["url"] == article_url
    assert fetched["title"].startswith("Browns player on Mason Rudolph")
    assert fetched["text"].startswith("The Steelers spent Monday")
    assert redirected["url"] == article_url and redirected["text"] == fetched["text"]
    assert "404" in missing["error"] and missing["url"] == missing_url
    assert local["title"].startswith("Emirates inks")
    assert "not an HTML page (application/pdf)" in pdf["error"]
    assert any(path == "/news/browns.html" for path, _ in http_server.requests)
    agents = {headers.get("user-agent") for _, headers in http_server.requests}
    assert agents == {settings.user_agent}


def test_url_with_legacy_charset_header(http_server: LoopbackServer, settings: Settings) -> None:
    paragraph = (
        "Le conseil municipal a approuvé mardi soir un budget réduit de près de 4 %, après "
        "un débat de plusieurs heures sur les priorités de la ville pour l’année prochaine."
    )
    page = (
        "<html><head><title>Budget adopté</title></head><body><article>"
        "<h1>Budget adopté</h1>" + f"<p>{paragraph}</p>" * 3 + "</article></body></html>"
    )
    url = http_server.route(
        "/budget", page.encode("cp1252"), content_type="text/html; charset=windows-1252"
    )
    (result,) = extract_inputs([url], settings)
    assert "a approuvé mardi soir" in result["text"]
    assert result["language"] == "fr" and result["title"] == "Budget adopté"


def test_blocked_address_is_an_error_entry(settings: Settings) -> None:
    strict = settings.with_(allowed_networks=())
    (result,) = extract_inputs(["http://127.0.0.1:9/article"], strict)
    assert result["text"] == "" and result["error"]
