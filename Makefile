# Two commands for a fresh clone: `make up` (run the chain) and `make test` (run the tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Spectral lints the OpenAPI documents against the NL API Design Rules (tests/unit).
SPECTRAL := node_modules/.bin/spectral
# Debian's Chromium renders the dashboard and the quarterly report in the browser tests.
CHROMIUM := /usr/bin/chromium
# deploy/k8s rendered and validated offline (tests/deploy): the schemas of Kubernetes, Strimzi,
# CloudNativePG and KEDA (kubernetes-models, pinned in deploy/k8s/package.json), strict core schemas
# and the Compose Specification's (kubernetes-validate, check-jsonschema, in a venv of their own).
K8S_TOOLS := build/k8s-tools
K8S_PY_TOOLS := $(K8S_TOOLS)/.installed
K8S_MODELS := deploy/k8s/node_modules/.installed

.PHONY: install up demo test test-edges unit contracts lint clean k8s-tools

# The calendar's edges in the region (Europe/Amsterdam): last/first day of a month, quarter and
# year, 29 February, both DST switches. The suite's clock is pinned with JBKETEN_TEST_NOW.
EDGE_MOMENTS := 2026-03-31T23:30:00+02:00 2026-04-01T00:30:00+02:00 2026-12-31T23:30:00+01:00 \
	2027-01-01T00:30:00+01:00 2028-02-29T12:00:00+01:00 2027-03-28T03:30:00+02:00 2027-10-31T02:30:00+01:00

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

# The whole suite on the pinned default moment, then the unit tests (all date logic) on every edge.
test: install $(SPECTRAL) $(CHROMIUM) k8s-tools
	$(PY) -m pytest -q
	@for moment in $(EDGE_MOMENTS); do \
		echo "unit tests with the clock pinned to $$moment"; \
		JBKETEN_TEST_NOW=$$moment $(PY) -m pytest -q -p no:cacheprovider tests/unit || exit 1; \
	done

# The whole suite (integration and end-to-end too) on every edge moment: about 15 minutes.
test-edges: install $(SPECTRAL) $(CHROMIUM) k8s-tools
	@for moment in $(EDGE_MOMENTS); do \
		echo "whole suite with the clock pinned to $$moment"; \
		JBKETEN_TEST_NOW=$$moment $(PY) -m pytest -q -p no:cacheprovider || exit 1; \
	done

# --prefix: install into ./node_modules even when a folder above has a package.json.
$(SPECTRAL):
	npm install --prefix . --no-save --no-audit --no-fund @stoplight/spectral-cli

# Debian package (CI runs as root); headless only, no browser download of its own.
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# kustomize is kubectl's (`kubectl kustomize` = `kustomize build`): the one on PATH, and Debian's
# kubernetes-client (kubectl 1.20, kustomize v2), unpacked into build/kubectl rather than installed
# (it would take the place of a newer /usr/bin/kubectl); tests/deploy renders with both.
k8s-tools: $(K8S_PY_TOOLS) $(K8S_MODELS) build/kubectl/usr/bin/kubectl

build/kubectl/usr/bin/kubectl:
	rm -rf build/kubectl && mkdir -p build/kubectl
	cd build/kubectl && (apt-get download -qq kubernetes-client || (apt-get update -qq && apt-get download -qq kubernetes-client)) \
		&& dpkg -x kubernetes-client_*.deb . && rm kubernetes-client_*.deb
	touch $@

$(K8S_PY_TOOLS):
	$(PYTHON) -m venv $(K8S_TOOLS)
	$(K8S_TOOLS)/bin/pip install --quiet kubernetes-validate==1.37.0 check-jsonschema==0.39.0
	touch $@

$(K8S_MODELS): deploy/k8s/package.json
	npm install --prefix deploy/k8s --no-save --no-audit --no-fund --no-package-lock
	touch $@

unit: install $(SPECTRAL)
	$(PY) -m pytest -q tests/unit

contracts: install
	$(PY) -m contracts.generate
	$(PY) -m deploy.k8s.generate

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf .data test-artifacts

# Latency of capacity signals (Kafka and SSE) against the raw broker round trip; figures, not a test.
# Options: make bench-capacity BENCH_ARGS="--rate 20 --duration 30"
.PHONY: bench-capacity
bench-capacity: install
	$(PY) -m bench.capacity_latency $(BENCH_ARGS)

# The token check's cost on GET /v1/casussen/{id}, against the same route without it; figures, not a test.
# Options: make bench-auth BENCH_ARGS="--requests 5000"
.PHONY: bench-auth
bench-auth: install
	$(PY) -m bench.auth_overhead $(BENCH_ARGS)

# The whole chain from outside at stepped rates (report -> casus.assigned), idle CPU, memory and
# recovery after a restart with history, against the raw broker and PostgreSQL; figures, not a test.
# Options: make bench-chain BENCH_ARGS="--rates 5,20,50,100 --duration 20 --history 10000"
.PHONY: bench-chain
bench-chain: install
	$(PY) -m bench.chain $(BENCH_ARGS)

# A what-if simulation (triage) over a generated year of the region's history, against reading the same
# rows with plain SQL and the replay alone in memory; figures, not a test. Goal: a year in under a minute.
# Options: make bench-simulatie BENCH_ARGS="--reports 10000 --runs 3"
.PHONY: bench-simulatie
bench-simulatie: install
	$(PY) -m bench.simulatie $(BENCH_ARGS)

# Rebuild of all KPIs from a generated history of a million reports, and GET /v1/kpis over it,
# against a plain SQL aggregate on the same raw events; figures, not a test (about 10 minutes).
# Options: make bench-kpis BENCH_ARGS="--reports 100000"
.PHONY: bench-kpis
bench-kpis: install
	$(PY) -m bench.kpi_rebuild $(BENCH_ARGS)
