"""The site the AI-layer web tests look at: real ECB+ news, really enriched, once per process.

tests/stories_support.build_corpus imports two ECB+ topics (four real events, five outlets each,
plus a syndicated copy) through the real pipeline path and runs the real enrich(). On top:

- one article imported after enrichment (it must show no AI sections);
- a tag, a quote and a description whose text is an HTML payload (they must render escaped),
  attached to one article of the 2011 pirates event.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.store import connect, session_scope
from newsdesk.store.models_ai import ArticleTag, DescriptionRow, Enrichment, QuoteRow, Tag

try:
    from .stories_support import Corpus, build_corpus, import_records
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from stories_support import Corpus, build_corpus, import_records  # type: ignore[no-redef]

XSS_TAG = '<script>alert("tag")</script>'
XSS_QUOTE = '<script>alert("quote")</script> and <img src=x onerror=alert(1)>'
XSS_DESC = '<script>alert("desc")</script>'
XSS_SLUG = "XssProbe"

LATE = {
    "url": "https://news.example/late/harbour-bridge",
    "title": "Harbour bridge reopens after three months of repairs",
    "text": (
        "Harbour bridge reopens after three months of repairs\n"
        "The harbour bridge reopened to traffic on Monday morning after three months of repairs "
        "to its steel deck, the city transport office said.\n"
        "Engineers replaced more than 400 rusted plates and repainted the main span.\n"
        "Commuters had used ferries and a long detour through the tunnel while it was closed.\n"
        "The mayor thanked residents for their patience and promised better maintenance."
    ),
    "source": "Late Desk",
}


@dataclass
class Site:
    corpus: Corpus
    settings: Settings  # the app's settings (same data directory as the corpus)
    unenriched_id: int
    xss_article_id: int
    story_of: dict[int, int | None]  # article id -> story id

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return connect(self.settings.db_url)

    def event(self, cluster: str) -> list[int]:
        """The article ids of one ECB+ event ("7_ecb": Klitschko-Rahman, 2008), by id."""
        return sorted(a for a, g in self.corpus.gold.items() if g == cluster)

    def main_story(self, cluster: str) -> int:
        counts = Counter(self.story_of[a] for a in self.event(cluster))
        story, _ = counts.most_common(1)[0]
        assert story is not None
        return story


def _add_xss(settings: Settings, article_id: int) -> None:
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        tag = Tag(slug=XSS_SLUG, label=XSS_TAG, kind="person", article_count=1)
        session.add(tag)
        session.flush()
        session.add(ArticleTag(article_id=article_id, tag_id=tag.id, score=0.99, is_hashtag=True))
        session.add(
            QuoteRow(
                article_id=article_id,
                quote=XSS_QUOTE,
                speaker=XSS_TAG,
                speaker_tag_id=tag.id,
                cue="said",
                kind="direct",
                position=99,
            )
        )
        session.add(DescriptionRow(tag_id=tag.id, article_id=article_id, phrase=XSS_DESC))
    engine.dispose()


@cache
def build_site(root: str, data: str) -> Site:
    corpus = build_corpus(root, data)
    settings = Settings(data_dir=Path(root), secret_key="test-secret")
    late = import_records(settings, [LATE])[LATE["url"]]
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        story_of = dict(session.execute(select(Enrichment.article_id, Enrichment.story_id)).all())
        originals = set(
            session.scalars(select(Enrichment.article_id).where(Enrichment.duplicate_of.is_(None)))
        )
    engine.dispose()
    pirates_2011 = [
        a for a, g in sorted(corpus.gold.items()) if g == "12_ecbplus" and a in originals
    ]
    xss_article = pirates_2011[-1]
    _add_xss(settings, xss_article)
    return Site(corpus, settings, late, xss_article, story_of)
