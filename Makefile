# Two commands for a fresh clone: `make up` (run the chain) and `make test` (run the tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Spectral lints the OpenAPI documents against the NL API Design Rules (tests/unit).
SPECTRAL := node_modules/.bin/spectral
# Debian's Chromium renders the dashboard and the quarterly report in the browser tests.
CHROMIUM := /usr/bin/chromium

.PHONY: install up demo test unit contracts lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

up: install
	$(PY) -m deploy.up

demo: install
	$(PY) -m deploy.demo

test: install $(SPECTRAL) $(CHROMIUM)
	$(PY) -m pytest -q

# --prefix: install into ./node_modules even when a folder above has a package.json.
$(SPECTRAL):
	npm install --prefix . --no-save --no-audit --no-fund @stoplight/spectral-cli

# Debian package (CI runs as root); headless only, no browser download of its own.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

unit: install $(SPECTRAL)
	$(PY) -m pytest -q tests/unit

contracts: install
	$(PY) -m contracts.generate

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf .data test-artifacts

# Latency of capacity signals (Kafka and SSE) against the raw broker round trip; figures, not a test.
# Options: make bench-capacity BENCH_ARGS="--rate 20 --duration 30"
.PHONY: bench-capacity
bench-capacity: install
	$(PY) -m bench.capacity_latency $(BENCH_ARGS)

# Rebuild of all KPIs from a generated history of a million reports, and GET /v1/kpis over it,
# against a plain SQL aggregate on the same raw events; figures, not a test (about 15 minutes).
# Options: make bench-kpis BENCH_ARGS="--reports 100000"
.PHONY: bench-kpis
bench-kpis: install
	$(PY) -m bench.kpi_rebuild $(BENCH_ARGS)
