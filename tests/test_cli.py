"""The CLI as a user runs it: feeds add/import/export/list, extract --json."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsdesk.cli import app, default_opml
from newsdesk.config import Settings
from newsdesk.sources.opml import parse_opml

from .conftest import LoopbackServer, shared_data

runner = CliRunner()

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Loopback Times</title>
<link href="{site}"/><id>urn:x</id><updated>2026-11-25T10:00:00Z</updated>
<entry><title>Hello</title><id>urn:1</id><link href="{site}a1"/>
<updated>2026-11-25T10:00:00Z</updated><summary>hi</summary></entry></feed>"""


def env_for(settings: Settings) -> dict[str, str]:
    return {
        "NEWSDESK_DATA_DIR": str(settings.data_dir),
        "NEWSDESK_DATABASE_URL": settings.db_url,  # SQLite, or the test's PostgreSQL database
        "NEWSDESK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "COLUMNS": "200",
    }


def test_feeds_add_discovers_feed_from_site_page(http_server: LoopbackServer, settings: Settings):
    site = http_server.url("/")
    http_server.route(
        "/feeds/main.atom", ATOM.format(site=site), content_type="application/atom+xml"
    )
    http_server.route(
        "/",
        '<html><head><link rel="alternate" type="application/atom+xml" title="Main" '
        'href="/feeds/main.atom"></head><body>Home</body></html>',
    )
    result = runner.invoke(app, ["feeds", "add", site], env=env_for(settings))
    assert result.exit_code == 0, result.output
    assert "Loopback Times" in result.output
    listed = runner.invoke(app, ["feeds", "list"], env=env_for(settings))
    assert "/feeds/main.atom" in listed.output and "never" in listed.output


def test_feeds_add_refuses_private_address(settings: Settings):
    env = {"NEWSDESK_DATA_DIR": str(settings.data_dir)}  # loopback NOT allowed here
    result = runner.invoke(app, ["feeds", "add", "http://127.0.0.1:9/feed.xml"], env=env)
    assert result.exit_code == 1
    assert "127.0.0.1" in result.output


def test_opml_import_export_round_trip(tmp_path: Path, settings: Settings):
    path = tmp_path / "defaults.opml"
    path.write_bytes(default_opml())
    first = runner.invoke(app, ["feeds", "import", str(path)], env=env_for(settings))
    assert first.exit_code == 0, first.output
    assert "imported 13 feeds" in first.output
    again = runner.invoke(app, ["feeds", "import", str(path)], env=env_for(settings))
    assert "imported 0 feeds (13 already subscribed)" in again.output
    exported = runner.invoke(app, ["feeds", "export"], env=env_for(settings))
    assert exported.exit_code == 0
    feeds = parse_opml(exported.stdout.encode())
    assert {f.xml_url for f in feeds} == {f.xml_url for f in parse_opml(default_opml())}
    assert any(f.category == "World" for f in feeds)


def test_opml_import_of_real_files(tmp_path: Path, settings: Settings):
    root = shared_data("syndikit-real-feeds") / "OPML"
    path = root / "subscriptionList.opml"
    result = runner.invoke(app, ["feeds", "import", str(path)], env=env_for(settings))
    assert result.exit_code == 0, result.output
    assert "imported 13 feeds" in result.output
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    result = runner.invoke(app, ["feeds", "import", str(bad)], env=env_for(settings))
    assert result.exit_code == 1 and "error" in result.output


def test_extract_json_keeps_argument_order(tmp_path: Path, settings: Settings):
    root = shared_data("article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text())
    keys = sorted(truth)[:3]
    paths = [str(root / "html" / f"{k}.html.gz") for k in keys]
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(b"\x00\x01")
    result = runner.invoke(
        app, ["extract", "--json", paths[0], str(garbage), *paths[1:]], env=env_for(settings)
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    assert lines[1].get("error")
    for line, key in zip([lines[0], *lines[2:]], keys, strict=True):
        assert set(line) >= {"url", "title", "author", "published", "language", "text"}
        gold = truth[key]["articleBody"].split()
        assert " ".join(gold[:8]) in " ".join(line["text"].split())
    assert result.exit_code == 1  # one input failed, and the others were still printed


def test_default_opml_is_valid_feed_list():
    feeds = parse_opml(default_opml())
    assert len(feeds) >= 12
    assert all(f.xml_url.startswith("https://") for f in feeds)


def test_users_create_admin_and_login(settings: Settings):
    from sqlalchemy import select

    from newsdesk.security import verify_password
    from newsdesk.store import connect, session_scope
    from newsdesk.store.models_readers import User

    env = {**env_for(settings), "NEWSDESK_PASSWORD": "correct horse battery staple"}
    result = runner.invoke(app, ["users", "create", "--admin", "alice"], env=env)
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["users", "create", "ALICE"], env=env)
    assert again.exit_code == 1 and "taken" in again.output
    with session_scope(connect(settings.db_url)) as session:
        user = session.scalars(select(User)).one()
        assert user.role == "admin"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "correct horse battery staple")[0]


def test_import_enrich_export_and_ask(tmp_path: Path, settings: Settings):
    """The evaluation path: import JSONL, enrich, export stories, ask, analyze."""
    root = shared_data("bbc-news") / "bbc" / "business"
    lines = []
    for i, path in enumerate(sorted(root.glob("*.txt"))[:12]):
        headline, body = path.read_text(encoding="latin-1").split("\n", 1)
        lines.append(
            json.dumps(
                {
                    "url": f"https://bbc.example/business/{i}",
                    "title": headline,
                    "text": body.strip(),
                    "published": "2005-02-01T10:00:00Z",
                    "source": "BBC News",
                }
            )
        )
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("\n".join(lines))
    env = env_for(settings)
    assert runner.invoke(app, ["import", str(jsonl)], env=env).exit_code == 0
    enriched = runner.invoke(app, ["enrich"], env=env)
    assert enriched.exit_code == 0, enriched.output
    assert "enriched 12 articles" in enriched.output
    again = runner.invoke(app, ["enrich"], env=env)
    assert "enriched 0 articles" in again.output
    exported = runner.invoke(app, ["export", "stories", "--jsonl"], env=env)
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(rows) == 12 and all(isinstance(r["story_id"], int) for r in rows)
    first = sorted(root.glob("*.txt"))[0].read_text(encoding="latin-1")
    assert "Time Warner" in first
    answer = runner.invoke(
        app, ["ask", "By how much did quarterly profits at TimeWarner jump?", "--json"], env=env
    )
    result = json.loads(answer.stdout)
    assert result["answered"] and result["citations"]
    assert any(
        "TimeWarner" in c["sentence"] or "Time Warner" in c["sentence"] for c in result["citations"]
    )
    article = tmp_path / "a.txt"
    article.write_text(first)
    analyzed = runner.invoke(app, ["analyze", str(article)], env=env)
    obj = json.loads(analyzed.stdout)
    assert set(obj) == {"summary", "key_points", "hashtags", "entities", "quotes", "figures"}
    assert len(obj["summary"]) == 3


def test_users_and_tokens_commands_do_not_load_fastapi(settings: Settings):
    """`newsdesk users create` and `newsdesk tokens create` stay clear of the web stack."""
    import os
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from newsdesk.cli import app\n"
        "runner = CliRunner()\n"
        "made = runner.invoke(app, ['users', 'create', 'alice'])\n"
        "assert made.exit_code == 0, made.output\n"
        "token = runner.invoke(app, ['tokens', 'create', 'alice', '--name', 'app'])\n"
        "assert token.exit_code == 0, token.output\n"
        "assert token.output.strip(), token.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette')))\n"
    )
    env = {
        **os.environ,
        **env_for(settings),
        "NEWSDESK_PASSWORD": "correct horse battery staple",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


HEAVY_MODULES = (
    "spacy",
    "onnxruntime",
    "trafilatura",
    "numpy",
    "scipy",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "alembic",
)


def test_light_commands_do_not_load_heavy_modules(settings: Settings):
    """`--help`, `feeds list`, `stats` and `errors` start on Typer, SQLAlchemy and the store only
    (no NLP, models, extraction, web stack, HTTP client, or Alembic on a database at head)."""
    import os
    import subprocess
    import sys

    from newsdesk.store import Feed, connect, session_scope

    with session_scope(connect(settings.db_url)) as session:  # migrated to head beforehand
        session.add(Feed(url="https://example.org/feed.xml", title="Example"))
    script = (
        "import sys\n"
        "from newsdesk.cli import app\n"
        "sys.argv = ['newsdesk', *sys.argv[1:]]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"heavy = {HEAVY_MODULES!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {**os.environ, **env_for(settings)}
    for args in (["--help"], ["feeds", "list"], ["stats"], ["errors"]):
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.stderr)
        assert done.stdout.strip().splitlines()[-1] == "[]", (args, done.stdout)
