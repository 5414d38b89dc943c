# O2O back office — `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Links sent to customers (voucher pages, QR check-ins) point at the server `make run` starts.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL
PYTEST_ARGS ?=
# -n 2 (pytest-xdist) suits a 2-core machine; override with XDIST= to run in one process.
XDIST ?= -n 2
# `make run` has no SMS/ZNS/e-mail accounts: messages are written to the console log (and say
# "sent" only there). Without these, a message with no gateway is `not_configured`.
DEMO_GATEWAYS := CUSTOMERS_SMS_ADAPTER=$${CUSTOMERS_SMS_ADAPTER:-console} CUSTOMERS_ZNS_ADAPTER=$${CUSTOMERS_ZNS_ADAPTER:-console} CUSTOMERS_EMAIL_ADAPTER=$${CUSTOMERS_EMAIL_ADAPTER:-console}

.PHONY: run install install-dev migrate seed serve test lint format worker worker-only beat bench clean messages fuzz

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

serve: install
	$(DEMO_GATEWAYS) $(PY) manage.py runserver $(HOST):$(PORT)

run: seed
	@echo ""
	@echo "O2O back office: http://$(HOST):$(PORT)/   (đăng nhập bằng một tài khoản demo ở trên)"
	$(DEMO_GATEWAYS) $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	@scripts/ensure_chromium.sh
	@DB_URL="$$($(PY) scripts/detect_db.py)"; \
	if [ -n "$$DB_URL" ]; then echo "Tests run on PostgreSQL ($$DB_URL)"; else echo "Tests run on SQLite (PostgreSQL-only tests are skipped, see the summary)"; fi; \
	DATABASE_URL="$$DB_URL" $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# schemathesis against a live server on PostgreSQL (scratch database o2o_fuzz), as in CI.
fuzz: install-dev
	scripts/api_fuzz.sh

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# One machine, one worker: the worker with beat embedded. In production run beat ONCE
# (`make beat`, one process for the whole site) and as many `make worker-only` as needed:
# two beats would queue every periodic job twice.
worker: install
	$(VENV)/bin/celery -A o2o_site worker --beat --loglevel=INFO

worker-only: install
	$(VENV)/bin/celery -A o2o_site worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A o2o_site beat --loglevel=INFO

bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

messages: install
	$(PY) manage.py makemessages -l vi -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
