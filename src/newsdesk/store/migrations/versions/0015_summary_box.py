"""summary box: the article page's summary box sentences, stored at enrichment

The article page used to summarise the article past its opening words on every view (18 % of
an article page's CPU at 100,000 articles, bench/load.py). newsdesk.nlp.summary_box now
computes them once, when the article is enriched; rows enriched before this migration have
NULL and get theirs on their first page view (stored then). [] means: no box (a short article).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("enrichments", sa.Column("box_summary", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrichments") as batch:
        batch.drop_column("box_summary")
