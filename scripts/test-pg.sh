#!/usr/bin/env bash
# `make test-pg`: newsdesk on a real PostgreSQL server.
#
# Installs Debian's postgresql when missing (as root), creates a throw-away cluster in a
# temporary directory, starts it on a free loopback port, runs the tests marked `pg` with
# NEWSDESK_TEST_PG_URL pointing at it, and removes the cluster. With PG_OPTIONAL=1 (as `make
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
NEWSDESK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres" \
  "$TEST_PY" -m pytest -q -m pg -p no:cacheprovider tests/test_postgres.py tests/test_search_bounds.py "$@"
