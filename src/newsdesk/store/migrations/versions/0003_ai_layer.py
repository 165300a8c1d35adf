"""AI layer: enrichments, stories, tags, quotes, descriptions, term statistics

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from newsdesk.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=1024), nullable=False),
        sa.Column("title_article_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=True),
        sa.Column("last_seen", UTCDateTime(), nullable=True),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("outlet_count", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["title_article_id"], ["articles.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"])
    op.create_index("ix_stories_score", "stories", ["score"])

    op.create_table(
        "enrichments",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=255), nullable=False),
        sa.Column("enriched_at", UTCDateTime(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("key_points", sa.JSON(), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["duplicate_of"], ["articles.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("article_id"),
    )
    op.create_index("ix_enrichments_model_version", "enrichments", ["model_version"])
    op.create_index("ix_enrichments_duplicate_of", "enrichments", ["duplicate_of"])
    op.create_index("ix_enrichments_story_id", "enrichments", ["story_id"])
    op.create_index("ix_enrichments_seen_at", "enrichments", ["seen_at"])

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("article_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_tags_slug_lower", "tags", [sa.text("lower(slug)")])
    op.create_table(
        "tag_aliases",
        sa.Column("alias_key", sa.String(length=255), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias_key"),
    )
    op.create_index("ix_tag_aliases_tag_id", "tag_aliases", ["tag_id"])
    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("is_hashtag", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "tag_id"),
    )
    op.create_index("ix_article_tags_tag", "article_tags", ["tag_id", "article_id"])
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("speaker", sa.String(length=512), nullable=True),
        sa.Column("speaker_tag_id", sa.Integer(), nullable=True),
        sa.Column("cue", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("outlet", sa.String(length=256), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["speaker_tag_id"], ["tags.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quotes_article_id", "quotes", ["article_id"])
    op.create_index("ix_quotes_speaker_tag_id", "quotes", ["speaker_tag_id"])
    op.create_table(
        "descriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tag_id", "article_id", "phrase", name="uq_description"),
    )
    op.create_index("ix_descriptions_tag_id", "descriptions", ["tag_id"])
    op.create_index("ix_descriptions_article_id", "descriptions", ["article_id"])
    op.create_table(
        "term_stats",
        sa.Column("term", sa.String(length=255), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term"),
    )


def downgrade() -> None:
    op.drop_table("term_stats")
    op.drop_index("ix_descriptions_article_id", table_name="descriptions")
    op.drop_index("ix_descriptions_tag_id", table_name="descriptions")
    op.drop_table("descriptions")
    op.drop_index("ix_quotes_speaker_tag_id", table_name="quotes")
    op.drop_index("ix_quotes_article_id", table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_article_tags_tag", table_name="article_tags")
    op.drop_table("article_tags")
    op.drop_index("ix_tag_aliases_tag_id", table_name="tag_aliases")
    op.drop_table("tag_aliases")
    op.drop_index("ix_tags_slug_lower", table_name="tags")
    op.drop_table("tags")
    op.drop_index("ix_enrichments_seen_at", table_name="enrichments")
    op.drop_index("ix_enrichments_story_id", table_name="enrichments")
    op.drop_index("ix_enrichments_duplicate_of", table_name="enrichments")
    op.drop_index("ix_enrichments_model_version", table_name="enrichments")
    op.drop_table("enrichments")
    op.drop_index("ix_stories_score", table_name="stories")
    op.drop_index("ix_stories_last_seen", table_name="stories")
    op.drop_table("stories")
