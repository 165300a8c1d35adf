"""PostgreSQL search: the newest matches of a query, found through the GIN index

`newsdesk_newest_matches(query, n)`: the ids of the `n` most recently stored articles whose
`search_doc` matches `query`. Search ranks those (newsdesk.store.search PG_RANKED) instead of
every match: ts_rank_cd reads each match's stored tsvector (about 3 kB, compressed out of
line), so a word in a third of 100,000 articles took 510 ms to rank, and the planner, which
does not count that reading, scanned the whole table for such a word rather than the index.
The function's own settings leave it the bitmap scan of the GIN index only (both settings
apply inside the function, not to the caller's transaction).

On SQLite nothing changes.

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PG_UP = """
CREATE FUNCTION newsdesk_newest_matches(q tsquery, n integer) RETURNS SETOF integer
LANGUAGE sql STABLE
SET enable_seqscan = off
SET enable_indexscan = off
AS $$ SELECT id FROM articles WHERE search_doc @@ q ORDER BY id DESC LIMIT n $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS newsdesk_newest_matches(tsquery, integer)")
