"""Bylines stored still escaped read as text: "Steve Scott (Scotty) &amp; John Fox"

feedparser keeps a <dc:creator>'s entities escaped; newsdesk stored it so, and pages showed
"&amp;" (newsdesk.sources.feeds reads it as text since). The stored ones are unescaped once:
&amp; last, so "&amp;lt;" becomes "&lt;", as one unescaping makes it.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# &amp; last: "&amp;lt;" becomes "&lt;", as one unescaping makes it
ENTITIES = (
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", '"'),
    ("&#39;", "'"),
    ("&#039;", "'"),
    ("&amp;", "&"),
)


def upgrade() -> None:
    articles = sa.table("articles", sa.column("author", sa.String))
    value: sa.ColumnElement[str] = articles.c.author
    for entity, char in ENTITIES:
        value = sa.func.replace(value, entity, char)
    op.execute(articles.update().where(articles.c.author.like("%&%;%")).values(author=value))


def downgrade() -> None:
    pass  # the escaped form was a fault, not data
