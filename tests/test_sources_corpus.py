"""Every feed of the shared conformance corpora, served over loopback, fetched and parsed.

Ground truth comes from the corpora themselves (feedparser's ``Expect:``/``Header:`` comments,
the feed validator's ``Expect:`` message classes, SyndiKit's XML/JSON twins) and from
feedparser run directly on the same bytes and headers (the "oracle"): parse_feed must never
throw away entries that feedparser can recover, except where we refuse on purpose.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import re
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import pytest
from lxml import etree

from newsdesk.config import Settings
from newsdesk.sources.entry import FeedError, ParsedFeed
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.fetch import Fetcher, FetchError, Response

from .conftest import LoopbackServer, Route, shared_data

pytestmark = pytest.mark.slow  # make test-fast leaves it out

_HEADER = re.compile(r"^\s*Header:\s*([^:\s]+)\s*:[ \t]*(.*?)\s*$", re.MULTILINE)
_EXPECT = re.compile(rb"Expect:\s*(.*)")
_SPACE = re.compile(r"\s+")

# Feeds whose DOCTYPE declares entities: refused by design (billion laughs / XXE hardening).
ENTITY_DECLARING = {
    "feedparser-tests/wellformed/rss/entity_in_doctype.xml",
    "feedparser-tests/wellformed/rdf/doctype_contains_entity_decl.xml",
    "w3c-feedvalidator-testcases/testcases/rss/should/system_entity.xml",
    "w3c-feedvalidator-testcases/testcases/rss/should/system_entity_http.xml",
}


@dataclass
class Case:
    name: str  # data set / relative path, used in messages
    body: bytes  # the document as a client sees it (decompressed)
    route: Route  # what the server sends
    content_type: str | None
    expect: str = ""
    response: Response | None = None
    result: ParsedFeed | FeedError | None = None
    crash: str = ""
    oracle: Any = None

    @property
    def error(self) -> FeedError | None:
        return self.result if isinstance(self.result, FeedError) else None

    @property
    def feed(self) -> ParsedFeed | None:
        return self.result if isinstance(self.result, ParsedFeed) else None


def _comment_headers(body: bytes) -> dict[str, str]:
    match = re.search(rb"<!--(.*?)-->", body, re.DOTALL)
    if match is None:
        return {}
    return dict(_HEADER.findall(match.group(1).decode("latin-1")))


def _expect(body: bytes) -> str:
    match = _EXPECT.search(body)
    return match.group(1).decode("latin-1").strip() if match else ""


def _xml_case(root: Path, path: Path, default_type: str) -> Case:
    body = path.read_bytes()
    headers = _comment_headers(body)
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if content_type is None and not path.name.startswith("no_content_type"):
        content_type = default_type
        headers["Content-Type"] = default_type
    name = f"{root.name}/{path.relative_to(root)}"
    return Case(name, body, Route(body, 200, headers), content_type, _expect(body))


def _files(root: Path, subdir: str) -> list[Path]:
    return sorted(p for p in (root / subdir).rglob("*") if p.is_file())


def _serve_fetch_parse(server: LoopbackServer, settings: Settings, cases: list[Case]) -> None:
    """Register every case, fetch them all through the guarded Fetcher, then parse them."""
    urls = {}
    for index, case in enumerate(cases):
        path = f"/corpus/{index}/{quote(case.name.rsplit('/', 1)[-1])}"
        server.routes[path] = case.route
        urls[case.name] = server.url(path)

    async def fetch_all() -> list[Response | FetchError]:
        async with Fetcher(settings.with_(concurrency=8, per_host_concurrency=8)) as fetcher:

            async def one(url: str) -> Response | FetchError:
                try:
                    return await fetcher.get(url)
                except FetchError as exc:
                    return exc

            return await asyncio.gather(*(one(urls[case.name]) for case in cases))

    for case, response in zip(cases, asyncio.run(fetch_all()), strict=True):
        if isinstance(response, FetchError):
            case.crash = f"fetch failed: {response.kind}: {response}"
            continue
        case.response = response
        try:
            case.result = parse_feed(response.body, response.url, response.content_type)
        except FeedError as exc:
            case.result = exc
        except Exception as exc:
            case.crash = f"{type(exc).__name__}: {exc}"


def _oracle(case: Case) -> Any:
    """feedparser on the same bytes and headers, without our hardening (cached per case)."""
    if case.oracle is None:
        headers = {"content-location": case.response.url if case.response else ""}
        if case.content_type:
            headers["content-type"] = case.content_type
        case.oracle = feedparser.parse(
            io.BytesIO(case.body),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    return case.oracle


def _distinct(entries: list[Any]) -> int:
    """How many of feedparser's entries have distinct identities (parse_feed drops repeats)."""
    keys = set()
    for entry in entries:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        keys.add(entry.get("id") or entry.get("link") or (entry.get("title"), when and when[:6]))
    return len(keys)


def _item_key(item: Any) -> str:
    """An RSS item's / Atom entry's identity: guid or id, else link, else title."""
    for name in ("guid", "id", "link", "title"):
        for child in item.xpath(f"*[local-name()='{name}']"):
            value = (child.text or child.get("href") or "").strip()
            if value:
                return value
    return ""


def _check_common(cases: list[Case], use_oracle: bool = True) -> list[str]:
    """Problems that no file may have, whatever the data set."""
    problems = [f"{c.name}: {c.crash}" for c in cases if c.crash]
    for case in cases:
        if case.response is not None and case.response.body != case.body:
            problems.append(f"{case.name}: body changed in transit")
        is_json = case.name.endswith(".json")
        skip = is_json or not use_oracle
        oracle = feedparser.FeedParserDict(entries=[]) if skip else _oracle(case)
        if case.error is not None:
            if case.name in ENTITY_DECLARING:
                if "entities" not in str(case.error):
                    problems.append(f"{case.name}: refused for the wrong reason: {case.error}")
            elif oracle.entries:
                problems.append(
                    f"{case.name}: FeedError {case.error!s} but feedparser recovers "
                    f"{len(oracle.entries)} entries"
                )
            continue
        if case.name in ENTITY_DECLARING:
            problems.append(f"{case.name}: declares entities but was parsed")
        feed = case.feed
        if feed is None:
            continue
        if not skip and len(feed.entries) != _distinct(oracle.entries):
            problems.append(
                f"{case.name}: {len(feed.entries)} entries, feedparser has "
                f"{_distinct(oracle.entries)} distinct"
            )
        for entry in feed.entries:
            if not entry.guid.strip():
                problems.append(f"{case.name}: entry without guid")
            if entry.url and not entry.url.startswith(("http://", "https://")):
                problems.append(f"{case.name}: entry url {entry.url!r} is not absolute http(s)")
            if entry.published is not None and entry.published.tzinfo != UTC:
                problems.append(f"{case.name}: published {entry.published!r} is not UTC")
    return problems


def _report(problems: list[str]) -> str:
    shown = "\n  ".join(problems[:40])
    more = f"\n  ... and {len(problems) - 40} more" if len(problems) > 40 else ""
    return f"{len(problems)} problem(s):\n  {shown}{more}"


# --- feedparser's own test documents ----------------------------------------------------------


@pytest.mark.parametrize("subdir", ["wellformed", "illformed", "encoding", "entities", "json"])
def test_feedparser_corpus(http_server: LoopbackServer, settings: Settings, subdir: str) -> None:
    root = shared_data("feedparser-tests")
    cases = []
    for path in _files(root, subdir):
        default = "application/feed+json" if path.suffix == ".json" else "application/xml"
        cases.append(_xml_case(root, path, default))
    assert cases, f"no files in {root / subdir}"
    _serve_fetch_parse(http_server, settings, cases)
    problems = _check_common(cases)

    for case in cases:
        oracle = _oracle(case)
        clean = case.expect.startswith("not bozo") and not oracle.bozo
        expects_entries = subdir == "wellformed" and clean and bool(oracle.entries)
        has_guids = case.feed is not None and any(e.guid for e in case.feed.entries)
        if expects_entries and case.name not in ENTITY_DECLARING and not has_guids:
            problems.append(f"{case.name}: well-formed with entries but got {case.result!r}")
        if (
            subdir == "illformed"
            and case.feed is not None
            and len(case.feed.entries) != len(oracle.entries)
        ):
            problems.append(f"{case.name}: recovered {len(case.feed.entries)} entries, not all")
        if subdir == "encoding" and clean:
            # Encoding travels in the HTTP header: titles must come out as feedparser reads them.
            if case.feed is None:
                problems.append(f"{case.name}: clean feed refused: {case.result!r}")
                continue
            expected = _SPACE.sub(" ", oracle.feed.get("title", "")).strip()
            if (
                "<" not in expected
                and "&" not in expected
                and case.feed.title != (expected or None)
            ):
                problems.append(f"{case.name}: title {case.feed.title!r} != {expected!r}")
    assert not problems, _report(problems)

    if subdir == "wellformed":
        refused = {c.name for c in cases if c.error is not None}
        assert refused == {n for n in ENTITY_DECLARING if n.startswith("feedparser-tests/")}
    if subdir == "json":
        (case,) = cases
        assert case.feed is not None, case.result
        assert case.feed.title == "My Example Feed" and case.feed.format == "json10"
        assert [e.guid for e in case.feed.entries] == ["2", "1"]
        assert case.feed.entries[1].url == "https://example.org/initial-post"
        assert case.feed.entries[0].content_html == "This is a second item."


# --- the W3C feed validator's test cases ------------------------------------------------------


@pytest.mark.parametrize("subdir", ["rss", "rss20", "rss11", "atom", "ext"])
def test_feedvalidator_corpus(http_server: LoopbackServer, settings: Settings, subdir: str) -> None:
    root = shared_data("w3c-feedvalidator-testcases")
    testcases = root / "testcases"
    cases = []
    for path in _files(testcases, subdir):
        case = _xml_case(testcases, path, "application/xml")
        case.name = f"{root.name}/{case.name}"
        cases.append(case)
    assert cases
    _serve_fetch_parse(http_server, settings, cases)
    problems = _check_common(cases)
    # Documents the validator calls error-free are feeds we must accept.
    for case in cases:
        if case.expect == "!Error" and case.error is not None:
            problems.append(f"{case.name}: valid document refused: {case.error}")
    assert not problems, _report(problems)
    valid = [c for c in cases if c.expect == "!Error"]
    assert valid and all(c.feed is not None for c in valid)


# --- SyndiKit's real-world feeds: XML and JSON twins ------------------------------------------


def test_syndikit_real_feeds_xml_and_json_agree(
    http_server: LoopbackServer, settings: Settings
) -> None:
    root = shared_data("syndikit-real-feeds")
    cases = []
    for path in sorted((root / "XML").glob("*.gz")) + sorted((root / "JSON").glob("*.gz")):
        is_json = path.parent.name == "JSON"
        content_type = "application/feed+json" if is_json else "application/rss+xml"
        raw = path.read_bytes()  # served gzip-encoded, as a server would
        route = Route(raw, 200, {"Content-Type": content_type, "Content-Encoding": "gzip"})
        name = f"{path.parent.name}/{path.name.removesuffix('.gz')}"
        cases.append(Case(name, gzip.decompress(raw), route, content_type))
    _serve_fetch_parse(http_server, settings, cases)
    problems = _check_common(cases, use_oracle=False)  # real feeds: the twins are the check
    feeds = {c.name: c.feed for c in cases}
    problems += [f"{name}: {feeds[name]!r}" for name, feed in feeds.items() if not feed]
    problems += [f"{n}: no entries" for n, f in feeds.items() if f is not None and not f.entries]
    for case in cases:  # an independent count of the XML items, with lxml
        if case.name.startswith("XML/") and case.feed is not None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            tree = etree.fromstring(case.body, parser=parser)
            items = tree.xpath("//*[local-name()='item' or local-name()='entry']")
            keys = {_item_key(item) for item in items}  # news.rss repeats one item
            if len(keys) != len(case.feed.entries):
                problems.append(f"{case.name}: {len(case.feed.entries)} entries of {len(keys)}")
    pairs = 0
    for name, xml_feed in feeds.items():
        stem = name.removeprefix("XML/").removesuffix(".xml")
        json_feed = feeds.get(f"JSON/{stem}.json")
        if not name.startswith("XML/") or xml_feed is None or json_feed is None:
            continue
        pairs += 1
        if len(xml_feed.entries) != len(json_feed.entries):
            problems.append(f"{stem}: {len(xml_feed.entries)} XML vs {len(json_feed.entries)} JSON")
        elif xml_feed.entries[0].title != json_feed.entries[0].title:
            problems.append(
                f"{stem}: first titles differ: {xml_feed.entries[0].title!r} vs "
                f"{json_feed.entries[0].title!r}"
            )
    assert not problems, _report(problems)
    assert pairs >= 30
