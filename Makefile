# Every target bootstraps .venv on a fresh machine that has only python3 (>= 3.11) and make.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: demo console run test bench lint clean

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

bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
