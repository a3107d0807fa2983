# BPO operations portal. `make demo` and `make test` do all their own set-up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# Worker processes of `make test` (pytest-xdist; 0 runs the tests in the pytest process itself).
# Tests that must not run side by side share an xdist_group (tests/conftest.py), which
# --dist loadgroup keeps on one worker.
PYTEST_WORKERS ?= 2

.PHONY: install install-dev demo run migrate worker beat test lint format bench clean help

help:
	@echo "make demo    - set up, load demo data and start the portal on http://$(HOST):$(PORT)/"
	@echo "make test    - set up, lint and run the test suite"
	@echo "make run | worker | beat | lint | bench | clean"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the pinned requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Starting the portal on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo "Embedded mode: SQLite file db.sqlite3, Celery tasks run in-process."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

run: migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A bpo_portal worker --loglevel=INFO

beat: install
	$(BIN)/celery -A bpo_portal beat --loglevel=INFO

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/run.py
	cd bench && ../$(BIN)/python kpi_bench.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
