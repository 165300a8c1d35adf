"""A lock around lxml work in threads, which every fork of the process waits for.

libxml2 keeps global mutexes (its string dictionaries, the parser's set-up). A process forked
while another thread holds one inherits it locked, and its first parse then waits forever. The
extraction workers are forked from a process whose threads parse HTML (feed items' text, Atom
feeds, feed discovery): such code holds ``LXML`` while it uses lxml, and ``os.fork`` takes the
lock first (``os.register_at_fork``), so no fork happens in the middle of it.
"""

from __future__ import annotations

import os
import threading

LXML = threading.Lock()

os.register_at_fork(before=LXML.acquire, after_in_parent=LXML.release, after_in_child=LXML.release)
