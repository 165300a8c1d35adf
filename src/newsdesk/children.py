"""Pool worker processes that end with the process that started them.

A process pool's worker waits for its next task on a pipe that it holds open itself, so a
worker whose parent was killed (SIGKILL, the out-of-memory killer) would wait forever, holding
the memory of its models or of the parent it was forked from. Every pool newsdesk starts runs
``end_with_parent`` in its workers (``ProcessPoolExecutor(initializer=...)``).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.process import BaseProcess


def end_with_parent() -> None:
    """In a pool worker: exit as soon as the parent process is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()  # returns once the parent has ended (its sentinel pipe closes)
    os._exit(0)
