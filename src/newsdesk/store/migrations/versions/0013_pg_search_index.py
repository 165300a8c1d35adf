"""PostgreSQL search index: a stored, weighted, stemmed tsvector with a GIN index

PostgreSQL now searches as SQLite does since 0009: English words stemmed (Snowball's English
stemmer, the successor of the Porter stemmer FTS5 uses), no stop words dropped (FTS5 drops
none: "the who" must find The Who), the headline weighted above the body. The text search
configuration `newsdesk` is English without its stop-word list; `articles.search_doc` is
generated from title (weight A) and text (weight B) and stored, so ranking (ts_rank_cd) reads
it instead of parsing every matching article again; a GIN index on it answers the matches.
It replaces the unweighted 'simple' expression index of 0002.

One configuration for every language: the query side must use the document's configuration,
and articles of any language are searched together. English stemming leaves most words of
other languages alone. Accents stay (FTS5 removes them): the `unaccent` dictionary is a contrib
extension that a hosted server may lack, and it cannot be used in a generated column.

On SQLite nothing changes.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PG_UP = [
    "CREATE TEXT SEARCH DICTIONARY newsdesk_stem (TEMPLATE = snowball, LANGUAGE = english)",
    "CREATE TEXT SEARCH CONFIGURATION newsdesk (COPY = english)",
    """ALTER TEXT SEARCH CONFIGURATION newsdesk
        ALTER MAPPING REPLACE english_stem WITH newsdesk_stem""",
    """ALTER TABLE articles ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('newsdesk'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('newsdesk'::regconfig, coalesce(text, '')), 'B')
    ) STORED""",
    "CREATE INDEX ix_articles_search_doc ON articles USING GIN (search_doc)",
    "DROP INDEX IF EXISTS ix_articles_fts",
]

PG_DOWN = [
    """CREATE INDEX ix_articles_fts ON articles USING GIN (
        to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))
    )""",
    "DROP INDEX IF EXISTS ix_articles_search_doc",
    "ALTER TABLE articles DROP COLUMN IF EXISTS search_doc",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS newsdesk",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS newsdesk_stem",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
