"""`newsdesk export stories`: one JSON line per article, with its story."""

from __future__ import annotations

import json
from typing import IO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from newsdesk.store.db import session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment, Story


def export_stories(engine: Engine, out: IO[str]) -> int:
    """One JSON line per article: article_id, url, title, outlet, published, story_id,
    story_title, duplicate_of. Articles not enriched yet have story_id null. Returns lines."""
    count = 0
    last = 0
    while True:
        with session_scope(engine) as session:
            rows = session.execute(
                select(
                    Article.id,
                    Article.url,
                    Article.title,
                    Article.outlet,
                    Article.published_at,
                    Enrichment.story_id,
                    Enrichment.duplicate_of,
                    Story.title,
                )
                .outerjoin(Enrichment, Enrichment.article_id == Article.id)
                .outerjoin(Story, Story.id == Enrichment.story_id)
                .where(Article.id > last)
                .order_by(Article.id)
                .limit(2000)
            ).all()
        if not rows:
            return count
        for r in rows:
            record = {
                "article_id": r[0],
                "url": r[1],
                "title": r[2],
                "outlet": r[3],
                "published": r[4].isoformat() if r[4] else None,
                "story_id": r[5],
                "story_title": r[7],
                "duplicate_of": r[6],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        last = rows[-1][0]
