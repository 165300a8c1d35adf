"""The `newsdesk` command line."""

from __future__ import annotations

import os

# One BLAS thread per process: spaCy's matrix work is small-batch, and OpenBLAS spinning on every
# core costs more CPU than it saves (see BENCHMARKS.md). Must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import contextlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.store.db import connect, session_scope
from newsdesk.store.models import Article, ErrorRecord, Feed, FeedArticle

if TYPE_CHECKING:
    import uvicorn
    from rich.progress import Progress

    from newsdesk.sources.opml import SkippedOutline
    from newsdesk.store.models import Feed

# Keep the module-level imports light (Typer, rich, SQLAlchemy, the store): `--help`, `feeds
# list`, `stats` and the other light commands must start fast. Everything heavy (spaCy,
# onnxruntime, trafilatura, numpy, FastAPI/uvicorn, httpx, the AI layer, Alembic) is imported
# inside the command that uses it; tests/test_cli.py checks this.

app = typer.Typer(help="newsdesk: a self-hosted, AI-powered news aggregator.", no_args_is_help=True)
feeds_app = typer.Typer(help="Manage subscribed feeds.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
users_app = typer.Typer(help="Manage reader accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="API tokens for apps and private feeds.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")
export_app = typer.Typer(help="Export data.", no_args_is_help=True)
app.add_typer(export_app, name="export")

console = Console(stderr=True)


def stdout() -> Console:
    """A stdout console made at run time, so that COLUMNS and redirection are honoured."""
    return Console()


def _settings() -> Settings:
    return Settings.from_env()


def _engine(settings: Settings) -> Engine:
    return connect(settings.db_url)


def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


# ---------------------------------------------------------------- feeds


def default_opml() -> bytes:
    from importlib import resources

    return resources.files("newsdesk").joinpath("data/default-feeds.opml").read_bytes()


@feeds_app.command("add")
def feeds_add(url: str) -> None:
    """Subscribe to URL: a feed, or a site whose page links to its feed. Says when the site
    already has a feed of the same source (another format or URL)."""
    from newsdesk.subscriptions import SimilarFeed, subscribe_url

    settings = _settings()
    similar: list[SimilarFeed] = []
    known: list[Feed] = []
    try:
        feed = subscribe_url(_engine(settings), settings, url, similar, known)
    except Exception as exc:
        raise _fail(str(exc)) from exc
    out = stdout()
    out.print(
        f"{'already subscribed' if known else 'subscribed'}: "
        f"{feed.outlet_name or feed.title or feed.url} <{feed.url}>",
        markup=False,
        highlight=False,
    )
    for s in similar:
        out.print(
            f"note: feed {s.feed.id} <{s.feed.url}> looks like the same source: {s.reason}. "
            f"Remove one with `newsdesk feeds remove ID`.",
            markup=False,
            highlight=False,
        )


@feeds_app.command("import")
def feeds_import(path: Path) -> None:
    """Import feeds from an OPML file; says which outlines it skipped, and why."""
    from newsdesk.sources.opml import OPMLError
    from newsdesk.subscriptions import import_opml

    skipped: list[SkippedOutline] = []
    try:
        added, present = import_opml(_engine(_settings()), path.read_bytes(), skipped)
    except (OSError, OPMLError) as exc:
        raise _fail(str(exc)) from exc

    def shown(value: str | None) -> str:  # the file's text, not markup or terminal controls
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in (value or "")[:200])

    lines = [f"imported {added} {'feed' if added == 1 else 'feeds'} ({present} already subscribed)"]
    if skipped:
        lines.append(f"skipped {len(skipped)} outlines:")
    lines += [f"  {shown(i.title)!r} ({shown(i.xml_url)}): {i.reason}" for i in skipped[:50]]
    if len(skipped) > 50:
        lines.append(f"  ... and {len(skipped) - 50} more")
    stdout().print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


@feeds_app.command("export")
def feeds_export() -> None:
    """Print all subscriptions as OPML 2.0."""
    from newsdesk.subscriptions import export_opml

    with session_scope(_engine(_settings())) as session:
        sys.stdout.write(export_opml(session))


@feeds_app.command("list")
def feeds_list() -> None:
    """Show each feed's last fetch, article count and last error."""
    with session_scope(_engine(_settings())) as session:
        counts = dict(
            session.execute(
                select(FeedArticle.feed_id, func.count()).group_by(FeedArticle.feed_id)
            ).all()
        )
        feeds = session.scalars(select(Feed).order_by(Feed.id)).all()
        table = Table("id", "feed", "last fetch", "articles", "last error")
        for f in feeds:
            fetched = (
                f.last_fetched_at.strftime("%Y-%m-%d %H:%M UTC") if f.last_fetched_at else "never"
            )
            table.add_row(
                str(f.id),
                f"{f.title or ''}\n{f.url}",
                fetched,
                str(counts.get(f.id, 0)),
                f.last_error or "",
            )
    stdout().print(table)


@feeds_app.command("outlet")
def feeds_outlet(
    feed_id: int,
    name: Annotated[str, typer.Argument(help="the outlet's name; leave out to derive it")] = "",
) -> None:
    """Name the outlet of a feed's articles ("CNN"), or derive the name again."""
    from newsdesk.subscriptions import set_outlet_name

    with session_scope(_engine(_settings())) as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise _fail(f"no feed with id {feed_id}")
        used = set_outlet_name(session, feed, name or None)
    stdout().print(f"feed {feed_id}: outlet {used!r}", markup=False, highlight=False)


@feeds_app.command("remove")
def feeds_remove(feed_id: int) -> None:
    """Unsubscribe (the feed's stored articles stay)."""
    from newsdesk.subscriptions import remove_feed

    with session_scope(_engine(_settings())) as session:
        if remove_feed(session, feed_id) is None:
            raise _fail(f"no feed with id {feed_id}")
    stdout().print(f"removed feed {feed_id}")


# ---------------------------------------------------------------- running


@app.command()
def refresh() -> None:
    """Fetch every feed once, with a progress bar."""
    import asyncio

    from newsdesk.ingest import FeedResult
    from newsdesk.ingest import refresh as run_refresh

    settings = _settings()
    engine = _engine(settings)
    with session_scope(engine) as session:
        total = session.scalar(select(func.count()).select_from(Feed)) or 0
    with _progress() as progress:
        task = progress.add_task("refreshing feeds", total=total)

        def step(result: FeedResult) -> None:
            progress.advance(task)
            if result.error:
                progress.console.print(f"[yellow]{result.url}[/yellow]: {result.error}")

        report = asyncio.run(run_refresh(engine, settings, progress=step))
    console.print(
        f"{len(report.feeds)} feeds, {report.new_articles} new articles, "
        f"{len(report.errors)} feeds with errors"
    )


@app.command("import")
def import_jsonl(path: Path) -> None:
    """Load pre-extracted articles from JSON Lines (url, title, text, published, source, ...).

    Every good line is stored; every bad one (not UTF-8, not JSON, a field missing or of the
    wrong type) is recorded as FILE:LINE with the reason (see `newsdesk errors`)."""
    from newsdesk.ingest import import_jsonl_file

    engine = _engine(_settings())
    try:
        size = path.stat().st_size
        with _progress() as progress:
            task = progress.add_task("importing (bytes)", total=size)
            report = import_jsonl_file(
                engine, path, lambda done: progress.update(task, completed=done)
            )
    except OSError as exc:
        raise _fail(str(exc)) from exc
    console.print(
        f"imported {report.new} new articles; {report.present} already stored; "
        f"{report.bad} bad lines recorded"
    )


@app.command()
def extract(
    inputs: Annotated[list[str], typer.Argument(help="HTML files (.gz ok) or http(s) URLs")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """Extract articles; prints results in argument order."""
    from newsdesk.extract.batch import extract_inputs

    failed = False
    for obj in extract_inputs(list(inputs), _settings()):
        failed = failed or bool(obj.get("error"))
        if as_json:
            sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            stdout().rule(obj.get("title") or obj["url"] or "")
            stdout().print(obj.get("error") or obj["text"])
    if failed:
        raise typer.Exit(code=1)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            "--refresher/--no-refresher",
            help="also run a worker (refresh, enrich); --no-worker: web only, for `newsdesk "
            "worker` processes elsewhere (--no-refresher: the old name)",
        ),
    ] = True,
    web_processes: Annotated[
        int,
        typer.Option(
            "--web-processes",
            min=1,
            help="web server processes sharing the port (uvicorn's workers); over 1, the "
            "worker runs once, as a `newsdesk worker` process of its own",
        ),
    ] = 1,
) -> None:
    """Run the web app, and a worker (see `newsdesk worker`) unless --no-worker.

    With --web-processes 1 (the default) one process serves the web app and runs the worker.
    With N > 1, uvicorn's supervisor starts N web processes on one socket (restarting any that
    dies) and, unless --no-worker, one `newsdesk worker` child; SIGTERM or Ctrl-C stops them all.
    Links use NEWSDESK_BASE_URL (else http://HOST:PORT); X-Forwarded-For/-Proto are believed
    only from NEWSDESK_TRUSTED_PROXIES."""
    from newsdesk.web.app import create_app, serve_base_url, server_config, settle

    settings = _settings()
    if not settings.base_url:
        settings = settings.with_(base_url=serve_base_url(host, port))
    engine = _engine(settings)
    try:  # checks the settings (and makes the secret key once, before any web process starts)
        web = create_app(settings, engine)
        config = server_config(web, settings, host, port)
    except ValueError as exc:
        raise _fail(escape(str(exc))) from exc
    with session_scope(engine) as session:
        empty = session.scalar(select(func.count()).select_from(Feed)) == 0
    if empty and worker:
        from newsdesk.subscriptions import import_opml

        added, _ = import_opml(engine, default_opml())
        console.print(f"first run: subscribed to {added} default news feeds")
    console.print(
        f"newsdesk on http://{host}:{port}, links on {settings.base_url} "
        f"(database {settings.db_url}, {web_processes} web process"
        f"{'es' if web_processes > 1 else ''})"
    )
    if web_processes > 1:
        engine.dispose()
        _serve_processes(settings, host, port, web_processes, worker)
    else:
        settle(web)
        _serve_one(config, engine, settings, worker)


def _serve_one(config: uvicorn.Config, engine: Engine, settings: Settings, worker: bool) -> None:
    """One process: uvicorn and, unless not `worker`, the worker loop on one event loop."""
    import asyncio

    import uvicorn

    from newsdesk.ingest import refresh_forever

    server = uvicorn.Server(config)

    async def main() -> None:
        tasks = [asyncio.create_task(server.serve())]
        if worker:
            tasks.append(asyncio.create_task(refresh_forever(engine, settings)))
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            task.result()

    # uvicorn's event loop (uvloop when installed, as in its own processes)
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(main())


def _serve_processes(
    settings: Settings, host: str, port: int, processes: int, worker: bool
) -> None:
    """uvicorn's supervisor over `processes` web processes (newsdesk.web.app.app_from_env,
    spawned: each reads the settings from the environment), and a `newsdesk worker` child."""
    import subprocess

    from newsdesk.web.app import APP_FACTORY, listening_sockets, run_processes, server_config

    os.environ["NEWSDESK_BASE_URL"] = settings.base_url  # what the web processes read
    config = server_config(APP_FACTORY, settings, host, port, workers=processes)
    try:
        sockets = listening_sockets(host, port, processes)
    except OSError as exc:
        raise _fail(escape(f"cannot listen on {host}:{port}: {exc}")) from exc
    child = None
    if worker:
        # The worker stops (as on SIGTERM) when this process is gone, killed alone or not: it
        # reads the end of a pipe whose other end only this process holds.
        watch, _held = os.pipe()  # _held stays open as long as this process lives
        child = subprocess.Popen(
            [sys.executable, "-m", "newsdesk.cli", "worker", "--parent-fd", str(watch)],
            pass_fds=(watch,),
        )
        os.close(watch)
    try:
        run_processes(config, sockets)  # until SIGTERM or SIGINT
    finally:
        for sock in sockets:
            sock.close()
        if child is not None:
            child.terminate()
            try:
                child.wait(60)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


@app.command("worker")
def worker_command(
    tick: Annotated[float, typer.Option(help="seconds between passes when idle")] = 30.0,
    parent_fd: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Fetch, extract, enrich and cluster in a loop, until SIGTERM or Ctrl-C.

    Any number of workers, on any machines, share one PostgreSQL database: feeds and articles
    are claimed with leases (NEWSDESK_LEASE_SECONDS), so none is done twice, and a killed
    worker's claims pass to the others when they expire. On SIGTERM the current step ends and
    the claims are released. On SQLite this works too, but one process (`serve`) is the default:
    the database has one writer at a time."""
    import asyncio
    import logging
    import signal

    # A SIGTERM while the worker starts (imports, migrations) stops it cleanly too.
    early: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: early.append(signum))

    from newsdesk.ingest import refresh_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = _settings()
    if settings.worker_nice > 0:  # readers first on a shared machine (config.py)
        _yield_cpu(settings.worker_nice)
    engine = _engine(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if parent_fd is not None:  # started by `serve`: stop when it is gone (end of file)

            def parent_gone() -> None:
                loop.remove_reader(parent_fd)
                stop.set()

            loop.add_reader(parent_fd, parent_gone)
        if early:
            stop.set()
        await refresh_forever(engine, settings, tick=tick, stop=stop, caller_computes=True)

    console.print(f"newsdesk worker on {engine.url.render_as_string(hide_password=True)}")
    asyncio.run(main())
    console.print("worker stopped; its claims are released")


def _yield_cpu(nice: int) -> None:
    """Lower this process's CPU priority by `nice`. A process that leads a session of its own
    (started by systemd, a shell, a supervisor with setsid) is also its own scheduling group
    on Linux (autogroup), whose share nice alone does not lower: the group's is set too."""
    os.nice(nice)
    if os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError):  # not Linux, or no autogroups
            Path("/proc/self/autogroup").write_text(str(nice))


@app.command("enrich")
def enrich_command(
    limit: Annotated[int | None, typer.Option(help="stop after about this many articles")] = None,
) -> None:
    """Run the AI layer (summaries, hashtags, entities, quotes, embeddings, stories) on new articles."""
    from newsdesk.enrich import EnrichBusy, enrich, pending_count

    settings = _settings()
    engine = _engine(settings)
    with _progress() as progress:
        task = progress.add_task("enriching", total=pending_count(engine))

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            count = enrich(engine, settings, progress=step, limit=limit)
        except EnrichBusy as exc:
            raise _fail(str(exc)) from exc
    console.print(f"enriched {count} articles")


@export_app.command("stories")
def export_stories_command(
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per article")] = True,
) -> None:
    """Print each article with its story id, one JSON line per article."""
    from newsdesk.enrich import export_stories

    export_stories(_engine(_settings()), sys.stdout)


@app.command("ask")
def ask_command(
    question: str,
    story: Annotated[int | None, typer.Option("--story", help="only this story's coverage")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Answer a question from the stored coverage, quoting and citing the articles."""
    from dataclasses import asdict

    from newsdesk.ask import ask

    settings = _settings()
    answer = ask(_engine(settings), settings, question, story_id=story)
    if as_json:
        sys.stdout.write(json.dumps(asdict(answer), ensure_ascii=False, default=str) + "\n")
        return
    stdout().print(answer.answer_text)
    for number, cite in enumerate(answer.citations, 1):
        stdout().print(f"[{number}] {cite.get('outlet')}: {cite.get('title')} <{cite.get('url')}>")
        if answer.composed_by:  # the answer above is the model's: show what it was given
            stdout().print(f"    “{cite.get('sentence')}”")
    if answer.composed_by:
        stdout().print(f"(answer written by {answer.composed_by} from the quoted sentences only)")


@app.command()
def analyze(
    paths: Annotated[
        list[str], typer.Argument(help="plain-text articles: headline line, then body; - for stdin")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = True,
) -> None:
    """Summary, key points, hashtags, entities and quotes of plain-text articles."""
    from newsdesk.nlp.analyze import run_analyze

    code = run_analyze(list(paths), sys.stdout)
    if code:
        raise typer.Exit(code=code)


# ---------------------------------------------------------------- users


def _password(prompt: bool) -> str:
    import os

    password = os.environ.get("NEWSDESK_PASSWORD", "")
    if not password and prompt:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create")
def users_create(
    name: str,
    admin: Annotated[bool, typer.Option("--admin", help="make this user an admin")] = False,
    moderator: Annotated[
        bool, typer.Option("--moderator", help="make this user a moderator")
    ] = False,
) -> None:
    """Create an account (password from a prompt, or NEWSDESK_PASSWORD)."""
    from newsdesk.accounts import UserError, create_user

    role = "admin" if admin else "moderator" if moderator else "reader"
    try:
        create_user(_engine(_settings()), name, _password(prompt=True), role)
    except UserError as exc:
        raise _fail(str(exc)) from exc
    stdout().print(f"created {role} {name}")


@users_app.command("set-password")
def users_set_password(name: str) -> None:
    """Reset a user's password (logs them out everywhere)."""
    from newsdesk.accounts import UserError, set_password

    try:
        set_password(_engine(_settings()), name, _password(prompt=True))
    except UserError as exc:
        raise _fail(str(exc)) from exc
    stdout().print(f"password changed for {name}")


@users_app.command("set-role")
def users_set_role(name: str, role: str) -> None:
    """Make a user a reader, moderator or admin."""
    from newsdesk.accounts import UserError, set_role

    try:
        set_role(_engine(_settings()), name, role)
    except UserError as exc:
        raise _fail(str(exc)) from exc
    stdout().print(f"{name} is now {role}")


@tokens_app.command("create")
def tokens_create(
    username: str,
    name: Annotated[str, typer.Option(help="a label, e.g. the app's name")] = "cli",
    scope: Annotated[str, typer.Option(help="api, greader, feed or fever")] = "api",
) -> None:
    """Create an API token for USERNAME and print it (shown only once)."""
    from newsdesk.accounts import username_key
    from newsdesk.store.models_readers import User
    from newsdesk.tokens import TokenError, create_api_token

    engine = _engine(_settings())
    with session_scope(engine) as session:
        user_id = session.scalar(select(User.id).where(User.username_key == username_key(username)))
    if user_id is None:
        raise _fail(f"there is no user {username!r}")
    try:
        token = create_api_token(engine, user_id, name, scope)
    except TokenError as exc:
        raise _fail(str(exc)) from exc
    sys.stdout.write(token + "\n")


def _cell(value: str | None) -> Text:
    """A table cell shown as stored text: no rich markup, control characters made visible."""
    return Text("".join(c if c.isprintable() else repr(c)[1:-1] for c in value or ""))


@app.command()
def errors(
    limit: int = 20,
    stage: Annotated[
        str | None, typer.Option(help="only this stage: fetch, extract, ..., web")
    ] = None,
) -> None:
    """Show the most recent recorded errors (feeds, pipeline, and the web app's 500s)."""
    query = select(ErrorRecord).order_by(ErrorRecord.created_at.desc()).limit(limit)
    if stage:
        query = query.where(ErrorRecord.stage == stage)
    with session_scope(_engine(_settings())) as session:
        rows = session.scalars(query).all()
        table = Table("when", "stage", "url", "message")
        for r in rows:
            table.add_row(
                r.created_at.strftime("%Y-%m-%d %H:%M"), r.stage, _cell(r.url), _cell(r.message)
            )
    stdout().print(table)


@app.command()
def stats() -> None:
    """Counts of feeds, articles and errors."""
    with session_scope(_engine(_settings())) as session:
        n_feeds = session.scalar(select(func.count()).select_from(Feed))
        n_articles = session.scalar(select(func.count()).select_from(Article))
        n_errors = session.scalar(select(func.count()).select_from(ErrorRecord))
    stdout().print(
        f"feeds: {n_feeds}  articles: {n_articles}  errors: {n_errors}  "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
    )


if __name__ == "__main__":  # pragma: no cover
    app()
