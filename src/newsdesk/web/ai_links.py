"""The readers features' view of the AI tables (newsdesk.store.models_ai: stories, tags).

models_ai is owned by the enrichment work; without it every function here answers "nothing"
and the API / Atom routes for stories and tags are not registered.

Tags are hashtags and entities at once (tags.kind: person | organization | place | topic);
they are merged on their slug case-insensitively, so a follow's key is the lower-cased slug
(newsdesk.nlp.keyphrases.hashtag_slug): "#Brexit" -> "brexit", "Bank of England" ->
"bankofengland". An entity is a tag of kind person, organization or place.
"""

from __future__ import annotations

import importlib
import importlib.util
import weakref
from types import ModuleType
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, exists, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

ENTITY_KINDS = ("person", "organization", "place")
# Where the site shows a tag / a story (the pages are the stories work's).
TAG_PAGE = "/tags/{slug}"
STORY_PAGE = "/stories/{id}"


def models() -> ModuleType | None:
    try:
        return importlib.import_module("newsdesk.store.models_ai")
    except ImportError:
        return None


_ready: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def tables_ready(bind: Engine | Connection) -> bool:
    """models_ai is importable and its tables are in this database (migrated)."""
    engine = bind.engine
    if engine not in _ready:
        _ready[engine] = models() is not None and all(
            inspect(engine).has_table(name) for name in ("tags", "article_tags", "stories")
        )
    return _ready[engine]


def available(engine: Engine) -> bool:
    """The AI tables exist in `engine`'s database, and so do this package's routes for them."""
    if not tables_ready(engine):
        return False
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("newsdesk.web.atom_ai", "newsdesk.web.api.ai")
    )


def normalize_key(kind: str, key: str) -> str:
    """The follow key of a typed hashtag or name: its slug, lower-cased."""
    from newsdesk.web.reading import basic_key

    try:
        from newsdesk.nlp.keyphrases import hashtag_slug
    except ImportError:  # pragma: no cover - the nlp package is part of newsdesk
        return basic_key(kind, key)
    return hashtag_slug(key).lower()[:255]


def followed_tag_ids(session: Session, user_id: int) -> Select[Any] | None:
    m = models()
    if m is None or not tables_ready(session.get_bind()):
        return None
    from newsdesk.store.models_readers import Follow

    keys = select(Follow.key).where(Follow.user_id == user_id)
    return select(m.Tag.id).where(func.lower(m.Tag.slug).in_(keys))


def followed_condition(session: Session, user_id: int) -> ColumnElement[bool] | None:
    """A condition on Article: tagged with something the user follows (None: no tag tables)."""
    m = models()
    tag_ids = followed_tag_ids(session, user_id)
    if m is None or tag_ids is None:
        return None
    from newsdesk.store.models import Article

    return exists().where(m.ArticleTag.article_id == Article.id, m.ArticleTag.tag_id.in_(tag_ids))


def tag_condition(session: Session, tag_id: int) -> ColumnElement[bool] | None:
    m = models()
    if m is None or not tables_ready(session.get_bind()):
        return None
    from newsdesk.store.models import Article

    return exists().where(m.ArticleTag.article_id == Article.id, m.ArticleTag.tag_id == tag_id)


def story_condition(session: Session, story_id: int) -> ColumnElement[bool] | None:
    m = models()
    if m is None or not tables_ready(session.get_bind()):
        return None
    from newsdesk.store.models import Article

    return exists().where(m.Enrichment.article_id == Article.id, m.Enrichment.story_id == story_id)
