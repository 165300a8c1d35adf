#!/usr/bin/env bash
# `make test-llm`: the optional LLM backend against a real OpenAI-compatible server.
#
# Starts llama.cpp's server (llama-cpp-python, installed in .venv-llm by the Makefile) on a free
# loopback port with the model fetched by scripts/llm_model.py, waits until it answers, runs the
# tests marked `llm` in .venv with NEWSDESK_TEST_LLM_URL pointing at it, and stops the server.
set -euo pipefail

MODEL=${LLM_MODEL_FILE:-.llm/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf}
ALIAS=${LLM_MODEL_ALIAS:-qwen2.5-coder-1.5b-instruct-q4_k_m}
SERVER_PY=${LLM_SERVER_PYTHON:-.venv-llm/bin/python}
TEST_PY=${TEST_PYTHON:-.venv/bin/python}
THREADS=${LLM_THREADS:-2}
LOG=.llm/server.log
REPORT=.llm/measured.json

mkdir -p .llm
PORT=$("$TEST_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT/v1"

"$SERVER_PY" -m llama_cpp.server --model "$MODEL" --model_alias "$ALIAS" \
  --host 127.0.0.1 --port "$PORT" --n_ctx 2048 --n_threads "$THREADS" >"$LOG" 2>&1 &
SERVER=$!
stop() { kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true; }
trap stop EXIT

echo "llama.cpp server (pid $SERVER) starting on $URL with $MODEL"
for _ in $(seq 1 240); do
  if "$TEST_PY" -c "import httpx, sys; sys.exit(httpx.get('$URL/models', timeout=2).status_code != 200)" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$SERVER" 2>/dev/null; then
    echo "the server exited; its log:" >&2
    tail -40 "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
"$TEST_PY" -c "import httpx; httpx.get('$URL/models', timeout=2).raise_for_status()" || {
  echo "the server did not come up in 120 s; its log:" >&2
  tail -40 "$LOG" >&2
  exit 1
}

rm -f "$REPORT"
NEWSDESK_TEST_LLM_URL="$URL" NEWSDESK_TEST_LLM_MODEL="$ALIAS" NEWSDESK_TEST_LLM_REPORT="$REPORT" \
  "$TEST_PY" -m pytest -q -m llm -p no:cacheprovider tests/test_llm_server.py "$@"
if [ -f "$REPORT" ]; then
  echo "measured: $(tr -d '\n' <"$REPORT")"
fi
