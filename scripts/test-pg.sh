#!/usr/bin/env bash
# `make test-pg`: newsdesk on a real PostgreSQL server.
#
# Installs Debian's postgresql when missing (as root), creates a throw-away cluster in a
# temporary directory, starts it on a free loopback port, and runs with NEWSDESK_TEST_PG_URL
# pointing at it and NEWSDESK_TEST_BACKEND=postgresql: the tests marked `pg`, and the
# database-facing suites again, each test on a fresh database copied from a migrated template
# (tests/conftest.py, `database_url`). Browser, fuzz and slow tests run on SQLite only, to keep
# this pass within a few minutes. Then it removes the cluster. With PG_OPTIONAL=1 (as `make
# test` runs it), a machine where PostgreSQL cannot be installed skips these tests with a note.
set -euo pipefail

TEST_PY=${TEST_PYTHON:-.venv/bin/python}
missing() {
  if [ "${PG_OPTIONAL:-0}" = "1" ]; then
    echo "PostgreSQL tests skipped: $1" >&2
    exit 0
  fi
  echo "$1" >&2
  exit 1
}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    missing "PostgreSQL is missing: run 'sudo apt-get install -y postgresql'"
  fi
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } ||
    missing "apt-get could not install postgresql"
fi
BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")

DATA=$(mktemp -d /tmp/newsdesk-pg.XXXXXX)
RUN_AS=()
if [ "$(id -u)" = "0" ]; then  # PostgreSQL refuses to run as root
  chown postgres "$DATA"
  RUN_AS=(runuser -u postgres --)
fi
PORT=$("$TEST_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${RUN_AS[@]}" "$BIN/initdb" -D "$DATA/db" -A trust -U postgres >"$DATA/initdb.log"
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA/db" -l "$DATA/server.log" -w \
  -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop() {
  "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA/db" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop EXIT

echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
# The database-facing suites: store, ingest pipeline, enrich, stories, web pages, API, Atom,
# Google Reader, Fever, readers and comments, search, outlets, lists, sources, workers, CLI.
SUITES=(
  tests/test_store_db.py tests/test_pipeline.py tests/test_hostile_ingest.py tests/test_enrich.py
  tests/test_stories.py tests/test_stories_developing.py tests/test_stories_live.py
  tests/test_web.py tests/test_web_ai.py tests/test_web_hardening.py tests/test_reading_pages.py
  tests/test_pagecache.py tests/test_article_page_reads.py
  tests/test_api.py tests/test_api_ai.py tests/test_atom.py tests/test_greader.py tests/test_fever.py
  tests/test_readers_comments.py tests/test_readers_security.py tests/test_readers_never_wait.py
  tests/test_search.py tests/test_search_bounds.py tests/test_outlets.py tests/test_lists_grouped.py
  tests/test_sources_page.py tests/test_sources_admin.py tests/test_images_proxy.py
  tests/test_images_feeds.py
  tests/test_explainers.py tests/test_quotes_page.py tests/test_ask.py tests/test_llm.py
  tests/test_workers.py tests/test_cli.py
  tests/test_postgres.py tests/test_workers_pg.py tests/test_backup_pg.py
)
NEWSDESK_TEST_BACKEND=postgresql \
NEWSDESK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres" \
  "$TEST_PY" -m pytest -q -p no:cacheprovider --basetemp="$DATA/pytest" \
  -m "pg or not (slow or browser or fuzz)" \
  "${SUITES[@]}" "$@"
