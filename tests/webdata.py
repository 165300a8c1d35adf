"""Real-looking feeds, articles and errors for the web tests (BBC News texts from shared data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from newsdesk.store import Article, ErrorRecord, Feed, FeedArticle, session_scope

NOW = datetime.now(UTC).replace(microsecond=0)

# (category/file, outlet, hours ago published or None: only fetched_at is known)
STORIES = [
    ("business/001", "BBC Business", 2),
    ("business/002", "BBC Business", 5),
    ("tech/001", "BBC Technology", 26),
    ("tech/002", "BBC Technology", 3 * 24 + 1),
    ("sport/001", "BBC Sport", None),  # fetched 30 minutes ago, no published date
    ("politics/001", "BBC Politics", 40 * 24),
]
FEED_OF = {"tech": "technology", "sport": "sport"}
AUTHORS = {"BBC Business": "Simon Jack", "BBC Technology": "Zoe Kleinman"}
XSS_TITLE = "<script>alert(1)</script> Markets <img src=x onerror=alert(1)> rally"
FEED_ERROR = "HTTP 503 Service Unavailable from feeds.bbci.co.uk"


@dataclass
class Story:
    id: int
    title: str
    outlet: str
    text: str
    path: str


@dataclass
class Dataset:
    stories: list[Story] = field(default_factory=list)
    feed_ids: dict[str, int] = field(default_factory=dict)
    xss_id: int = 0

    def by_path(self, path: str) -> Story:
        return next(s for s in self.stories if s.path == path)


def read_story(bbc: Path, path: str) -> tuple[str, str]:
    """(headline, body) of a BBC corpus file: first line headline, blank line, then paragraphs."""
    raw = (bbc / f"{path}.txt").read_text(encoding="utf-8", errors="replace")
    title, _, body = raw.partition("\n")
    return title.strip(), body.strip()


def populate(engine: Engine, bbc_news: Path) -> Dataset:
    """Insert three feeds (one failing), the STORIES, an XSS probe article and ErrorRecords."""
    bbc = bbc_news / "bbc"
    now = datetime.now(UTC).replace(microsecond=0)  # per call: pages show times relative to it
    data = Dataset()
    with session_scope(engine) as s:
        feeds = {
            "business": Feed(
                url="https://feeds.bbci.co.uk/news/business/rss.xml",
                site_url="https://www.bbc.co.uk/news/business",
                title="BBC News - Business",
                category="business",
                last_fetched_at=now - timedelta(minutes=10),
                last_success_at=now - timedelta(minutes=10),
                next_fetch_at=now + timedelta(minutes=20),
            ),
            "technology": Feed(
                url="https://feeds.bbci.co.uk/news/technology/rss.xml",
                site_url="https://www.bbc.co.uk/news/technology",
                title="BBC News - Technology",
                last_fetched_at=now - timedelta(minutes=12),
                last_success_at=now - timedelta(days=2),
                next_fetch_at=now + timedelta(minutes=45),
                last_error=FEED_ERROR,
                error_count=3,
            ),
            "sport": Feed(
                url="https://feeds.bbci.co.uk/sport/rss.xml",
                site_url="https://www.bbc.co.uk/sport",
                title="BBC Sport",
            ),
        }
        s.add_all(feeds.values())
        s.flush()
        data.feed_ids = {k: f.id for k, f in feeds.items()}
        for path, outlet, hours in STORIES:
            title, body = read_story(bbc, path)
            category, number = path.split("/")
            published = now - timedelta(hours=hours) if hours is not None else None
            article = Article(
                url=f"https://www.bbc.co.uk/news/{category}-{number}",
                title=title,
                author=AUTHORS.get(outlet),
                outlet=outlet,
                published_at=published,
                fetched_at=now - timedelta(minutes=30),
                language="en",
                text=body,
                word_count=len(body.split()),
            )
            if path == "business/001":  # as the pipeline stores it: sanitized HTML paragraphs
                article.html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            s.add(article)
            s.flush()
            feed = feeds[FEED_OF.get(category, "business")]
            s.add(FeedArticle(feed_id=feed.id, article_id=article.id, guid=article.url))
            data.stories.append(Story(article.id, title, outlet, body, path))
        probe = Article(
            url="https://example.org/markets",
            title=XSS_TITLE,
            author="<b>Mallory</b>",
            outlet="Example <i>Wire</i>",
            published_at=now - timedelta(days=20),
            text="Shares rose <script>alert(2)</script> on Monday.",
            word_count=6,
        )
        s.add(probe)
        s.flush()
        data.xss_id = probe.id
        s.add_all(
            [
                ErrorRecord(
                    feed_id=feeds["technology"].id,
                    url=feeds["technology"].url,
                    stage="fetch",
                    message=FEED_ERROR,
                    created_at=now - timedelta(minutes=12),
                ),
                ErrorRecord(
                    feed_id=feeds["business"].id,
                    url="https://www.bbc.co.uk/news/business-999",
                    stage="extract",
                    message="no main content found (trafilatura returned nothing)",
                    created_at=now - timedelta(hours=3),
                ),
            ]
        )
    return data


def add_page_failures(engine: Engine, data: Dataset) -> int:
    """On top of populate(): one business article page failed, and a new "world" feed whose
    fetch is fine but whose 3 article pages all failed, with 3 alike HTTP 404 ErrorRecords
    (differing only in URL and a long id) and one HTTP 503. The world feed's id."""
    now = datetime.now(UTC).replace(microsecond=0)
    with session_scope(engine) as s:
        s.get_one(Article, data.by_path("business/002").id).extraction_error = "HTTP 403"
        world = Feed(
            url="https://feeds.bbci.co.uk/news/world/rss.xml",
            site_url="https://www.bbc.co.uk/news/world",
            title="BBC News - World",
            last_fetched_at=now - timedelta(minutes=5),
            last_success_at=now - timedelta(minutes=5),
            next_fetch_at=now + timedelta(minutes=25),
        )
        s.add(world)
        s.flush()
        for n in range(1, 4):
            url = f"https://www.bbc.co.uk/news/world-{n}"
            article = Article(  # old: it stays off the top of the home page
                url=url,
                title=f"World story {n}",
                outlet="BBC World",
                fetched_at=now - timedelta(days=60),
            )
            article.extraction_error = f"HTTP 404 for {url}"
            s.add(article)
            s.flush()
            s.add(FeedArticle(feed_id=world.id, article_id=article.id, guid=url))
            s.add(
                ErrorRecord(
                    feed_id=world.id,
                    url=url,
                    stage="extract",
                    message=f"HTTP 404 for {url} (request 6812734{n})",
                    created_at=now - timedelta(minutes=10 * n),
                )
            )
        s.add(
            ErrorRecord(
                feed_id=world.id,
                url="https://www.bbc.co.uk/news/world-9",
                stage="extract",
                message="HTTP 503 for https://www.bbc.co.uk/news/world-9",
                created_at=now - timedelta(hours=1),
            )
        )
        return world.id
