# The two commands a newcomer needs: `make serve` and `make test`. Each sets itself up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
W3C_TESTS ?= $(or $(GRAPHSVC_W3C_TESTS),../shared/w3c-rdf-tests)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint types unit conformance validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/graphsvc serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests tools

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint types unit

conformance: $(STAMP)
	$(BIN)/python tools/w3c_conformance.py --tests-dir $(W3C_TESTS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
