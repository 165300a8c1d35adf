"""The worker processes that compute whole batches. ``_warm_up`` and ``_batch_in_worker``
stay top-level functions: the spawned workers import them by module path."""

from __future__ import annotations

import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from newsdesk.children import end_with_parent
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

    def exits(self) -> str:
        """How the pool's worker processes ended, for the log when the pool breaks: "exit
        1", "killed by SIGKILL" (the kernel's out-of-memory killer, or an operator)."""
        ended = []
        for process in (getattr(self._pool, "_processes", None) or {}).values():
            code = process.exitcode
            if code is None:
                continue
            ended.append(f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit {code}")
        return ", ".join(ended) or "no worker has ended"

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _warm_up() -> None:
    # A stop signal sent to the whole process group (systemd's SIGTERM to every process of the
    # service, Ctrl-C in a terminal) is the parent's to handle: it finishes the batches under
    # way and shuts the pool down.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from newsdesk.nlp.model import get_nlp

    get_nlp()
    get_embedder()


def _batch_in_worker(
    docs: list[tuple[str, str]], outlets: list[str | None], languages: list[str | None]
) -> tuple[list[Analysis], np.ndarray]:
    return _default_analyzer(docs, outlets, languages), get_embedder().embed_articles(docs)
