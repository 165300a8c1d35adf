"""Load test: do readers wait on writers?

Setup (not timed): a fresh database (SQLite in a temporary directory, or a new database on a
PostgreSQL server) gets --articles real BBC News articles (../shared/data/bbc-news) through
`newsdesk import`, then `newsdesk enrich`; --feeds teaser RSS feeds of --pages real article pages,
served as bench/ingest.py serves them (an HTTP server process; feeds on 127.0.0.1, each feed's
pages on a loopback address of its own), are subscribed but not fetched. `newsdesk serve
--no-refresher` then runs on a free loopback port.

Load (--seconds, at most 60; 600 with --driver wrk): --readers anonymous clients, each one
connection issuing GETs back to back (a fresh visitor per request, without cookies, unless
--cookies) over `/`, `/articles/{id}`, `/stories/{id}`, `/tags/{slug}`, `/search?q=`,
`/api/v1/articles`, `/api/v1/search?q=` and `/healthz`, with real ids, slugs and words. After a
quiet start (--quiet-start), writers run as separate processes: `newsdesk refresh` (which fetches
and stores the pages), then `newsdesk enrich`. With --hold-lock S, a raw connection also holds the
write lock for S seconds from --hold-lock-at (SQLite: BEGIN IMMEDIATE; PostgreSQL: every table
locked IN EXCLUSIVE MODE, which likewise lets plain reads through and blocks every write).

Report: per endpoint and per phase (quiet, refresh, enrich, lock; a request counts in the phase
in which it started): requests, p50/p99/max latency in ms over every request (a 500 or a timeout
is a wait too), 5xx, timeouts (--timeout, default 30 s) and other errors (4xx, connection
errors); throughput; whether the writers finished in the window (they get --writer-grace more
seconds, then are stopped); the sessions rows the readers caused; the server's logged errors.

With --generated N the database is instead the N-article one of bench/gen_articles.py (real
texts recombined, AI rows derived in bulk from really enriched seeds; generated once and cached
under /tmp/newsdesk-gen, copied for each run, into PostgreSQL with --backend postgresql), and the
readers' paths are sampled from the whole database (ids, stories, tags; title words for search).
With --worker the writer is one `newsdesk worker` process, running from --quiet-start to the end
of the load (phase "worker") beside `newsdesk serve --no-worker`, instead of refresh + enrich.
--only ENDPOINT... restricts the readers to those endpoints (e.g. "/articles/{id}").
With --rate R the load is open instead: requests arrive at R per second in all (Poisson), each
sent on one of --readers connections; one that finds them all busy waits, and its latency counts
from the moment it was due, waiting included (no coordinated omission). Readers back to back
measure what the server can do; a rate measures what a reader waits at that traffic.
--driver wrk has the readers be wrk's connections (`apt install wrk`; bench/wrk_paths.lua),
a client in C that takes a few percent of the CPU the httpx readers took from the server on
the same cores; its figures are per phase (one wrk run before the writers start, one after),
the latencies of all endpoints together; --wrk-step S splits each phase into runs of S seconds,
each reported too (--quiet-start 60 without --worker: readers alone, the writers after).
--web-processes N runs `newsdesk serve --web-processes N`; the server's CPU is then that of the
whole process tree (supervisor and web processes). The generated database's rows were written
in bulk, without the summary box that enrichment now stores (migration 0015): the sampled
articles get theirs before the clock starts, as if enriched by this version.

    python bench/load.py [--readers 20] [--seconds 40] [--articles 300] [--pages 300]
                         [--hold-lock SECONDS] [--cookies] [--json OUT]
    python bench/load.py --generated 100000 --worker [--only "/articles/{id}"] [options]
    python bench/load.py --generated 100000 --worker --web-processes 2 [options]
    python bench/load.py --generated 100000 --worker --web-processes 2 --rate 300 [options]
    python bench/load.py --generated 100000 --worker --web-processes 2 --driver wrk [options]
    scripts/with-pg.sh .venv/bin/python bench/load.py --backend postgresql [options]
    python bench/load.py --db-url postgresql+psycopg://USER@HOST:PORT/DB [options]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, urlsplit

import httpx
from common import SHARED, data_missing, write_json
from ingest import SERVE, free_port, page_host, real_pages, write_site
from sqlalchemy import bindparam, create_engine, func, select, text, update
from sqlalchemy.engine import make_url

import newsdesk
from newsdesk.enrich import pending_count
from newsdesk.store import Article, Feed, connect, session_scope
from newsdesk.store.models_readers import UserSession

BBC = SHARED / "bbc-news" / "bbc"
MAX_SECONDS = 60  # httpx readers keep every request's sample
MAX_WRK_SECONDS = 600  # wrk keeps 1,000 quantiles a run: minutes, as kept pages expire
PHASES = ("quiet", "refresh", "enrich", "worker", "lock")  # a request's phase: the last running
WORD = re.compile(r"[A-Za-z]{5,}")
STOPWORDS = {"about", "after", "again", "their", "there", "these", "where", "which", "would"}
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)): ?(.*)$")


# ---------------------------------------------------------------- setup


def bbc_records(n: int) -> list[dict[str, str]]:
    """`n` BBC articles, spread over the five categories, dated over the last hours."""
    folders = sorted(p for p in BBC.iterdir() if p.is_dir())
    files = [sorted(f.glob("*.txt")) for f in folders]
    now = datetime.now(UTC)
    records = []
    for i in range(n):
        folder = files[i % len(files)]
        path = folder[(i // len(files)) % len(folder)]
        title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
        records.append(
            {
                "url": f"https://news.example/bbc/{path.parent.name}/{path.stem}",
                "title": title.strip(),
                "text": body.strip(),
                "published": (now - timedelta(minutes=5 * i)).isoformat(),
                "source": "BBC News",
                "language": "en",
            }
        )
    return records


def newsdesk_command() -> list[str]:
    """The `newsdesk` script next to this Python (the virtualenv's), else the one on PATH."""
    script = Path(sys.executable).with_name("newsdesk")
    if script.exists():
        return [str(script)]
    found = shutil.which("newsdesk")
    if found is None:
        sys.exit("the newsdesk command was not found: run with the virtualenv's python")
    return [found]


def run_setup_step(args: list[str], env: dict[str, str], log: Path, timeout: float) -> float:
    """Run one `newsdesk` command to completion (or exit with its log); returns its seconds."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            newsdesk_command() + args,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            rc = -1  # stopped below
        finally:
            stop_process(proc)
    if rc != 0:
        sys.exit(f"setup step `newsdesk {' '.join(args)}` failed ({rc}):\n{tail(log)}")
    return time.perf_counter() - started


def tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(errors="replace")
        return "\n".join([line for line in text.splitlines() if line.strip()][-lines:])
    except OSError:
        return ""


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server at `server_url`, dropped afterwards; yields its URL."""
    name = f"newsdesk_load_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def generated_database(n: int, data_dir: Path, database_url: str) -> float:
    """The cached generated database (bench/gen_articles.py), copied for this run; seconds.

    On PostgreSQL the copy is then vacuumed and analysed and a checkpoint taken, so the load
    does not meet the copy's own aftermath (autovacuum, a checkpoint of its writes). The first
    copy is also kept on the server as a template database (newsdesk_gen_N_vV), and later runs on
    that server are created from it in seconds instead of minutes (a kept server, --db-url;
    scripts/with-pg.sh's server goes with its template)."""
    from gen_articles import GEN_VERSION, copy_to_database, generate, stamp_version

    started = time.perf_counter()
    cached = generate(n)
    shutil.copytree(cached / "index", data_dir / "index")  # vectors as in the database
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        shutil.copy(cached / "newsdesk.db", data_dir / "newsdesk.db")
        stamp_version(database_url)
        return time.perf_counter() - started
    template, name = f"newsdesk_gen_{n}_v{GEN_VERSION}", url.database
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    settle = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            kept = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :t"), {"t": template}
            ).first()
            if kept:
                conn.execute(text(f'DROP DATABASE "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            else:
                copy_to_database(cached, database_url)
        stamp_version(database_url)  # rows of another pipeline version: none in a kept copy
        with settle.connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            conn.execute(text("CHECKPOINT"))
        settle.dispose()
        if not kept:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{template}" TEMPLATE "{name}"'))
    finally:
        settle.dispose()
        admin.dispose()
    return time.perf_counter() - started


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process and its waited-for children used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> dict[int, float]:
    """process_cpu() of a process and each of its live descendants, by pid."""
    out, todo = {}, [pid]
    while todo:
        p = todo.pop()
        out[p] = process_cpu(p)
        with suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
    return out


def machine_busy() -> float:
    """CPU seconds every core of the machine spent busy (not idle, not waiting on I/O) so far,
    whoever used them (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """process_cpu() of each live PostgreSQL server process (the backends the readers, the
    worker and the web processes talk to), by pid."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            if stat.read_text().split(" ", 2)[1] == "(postgres)":
                out[int(stat.parent.name)] = process_cpu(int(stat.parent.name))
    return out


def postgres_sessions(db_url: str) -> int | None:
    """Connections opened to this PostgreSQL database so far (pg_stat_database; PostgreSQL 14+);
    None on SQLite. A backend that exits in the window is not in postgres_cpu(), so many of them
    mean PostgreSQL CPU that figure misses (the whole machine's busy CPU has it)."""
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            ).scalar()
    finally:
        engine.dispose()


def tree_cpu_since(pid: int, before: dict[int, float]) -> float:
    """CPU seconds the tree of `pid` used since `before` (tree_cpu): processes started since
    count whole, processes gone since count until `before` only (they are not waited for)."""
    now = tree_cpu(pid)
    return sum(v - before.get(p, 0.0) for p, v in now.items())


def store_boxes(db_url: str, paths: list[str]) -> int:
    """Store the summary box of the articles behind /articles/{id} `paths` that have none
    (newsdesk.nlp.summary_box, as enrichment stores it); how many were made. "None" is checked
    on the value read: copied into PostgreSQL, a missing box is a JSON null, not an SQL NULL."""
    from newsdesk.nlp.summary_box import box_sentences
    from newsdesk.store.models_ai import Enrichment

    ids = sorted({int(p.rsplit("/", 1)[1]) for p in paths})
    engine = connect(db_url)
    try:
        with session_scope(engine) as session:
            rows = [
                (article_id, title, body)
                for article_id, title, body, box in session.execute(
                    select(Article.id, Article.title, Article.text, Enrichment.box_summary)
                    .join(Enrichment, Enrichment.article_id == Article.id)
                    .where(Article.id.in_(ids))
                )
                if box is None
            ]
            for article_id, title, body in rows:
                session.execute(
                    update(Enrichment)
                    .where(Enrichment.article_id == article_id)
                    .values(box_summary=box_sentences(body or "", title or ""))
                )
    finally:
        engine.dispose()
    return len(rows)


def database_counts(db_url: str) -> dict[str, int]:
    engine = connect(db_url, migrate=False)
    try:
        with session_scope(engine) as session:
            counts = {
                "articles": session.scalar(select(func.count()).select_from(Article)) or 0,
                "sessions": session.scalar(select(func.count()).select_from(UserSession)) or 0,
            }
        counts["pending_enrichment"] = pending_count(engine)
    finally:
        engine.dispose()
    return counts


def wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {seconds:.0f} s")


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group that `pid` leads (started with start_new_session=True)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and whatever it started (its pools)."""
    if proc.poll() is None:
        signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
    signal_group(proc.pid, signal.SIGTERM)  # workers left behind by their parent


# ---------------------------------------------------------------- what the readers read


@dataclass
class Targets:
    """Real paths per endpoint, found through the API before the load starts."""

    paths: dict[str, list[str]] = field(default_factory=dict)

    def pick(self, rng: random.Random) -> tuple[str, str]:
        endpoint = rng.choice(list(self.paths))
        return endpoint, rng.choice(self.paths[endpoint])


def discover(base: str, timeout: float) -> Targets:
    """Article ids, story and hashtag pages and common title words, from the JSON API."""
    with httpx.Client(base_url=base, timeout=timeout) as client:

        def items(path: str) -> list[dict[str, Any]]:
            resp = client.get(path)
            resp.raise_for_status()
            return list(resp.json()["items"])

        articles = items("/api/v1/articles?limit=100")
        stories = items("/api/v1/stories?limit=100")
        hashtags = items("/api/v1/hashtags?limit=100")
    words = Counter(
        w.lower() for a in articles for w in WORD.findall(a["title"]) if w.lower() not in STOPWORDS
    )
    common_words = [w for w, _ in words.most_common(30)] or ["news"]
    paths = {
        "/": ["/"],
        "/articles/{id}": [f"/articles/{a['id']}" for a in articles],
        "/stories/{id}": [urlsplit(s["link"]).path for s in stories],
        "/tags/{slug}": [urlsplit(t["link"]).path for t in hashtags],
        "/search?q=": [f"/search?q={quote(w)}" for w in common_words],
        "/api/v1/articles": ["/api/v1/articles", "/api/v1/articles?limit=50"],
        "/api/v1/search?q=": [f"/api/v1/search?q={quote(w)}" for w in common_words],
        "/healthz": ["/healthz"],
    }
    return Targets({name: p for name, p in paths.items() if p})


def discover_sampled(db_url: str, seed: int = 15, n: int = 2000) -> Targets:
    """Paths sampled over the whole database (a large one's readers do not all read the newest
    100): random article ids, stories and hashtag pages, and 200 frequent title words."""
    rng = random.Random(seed)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            top = conn.execute(text("SELECT max(id) FROM articles")).scalar() or 1
            stories = list(conn.execute(text("SELECT id FROM stories")).scalars())
            tags = list(
                conn.execute(text("SELECT slug FROM tags WHERE article_count > 0")).scalars()
            )
            titles = conn.execute(
                text("SELECT title FROM articles WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": [rng.randint(1, top) for _ in range(n)]},
            ).scalars()
            words = Counter(
                w.lower() for t in titles for w in WORD.findall(t) if w.lower() not in STOPWORDS
            )
    finally:
        engine.dispose()
    common_words = [w for w, _ in words.most_common(200)] or ["news"]
    paths = {
        "/": ["/"],
        "/articles/{id}": [f"/articles/{rng.randint(1, top)}" for _ in range(n)],
        "/stories/{id}": [f"/stories/{s}" for s in rng.sample(stories, min(n, len(stories)))],
        "/tags/{slug}": [f"/tags/{quote(t)}" for t in rng.sample(tags, min(n, len(tags)))],
        "/search?q=": [f"/search?q={quote(w)}" for w in common_words],
        "/api/v1/articles": ["/api/v1/articles", "/api/v1/articles?limit=50"],
        "/api/v1/search?q=": [f"/api/v1/search?q={quote(w)}" for w in common_words],
        "/healthz": ["/healthz"],
    }
    return Targets({name: p for name, p in paths.items() if p})


def warm_up(base: str, targets: Targets, timeout: float, processes: int = 1) -> None:
    """Requests to each endpoint before the clock starts (lazy imports, first queries): one,
    or with several web processes 3 per process, each on a new connection (the kernel hands
    new connections to the processes in turn, mostly)."""
    for paths in targets.paths.values():
        for path in (paths * 3 * processes)[: 1 if processes == 1 else 3 * processes]:
            httpx.get(base + path, timeout=timeout)


# ---------------------------------------------------------------- the load


@dataclass
class Sample:
    endpoint: str
    start: float  # seconds since the load started
    seconds: float
    status: int | None  # None: no response
    error: str | None = None  # "timeout", or the exception's name


@dataclass
class Timeline:
    """When each writer phase ran, in seconds since the load started."""

    intervals: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    lock_error: str | None = None
    readers_done: tuple[float, float] = (0.0, 0.0)  # (perf_counter, machine_busy()) then

    def add(self, phase: str, start: float, end: float) -> None:
        self.intervals.setdefault(phase, []).append((start, end))

    def phase_at(self, t: float) -> str:
        for phase in reversed(PHASES[1:]):  # lock > worker > enrich > refresh
            if any(a <= t < b for a, b in self.intervals.get(phase, ())):
                return phase
        return "quiet"

    def durations(self, seconds: float, step: float = 0.01) -> dict[str, float]:
        counts = Counter(self.phase_at(i * step) for i in range(int(seconds / step)))
        return {phase: round(counts[phase] * step, 2) for phase in PHASES}


def visitor_cookies(keep: bool) -> CookieJar:
    """A reader's cookie jar: a returning visitor's, or one that refuses every cookie."""
    return CookieJar() if keep else CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


async def reader(
    n: int,
    base: str,
    targets: Targets,
    clock: float,
    seconds: float,
    opts: argparse.Namespace,
    samples: list[Sample],
) -> None:
    rng = random.Random(n)
    async with connection(base, opts) as client:
        while (start := time.perf_counter() - clock) < seconds:
            await timed_get(client, *targets.pick(rng), start, clock, samples)


def connection(base: str, opts: argparse.Namespace) -> httpx.AsyncClient:
    """One reader's connection (a fresh visitor per request unless --cookies)."""
    return httpx.AsyncClient(
        base_url=base,
        timeout=opts.timeout,
        cookies=visitor_cookies(opts.cookies),
        limits=httpx.Limits(max_connections=1),
    )


async def timed_get(
    client: httpx.AsyncClient,
    endpoint: str,
    path: str,
    since: float,
    clock: float,
    samples: list[Sample],
) -> None:
    """GET `path` and record it, its latency counted from `since` (seconds after `clock`)."""
    status, error = None, None
    try:
        status = (await client.get(path)).status_code
    except httpx.TimeoutException:
        error = "timeout"
    except httpx.HTTPError as exc:
        error = type(exc).__name__
    samples.append(Sample(endpoint, since, time.perf_counter() - clock - since, status, error))


async def paced(
    base: str,
    targets: Targets,
    clock: float,
    seconds: float,
    opts: argparse.Namespace,
    samples: list[Sample],
) -> None:
    """Open load (--rate): requests due at Poisson times, queued for --readers connections that
    send them in turn; each one's latency runs from when it was due."""
    rng = random.Random(opts.rate)
    due: asyncio.Queue[tuple[str, str, float] | None] = asyncio.Queue()

    async def sender() -> None:
        async with connection(base, opts) as client:
            while (item := await due.get()) is not None:
                endpoint, path, at = item
                await timed_get(client, endpoint, path, at, clock, samples)

    connections = [asyncio.create_task(sender()) for _ in range(opts.readers)]
    at = rng.expovariate(opts.rate)
    while at < seconds:
        wait = at - (time.perf_counter() - clock)
        if wait > 0:
            await asyncio.sleep(wait)
        due.put_nowait((*targets.pick(rng), at))
        at += rng.expovariate(opts.rate)
    for _ in connections:
        due.put_nowait(None)  # after what is queued: every due request is sent
    await asyncio.gather(*connections)


WRK_SCRIPT = Path(__file__).with_name("wrk_paths.lua")


async def wrk_load(
    base: str, targets: Targets, opts: argparse.Namespace, logs: Path
) -> tuple[dict[str, Any], float]:
    """--driver wrk: the readers are wrk's connections (a load generator in C, so that the
    readers' client takes almost none of the two cores the server runs on; the httpx readers
    took 10 to 13 of the 60 CPU-seconds). wrk runs once before the writers start (phase
    "quiet") and once after (phase "worker", or "writers" for refresh + enrich), or in runs of
    --wrk-step seconds each; each endpoint is as likely as with the httpx readers. Returns the
    results, as figures_of() gives them, and wrk's CPU seconds."""
    most = max(len(p) for p in targets.paths.values())
    listed = logs / "paths.txt"  # each endpoint's paths repeated to as many lines as the most
    listed.write_text(
        "".join(p + "\n" for ps in targets.paths.values() for p in (ps * most)[:most])
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    cpu = 0.0
    later = "worker" if opts.worker else "writers"
    step = opts.wrk_step or opts.seconds
    spans: list[tuple[str, float, float]] = []
    for phase, start, end in (
        ("quiet", 0, opts.quiet_start),
        (later, opts.quiet_start, opts.seconds),
    ):
        at = float(start)
        while end - at >= 1:
            spans.append((phase, at, min(at + step, end)))
            at = spans[-1][2]
    for i, (phase, start, end) in enumerate(spans):
        seconds = int(end - start)  # at least 1: spans shorter are not made
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = await asyncio.create_subprocess_exec(
            *("wrk", "-t2", f"-c{opts.readers}", f"-d{seconds}s"),
            *(f"--timeout={int(opts.timeout)}s", "-s", str(WRK_SCRIPT), base, "--"),
            *(str(listed), str(i)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        out, err = await proc.communicate()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk's, once it is waited for
        cpu += after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        lines = [x for x in out.decode().splitlines() if x.startswith("{")]
        if proc.returncode != 0 or not lines:
            sys.exit(f"wrk failed ({proc.returncode}): {err.decode()[-500:]}")
        run = json.loads(lines[-1]) | {"seconds": seconds, "span": (start, start + seconds)}
        runs.setdefault(phase, []).append(run)
    label = " + ".join(targets.paths)
    every = wrk_stats([run for phase_runs in runs.values() for run in phase_runs])
    by_phase = {phase: wrk_stats(phase_runs) for phase, phase_runs in runs.items()}
    for phase, phase_runs in runs.items():  # --wrk-step: each window too
        if len(phase_runs) > 1:
            for run in phase_runs:
                by_phase[f"{phase} {run['span'][0]:g}-{run['span'][1]:g} s"] = wrk_stats([run])
    return {
        "by_endpoint": {label: every},
        "by_phase": by_phase,
        "by_endpoint_phase": {label: by_phase},
        "all": every,
    }, cpu


def wrk_stats(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """stats() of wrk runs: their counts added up, their latencies as one distribution (each
    run's 1,000 quantiles, each standing for a thousandth of its requests)."""
    requests = sum(r["requests"] for r in runs)
    errors = {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]}
    failed = sum(r["http_5xx"] for r in runs)
    out: dict[str, Any] = {
        "seconds": sum(r["seconds"] for r in runs),
        "requests": requests,
        "ok": requests - errors["status"],
        "http_5xx": failed,
        "timeouts": errors["timeout"],
        "other_errors": errors["status"]
        - failed
        + errors["connect"]
        + errors["read"]
        + errors["write"],
    }
    weighted = sorted(
        (us, r["requests"] / len(r["quantiles_us"])) for r in runs for us in r["quantiles_us"]
    )
    if requests and weighted:

        def quantile(q: float) -> float:
            seen = 0.0
            for us, weight in weighted:
                seen += weight
                if seen >= q * requests - 1e-9:
                    return us / 1000
            return weighted[-1][0] / 1000

        out |= {
            "p50_ms": round(quantile(0.50), 1),
            "p99_ms": round(quantile(0.99), 1),
            "max_ms": round(max(r["max_us"] for r in runs) / 1000, 1),
            "requests_per_s": round(requests / max(out["seconds"], 1), 1),
        }
    return out


@dataclass
class Writer:
    name: str
    args: tuple[str, ...] = ()  # after `newsdesk NAME`
    returncode: int | None = None
    started: float | None = None
    ended: float | None = None
    stopped: bool = False  # terminated after the grace period

    def figures(self, seconds: float, log: Path) -> dict[str, Any]:
        out: dict[str, Any] = {
            "returncode": self.returncode,
            "started_s": None if self.started is None else round(self.started, 2),
            "ended_s": None if self.ended is None else round(self.ended, 2),
            "finished": self.returncode == 0 and not self.stopped,
            "finished_in_window": self.returncode == 0 and (self.ended or math.inf) <= seconds,
            "stopped_after_grace": self.stopped,
        }
        if self.started is not None and self.ended is not None:
            out["seconds"] = round(self.ended - self.started, 2)
            out["summary"] = tail(log, 1)  # e.g. "20 feeds, 300 new articles, 0 feeds with errors"
        if self.returncode not in (0, None) or self.stopped:
            out["log_tail"] = tail(log)
        return out


async def run_writers(
    writers: list[Writer], env: dict[str, str], logs: Path, clock: float, delay: float, tl: Timeline
) -> None:
    """After `delay` seconds, each writer's `newsdesk NAME` in turn (stops at a failure)."""
    await asyncio.sleep(delay)
    for w in writers:
        with (logs / f"{w.name}.log").open("w") as out:
            w.started = time.perf_counter() - clock
            proc = await asyncio.create_subprocess_exec(
                *newsdesk_command(),
                w.name,
                *w.args,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                w.returncode = await proc.wait()
            except asyncio.CancelledError:
                w.stopped = True
                signal_group(proc.pid, signal.SIGTERM)
                try:
                    w.returncode = await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    signal_group(proc.pid, signal.SIGKILL)
                    w.returncode = await proc.wait()
                raise
            finally:
                w.ended = time.perf_counter() - clock
                tl.add(w.name, w.started, w.ended)
                signal_group(proc.pid, signal.SIGTERM)  # pool workers left behind, if any
        if w.returncode != 0:
            return


def hold_write_lock(db_url: str, seconds: float, clock: float, tl: Timeline) -> None:
    """Hold the database's write lock for `seconds` (waiting up to 60 s to get it)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(url.database), timeout=60, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            start = time.perf_counter() - clock
            time.sleep(seconds)
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    else:
        engine = create_engine(db_url)
        try:
            with engine.connect() as pg:
                pg.execute(text("SET lock_timeout = '60s'"))
                names = pg.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).scalars()
                quote_name = pg.dialect.identifier_preparer.quote
                tables = ", ".join(quote_name(n) for n in names)
                pg.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
                start = time.perf_counter() - clock
                time.sleep(seconds)
                pg.rollback()
        finally:
            engine.dispose()
    tl.add("lock", start, time.perf_counter() - clock)


async def run_load(
    base: str, targets: Targets, env: dict[str, str], logs: Path, opts: argparse.Namespace
) -> tuple[list[Sample], Timeline, list[Writer], tuple[dict[str, Any], float] | None]:
    """The readers (httpx's, or wrk's: then its results and CPU seconds), the writers."""
    samples: list[Sample] = []
    by_wrk = None
    tl = Timeline()
    writers = (
        [Writer("worker", ("--tick", "2"))]
        if opts.worker
        else [Writer("refresh"), Writer("enrich")]
    )
    clock = time.perf_counter()
    writing = asyncio.create_task(run_writers(writers, env, logs, clock, opts.quiet_start, tl))
    lock: asyncio.Task[None] | None = None
    if opts.hold_lock:

        async def locked() -> None:
            await asyncio.sleep(opts.hold_lock_at)
            try:
                await asyncio.to_thread(
                    hold_write_lock, opts.database_url, opts.hold_lock, clock, tl
                )
            except Exception as exc:  # reported, as the writers' failures are
                tl.lock_error = f"{type(exc).__name__}: {exc}"

        lock = asyncio.create_task(locked())
    if opts.driver == "wrk":
        by_wrk = await wrk_load(base, targets, opts, logs)
    elif opts.rate:
        await paced(base, targets, clock, opts.seconds, opts, samples)
    else:
        await asyncio.gather(
            *(
                reader(i, base, targets, clock, opts.seconds, opts, samples)
                for i in range(opts.readers)
            )
        )
    tl.readers_done = (time.perf_counter(), machine_busy())
    if lock is not None:
        await lock
    try:  # the writers' time to finish, without readers (a worker runs until stopped)
        await asyncio.wait_for(asyncio.shield(writing), 0 if opts.worker else opts.writer_grace)
    except TimeoutError:
        writing.cancel()
        with suppress(asyncio.CancelledError):
            await writing
    return samples, tl, writers, by_wrk


# ---------------------------------------------------------------- figures


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def stats(samples: list[Sample]) -> dict[str, Any]:
    ms = sorted(1000 * s.seconds for s in samples)
    out: dict[str, Any] = {
        "requests": len(samples),
        "ok": sum(1 for s in samples if s.status is not None and s.status < 400),
        "http_5xx": sum(1 for s in samples if s.status is not None and s.status >= 500),
        "timeouts": sum(1 for s in samples if s.error == "timeout"),
        "other_errors": sum(
            1
            for s in samples
            if (s.status is None and s.error != "timeout")
            or (s.status is not None and 400 <= s.status < 500)
        ),
    }
    if ms:
        out |= {
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(ms[-1], 1),
        }
    return out


def server_errors(log: Path) -> dict[str, Any]:
    """Tracebacks in the server's log, and their most common final lines."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    finals = Counter(
        f"{m[1]}: {m[2][:120]}" for line in lines if (m := EXCEPTION_LINE.match(line.strip()))
    )
    return {
        "tracebacks": sum(1 for line in lines if line.startswith("Traceback")),
        "most_common": [{"error": e, "count": c} for e, c in finals.most_common(5)],
    }


def figures_of(
    samples: list[Sample], tl: Timeline, opts: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    by_endpoint: dict[str, list[Sample]] = {}
    by_phase: dict[str, list[Sample]] = {p: [] for p in PHASES}
    by_both: dict[str, dict[str, list[Sample]]] = {}
    for s in samples:
        phase = tl.phase_at(s.start)
        by_endpoint.setdefault(s.endpoint, []).append(s)
        by_phase[phase].append(s)
        by_both.setdefault(s.endpoint, {}).setdefault(phase, []).append(s)
    durations = tl.durations(opts.seconds)
    phases = {}
    for phase, group in by_phase.items():
        phases[phase] = {"seconds": durations[phase]} | stats(group)
        if durations[phase]:
            phases[phase]["requests_per_s"] = round(len(group) / durations[phase], 1)
    order = {e: i for i, e in enumerate(opts.endpoints)}
    by_endpoint = dict(sorted(by_endpoint.items(), key=lambda kv: order.get(kv[0], len(order))))
    by_both = {e: by_both[e] for e in by_endpoint}
    return {
        "by_endpoint": {e: stats(g) for e, g in by_endpoint.items()},
        "by_phase": phases,
        "by_endpoint_phase": {
            e: {p: stats(g) for p, g in groups.items()} for e, groups in by_both.items()
        },
        "all": stats(samples) | {"requests_per_s": round(len(samples) / opts.seconds, 1)},
    }


def print_table(title: str, rows: dict[str, dict[str, Any]], first: str) -> None:
    columns = [
        ("seconds", "secs", 6),
        ("requests", "reqs", 6),
        ("requests_per_s", "req/s", 6),
        ("p50_ms", "p50 ms", 8),
        ("p99_ms", "p99 ms", 8),
        ("max_ms", "max ms", 8),
        ("http_5xx", "5xx", 5),
        ("timeouts", "tmout", 5),
        ("other_errors", "other", 5),
    ]
    shown = [c for c in columns if any(c[0] in r for r in rows.values())]
    print(f"\n{title}")
    print(f"  {first:<20}" + "".join(f"{label:>{w + 1}}" for _, label, w in shown))
    for name, row in rows.items():
        cells = "".join(f"{row.get(key, '-')!s:>{w + 1}}" for key, _, w in shown)
        print(f"  {name:<20}{cells}")


def print_phase_grid(rows: dict[str, dict[str, dict[str, Any]]]) -> None:
    """p99 per endpoint and phase; "!N": N failed requests (5xx, timeouts, other errors)."""
    print("\np99 ms per endpoint and phase (!N: N failures)")
    shown = [*PHASES, *sorted({p for r in rows.values() for p in r} - set(PHASES))]
    widths = [max(13, len(p) + 2) for p in shown]
    print(f"  {'endpoint':<20}" + "".join(f"{p:>{w}}" for p, w in zip(shown, widths, strict=True)))
    for endpoint, phases in rows.items():
        cells = []
        for phase, width in zip(shown, widths, strict=True):
            row = phases.get(phase)
            if not row:
                cells.append(f"{'-':>{width}}")
                continue
            failed = row["http_5xx"] + row["timeouts"] + row["other_errors"]
            cell = f"{row['p99_ms']:.0f}" + (f" !{failed}" if failed else "")
            cells.append(f"{cell:>{width}}")
        print(f"  {endpoint:<20}" + "".join(cells))


def source_state() -> str:
    """Where the newsdesk code under test comes from (its git commit, if a checkout)."""
    src = Path(newsdesk.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(src), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(src)
    return f"{src} at {commit}" + (" with uncommitted changes" if dirty else "")


def print_report(figures: dict[str, Any]) -> None:
    print(
        f"newsdesk load: {figures['backend']}, "
        + (
            f"open load at {figures['rate']} requests/s on {figures['readers']} connections"
            if figures["rate"]
            else f"{figures['readers']} readers back to back"
        )
        + f" for {figures['seconds']} s, "
        f"{figures['database_before']['articles']} articles at start, "
        f"{'returning visitors (cookies kept)' if figures['cookies'] else 'fresh visitors (no cookies)'}"
    )
    print(f"code: {figures['newsdesk_code']}")
    print(
        f"load average {figures['load_average_at_start']} at start, "
        f"{figures['load_average_at_end']} at end; CPU seconds in the window: "
        f"server {figures['cpu_s']['server']}, readers' client ({figures['driver']}) "
        f"{figures['cpu_s']['readers_client']}"
        + (
            f", PostgreSQL {figures['cpu_s']['postgresql']} (its live processes; connections "
            f"opened in the window: {figures['cpu_s']['postgresql_connections_opened']})"
            if figures["backend"] == "postgresql"
            else ""
        )
        + f"; the whole machine busy {figures['cpu_s']['machine_busy']} of "
        f"{(os.cpu_count() or 1) * figures['cpu_s']['window_s']:.0f} "
        f"({figures['cpu_s']['window_s']} s of readers)"
    )
    requests = figures["results"]["all"]["requests"]
    print(
        f"web processes: {figures['web_processes']}; server CPU ms per request: "
        f"{1000 * figures['cpu_s']['server'] / max(requests, 1):.1f}"
        + (
            " (a worker's CPU not included: it is a process of its own)"
            if figures["worker"]
            else ""
        )
    )
    results = figures["results"]
    print_table(
        "per endpoint (latency over every request, failures included)",
        results["by_endpoint"] | {"all": results["all"]},
        "endpoint",
    )
    print_table("per phase (the phase in which a request started)", results["by_phase"], "phase")
    print_phase_grid(results["by_endpoint_phase"])
    print("\nwriters")
    for name, w in figures["writers"].items():
        state = (
            "finished in the window"
            if w["finished_in_window"]
            else "finished after the window"
            if w["finished"]
            else "stopped at the end of the load"
            if w["stopped_after_grace"] and name == "worker"
            else "stopped after the grace period"
            if w["stopped_after_grace"]
            else "did not run"
            if w["started_s"] is None
            else f"failed ({w['returncode']})"
        )
        span = f" at {w['started_s']}-{w['ended_s']} s" if w["ended_s"] is not None else ""
        print(f"  {name:<8} {state}{span}" + (f": {w['summary']}" if w.get("summary") else ""))
        if w.get("log_tail"):
            print("    " + w["log_tail"].replace("\n", "\n    "))
    if figures["hold_lock"]:
        spans = figures["timeline"].get("lock") or []
        held = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in spans) or "never acquired"
        if figures["hold_lock_error"]:
            held += f" ({figures['hold_lock_error']})"
        print(f"  lock     held {held}")
    before, after = figures["database_before"], figures["database_after"]
    print(
        f"\ndatabase: articles {before['articles']} -> {after['articles']}, "
        f"awaiting enrichment {before['pending_enrichment']} -> {after['pending_enrichment']}, "
        f"sessions rows {before['sessions']} -> {after['sessions']}"
    )
    errors = figures["server_errors"]
    print(f"server log: {errors['tracebacks']} tracebacks")
    for e in errors["most_common"]:
        print(f"  {e['count']:>6} x {e['error']}")


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--rate", type=float, help="open load: requests per second in all (--readers: connections)"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=40,
        help=f"load, ≤ {MAX_SECONDS} (≤ {MAX_WRK_SECONDS} with --driver wrk)",
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request")
    parser.add_argument("--articles", type=int, default=300, help="BBC articles at the start")
    parser.add_argument(
        "--pages",
        type=int,
        default=300,
        help="pages the refresh writer fetches (over 30 per feed, newsdesk's per-host pacing waits)",
    )
    parser.add_argument("--feeds", type=int, default=20, help="feeds those pages are in")
    parser.add_argument("--quiet-start", type=float, help="seconds before the writers start")
    parser.add_argument("--hold-lock", type=float, default=0, help="hold the write lock S s")
    parser.add_argument("--hold-lock-at", type=float, help="from this second (default: middle)")
    parser.add_argument(
        "--writer-grace", type=float, default=60, help="seconds the writers get after the load"
    )
    parser.add_argument("--cookies", action="store_true", help="readers keep their cookies")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--db-url",
        help="PostgreSQL server URL (default with --backend postgresql: $NEWSDESK_TEST_PG_URL, "
        "as scripts/with-pg.sh sets it); the bench creates and drops its own database there",
    )
    parser.add_argument(
        "--generated", type=int, default=0, help="N: the generated N-article database instead"
    )
    parser.add_argument("--worker", action="store_true", help="a `newsdesk worker` writes")
    parser.add_argument("--only", nargs="+", help="only these endpoints, e.g. '/articles/{id}'")
    parser.add_argument(
        "--web-processes", type=int, default=1, help="`newsdesk serve --web-processes N`"
    )
    parser.add_argument(
        "--driver",
        choices=("httpx", "wrk"),
        default="httpx",
        help="the readers' client: httpx (Python, per-request figures) or wrk (C, `apt install "
        "wrk`: almost no CPU taken from the server; readers back to back, fresh visitors)",
    )
    parser.add_argument(
        "--wrk-step",
        type=float,
        default=0,
        help="with --driver wrk: each phase (before and after --quiet-start) in runs of this "
        "many seconds, each reported too (how the figures move as pages get kept)",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--logs", type=Path, help="copy the processes' logs to this directory")
    opts = parser.parse_args()
    longest = MAX_WRK_SECONDS if opts.driver == "wrk" else MAX_SECONDS
    if not 0 < opts.seconds <= longest:
        parser.error(f"--seconds must be in (0, {longest}] with --driver {opts.driver}")
    if opts.rate is not None and opts.rate <= 0:
        parser.error("--rate must be positive")
    if opts.readers < 1:
        parser.error("--readers must be at least 1")
    if opts.db_url:
        opts.backend = "postgresql"
    if opts.backend == "postgresql":
        opts.db_url = opts.db_url or os.environ.get("NEWSDESK_TEST_PG_URL")
        if not opts.db_url:
            parser.error("PostgreSQL needs --db-url or NEWSDESK_TEST_PG_URL (scripts/with-pg.sh)")
        if make_url(opts.db_url).get_backend_name() != "postgresql":
            parser.error("--db-url must be a postgresql:// URL")
    if opts.quiet_start is None:
        opts.quiet_start = round(opts.seconds / 5, 1)
    if opts.driver == "wrk":
        if opts.rate or opts.hold_lock or opts.cookies:
            parser.error(
                "--driver wrk: readers back to back only (no --rate, --hold-lock, --cookies)"
            )
        if shutil.which("wrk") is None:
            parser.error("--driver wrk needs wrk on the PATH (Debian: apt install wrk)")
        opts.quiet_start = round(opts.quiet_start)
    if opts.hold_lock_at is None:
        opts.hold_lock_at = round(opts.seconds / 2, 1)
    return opts


def main() -> int:
    opts = parse_args()
    if data_missing(BBC) or data_missing(SHARED / "article-extraction-benchmark"):
        return 2
    with tempfile.TemporaryDirectory(prefix="newsdesk-load-") as tmp:
        root = Path(tmp)
        if opts.backend == "postgresql":
            with postgres_database(opts.db_url) as url:
                return bench(opts, root, url)
        return bench(opts, root, f"sqlite:///{root / 'data' / 'newsdesk.db'}")


def bench(opts: argparse.Namespace, root: Path, database_url: str) -> int:
    opts.database_url = database_url
    site, logs = root / "site", root / "logs"
    site.mkdir()
    logs.mkdir()
    env = os.environ | {
        "NEWSDESK_DATA_DIR": str(root / "data"),
        "NEWSDESK_DATABASE_URL": database_url,
        "NEWSDESK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "NEWSDESK_CONCURRENCY": "32",  # as bench/ingest.py: 20 outlets' hosts, 2 requests each
    }
    print(f"setup in {root} ({opts.backend})", file=sys.stderr)
    started = time.perf_counter()
    if opts.generated:
        setup = {"generate_s": generated_database(opts.generated, root / "data", database_url)}
    else:
        jsonl = root / "bbc.jsonl"
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in bbc_records(opts.articles)))
        setup = {
            "import_s": run_setup_step(["import", str(jsonl)], env, logs / "import.log", 600),
            "enrich_s": run_setup_step(["enrich"], env, logs / "setup-enrich.log", 1200),
        }
    site_port, port = free_port(), free_port()
    pages = real_pages(opts.pages)
    feed_urls = write_site(site, pages, opts.feeds, site_port)  # feeds on 127.0.0.1,
    hosts = ["127.0.0.1"] + [page_host(f) for f in range(opts.feeds)]  # pages on .2, .3, ...
    engine = connect(database_url)
    with session_scope(engine) as session:
        session.add_all(Feed(url=u) for u in feed_urls)
    engine.dispose()
    base = f"http://127.0.0.1:{port}"
    site_server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(site), str(site_port), *hosts],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server_log: TextIO = (logs / "serve.log").open("w")
    server = subprocess.Popen(
        newsdesk_command()
        + ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
        + ["--web-processes", str(opts.web_processes)],
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for host in hosts:
            wait_for_port(host, site_port, site_server, 30)
        try:
            wait_for_port("127.0.0.1", port, server, 120)
        except RuntimeError as exc:
            sys.exit(f"newsdesk serve did not start ({exc}):\n{tail(logs / 'serve.log')}")
        targets = discover_sampled(database_url) if opts.generated else discover(base, opts.timeout)
        if opts.only:
            targets = Targets({e: p for e, p in targets.paths.items() if e in opts.only})
        if opts.generated:
            setup["boxes_stored"] = store_boxes(
                database_url, targets.paths.get("/articles/{id}", [])
            )
        opts.endpoints = list(targets.paths)
        warm_up(base, targets, opts.timeout, opts.web_processes)
        setup["total_s"] = round(time.perf_counter() - started, 1)
        before = database_counts(database_url)  # warm-up sessions included
        load_start = round(os.getloadavg()[0], 2)
        print(
            f"load: {opts.readers} readers for {opts.seconds} s"
            + (
                f" (open: {opts.rate} requests/s on {opts.readers} connections)"
                if opts.rate
                else ""
            )
            + "; writers from "
            f"{opts.quiet_start} s"
            + (f"; lock at {opts.hold_lock_at} s" if opts.hold_lock else ""),
            file=sys.stderr,
        )
        cpu_before = tree_cpu(server.pid), resource.getrusage(resource.RUSAGE_SELF)
        sessions_before = postgres_sessions(database_url)
        pg_before, busy_before, window = postgres_cpu(), machine_busy(), time.perf_counter()
        samples, tl, writers, by_wrk = asyncio.run(run_load(base, targets, env, logs, opts))
        load_end = round(os.getloadavg()[0], 2)
        server_cpu = tree_cpu_since(server.pid, cpu_before[0])
        pg_cpu = sum(v - pg_before.get(p, 0.0) for p, v in postgres_cpu().items())
        sessions = postgres_sessions(database_url)
        if sessions is not None and sessions_before is not None:
            sessions -= sessions_before  # (give or take the counting connection itself)
        window = tl.readers_done[0] - window  # the machine's CPU while the readers read
        busy = tl.readers_done[1] - busy_before
        usage = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (
            usage.ru_utime + usage.ru_stime - cpu_before[1].ru_utime - cpu_before[1].ru_stime
        ) + (by_wrk[1] if by_wrk else 0.0)
    finally:
        stop_process(server)
        stop_process(site_server)
        server_log.close()
        if opts.logs:
            shutil.copytree(logs, opts.logs, dirs_exist_ok=True)
    after = database_counts(database_url)

    figures = {
        "benchmark": "load",
        "backend": opts.backend,
        "readers": opts.readers,
        "rate": opts.rate,  # None: readers back to back
        "seconds": opts.seconds,
        "timeout_s": opts.timeout,
        "cookies": opts.cookies,
        "pages_served": len(pages),
        "feeds": opts.feeds,
        "quiet_start_s": opts.quiet_start,
        "hold_lock": opts.hold_lock,
        "hold_lock_at": opts.hold_lock_at if opts.hold_lock else None,
        "hold_lock_error": tl.lock_error,
        "endpoint_paths": {e: len(p) for e, p in targets.paths.items()},
        "setup": {k: round(v, 1) for k, v in setup.items()},
        "database_before": before,
        "database_after": after,
        "timeline": {
            p: [(round(a, 2), round(b, 2)) for a, b in spans] for p, spans in tl.intervals.items()
        },
        "writers": {w.name: w.figures(opts.seconds, logs / f"{w.name}.log") for w in writers},
        "driver": opts.driver,
        "results": by_wrk[0] if by_wrk else figures_of(samples, tl, opts),
        "server_errors": server_errors(logs / "serve.log"),
        "newsdesk_code": source_state(),
        "load_average_at_start": load_start,
        "load_average_at_end": load_end,
        "cpu_s": {
            "server": round(server_cpu, 1),
            "readers_client": round(client_cpu, 1),
            "postgresql": round(pg_cpu, 1),
            "postgresql_connections_opened": sessions,
            "machine_busy": round(busy, 1),
            "window_s": round(window, 1),  # machine_busy's: while the readers read
        },
        "generated": opts.generated,
        "worker": opts.worker,
        "web_processes": opts.web_processes,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print_report(figures)
    if opts.json:
        write_json(opts.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
