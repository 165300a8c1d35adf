"""Article-page slots of the AI layer: hashtags, AI summary, quotes, figures, Q&A, related, comments.

`article_slots()` is the single place that fills them, from what newsdesk.enrich stored
(newsdesk.stories.views.article_ai, newsdesk.stories.related.related). Each slot renders
nothing while empty: an article that is not enriched yet shows none of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.nlp.quotes import RankItem, rank_quotes
from newsdesk.store.models import Article
from newsdesk.store.models_ai import FigureRow
from newsdesk.stories import views
from newsdesk.web.queries import ArticleItem

log = logging.getLogger(__name__)

MAX_HASHTAGS = 8
MIN_HASHTAGS = 3  # fewer hashtags than this: add the article's main names (real tags too)
MAX_QUOTES = 8  # shown on top; every other quote is behind a "Show all N quotes" disclosure
MAX_RELATED = 8
# The summary box sits right above the article: what it shows must not be what the reader reads
# next. It summarises the article past its first OPENING_WORDS words (bench/summaries.py scores
# it), and an article shorter than SHORT_ARTICLE_WORDS gets no summary box at all (it is its
# own summary).
OPENING_WORDS = 100
SHORT_ARTICLE_WORDS = 200
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

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _box_sentences(text: str, title: str) -> list[str]:
    """The summary box: the article summarised past its first OPENING_WORDS words, which the
    page prints right below the box (nlp.summarize.summarize_sentences, skip_words)."""
    from newsdesk.nlp.dateline import strip_dateline
    from newsdesk.nlp.summarize import summarize_sentences  # spaCy's stop words: on first use
    from newsdesk.nlp.text import normalize_text
    from newsdesk.nlp.text import sentences as split

    sents = [strip_dateline(s) for s in split(normalize_text(text))]
    idx = summarize_sentences(sents, title, 3, skip_words=OPENING_WORDS)
    return [" ".join(sents[i].split()) for i in idx]


def _folded(text: str) -> str:
    """For comparing what the page shows: case and spacing folded."""
    return " ".join(text.split()).casefold()


def _speaker(name: str | None) -> str | None:
    name = " ".join((name or "").split())
    return None if not name or name.casefold() in PRONOUNS else name


def article_slots(
    session: Session, article: Article, settings: Settings | None = None
) -> ArticleSlots:
    """The AI slots of one article; all empty while the article is not enriched.

    `settings` locates the vector index for "Related stories" (the app's settings).
    """
    from newsdesk.stories.related import related  # numpy, the vector index: on first use

    ai = views.article_ai(session, article.id)
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
    if settings is not None and settings.llm_url and sentences:
        from newsdesk.llm_summaries import shown_summary

        shown = shown_summary(session, settings, article.id, sentences)
        if shown is not None:
            slots.abstractive, slots.abstractive_model = shown
    words = (article.text or "").split()
    if len(words) >= SHORT_ARTICLE_WORDS:
        opening = _folded(" ".join(words[:OPENING_WORDS]))
        box = _box_sentences(article.text or "", article.title or "")
        slots.summary = " ".join(box) or None
        in_box = _folded(" ".join([*sentences, *box]))
        slots.key_points = [
            " ".join(p.split())
            for p in ai.key_points
            if p.strip() and _folded(p) not in in_box and _folded(p) not in opening
        ]

    found: list[QuoteView] = []
    for q in ai.quotes:  # in text order
        text = views.clean_quote(q.quote)
        if not text or any(text == seen.text for seen in found):
            continue
        speaker = _speaker(q.speaker)
        found.append(
            QuoteView(
                text=text,
                speaker=speaker,
                speaker_url=views.tag_url(q.speaker_slug) if speaker and q.speaker_slug else None,
                cue=q.cue if speaker else None,
                outlet=q.outlet,
                kind=q.kind,
            )
        )
    # the most important first (newsdesk.nlp.quotes.rank_quotes), the rest behind "Show all"
    top, rest = rank_quotes(
        [RankItem(v.text, v.speaker, v.kind, v.speaker_url is not None, v.outlet) for v in found],
        article.text or "",
        article.title or "",
        MAX_QUOTES,
    )
    slots.quotes = [found[i] for i in top]
    slots.more_quotes = [found[i] for i in rest]
    slots.figures = views.article_figures(session, article.id)

    slots.ask = AskBox(action=f"/articles/{article.id}/ask")
    slots.also_published_by = [(i, outlet) for i, outlet, _url in ai.also_published_by]

    try:
        items = related(session, article.id, MAX_RELATED, settings=settings)
    except Exception:  # the page stays up without its related list (the index is rebuilt later)
        log.exception("related articles of %s failed", article.id)
        items = []
    heads = views.article_heads(session, [r.article_id for r in items])
    for r in items:
        when, snippet = heads.get(r.article_id, (None, ""))
        slots.related.append(
            RelatedLink(
                r.article_id,
                r.outlet,
                r.title,
                snippet or r.snippet,
                when or r.published,
                r.same_story,
            )
        )

    story = views.article_story(session, article.id)
    if story is not None and story.article_count >= 2:
        slots.story_link = StoryLink(
            story.id, story.title, story.article_count, story.outlet_count, story.days
        )
    return slots
