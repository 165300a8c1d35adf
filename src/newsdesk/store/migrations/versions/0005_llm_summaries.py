"""llm summaries: abstractive summaries written by the optional LLM backend

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from newsdesk.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_summaries",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("source_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "model"),
    )
    op.create_index("ix_llm_summaries_model_status", "llm_summaries", ["model", "status"])


def downgrade() -> None:
    op.drop_index("ix_llm_summaries_model_status", table_name="llm_summaries")
    op.drop_table("llm_summaries")
