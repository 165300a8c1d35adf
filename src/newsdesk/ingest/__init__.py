"""Ingest: fetch -> parse -> extract -> store. Resumable and idempotent: one transaction per feed.

ingest.article     Candidate (the storable article) and its adapters: feed entry, JSONL record,
                   page extraction; text_stats (content hash, word count)
ingest.store       store_candidate(s), record_error
ingest.extraction  what the extraction worker processes run (extract_page, warm-up)
ingest.refresher   Refresher and refresh(): one pass over feeds, the extraction pool, page caps
ingest.leases      claims on feeds and articles shared by N workers (leases that expire)
ingest.worker      refresh_forever: the loop of `newsdesk worker` and of `serve`
ingest.jsonl       `newsdesk import FILE.jsonl` and its report
"""

from newsdesk.ingest.article import (
    Candidate,
    candidate_from_entry,
    candidate_from_record,
    content_hash,
)
from newsdesk.ingest.extraction import warm_up_extractor
from newsdesk.ingest.jsonl import ImportReport, import_jsonl_file
from newsdesk.ingest.refresher import FeedResult, Refresher, RefreshReport, refresh
from newsdesk.ingest.store import store_candidate, store_candidates
from newsdesk.ingest.worker import refresh_forever

__all__ = [
    "Candidate",
    "FeedResult",
    "ImportReport",
    "RefreshReport",
    "Refresher",
    "candidate_from_entry",
    "candidate_from_record",
    "content_hash",
    "import_jsonl_file",
    "refresh",
    "refresh_forever",
    "store_candidate",
    "store_candidates",
    "warm_up_extractor",
]
