"""The worker processes that compute whole batches. ``_warm_up`` and ``_batch_in_worker``
stay top-level functions: the spawned workers import them by module path."""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from newsdesk.enrich.batch import _default_analyzer
from newsdesk.nlp.embed import get_embedder
from newsdesk.nlp.types import Analysis


class _BatchPool:
    """Worker processes that each load the models once and compute whole batches: analyses
    and vectors (`_batch_in_worker`), exactly as this process would. Workers are spawned, not
    forked: the caller may run threads (web server, ONNX runtime).
    """

    def __init__(self, n_process: int) -> None:
        self.n_process = max(1, n_process)
        self._pool = ProcessPoolExecutor(
            max_workers=self.n_process, mp_context=get_context("spawn"), initializer=_warm_up
        )

    def submit(
        self, docs: list[tuple[str, str]], outlets: list[str | None], languages: list[str | None]
    ) -> Future[tuple[list[Analysis], np.ndarray]]:
        return self._pool.submit(_batch_in_worker, docs, outlets, languages)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _warm_up() -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from newsdesk.nlp.model import get_nlp

    get_nlp()
    get_embedder()


def _batch_in_worker(
    docs: list[tuple[str, str]], outlets: list[str | None], languages: list[str | None]
) -> tuple[list[Analysis], np.ndarray]:
    return _default_analyzer(docs, outlets, languages), get_embedder().embed_articles(docs)
