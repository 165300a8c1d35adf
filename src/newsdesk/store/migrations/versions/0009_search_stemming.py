"""search stemming: the SQLite full-text index tokenizes with Porter's stemmer

"talks" finds "talk" and "talked", "elections" finds "election". The FTS5 table is rebuilt
from `articles` (its content table) with tokenize='porter unicode61 remove_diacritics 2';
queries go through the same tokenizer, so nothing else changes. PostgreSQL keeps its 'simple'
tsvector index (no stemming there: an index on another configuration would be a second
index to keep in step with the first, for a backend that is mostly used for scale tests).

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STEMMED = "porter unicode61 remove_diacritics 2"
PLAIN = "unicode61 remove_diacritics 2"


def _fts_statements(tokenize: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS articles_fts_ai",
        "DROP TRIGGER IF EXISTS articles_fts_ad",
        "DROP TRIGGER IF EXISTS articles_fts_au",
        "DROP TABLE IF EXISTS articles_fts",
        f"""CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='id', tokenize='{tokenize}'
        )""",
        """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END""",
        """CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        END""",
        """CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
        END""",
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _fts_statements(STEMMED):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _fts_statements(PLAIN):
            op.execute(statement)
