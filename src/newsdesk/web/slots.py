"""Article-page slots for later features (hashtags, AI summary, quotes, Q&A, related, comments).

Each slot renders nothing while empty. Later work fills `article_slots()`; the templates in
templates/slots/ already know how to show the data described here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from newsdesk.store.models import Article
from newsdesk.web.queries import ArticleItem


@dataclass
class Quote:
    text: str
    speaker: str | None = None


@dataclass
class Answer:
    question: str
    answer: str


@dataclass
class AskBox:
    """The "Ask about this story" form: enabled when present (POSTs `question` to `action`)."""

    action: str
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Comment:
    author: str
    body: str  # plain text; escaped when rendered
    created_at: datetime | None = None


@dataclass
class ArticleSlots:
    hashtags: list[str] = field(default_factory=list)
    summary: str | None = None  # AI summary, plain text
    key_points: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    ask: AskBox | None = None  # None: feature off
    related: list[ArticleItem] = field(default_factory=list)
    comments: list[Comment] | None = None  # None: feature off; [] shows "no comments yet"

    def context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def article_slots(session: Session, article: Article) -> ArticleSlots:
    """Data for the later-feature slots of one article. Nothing yet: every slot is empty."""
    return ArticleSlots()
