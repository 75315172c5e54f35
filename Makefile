# OpenBlotter — the README's two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_ENV := DEBUG=1 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0

.PHONY: demo test lint format install worker beat check-deploy bench bench-quick clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## demo: install, migrate, seed demo data and serve on http://127.0.0.1:8000 (SQLite, inline tasks)
demo: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@# Scheduled posts go out in the demo too: the publisher runs beside the web server.
	$(DEMO_ENV) $(PY) manage.py publish_due --every 15 & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole test suite (services it cannot find are skipped, unless REQUIRE_SERVICES=1)
test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run --settings=tracker.settings_test

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

## worker: a Celery worker (needs CELERY_BROKER_URL)
worker: install
	$(VENV)/bin/celery -A tracker worker --loglevel=INFO

## beat: the one Celery beat scheduler (needs CELERY_BROKER_URL)
beat: install
	$(VENV)/bin/celery -A tracker beat --loglevel=INFO

check-deploy: install
	DEBUG=0 SECRET_KEY=$$(openssl rand -hex 32) ALLOWED_HOSTS=blotter.example.org $(PY) manage.py check --deploy --fail-level WARNING

## bench: the city-scale benchmark on PostgreSQL (10,000 then 1,000,000 incidents), prints the table; docs/BENCHMARKS.md
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

## bench-quick: a smoke run of the benchmark (2,000 and 20,000 incidents, 3 s per run)
bench-quick: install
	$(PY) bench/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
