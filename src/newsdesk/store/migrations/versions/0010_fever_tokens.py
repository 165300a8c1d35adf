"""api_tokens.scope may be "fever": the Fever API key of a reader app (web/fever.py)

Such a row stores the SHA-256 of the key md5("username:token"), which is what Fever apps send.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _scopes(check: str) -> None:
    # SQLite cannot alter a CHECK constraint: batch mode copies the table with the new one.
    with op.batch_alter_table("api_tokens", recreate="auto") as batch:
        batch.drop_constraint("ck_api_tokens_scope", type_="check")
        batch.create_check_constraint("ck_api_tokens_scope", check)


def upgrade() -> None:
    _scopes("scope IN ('api', 'feed', 'greader', 'fever')")


def downgrade() -> None:
    op.execute("DELETE FROM api_tokens WHERE scope = 'fever'")
    _scopes("scope IN ('api', 'feed', 'greader')")
