"""Bulk writes that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

IN_CHUNK = 500  # values per IN (...) list or bulk statement, under every database's limits

_T = TypeVar("_T")


def in_chunks(values: Iterable[_T]) -> Iterator[list[_T]]:
    """`values` without repeats (first kept, order kept), in lists short enough for one
    IN (...) each."""
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


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
    for start in range(0, len(rows), IN_CHUNK):
        session.execute(stmt, list(rows[start : start + IN_CHUNK]))
