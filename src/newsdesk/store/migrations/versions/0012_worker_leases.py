"""worker leases: which worker holds which feed or article, until when (ingest/leases.py)

One row per claimed item: kind ("feed" or "article"), the item's id, the owner (host:pid:nonce)
and the time the lease expires. An index on enrichments.enriched_at lets a worker catch up with
the rows other workers wrote since it last looked (near-duplicate signatures, vectors).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("item_id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_leases_owner", "leases", ["owner"])
    op.create_index("ix_enrichments_enriched_at", "enrichments", ["enriched_at"])


def downgrade() -> None:
    op.drop_index("ix_enrichments_enriched_at", table_name="enrichments")
    op.drop_index("ix_leases_owner", table_name="leases")
    op.drop_table("leases")
