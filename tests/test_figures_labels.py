"""The BBC News figures set (bench/data/figures-labelled-bbc.json): its articles are the ones the
written selection rule gives, and every label sits on the line it names, with bounds that fit."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

try:
    from .conftest import shared_data
except ImportError:
    from conftest import shared_data

LABELS = Path(__file__).resolve().parents[1] / "bench" / "data" / "figures-labelled-bbc.json"
FIELDS = {"doc", "sentence_index", "split", "text", "value", "low", "high", "unit", "what"}
FIELDS |= {"when", "source"}


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _selected(root: Path) -> list[str]:
    """The rule of bench/data/figures-protocol.md (addendum 2026-12-05): per category, the
    non-duplicate files with 3+ digits after the headline, positions n(2i+1)//8, then the top-up
    (position + 1, round-robin) as far as it went: business, politics, sport of the first quarter."""
    seen: set[str] = set()
    eligible: dict[str, list[str]] = {}
    for cat in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for f in sorted((root / cat).glob("*.txt")):
            digest = hashlib.sha1(f.read_bytes()).hexdigest()
            duplicate = digest in seen
            seen.add(digest)
            digits = len(re.findall(r"[0-9]", _text(f).split("\n", 1)[1]))
            if cat in ("business", "politics", "sport") and not duplicate and digits >= 3:
                eligible.setdefault(cat, []).append(f"bbc-news/bbc/{cat}/{f.name}")
    chosen = [files[len(files) * (2 * i + 1) // 8] for files in eligible.values() for i in range(4)]
    top_up = [files[len(files) // 8 + 1] for files in eligible.values()]
    return sorted(chosen + top_up)


def test_articles_follow_the_written_rule() -> None:
    root = shared_data("bbc-news") / "bbc"
    data = json.loads(LABELS.read_text(encoding="utf-8"))
    assert data["documents"] == _selected(root)
    assert {g["doc"] for g in data["figures"]} <= set(data["documents"])


def test_labels_sit_on_their_line_with_bounds_that_fit() -> None:
    shared = shared_data("bbc-news").parent
    figures = json.loads(LABELS.read_text(encoding="utf-8"))["figures"]
    assert len(figures) >= 100
    for g in figures:
        assert set(g) == FIELDS and g["split"] == "held-out"
        line = _text(shared / g["doc"]).split("\n")[g["sentence_index"]]
        assert g["text"] in line, g
        for field in ("when", "source"):
            assert g[field] is None or g[field] in line, g
        assert g["low"] in (None, g["value"]) or g["high"] is not None, g
        assert g["high"] is None or g["high"] >= g["value"], g
