# Two commands for a fresh machine: `make run` (demo on SQLite) and `make test` (suite on PostgreSQL).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The suite runs on every core (pytest-xdist); each worker gets its own test database. The 25
# slowest tests are listed at the end, to keep the suite's time (goal: under 10 minutes) in view.
PYTEST_ARGS ?= -n auto --durations=25
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: install run test lint bench postgres clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

WEBHOOK_PORT ?= 8001
GATEWAY_PORT ?= 8002

run: install
	$(PY) manage.py migrate --noinput
	# The books open 260 days before today; the simulation lives through them (once, on an
	# empty book): 200 loans, collections and reports, and the business date ends on today.
	$(PY) manage.py demo_setup --history-days 260
	# The demo webhook subscription: every event, to the receiver started below.
	$(PY) manage.py webhook_demo --url http://127.0.0.1:$(WEBHOOK_PORT)/events --secret-file var/webhook-secret
	$(PY) manage.py simulate --loans 200 --days 260 --seed 1 --if-empty
	# The receiver (events land in var/webhooks.jsonl), the dispatcher, the local payment
	# gateway (its callbacks signed and batched, some duplicated or lost: the poller recovers
	# them), the poller, the demo's payments through the gateway and the server; Ctrl-C stops
	# them all.
	trap 'kill $$receiver $$dispatcher $$gateway $$poller $$payments 2>/dev/null' EXIT INT TERM; \
	export PAYMENTS_GATEWAY=local PAYMENTS_GATEWAY_URL=http://127.0.0.1:$(GATEWAY_PORT); \
	$(PY) scripts/webhook_receiver.py --port $(WEBHOOK_PORT) --secret-file var/webhook-secret \
		--out var/webhooks.jsonl & receiver=$$!; \
	$(PY) manage.py events_dispatch --forever & dispatcher=$$!; \
	$(PY) scripts/local_gateway.py --port $(GATEWAY_PORT) --latency-ms 20 --callback-delay-ms 200 \
		--failure-rate 0.05 --duplicate-rate 0.1 --lost-rate 0.05 --late-success-rate 0.02 \
		--callback-batch 20 --callback-batch-window-ms 100 & gateway=$$!; \
	$(PY) manage.py payments_poll --forever --older-than 5 & poller=$$!; \
	$(PY) manage.py payments_demo --gateway http://127.0.0.1:$(GATEWAY_PORT) & payments=$$!; \
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
