# Two entry points: `make run` and `make test`. Both install what they need first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install browser bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# google-reader (a Google Reader API client by Miniflux's author) is only used by the tests;
	# it declares Python>=3.12 but runs on 3.11.
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python -c requirements.lock google-reader==0.0.3
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

test: $(STAMP) browser lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/extraction.py --json bench/results/extraction.json
	$(BIN)/python bench/ingest.py --json bench/results/ingest.json

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
