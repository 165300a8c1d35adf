"""The enrichment stage: analysis, embeddings, near-duplicates, stories, tags, quotes.

    enrich(engine, settings, progress=None, batch_size=64) -> int
    export_stories(engine, out) -> int

Incremental and resumable: an article is enriched once per PIPELINE version (a row in
`enrichments` with that model_version); a run with nothing new does nothing; after a version
change the rows with another version are redone, oldest first, by the next runs. Each batch is
read, computed outside any transaction (the database stays free for the refresher and the web
app), then written in one transaction: a crash loses at most the batch in flight. The vector
index is caught up from the database when it is opened, so it cannot miss a committed batch.
Only one enrich runs at a time per data directory (a lock file; a second run returns 0).

enrich.version  pipeline_version(): the version an enrichment row must carry to count as done
enrich.tags     tag identity: names -> slugs and alias keys, TagResolver
enrich.batch    one batch computed: analyses, vectors, MinHash signatures, terms
enrich.workers  the spawned worker processes that compute whole batches
enrich.store    what to enrich next, and one computed batch written (enrichments, tags, quotes)
enrich.run      enrich(): the scheduler of batches over workers, the run lock, LLM summaries
enrich.export   export_stories()
"""

from newsdesk.enrich.export import export_stories
from newsdesk.enrich.run import EnrichBusy, enrich
from newsdesk.enrich.store import pending_count
from newsdesk.enrich.version import pipeline_version

__all__ = ["EnrichBusy", "enrich", "export_stories", "pending_count", "pipeline_version"]
