"""story rank as a logarithm: re-rank every story once with the new formula

newsdesk.stories.assign.story_score now returns log(weight) - age / 12 h x log 2 (the same order
as weight halved every 12 h, without underflow). Stored scores of the old formula would sort
above every new one; they are recomputed here (the count of recent articles taken as the
article count up to 1; the next re-rank corrects the recent stories).

Revision ID: 0007
Revises: 0006
"""

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from newsdesk.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HALF_LIFE_H = 12.0


def _score(outlets: int, articles: int, last_seen: datetime | None, now: datetime) -> float:
    if last_seen is None:
        return -1e9
    if last_seen.tzinfo is None:
        last_seen = last_seen.replace(tzinfo=UTC)
    age_h = max(0.0, (now - last_seen).total_seconds() / 3600.0)
    outlets, articles = max(1, outlets or 1), max(1, articles or 1)
    weight = 2.0 * math.log1p(outlets) + math.log1p(articles) + 0.5 * math.log1p(1)
    return math.log(weight) - age_h / HALF_LIFE_H * math.log(2.0)


def upgrade() -> None:
    bind = op.get_bind()
    stories = sa.table(
        "stories",
        sa.column("id", sa.Integer),
        sa.column("outlet_count", sa.Integer),
        sa.column("article_count", sa.Integer),
        sa.column("last_seen", UTCDateTime()),
        sa.column("score", sa.Float),
    )
    now = datetime.now(UTC)
    rows = bind.execute(
        sa.select(
            stories.c.id, stories.c.outlet_count, stories.c.article_count, stories.c.last_seen
        )
    ).all()
    for story_id, outlets, articles, last_seen in rows:
        bind.execute(
            stories.update()
            .where(stories.c.id == story_id)
            .values(score=_score(outlets, articles, last_seen, now))
        )


def downgrade() -> None:
    pass  # the old scores come back with the next re-rank
