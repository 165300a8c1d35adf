"""Bulk writes that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(
    session: Session, table: Any, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """INSERT rows, skipping those that collide on the unique columns `keys` (ON CONFLICT DO
    NOTHING; both backends support it). `table` is a mapped class or a Table."""
    if not rows:
        return
    target: Table = getattr(table, "__table__", table)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        stmt: Any = sqlite.insert(target).on_conflict_do_nothing(index_elements=list(keys))
    elif dialect == "postgresql":
        stmt = postgresql.insert(target).on_conflict_do_nothing(index_elements=list(keys))
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(f"insert_ignore: unsupported database {dialect}")
    for start in range(0, len(rows), 500):
        session.execute(stmt, list(rows[start : start + 500]))
