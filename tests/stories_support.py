"""A small real corpus for the story/enrichment tests: ECB+ events from several outlets.

Built once per test process (real SQLite, real spaCy analysis, real MiniLM embeddings):
two topics of ECB+, each with two different real events of the same kind, a few documents per
event, plus a syndicated copy (same text, small edits) of one article under another outlet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newsdesk.config import Settings
from newsdesk.ingest import candidate_from_record, store_candidate
from newsdesk.store import connect, session_scope
from newsdesk.store.models import Article

# ECB+ topic 7: Klitschko beats Rahman (2008) vs Klitschko beats Thompson (2012), imported
# without dates: only the content tells the two events apart.
# Topic 12: the Indian Navy captures 23 pirates (Dec 2008) vs 26 pirates (Nov 2011), imported with
# those publication dates: so close in content that the time window is what separates them.
TOPICS = (7, 12)
DATES = {"12_ecb": "2008-12-13T18:00:00+00:00", "12_ecbplus": "2011-11-10T12:00:00+00:00"}
PER_EVENT = 5
OUTLETS = ("Daily Planet", "Wire Service", "Morning Post", "Evening Star", "City Herald")


@dataclass
class Corpus:
    settings: Settings
    gold: dict[int, str] = field(default_factory=dict)  # article id -> ECB+ cluster id
    outlet: dict[int, str] = field(default_factory=dict)
    copy_id: int = 0
    original_id: int = 0

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return connect(self.settings.db_url)


def ecb_documents(data: Path) -> list[dict]:
    docs = [json.loads(line) for line in (data / "documents.jsonl").read_text().splitlines()]
    chosen = []
    for topic in TOPICS:
        for sub in ("ecb", "ecbplus"):
            event = [d for d in docs if d["topic"] == topic and d["subtopic"] == sub]
            event.sort(key=lambda d: -len(d["text"]))
            chosen.extend(event[:PER_EVENT])
    return chosen


def record(doc: dict, outlet: str) -> dict:
    lines = doc["text"].split("\n")
    if doc.get("source_url_tokens"):
        lines = lines[1:]
    rec = {
        "url": f"https://news.example/{doc['doc_id']}",
        "title": lines[0],
        "text": "\n".join(lines),
        "source": outlet,
    }
    if doc["cluster_id"] in DATES:
        rec["published"] = DATES[doc["cluster_id"]]
    return rec


def syndicated_copy(rec: dict) -> dict:
    """The same wire story reprinted elsewhere: new headline, a few words edited, last line cut."""
    lines = rec["text"].split("\n")
    body = "\n".join(lines[:-1] if len(lines) > 4 else lines)
    body = body.replace(" said ", " told reporters ", 1).replace(" the ", " this ", 1)
    return {
        **rec,
        "url": rec["url"] + "-reprint",
        "title": "REPRINT: " + rec["title"],
        "text": body + "\n(Reporting by our correspondent.)",
        "source": "Syndicate Weekly",
    }


def bbc_business_records(
    data: Path, numbers: range, outlets: tuple[str, ...] = ("BBC News",)
) -> list[dict]:
    """Import records of BBC business articles (../shared/data/bbc-news), outlets in turn."""
    records = []
    for n in numbers:
        path = data / "bbc" / "business" / f"{n:03d}.txt"
        title, _, body = path.read_text(encoding="latin-1").partition("\n")
        records.append(
            {
                "url": f"https://news.example/bbc/business/{n}",
                "title": title.strip(),
                "text": body.strip(),
                "source": outlets[n % len(outlets)],
            }
        )
    return records


def import_records(settings: Settings, records: list[dict]) -> dict[str, int]:
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        for rec in records:
            store_candidate(session, candidate_from_record(rec), None)
    with session_scope(engine) as session:
        ids = {a.url: a.id for a in session.query(Article)}
    engine.dispose()
    return ids


@lru_cache(maxsize=1)
def build_corpus(root: str, data: str) -> Corpus:
    """Import the corpus into a fresh database under `root` and enrich it once."""
    from newsdesk.enrich import enrich

    settings = Settings(data_dir=Path(root))
    docs = ecb_documents(Path(data))
    records = [record(d, OUTLETS[i % len(OUTLETS)]) for i, d in enumerate(docs)]
    # The copy is of a long article of the first event.
    original = records[0]
    records.append(syndicated_copy(original))
    ids = import_records(settings, records)
    corpus = Corpus(settings)
    for doc, rec in zip(docs, records, strict=False):
        corpus.gold[ids[rec["url"]]] = doc["cluster_id"]
        corpus.outlet[ids[rec["url"]]] = rec["source"]
    corpus.original_id = ids[original["url"]]
    corpus.copy_id = ids[records[-1]["url"]]
    engine = connect(settings.db_url)
    enrich(engine, settings, batch_size=8)
    engine.dispose()
    return corpus
