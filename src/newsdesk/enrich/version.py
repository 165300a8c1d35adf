"""The version of the enrichment stage: enrichments.model_version must equal it for a row to
count as done; rows with another version are redone."""

from __future__ import annotations

from newsdesk.nlp.embed import EMBED_VERSION

STORIES_VERSION = "stories-1"


def pipeline_version() -> str:
    """What enrichments.model_version must equal for a row to count as done."""
    try:
        from newsdesk.nlp.analyze import MODEL_VERSION
    except ImportError:  # pragma: no cover - the analysis package is part of newsdesk
        MODEL_VERSION = "nlp-missing"
    return f"{MODEL_VERSION}|{EMBED_VERSION}|{STORIES_VERSION}"
