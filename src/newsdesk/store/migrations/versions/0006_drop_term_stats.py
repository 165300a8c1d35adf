"""drop term_stats: a table for clustering IDF that nothing ever read or wrote

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("term_stats")


def downgrade() -> None:
    op.create_table(
        "term_stats",
        sa.Column("term", sa.String(length=255), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term"),
    )
