"""Live-feed story scenario: real feeds on loopback, article pages that cannot be fetched.

Three real feeds from ../shared/data/syndikit-real-feeds (DR "Seneste nyt" in Danish, GameStar's
news in German, CNN's latest in English; labels in bench/data/live-feeds-labels.json, with how
they were made) are served on 127.0.0.1 with their item links pointed at the same server, where
every article page fails as pages do every day: DR's are forbidden by robots.txt, CNN's answer
403 (a paywall), GameStar's 404. newsdesk then has only what the feeds say: DR's headlines,
GameStar's and CNN's teasers.

The path is the real one: `newsdesk feeds add` and `newsdesk refresh` run as commands in a
fresh data directory, then the enrich run that `newsdesk enrich` calls (in this process, so that
bench/stories.py can time story assignment and try other clustering parameters).

    python bench/stories.py --sets live
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import SHARED

FEEDS_DIR = SHARED / "syndikit-real-feeds" / "XML"
LABELS = Path(__file__).resolve().parent / "data" / "live-feeds-labels.json"
# feed file -> (path prefix of its article pages, how those pages fail)
PAGES = {
    "senestenyt.xml.gz": ("dr", "robots"),
    "cnn_latest.xml.gz": ("cnn", 403),
    "news.rss.gz": ("gamestar", 404),
}
_LINK = re.compile(rb"(<link>\s*(?:<!\[CDATA\[)?)(https?://[^<\]\s]+)")


def _rewritten(feed: bytes, base: str, prefix: str) -> bytes:
    """The feed with each item's <link> pointed at this server (the channel link too)."""
    count = [0]

    def sub(match: re.Match[bytes]) -> bytes:
        count[0] += 1
        return match.group(1) + f"{base}/{prefix}/{count[0]}.html".encode()

    return _LINK.sub(sub, feed)


@contextlib.contextmanager
def serve() -> Iterator[str]:
    """Serve the feeds at /feeds/<file without .gz> on loopback; yields the base URL."""
    bodies: dict[str, bytes] = {}
    failing: dict[str, object] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                self._send(200, b"User-agent: *\nDisallow: /dr/\n", "text/plain")
            elif self.path in bodies:
                self._send(200, bodies[self.path], "application/rss+xml")
            else:
                status = failing.get(self.path.strip("/").split("/")[0], 404)
                code = status if isinstance(status, int) else 404
                self._send(code, b"<html><body>Subscribe to read</body></html>", "text/html")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for name, (prefix, how) in PAGES.items():
        feed = gzip.decompress((FEEDS_DIR / name).read_bytes())
        bodies[f"/feeds/{name.removesuffix('.gz')}"] = _rewritten(feed, base, prefix)
        failing[prefix] = how
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("newsdesk")), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"newsdesk {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def gold_labels() -> dict[tuple[str, str], str]:
    """(outlet-independent feed file, title) -> event label, from the labels file."""
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    return {
        (feed, title): label
        for feed, titles in data["labels"].items()
        for title, label in titles.items()
    }


def run_live(enrich_fn, keep: Path | None = None) -> dict:  # type: ignore[no-untyped-def]
    """Subscribe, refresh, enrich (`enrich_fn(engine, settings)`); the stories with labels.
    `keep`: copy the data directory there (to look at the pages, or try parameters on it)."""
    from sqlalchemy import select

    from newsdesk.config import Settings
    from newsdesk.store import Article, connect, session_scope
    from newsdesk.store.models import Feed, FeedArticle
    from newsdesk.store.models_ai import Enrichment

    labels = gold_labels()
    with tempfile.TemporaryDirectory() as tmp, serve() as base:
        env = dict(os.environ)
        env.update(
            NEWSDESK_DATA_DIR=tmp,
            NEWSDESK_ALLOWED_NETWORKS="127.0.0.0/8",
            NEWSDESK_TIMEOUT="5",
            # The three outlets share one loopback host: pace them as three hosts would be.
            NEWSDESK_PAGES_PER_HOST_PER_MINUTE="6000",
            NEWSDESK_PAGES_PER_HOST_BURST="100",
            HF_HUB_OFFLINE="1",
        )
        env.pop("NEWSDESK_DATABASE_URL", None)
        for name in PAGES:
            _cli(env, "feeds", "add", f"{base}/feeds/{name.removesuffix('.gz')}")
        _cli(env, "refresh")
        settings = Settings(data_dir=Path(tmp))
        engine = connect(settings.db_url)
        enriched = enrich_fn(engine, settings)
        with session_scope(engine) as session:
            feed_file = {
                fid: url.rsplit("/", 1)[1] + ".gz"
                for fid, url in session.execute(select(Feed.id, Feed.url))
            }
            rows = session.execute(
                select(
                    Article.id,
                    FeedArticle.feed_id,
                    Article.outlet,
                    Article.title,
                    Article.language,
                    Article.text,
                    Enrichment.story_id,
                    Enrichment.language,
                )
                .join(Enrichment, Enrichment.article_id == Article.id)
                .join(FeedArticle, FeedArticle.article_id == Article.id)
            ).all()
        engine.dispose()
        if keep is not None:
            import shutil

            shutil.copytree(tmp, keep, dirs_exist_ok=True)
    items = []
    for aid, fid, outlet, title, lang, text, story, elang in rows:
        feed = feed_file.get(fid, "")
        items.append(
            {
                "id": aid,
                "feed": feed,
                "outlet": outlet,
                "title": title,
                "text": text or "",
                "language": lang,
                "enrich_language": elang,
                "story": story if story is not None else f"none-{aid}",
                "gold": labels.get((feed, title), f"{feed}:{title}"),
            }
        )
    return {"enriched": enriched, "items": items}


def report(items: list[dict], largest: int = 8) -> dict:
    """B-cubed against the labels, and what a reader would see: the largest stories."""
    from stories import b_cubed

    pred = [i["story"] for i in items]
    gold = [i["gold"] for i in items]
    p, r, f = b_cubed(pred, gold)
    _, r_alone, _ = b_cubed([i["id"] for i in items], gold)
    by_story: dict[object, list[dict]] = defaultdict(list)
    for item in items:
        by_story[item["story"]].append(item)
    multi = [m for m in by_story.values() if len(m) > 1]
    one_outlet = [m for m in multi if len({i["outlet"] for i in m}) == 1]
    # A story of 3+ items holding 3+ different events: "unrelated items merged".
    mixed = [m for m in multi if len(m) >= 3 and len({i["gold"] for i in m}) >= 3]
    wrong_pairs = sum(
        1
        for m in multi
        for a in range(len(m))
        for b in range(a + 1, len(m))
        if m[a]["gold"] != m[b]["gold"]
    )
    languages = Counter(i["language"] or "none" for i in items)
    shown = sorted(multi, key=lambda m: -len(m))[:largest]
    return {
        "items": len(items),
        "precision": p,
        "recall": r,
        "f1": f,
        "recall_all_alone": r_alone,
        "stories_with_2plus": len(multi),
        "one_outlet_stories": len(one_outlet),
        "mixed_stories_3plus": len(mixed),
        "wrong_pairs": wrong_pairs,
        "languages": dict(languages),
        "largest": [
            [{"outlet": i["outlet"], "title": i["title"], "gold": i["gold"]} for i in m]
            for m in shown
        ],
    }


def print_report(res: dict) -> None:
    print(
        f"  B3 P {res['precision']:.3f} R {res['recall']:.3f} F1 {res['f1']:.3f}"
        f" (every item alone: R {res['recall_all_alone']:.3f});"
        f" {res['stories_with_2plus']} stories of 2+, {res['one_outlet_stories']} from one outlet,"
        f" {res['mixed_stories_3plus']} of 3+ items from 3+ events, {res['wrong_pairs']} wrong pairs;"
        f" languages {res['languages']}"
    )
    for members in res["largest"]:
        print(f"  story of {len(members)}:")
        for m in members:
            print(f"    - [{m['outlet']}] {m['title'][:90]}  ({m['gold'][:30]})")


if __name__ == "__main__":
    from newsdesk.enrich import enrich

    keep = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    result = run_live(lambda engine, settings: enrich(engine, settings), keep)
    print_report(report(result["items"]))
