# Two commands for a fresh machine: `make run` (demo on SQLite) and `make test` (suite on PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The suite runs on every core (pytest-xdist); each worker gets its own test database.
PYTEST_ARGS ?= -n auto
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install run test lint bench postgres clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

WEBHOOK_PORT ?= 8001

run: install
	$(PY) manage.py migrate --noinput
	# The books open 260 days before today; the simulation lives through them (once, on an
	# empty book): 200 loans, collections and reports, and the business date ends on today.
	$(PY) manage.py demo_setup --history-days 260
	# The demo webhook subscription: every event, to the receiver started below.
	$(PY) manage.py webhook_demo --url http://127.0.0.1:$(WEBHOOK_PORT)/events --secret-file var/webhook-secret
	$(PY) manage.py simulate --loans 200 --days 260 --seed 1 --if-empty
	# The receiver (events land in var/webhooks.jsonl), the dispatcher and the server; Ctrl-C
	# stops all three.
	trap 'kill $$receiver $$dispatcher 2>/dev/null' EXIT INT TERM; \
	$(PY) scripts/webhook_receiver.py --port $(WEBHOOK_PORT) --secret-file var/webhook-secret \
		--out var/webhooks.jsonl & receiver=$$!; \
	$(PY) manage.py events_dispatch --forever & dispatcher=$$!; \
	$(PY) manage.py runserver 127.0.0.1:8000

postgres:
	bash scripts/ensure_services.sh

test: install postgres
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

bench: install postgres
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .hypothesis
