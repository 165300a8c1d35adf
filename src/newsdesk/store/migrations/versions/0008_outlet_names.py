"""outlet names: feeds.outlet_name / outlet_source, existing feeds and their articles renamed

Each feed gets the name newsdesk.sources.outlet derives from its title and site link ("CNN.com -
RSS Channel" -> "CNN"); its articles that showed the feed's title (or, untitled, the feed URL's
host) as their outlet show that name. og:site_name is not stored for old pages: the next refresh
that reads one of the feed's article pages refines the name.

Revision ID: 0008
Revises: 0007
"""

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

from newsdesk.sources.outlet import outlet_name

# The revision id the next migration (0009_search_stemming) names as its down_revision.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("outlet_name", sa.String(length=256), nullable=True))
    op.add_column("feeds", sa.Column("outlet_source", sa.String(length=16), nullable=True))
    bind = op.get_bind()
    feeds = sa.table(
        "feeds",
        sa.column("id", sa.Integer),
        sa.column("url", sa.String),
        sa.column("title", sa.String),
        sa.column("site_url", sa.String),
        sa.column("outlet_name", sa.String),
        sa.column("outlet_source", sa.String),
    )
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("outlet", sa.String))
    links = sa.table(
        "feed_articles", sa.column("feed_id", sa.Integer), sa.column("article_id", sa.Integer)
    )
    rows = bind.execute(sa.select(feeds.c.id, feeds.c.url, feeds.c.title, feeds.c.site_url)).all()
    for feed_id, url, title, site_url in rows:
        name = outlet_name(title=title, site_url=site_url, feed_url=url)
        bind.execute(
            feeds.update()
            .where(feeds.c.id == feed_id)
            .values(outlet_name=name or None, outlet_source="feed")
        )
        old = title or urlsplit(url).hostname or url  # what the refresher stored until now
        if name and old != name:
            mine = sa.select(links.c.article_id).where(links.c.feed_id == feed_id)
            bind.execute(
                articles.update()
                .where(articles.c.outlet == old, articles.c.id.in_(mine))
                .values(outlet=name)
            )


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("outlet_source")
        batch.drop_column("outlet_name")
