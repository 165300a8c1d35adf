"""What every benchmark script shares: where the shared data is, and how figures are saved."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def data_missing(path: Path) -> bool:
    """True (after saying so on stderr) when a data set of ../shared/data is not there."""
    if path.exists():
        return False
    print(f"data set missing: {path}", file=sys.stderr)
    return True


def write_json(path: Path, figures: Any) -> None:
    """Save a run's figures (the scripts' --json option)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def read_bbc(path: Path) -> str:
    """A BBC News file's text: UTF-8, else cp1252 (the corpus mixes both), as newsdesk decodes
    a fetched page labelled windows-1252."""
    from newsdesk.sources.charset import decode_body

    return decode_body(path.read_bytes(), "text/plain; charset=windows-1252")
