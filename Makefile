# The two commands a newcomer needs: `make serve` and `make test`. Each sets itself up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
W3C_TESTS ?= $(or $(GRAPHSVC_W3C_TESTS),../shared/w3c-rdf-tests)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint types unit conformance validate clean browser bench virtuoso bench-remote \
	jena comunica

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/graphsvc serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests tools bench

types: $(STAMP)
	$(BIN)/mypy

# The browser test (tests/e2e/test_browser.py) drives Debian's Chromium through its chromedriver;
# a fresh machine (root, apt) gets both here. No tool downloads a browser of its own.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

# The remote-engine tests (tests/remote/, docs/remote.md) run a private Virtuoso from Debian's
# packages; a fresh machine gets it here, before the tests and their time limits start (the test
# set-up installs it too when run on its own). Non-interactive: no DBA password is asked.
virtuoso:
	@command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends virtuoso-opensource)

# The client tests (tests/e2e/test_real_clients.py) run Apache Jena's command-line tools, from
# Debian's package, and Comunica, from npm into tests/e2e/js/ (package-lock.json pins it).
jena:
	@test -f /usr/share/java/jena-arq.jar -a -f /usr/share/java/jena-cmds.jar || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends libapache-jena-java)

comunica: tests/e2e/js/node_modules/.package-lock.json

tests/e2e/js/node_modules/.package-lock.json: tests/e2e/js/package.json tests/e2e/js/package-lock.json
	@command -v npm >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm)
	cd tests/e2e/js && npm ci --no-audit --no-fund

unit: $(STAMP) browser virtuoso jena comunica
	$(BIN)/pytest

test: lint types unit

# The CI gate on the project's own ontology, shapes and data (docs/validate.md).
validate: $(STAMP)
	$(BIN)/graphsvc validate

# The benchmark (bench/, docs/performance.md): never part of `make test`, which runs only its
# 10k-triple smoke test. BENCH_SCALES=100k make bench for a quick run.
BENCH_SCALES ?= 100k,1m,10m
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)
	$(BIN)/python -m bench.driver --scales $(BENCH_SCALES) $(BENCH_ARGS)

# The remote engine against a private Virtuoso: its overhead on the benchmark's query mix and
# publishing at scale (bench/remote_*.py, bench/RESULTS-remote.md). Never part of `make test`.
REMOTE_TRIPLES ?= 1000000
bench-remote: $(STAMP) virtuoso
	$(BIN)/python -m bench.remote_overhead --triples $(REMOTE_TRIPLES) --profile $(REMOTE_ARGS)
	$(BIN)/python -m bench.remote_publish --scales 100000,$(REMOTE_TRIPLES)
	$(BIN)/python -m bench.remote_report --triples $(REMOTE_TRIPLES)

conformance: $(STAMP)
	$(BIN)/python tools/w3c_conformance.py --tests-dir $(W3C_TESTS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
