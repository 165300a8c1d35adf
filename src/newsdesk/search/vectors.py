"""The query's nearest articles in the vector index (stories/index.py), by its MiniLM embedding.

English only (nlp.embed.LANGUAGES): a query is embedded as typed; the index holds English
articles' vectors. Without the model package or an index with vectors, there are no
neighbours and search is by words alone.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from newsdesk.nlp.embed import LANGUAGES, EmbeddingModelMissing, get_embedder
from newsdesk.stories.index import VectorIndex, open_index

log = logging.getLogger("newsdesk.search")


class IndexNeighbours:
    """`Neighbours` over the site's vector index and the MiniLM model."""

    def __init__(self, index: VectorIndex) -> None:
        self.index = index

    def embed(self, text: str) -> np.ndarray | None:
        try:
            return get_embedder().embed([text])[0]
        except (EmbeddingModelMissing, ImportError, OSError) as exc:
            log.warning("search without vectors: %s", exc)
            return None

    def nearest(self, vector: np.ndarray, k: int) -> Sequence[tuple[int, float]]:
        return self.index.search(vector, k)


def index_neighbours(
    engine: Engine, data_dir: Path, language: str | None = None
) -> IndexNeighbours | None:
    """The site's vector index as `Neighbours`; None when it cannot help (no vectors stored,
    a language the model does not know)."""
    if language and language.lower() not in LANGUAGES:
        return None
    index = open_index(engine, data_dir)
    if not len(index):
        return None
    return IndexNeighbours(index)
