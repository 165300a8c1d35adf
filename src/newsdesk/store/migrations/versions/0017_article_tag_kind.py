"""Each article's say on its tags' kinds: `article_tags.kind`

A tag's kind (person, organisation, place or topic) was the kind its first article gave it,
so one article's misreading typed the tag for every later one ("Ballymena" an organisation).
Each article now records the kind it read, and a tag takes the kind most of its articles
gave (newsdesk.enrich.store). The rows already stored vote for their tag's present kind.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("article_tags", sa.Column("kind", sa.String(32), nullable=True))
    op.execute(
        "UPDATE article_tags SET kind ="
        " (SELECT tags.kind FROM tags WHERE tags.id = article_tags.tag_id)"
    )


def downgrade() -> None:
    op.drop_column("article_tags", "kind")  # SQLite 3.35+ drops a column in place
