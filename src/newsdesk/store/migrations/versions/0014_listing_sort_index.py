"""listing sort index: articles by coalesce(published_at, fetched_at), id; and by language

The listings (home page, outlets, My feed, the API) order by when an article counts
(published_at, else fetched_at) and id. Without an index on that expression SQLite and
PostgreSQL read and sort every article for each page: 0.8 s for the home page at 100,000
articles (bench/load.py --generated 100000); with it, a page reads its rows in index order.
The search page's language list (a count per language) likewise reads an index on
articles.language instead of every row, as the outlet list reads ix_articles_outlet.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_articles_seen",
        "articles",
        [sa.text("coalesce(published_at, fetched_at)"), "id"],
    )
    op.create_index("ix_articles_language", "articles", ["language"])


def downgrade() -> None:
    op.drop_index("ix_articles_language", table_name="articles")
    op.drop_index("ix_articles_seen", table_name="articles")
