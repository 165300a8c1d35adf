"""`newsdesk serve --web-processes 2`: two web processes on one port (uvicorn's supervisor),
both answering keep-alive connections, a write through either visible through both, the
worker run once as a child of its own, and SIGTERM stopping them all.

The real command on loopback over real SQLite (or PostgreSQL with NEWSDESK_TEST_BACKEND)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.store import Feed, session_scope

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data
    from .readers_support import _fast_hashing, engine
    from .test_web_hardening import free_port
    from .webdata import Dataset
except ImportError:
    from api_support import Accounts, accounts, data  # type: ignore[no-redef]  # noqa: F401
    from readers_support import _fast_hashing, engine  # type: ignore[no-redef]  # noqa: F401
    from test_web_hardening import free_port  # type: ignore[no-redef]
    from webdata import Dataset  # type: ignore[no-redef]

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    """The processes `pid` started, from any of its threads (a pool started in a thread)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    for task in tasks:
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def still_running(pids: Iterable[int], seconds: float = 60.0) -> list[int]:
    """Those of `pids` still running after waiting up to `seconds` for all to end."""
    deadline = time.monotonic() + seconds
    while (left := [p for p in pids if Path(f"/proc/{p}").exists()]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    return left


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def web_processes(pid: int) -> list[int]:
    """The web processes uvicorn's supervisor spawned (not its resource tracker)."""
    return [c for c in children(pid) if "multiprocessing.spawn" in cmdline(c)]


@contextmanager
def serving(settings: Settings, tmp_path: Path, *options: str) -> Iterator[tuple[str, int]]:
    """`newsdesk serve --web-processes 2 OPTIONS` on a free loopback port, until both web
    processes answer; yields (base URL, pid). Stopped with SIGTERM (which must end it, exit 0)."""
    port = free_port()
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(settings.data_dir),
        "NEWSDESK_DATABASE_URL": settings.db_url,
        "NEWSDESK_SECRET_KEY": "test-secret",
        "NEWSDESK_BASE_URL": "",
        "NEWSDESK_TRUSTED_PROXIES": "",
        "NEWSDESK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    command = [sys.executable, "-m", "newsdesk.cli", "serve", "--web-processes", "2", *options]
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, log_text(log)
            started = log_text(log).count("Application startup complete")
            try:
                if started == 2 and httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert code == 0 or (proc.pid in KILLED and code == -signal.SIGKILL), log_text(log)


KILLED: set[int] = set()  # supervisors a test killed itself (SIGKILL)


def log_text(log: object) -> str:
    log.flush()  # type: ignore[attr-defined]
    log.seek(0)  # type: ignore[attr-defined]
    return str(log.read())  # type: ignore[attr-defined]


def fetch_all(url: str, clients: int = 16, each: int = 4) -> list[httpx.Response]:
    """GET `url` `each` times on each of `clients` keep-alive connections at once. Each web
    process listens on a socket of its own (SO_REUSEPORT), so the kernel spreads the
    connections over both; on one shared socket one process could take them all."""

    def client(_: int) -> list[httpx.Response]:
        with httpx.Client(timeout=30) as http:
            return [http.get(url) for _ in range(each)]

    with ThreadPoolExecutor(clients) as pool:
        return [r for batch in pool.map(client, range(clients)) for r in batch]


def test_two_web_processes_answer_and_share_writes(
    settings: Settings, tmp_path: Path, data: Dataset, accounts: Accounts
) -> None:
    article = data.stories[0].id
    with serving(settings, tmp_path, "--no-worker") as (url, pid):
        procs = web_processes(pid)
        assert len(procs) == 2, [cmdline(c) for c in children(pid)]
        assert not any(" worker" in cmdline(c) for c in children(pid))
        before = {p: cpu_ticks(p) for p in procs}
        posted = httpx.post(
            f"{url}/api/v1/articles/{article}/comments",
            json={"body": "Seen from both web processes."},
            headers=accounts.auth("bob"),
            timeout=30,
        )
        assert posted.status_code == 201, posted.text
        pages = fetch_all(f"{url}/articles/{article}")
        assert [r.status_code for r in pages] == [200] * 64
        assert all("Seen from both web processes." in r.text for r in pages)
        used = {p: cpu_ticks(p) - before[p] for p in procs}
        assert all(ticks > 0 for ticks in used.values()), used  # both processes served pages


def test_the_worker_runs_once_beside_the_web_processes(
    settings: Settings, tmp_path: Path, engine: Engine
) -> None:
    with session_scope(engine) as session:  # not empty: no default (remote) feeds subscribed
        session.add(Feed(url=f"http://127.0.0.1:{free_port()}/feed.xml"))
    with serving(settings, tmp_path, "--worker") as (url, pid):
        assert len(web_processes(pid)) == 2
        workers = [c for c in children(pid) if "newsdesk.cli worker" in cmdline(c)]
        assert len(workers) == 1, [cmdline(c) for c in children(pid)]
        assert httpx.get(f"{url}/sources", timeout=30).status_code == 200
    assert not Path(f"/proc/{workers[0]}").exists() or "worker" not in cmdline(workers[0])


def test_web_processes_end_when_their_supervisor_is_killed(
    settings: Settings, tmp_path: Path
) -> None:
    """The supervisor killed alone (SIGKILL, the out-of-memory killer): its web processes used
    to go on serving the port (SO_REUSEPORT) beside whatever was started next, an upgrade's
    new code and the old side by side. They now end with it."""
    with serving(settings, tmp_path, "--no-worker") as (url, pid):
        procs = web_processes(pid)
        assert len(procs) == 2
        KILLED.add(pid)
        os.kill(pid, signal.SIGKILL)
        assert still_running(procs) == []
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{url}/healthz", timeout=5)


def test_the_worker_stops_when_serve_is_killed(
    settings: Settings, tmp_path: Path, engine: Engine
) -> None:
    """`serve`'s worker, a program of its own, went on fetching and enriching after `serve`
    was killed alone; a second `serve` then ran a second worker. It now stops as on SIGTERM
    (its step finished, its claims released), exit code 0."""
    with session_scope(engine) as session:  # not empty: no default (remote) feeds subscribed
        session.add(Feed(url=f"http://127.0.0.1:{free_port()}/feed.xml"))
    with serving(settings, tmp_path, "--worker") as (_url, pid):
        workers = [c for c in children(pid) if "newsdesk.cli worker" in cmdline(c)]
        assert len(workers) == 1
        KILLED.add(pid)
        os.kill(pid, signal.SIGKILL)
        assert still_running(workers) == []
    assert "worker stopped; its claims are released" in (tmp_path / "serve.log").read_text()
