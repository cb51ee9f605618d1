# Frontdesk: `make run` starts the product, `make test` checks it.
SHELL := /bin/bash
PYTHON := $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
export FRONTDESK_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/frontdesk
export FRONTDESK_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: system-packages run test lint typecheck pytest pytest-sqlite pytest-postgres lock messages clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/frontdesk migrate --no-input
	$(BIN)/frontdesk seed-demo --if-empty
	$(BIN)/frontdesk run

test: system-packages $(VENV)/.installed-dev lint typecheck pytest

system-packages:
	@scripts/system-packages

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The two passes share nothing (var dirs, databases, ports are their own), so they run side by side:
# on two cores that takes about as long as the slower one alone. `-O` prints each pass's output whole
# when it ends; if either fails, make waits for the other, then fails naming the failed pass.
pytest: $(VENV)/.installed-dev
	@echo "== test suite on SQLite and on PostgreSQL + Redis, side by side: each prints its output when it ends =="
	@started=$$(date +%s); \
	( while sleep 120 >/dev/null 2>&1; do echo "   ... still testing ($$(( ($$(date +%s) - started) / 60 )) min)"; done ) & \
	ticker=$$!; status=0; \
	$(MAKE) --no-print-directory --output-sync=target -j2 pytest-sqlite pytest-postgres || status=$$?; \
	kill $$ticker; exit $$status

pytest-sqlite: $(VENV)/.installed-dev
	@echo "== test suite on SQLite (embedded mode) =="
	env -u FRONTDESK_DATABASE_URL -u FRONTDESK_REDIS_URL FRONTDESK_VAR_DIR=$(CURDIR)/var/test \
		$(BIN)/pytest $(PYTEST_ARGS) || { echo "== the SQLite pass failed =="; exit 1; }

pytest-postgres: $(VENV)/.installed-dev
	@status=0; $(BIN)/python scripts/services.py || status=$$?; \
	if [ $$status -eq 2 ]; then exit 1; fi; \
	if [ $$status -eq 0 ]; then \
		echo "== test suite on PostgreSQL + Redis (scale-out mode) =="; \
		FRONTDESK_VAR_DIR=$(CURDIR)/var/test-pg FRONTDESK_DATABASE_URL=$(FRONTDESK_TEST_POSTGRES_URL) \
		FRONTDESK_REDIS_URL=$(FRONTDESK_TEST_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS) \
		|| { echo "== the PostgreSQL + Redis pass failed =="; exit 1; }; \
	fi

# Re-pin every dependency to the newest versions pyproject.toml allows.
lock:
	rm -rf /tmp/frontdesk-lock && $(PYTHON) -m venv /tmp/frontdesk-lock
	/tmp/frontdesk-lock/bin/pip install --quiet '.[dev]'
	/tmp/frontdesk-lock/bin/pip freeze --exclude frontdesk | sort -f > constraints.txt

# Refresh the translation catalogues after changing strings (needs GNU gettext).
messages: $(VENV)/.installed-dev
	cd frontdesk && ../$(BIN)/frontdesk makemessages --no-obsolete -l zh_Hant -l zh_Hans
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var/test var/test-pg
