"""`newsdesk import FILE.jsonl`: pre-extracted articles, one JSON object a line; every bad
line recorded as an error, none lost."""

from __future__ import annotations

import codecs
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from newsdesk.ingest.article import candidate_from_record
from newsdesk.ingest.store import record_error, store_candidate
from newsdesk.store.db import session_scope


@dataclass
class ImportReport:
    """What `newsdesk import FILE.jsonl` did with the file's lines."""

    new: int = 0
    present: int = 0  # already stored: the same URL, or the same text under another URL
    bad: int = 0  # recorded as errors ("FILE:LINE", stage "import"), nothing stored
    blank: int = 0


def record_from_line(raw: bytes, first: bool = False) -> object:
    """A JSONL line's JSON value; ValueError says why a line is unreadable."""
    if first and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 at byte {exc.start + 1} of the line") from None
    try:
        return json.loads(line)
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None
    except ValueError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None


def import_jsonl_file(
    engine: Engine, path: Path, progress: Callable[[int], None] | None = None, batch: int = 500
) -> ImportReport:
    """Store each good line of a JSON Lines file, record each bad one; lose none.

    Read line by line as bytes, each decoded on its own; each line stored in its own
    savepoint, ``batch`` lines a transaction. ``progress`` gets the bytes read so far.
    """
    report = ImportReport()
    done = 0
    with path.open("rb") as handle:
        lines = enumerate(handle, 1)
        while chunk := list(itertools.islice(lines, batch)):
            with session_scope(engine) as session:
                for number, raw in chunk:
                    _import_line(session, f"{path}:{number}", raw, number == 1, report)
            done += sum(len(raw) for _number, raw in chunk)
            if progress:
                progress(done)
    return report


def _import_line(
    session: Session, where: str, raw: bytes, first: bool, report: ImportReport
) -> None:
    if not raw.strip():
        report.blank += 1
        return
    try:
        cand = candidate_from_record(record_from_line(raw, first))
        with session.begin_nested():
            status = store_candidate(session, cand, None)
    except (ValueError, SQLAlchemyError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"not stored: {exc}"
        report.bad += 1
        record_error(session, where, "import", reason, None)
        return
    if status == "new":
        report.new += 1
    else:
        report.present += 1
