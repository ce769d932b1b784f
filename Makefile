# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint typecheck pytest format elasticsearch postgres-server chromium clean

run: $(VENV)/.installed-run  ## Start the web UI and scheduler with the embedded defaults
	$(BIN)/exportwatch run

demo: $(VENV)/.installed-run  ## The five-minute tour: recorded sources crawled, a digest sent
	$(BIN)/exportwatch demo

test: $(VENV)/.installed-test lint typecheck pytest  ## Lint, type-check and run every test

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/python scripts/typecheck.py

pytest: $(VENV)/.installed-test postgres-server chromium
	$(BIN)/pytest

postgres-server:  ## Install PostgreSQL's server for the tests when missing (root + apt-get)
	bash scripts/ensure-postgres

chromium:  ## Install Debian's Chromium for the browser tests when missing (root + apt-get)
	bash scripts/ensure-chromium

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

elasticsearch: $(VENV)/.installed-run  ## A local Elasticsearch node for development
	$(BIN)/exportwatch dev elasticsearch

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml setup.py | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
