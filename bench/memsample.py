"""Peak memory of a process tree, sampled from a separate process (used by bench/ingest.py).

    python bench/memsample.py PID [EXCLUDED_PID...]

Prints "ready", samples every 0.25 s until SIGTERM, then prints the peaks and its own CPU time
as JSON. A separate process with only the standard library: reading smaps_rollup (the kernel
walks the page tables) then neither takes the measured process's GIL nor counts as its CPU.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path


def tree_memory_kb(pid: int, exclude: set[int]) -> tuple[int, int]:
    """Sums of Rss and Pss over a process and its descendants, in KiB.

    Pss counts pages that forked extraction workers share with their parent once; Rss counts
    them in every process. `exclude` drops the benchmark's own HTTP server.
    """
    rss = pss = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        if current in exclude:
            continue
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text().splitlines()
            fields = {ln.split(":")[0]: ln.split()[1] for ln in rollup[1:]}
            rss += int(fields["Rss"])
            pss += int(fields["Pss"])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(c) for c in children)
        except (FileNotFoundError, KeyError, ProcessLookupError):
            continue
    return rss, pss


def sample_peak(pid: int, exclude: set[int], interval: float) -> None:
    """Samples the tree's memory every `interval` s until SIGTERM, then prints the peaks."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    exclude = exclude | {os.getpid()}
    print("ready", flush=True)
    peak_rss = peak_pss = 0
    while not stop.is_set():
        rss, pss = tree_memory_kb(pid, exclude)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        stop.wait(interval)
    print(json.dumps({"rss_kb": peak_rss, "pss_kb": peak_pss, "cpu": time.process_time()}))


if __name__ == "__main__":
    sample_peak(int(sys.argv[1]), {int(p) for p in sys.argv[2:]}, interval=0.25)
