"""Article-page slots of the AI layer: hashtags, AI summary, quotes, figures, Q&A, related, comments.

`article_slots()` is the single place that fills them, from what newsdesk.enrich stored
(newsdesk.stories.views.article_ai, newsdesk.stories.related.related). Each slot renders
nothing while empty: an article that is not enriched yet shows none of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.nlp.quotes import RankItem, rank_quotes
from newsdesk.nlp.summary_box import OPENING_WORDS, SHORT_ARTICLE_WORDS, box_sentences
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment, FigureRow
from newsdesk.stories import views
from newsdesk.stories.views import EnrichmentRow
from newsdesk.web.microcache import MicroCache
from newsdesk.web.queries import ArticleItem

log = logging.getLogger(__name__)

MAX_HASHTAGS = 8
MIN_HASHTAGS = 3  # fewer hashtags than this: add the article's main names (real tags too)
MAX_QUOTES = 8  # shown on top; every other quote is behind a "Show all N quotes" disclosure
MAX_RELATED = 8
# The AI slots of an article page are the same for every reader: each web process keeps them
# SLOTS_TTL seconds (web/microcache.py) for its SLOTS_CACHED most recently viewed articles,
# keyed by the article's enrichment stamp and story (re-enriched or moved: made again at once),
# and a story's box for as long, shared by the story's articles. What only other articles
# change (related articles, a story's counts) may thus show up to a minute late; a minute is
# what news sites' microcaches keep, and the worker adds articles every 30 s (its tick).
# Comments and anything of a reader are never kept (web/pages.py fills them on every view).
SLOTS_TTL = 60.0
SLOTS_CACHED = 4000  # articles; a few kB each
STORIES_CACHED = 4000
# Writing a box computed on a page view waits at most this long for the database's write lock
# (it is written on a later view otherwise).
BOX_WRITE_WAIT_MS = 50
# A pronoun is not a speaker worth naming ("I", "it" are what the text had, not who said it).
PRONOUNS = {"i", "it", "he", "she", "they", "we", "you", "this", "that", "who", "one"}


@dataclass
class SlotTag:
    """A hashtag linking to its tag page (views.TAG_PAGE)."""

    slug: str
    label: str
    kind: str = "topic"

    @property
    def url(self) -> str:
        return views.tag_url(self.slug)


@dataclass
class QuoteView:
    text: str
    speaker: str | None = None
    speaker_url: str | None = None  # the speaker's explainer page (a known entity)
    cue: str | None = None  # "said", "told", "according to"
    outlet: str | None = None  # a carried source: "... quoted by Reuters"
    kind: str = "direct"  # direct | reported


@dataclass
class Citation:
    sentence: str
    article_id: int
    outlet: str
    title: str


@dataclass
class AnswerView:
    question: str
    answer: str
    answered: bool = True
    citations: list[Citation] = field(default_factory=list)
    # Set when an LLM wrote `answer` from the citations: its name, and the answer as text runs
    # each followed by the number of the citation it refers to (newsdesk.nlp.llm.split_markers).
    composed_by: str | None = None
    composed_parts: list[tuple[str, int | None]] = field(default_factory=list)


@dataclass
class AskBox:
    """The "Ask about this story" form: enabled when present (POSTs `question` to `action`)."""

    action: str
    answers: list[AnswerView] = field(default_factory=list)


@dataclass
class CommentView:
    author: str
    body: str  # plain text; escaped when rendered
    created_at: datetime | None = None


@dataclass
class RelatedLink:
    """A related article: same story from another outlet, or a related story."""

    article_id: int
    outlet: str
    title: str
    snippet: str
    when: datetime | None
    same_story: bool


@dataclass
class StoryLink:
    id: int
    title: str
    article_count: int
    outlet_count: int
    days: int = 0  # a developing story's calendar days (views.developing_days); 0: not one

    @property
    def url(self) -> str:
        return views.story_url(self.id)


@dataclass
class ArticleSlots:
    hashtags: list[SlotTag | str] = field(default_factory=list)  # str: a search link
    summary: str | None = None  # AI summary, plain text
    # Written by the optional LLM from the summary's sentences (newsdesk.llm_summaries).
    abstractive: str | None = None
    abstractive_model: str | None = None
    key_points: list[str] = field(default_factory=list)
    quotes: list[QuoteView] = field(default_factory=list)  # shown: the most important first
    more_quotes: list[QuoteView] = field(default_factory=list)  # behind "Show all", text order
    figures: list[FigureRow] = field(default_factory=list)  # figure claims, text order
    ask: AskBox | None = None  # None: feature off
    related: list[ArticleItem | RelatedLink] = field(default_factory=list)
    comments: list[CommentView] | None = None  # None: feature off; [] shows "no comments yet"
    also_published_by: list[tuple[int, str]] = field(default_factory=list)  # (article id, outlet)
    story_link: StoryLink | None = None  # the story this article is part of (2+ articles)
    ai_summary: list[str] = field(default_factory=list)  # the extractive summary's sentences

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _folded(text: str) -> str:
    """For comparing what the page shows: case and spacing folded."""
    return " ".join(text.split()).casefold()


def _speaker(name: str | None) -> str | None:
    name = " ".join((name or "").split())
    return None if not name or name.casefold() in PRONOUNS else name


@dataclass
class SlotCaches:
    """One web process's microcaches of article slots and story boxes (see SLOTS_TTL)."""

    slots: MicroCache[ArticleSlots] = field(
        default_factory=lambda: MicroCache(SLOTS_TTL, SLOTS_CACHED)
    )
    stories: MicroCache[StoryLink | None] = field(
        default_factory=lambda: MicroCache(SLOTS_TTL, STORIES_CACHED)
    )


def article_slots(
    session: Session,
    article: Article,
    settings: Settings | None = None,
    caches: SlotCaches | None = None,
    keep: bool = True,
) -> ArticleSlots:
    """The AI slots of one article; all empty while the article is not enriched.

    `settings` locates the vector index for "Related stories" (the app's settings); `caches`:
    the app's SlotCaches (None: everything made anew). `keep`: keep the slots made in
    caches.slots. Not for a visitor who is not signed in: the whole page is kept then
    (web/pagecache.py), as long as the slots would be, and the slots of 2,000 articles kept
    in a process (90,000 objects) made each of its full garbage collections 40-100 ms, a
    pause for every request in the process."""
    # read on every view (the microcache's key), and all the slots need of the enrichment
    row = views.enrichment_row(session, article.id)
    if row is None:
        return ArticleSlots()

    def make() -> ArticleSlots:
        return _public_slots(session, article, settings, row, caches)

    key = (article.id, row.enriched_at, row.story_id)
    slots = caches.slots.get_or_make(key, make) if caches is not None and keep else make()
    if settings is not None and settings.llm_url and slots.ai_summary:
        from newsdesk.llm_summaries import shown_summary

        shown = shown_summary(session, settings, article.id, slots.ai_summary)
        if shown is not None:  # a copy: the cached slots are every reader's
            slots = replace(slots, abstractive=shown[0], abstractive_model=shown[1])
    return slots


def _public_slots(
    session: Session,
    article: Article,
    settings: Settings | None,
    row: EnrichmentRow,
    caches: SlotCaches | None,
) -> ArticleSlots:
    """The slots every reader sees alike (no LLM summary: that one is looked up per view)."""
    from newsdesk.stories.related import related  # numpy, the vector index: on first use

    ai = views.article_ai(session, article.id, row)
    box: list[str] | None = row.box_summary
    if ai is None:
        return ArticleSlots()
    slots = ArticleSlots()

    tags = list(ai.hashtags[:MAX_HASHTAGS])
    if len(tags) < MIN_HASHTAGS:
        taken = {t.slug.lower() for t in tags}
        extra = [e for e in ai.entities if e.slug.lower() not in taken]
        tags += extra[: MIN_HASHTAGS - len(tags)]
    slots.hashtags = [SlotTag(t.slug, t.label, t.kind) for t in tags]

    sentences = [" ".join(s.split()) for s in ai.summary if s and s.strip()]
    slots.ai_summary = sentences
    words = (article.text or "").split()
    if len(words) >= SHORT_ARTICLE_WORDS:
        opening = _folded(" ".join(words[:OPENING_WORDS]))
        if box is None:  # enriched before migration 0015: made once, here
            box = box_sentences(article.text or "", article.title or "")
            _store_box(session, article.id, box)
        slots.summary = " ".join(box) or None
        in_box = _folded(" ".join([*sentences, *box]))
        slots.key_points = [
            " ".join(p.split())
            for p in ai.key_points
            if p.strip() and _folded(p) not in in_box and _folded(p) not in opening
        ]

    # A text read at a glance (a feed's teaser of a sentence or two) is not shown again in
    # boxes: its quote and its figures would repeat it right below it.
    if len(words) > OPENING_WORDS:
        _quotes_and_figures(session, article, ai, slots)

    slots.ask = AskBox(action=f"/articles/{article.id}/ask")
    slots.also_published_by = [(i, outlet) for i, outlet, _url in ai.also_published_by]

    try:
        items = related(session, article.id, MAX_RELATED, settings=settings, row=row)
    except Exception:  # the page stays up without its related list (the index is rebuilt later)
        log.exception("related articles of %s failed", article.id)
        items = []
    for r in items:
        slots.related.append(
            RelatedLink(
                r.article_id,
                r.outlet,
                r.title,
                r.lead or r.snippet,
                r.when or r.published,
                r.same_story,
            )
        )

    story_id = ai.story_id
    if story_id is not None:
        if caches is None:
            slots.story_link = _story_link(session, story_id)
        else:
            slots.story_link = caches.stories.get_or_make(
                story_id, lambda: _story_link(session, story_id)
            )
    return slots


def _quotes_and_figures(
    session: Session, article: Article, ai: views.ArticleAI, slots: ArticleSlots
) -> None:
    """The quotes box (the most important first, the rest behind "Show all") and the figures."""
    found: list[QuoteView] = []
    written: list[str | None] = []  # each speaker as the article writes it ("Grossi")
    for q in ai.quotes:  # in text order
        text = views.clean_quote(q.quote)
        if not text or any(text == seen.text for seen in found):
            continue
        speaker = _speaker(q.speaker)
        if q.kind != "direct" and not speaker:
            continue  # a reported clause with no one named saying it ("it said ...") says nothing
        known = bool(speaker and q.speaker_slug)
        written.append(speaker)
        found.append(
            QuoteView(
                text=text,
                # a known person or body by its name in full, as its explainer page has it
                speaker=(q.speaker_label or speaker) if known else speaker,
                speaker_url=views.tag_url(q.speaker_slug) if known and q.speaker_slug else None,
                cue=q.cue if speaker else None,
                outlet=q.outlet,
                kind=q.kind,
            )
        )
    # the most important first (newsdesk.nlp.quotes.rank_quotes), the rest behind "Show all"
    top, rest = rank_quotes(
        [
            RankItem(v.text, name, v.kind, v.speaker_url is not None, v.outlet)
            for v, name in zip(found, written, strict=True)
        ],
        article.text or "",
        article.title or "",
        MAX_QUOTES,
    )
    slots.quotes = [found[i] for i in top]
    slots.more_quotes = [found[i] for i in rest]
    slots.figures = views.article_figures(session, article.id)


def _story_link(session: Session, story_id: int) -> StoryLink | None:
    """The story box: the article's story when it has 2 articles or more."""
    story = views.story_card(session, story_id, outlets=False)
    if story is None or story.article_count < 2:
        return None
    return StoryLink(story.id, story.title, story.article_count, story.outlet_count, story.days)


def _store_box(session: Session, article_id: int, box: list[str]) -> None:
    """Store a summary box computed on a page view, in a short transaction of its own that
    waits at most BOX_WRITE_WAIT_MS for the write lock; never raises (the next view tries
    again)."""
    engine = session.get_bind()
    try:
        assert isinstance(engine, Engine)
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                previous = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0)
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BOX_WRITE_WAIT_MS}")
            else:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{BOX_WRITE_WAIT_MS}ms'")
            try:
                conn.execute(
                    update(Enrichment)
                    .where(Enrichment.article_id == article_id)
                    .values(box_summary=box)
                )
                conn.commit()
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={previous}")
    except Exception as exc:
        log.info("summary box of %s not stored now: %s", article_id, exc)
