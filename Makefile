# dieuhanh — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export DATA_DIR ?= $(CURDIR)/var
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint bench install system-deps serve clean

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --omit=optional --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

system-deps:
	@bash scripts/system-deps.sh run

run: install system-deps
	@mkdir -p $(DATA_DIR)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py collectstatic --noinput -v0
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo --if-empty
	DEBUG=$${DEBUG:-1} $(PY) manage.py demo_ca
	@DEBUG=$${DEBUG:-1} $(PY) manage.py demo_logins
	DEBUG=$${DEBUG:-1} DIEUHANH_INPROCESS_JOBS=1 SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} $(VENV)/bin/uvicorn config.asgi:application --host 127.0.0.1 --port $(PORT)

# Whole suite on the database given by DATABASE_URL (SQLite by default).
test: install
	@bash scripts/system-deps.sh test
	DIEUHANH_TESTING=1 $(PY) manage.py collectstatic --noinput -v0
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DIEUHANH_TESTING=1 $(VENV)/bin/mypy .

bench: install
	$(PY) bench/run.py
	$(PY) bench/render.py
	$(PY) bench/sign.py
	$(PY) bench/sqlite_writers.py

clean:
	rm -rf $(VENV) node_modules staticfiles
