# The two commands a newcomer needs: `make serve` and `make test`. Each sets itself up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
W3C_TESTS ?= $(or $(GRAPHSVC_W3C_TESTS),../shared/w3c-rdf-tests)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint types tiers setup check-fast test-unit test-web test-project test-remote \
	test-e2e conformance validate clean browser bench virtuoso bench-remote jsonld-js \
	vendor vendor-upgrade jena comunica

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

# Debian packages a tier needs. As root (a fresh machine, CI) they are installed here, before the
# tests and their time limits start; without root nothing can install them, so the tier that needs
# them is named with the command that sets it up, and make fails: a tier is never skipped quietly.
# $(1) tier, $(2) commands it runs, $(3) packages, $(4) apt-get options, $(5) this make target.
define debian_packages
	@missing=; for command in $(2); do command -v $$command >/dev/null || missing=1; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(4) $(3); \
	else \
		echo "make: the $(1) tier needs the Debian packages '$(3)', and only root can install" \
			"them: run \`sudo make $(5)\`, then \`make test\` again (\`make check-fast\` needs" \
			"neither)." >&2; \
		exit 1; \
	fi
endef

# The browser test (tests/e2e/test_browser.py) drives Debian's Chromium through its chromedriver.
# No tool downloads a browser of its own.
browser:
	$(call debian_packages,e2e,chromium chromedriver,chromium chromium-driver,,browser)

# The remote tier (tests/remote/, docs/remote.md) runs a private Virtuoso from Debian's packages
# (the test set-up installs it too when run on its own). Non-interactive: no DBA password is asked.
virtuoso:
	$(call debian_packages,remote,virtuoso-t isql-vt,virtuoso-opensource,--no-install-recommends,virtuoso)

# The JSON-LD interop test reads our documents with jsonld.js too (a processor of another
# ecosystem); its exact version is in tests/e2e/jsonld_js/package-lock.json.
jsonld-js:
	@test -d tests/e2e/jsonld_js/node_modules/jsonld || \
		npm ci --prefix tests/e2e/jsonld_js --no-audit --no-fund --silent

# The client tests (tests/e2e/test_real_clients.py) run Apache Jena's command-line tools, from
# Debian's package (jars, no command on the PATH), and Comunica, from npm into tests/e2e/js/
# (package-lock.json pins it).
jena:
	@if [ -f /usr/share/java/jena-arq.jar ] && [ -f /usr/share/java/jena-cmds.jar ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends libapache-jena-java; \
	else \
		echo "make: the e2e tier needs the Debian package 'libapache-jena-java', and only root" \
			"can install it: run \`sudo make jena\`, then \`make test\` again." >&2; \
		exit 1; \
	fi

comunica: tests/e2e/js/node_modules/.package-lock.json

tests/e2e/js/node_modules/.package-lock.json: tests/e2e/js/package.json tests/e2e/js/package-lock.json
	cd tests/e2e/js && npm ci --no-audit --no-fund --silent

# Both set-ups are tried, so that one run names everything that is missing.
setup:
	@status=0; \
	$(MAKE) --no-print-directory browser || status=1; \
	$(MAKE) --no-print-directory virtuoso || status=1; \
	$(MAKE) --no-print-directory jsonld-js || status=1; \
	$(MAKE) --no-print-directory jena || status=1; \
	$(MAKE) --no-print-directory comunica || status=1; \
	exit $$status

# The test tiers (tests/conftest.py): every test is in exactly one, named by its folder.
# unit: no I/O but files; web: HTTP through the app in this process; project: the repository's own
# ontology, data and queries; remote: Virtuoso; e2e: real processes and servers, browser, soak,
# benchmark smoke.
test-unit test-web test-project: test-%: $(STAMP)
	$(BIN)/pytest -m $*

test-remote: $(STAMP) virtuoso
	$(BIN)/pytest -m remote

test-e2e: $(STAMP) browser jsonld-js jena comunica
	$(BIN)/pytest -m e2e

# The tiers that need no server, browser or Virtuoso: under a minute, for every edit.
check-fast: $(STAMP)
	$(BIN)/pytest -m "unit or web or project"

# All tiers in one run, as CI has them.
tiers: $(STAMP) setup
	$(BIN)/pytest

test: lint types tiers

# The CI gate on the project's own ontology, shapes and data (docs/validate.md).
validate: $(STAMP)
	$(BIN)/graphsvc validate

# The benchmark (bench/, docs/performance.md): never part of `make test`, which runs only its
# 10k-triple smoke test. BENCH_SCALES=100k make bench for a quick run. Virtuoso is installed when
# it can be; without it the driver skips its rows and the report says so.
BENCH_SCALES ?= 100k,1m,10m
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)
	@$(MAKE) --no-print-directory virtuoso || \
		echo "make bench: no Virtuoso; its rows are skipped (the report says so)" >&2
	$(BIN)/python -m bench.driver --scales $(BENCH_SCALES) $(BENCH_ARGS)
	$(BIN)/python -m bench.entailment --scales 100k,1m
	$(BIN)/python -m bench.project_start

# The remote engine against a private Virtuoso: its overhead on the benchmark's query mix and
# publishing at scale (bench/remote_*.py, bench/RESULTS-remote.md). Never part of `make test`.
REMOTE_TRIPLES ?= 1000000
bench-remote: $(STAMP) virtuoso
	$(BIN)/python -m bench.remote_overhead --triples $(REMOTE_TRIPLES) --profile $(REMOTE_ARGS)
	$(BIN)/python -m bench.remote_publish --scales 100000,$(REMOTE_TRIPLES)
	$(BIN)/python -m bench.remote_report --triples $(REMOTE_TRIPLES)

# The query page's third-party code (CodeMirror 6 and its SPARQL mode): npm installs the versions
# pinned in frontend/package-lock.json into a temporary folder, esbuild bundles them into
# src/graphsvc/web/static/vendor/ with their versions and licences, and the folder is removed.
# `make vendor-upgrade` first moves the pins to the newest releases (commit frontend/ with it).
# Neither is part of `make test`: the built files are committed, so the page works offline.
VENDOR_OUT := $(CURDIR)/src/graphsvc/web/static/vendor
FRONTEND_FILES := package.json package-lock.json entry.js build.mjs
vendor:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	for f in $(FRONTEND_FILES); do cp frontend/$$f "$$tmp/"; done && \
	cd "$$tmp" && npm ci --no-audit --no-fund && node build.mjs $(VENDOR_OUT)

vendor-upgrade:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	for f in $(FRONTEND_FILES); do cp frontend/$$f "$$tmp/"; done && cd "$$tmp" && \
	npm install --no-audit --no-fund --omit-lockfile-registry-resolved --save-exact \
		$$(node -p 'Object.keys(require("./package.json").dependencies).map(n => n + "@latest").join(" ")') && \
	npm install --no-audit --no-fund --omit-lockfile-registry-resolved --save-exact --save-dev \
		$$(node -p 'Object.keys(require("./package.json").devDependencies).map(n => n + "@latest").join(" ")') && \
	cp package.json package-lock.json $(CURDIR)/frontend/
	$(MAKE) vendor

conformance: $(STAMP)
	$(BIN)/python tools/w3c_conformance.py --tests-dir $(W3C_TESTS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
