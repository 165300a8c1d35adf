"""Titles stored still escaped read as text: Apple's "Safari &amp; Web"

A feed's HTML-typed title without a tag was stored as feedparser gave it, still escaped
(newsdesk.sources.feeds reads it as HTML since). Article, story and feed titles holding an
entity are unescaped once, entity by entity ("AT&T;" and "&copy" with no ";" stay as they
are); on SQLite the full-text index follows its trigger, on PostgreSQL the generated column.

Revision ID: 0019
Revises: 0018
"""

import html
import re

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")


def unescaped(title: str) -> str:
    """`title` with each complete entity read once."""
    return ENTITY.sub(lambda m: html.unescape(m.group()), title)


def upgrade() -> None:
    bind = op.get_bind()
    for name in ("articles", "stories", "feeds"):
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("title", sa.String))
        rows = bind.execute(
            sa.select(table.c.id, table.c.title).where(table.c.title.like("%&%;%"))
        ).all()
        for row_id, title in rows:
            new = unescaped(title)
            if new != title:
                bind.execute(table.update().where(table.c.id == row_id).values(title=new))


def downgrade() -> None:
    pass  # the escaped form was a fault, not data
