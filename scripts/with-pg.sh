#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server:
#
#     scripts/with-pg.sh CMD [ARG...]
#     scripts/with-pg.sh .venv/bin/python bench/load.py --backend postgresql
#
# Installs Debian's postgresql when missing (as root), creates a cluster in a temporary
# directory, starts it on a free loopback port (as user postgres when run as root), runs CMD with
# NEWSDESK_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres, then stops the
# server and removes the cluster. Exits with CMD's status. The same set-up as scripts/test-pg.sh,
# except that the server keeps its default durability (fsync on, as SQLite's WAL is synced);
# PG_SERVER_OPTS adds server options, e.g. PG_SERVER_OPTS="-c fsync=off".
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARG...]" >&2
  exit 2
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "PostgreSQL is missing: run 'sudo apt-get install -y postgresql'" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
PY=${TEST_PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

DATA=$(mktemp -d /tmp/newsdesk-pg.XXXXXX)
RUN_AS=()
if [ "$(id -u)" = "0" ]; then  # PostgreSQL refuses to run as root
  chown postgres "$DATA"
  RUN_AS=(runuser -u postgres --)
fi
stop() {
  "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA/db" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${RUN_AS[@]}" "$BIN/initdb" -D "$DATA/db" -A trust -U postgres >"$DATA/initdb.log"
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DATA/db" -l "$DATA/server.log" -w \
  -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 ${PG_SERVER_OPTS:-}" start >/dev/null

echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
export NEWSDESK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
status=0
"$@" || status=$?
exit "$status"
