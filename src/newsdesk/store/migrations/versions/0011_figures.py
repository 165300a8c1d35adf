"""figures: the figure claims of each article (value, what is counted, when, who vouches)

Derived from the article text at enrichment (nlp/figures.py); rebuilt by `newsdesk enrich`.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=256), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("what", sa.String(length=512), nullable=True),
        sa.Column("what_key", sa.String(length=128), nullable=True),
        sa.Column("when", sa.String(length=256), nullable=True),
        sa.Column("source", sa.String(length=512), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_figures_article_id", "figures", ["article_id"])


def downgrade() -> None:
    op.drop_index("ix_figures_article_id", table_name="figures")
    op.drop_table("figures")
