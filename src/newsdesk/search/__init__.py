"""Search as the reader means it: words (stemmed, with phrases, OR and exclusions; the query
language and its SQL live in newsdesk.store.search), other names for the names typed
(`synonyms`), the vector index (`vectors`), fused by score (`hybrid`) and grouped by story
(`results`)."""

from newsdesk.search.results import (
    Entry,
    OtherOutlet,
    Results,
    StoryRef,
    filters,
    find,
    languages,
)

__all__ = ["Entry", "OtherOutlet", "Results", "StoryRef", "filters", "find", "languages"]
