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

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: $(VENV)/.installed-dev
	@echo "== test suite on SQLite (embedded mode) =="
	env -u FRONTDESK_DATABASE_URL -u FRONTDESK_REDIS_URL FRONTDESK_VAR_DIR=$(CURDIR)/var/test \
		$(BIN)/pytest $(PYTEST_ARGS)

pytest-postgres: $(VENV)/.installed-dev
	@status=0; $(BIN)/python scripts/services.py || status=$$?; \
	if [ $$status -eq 2 ]; then exit 1; fi; \
	if [ $$status -eq 0 ]; then \
		echo "== test suite on PostgreSQL + Redis (scale-out mode) =="; \
		FRONTDESK_VAR_DIR=$(CURDIR)/var/test-pg FRONTDESK_DATABASE_URL=$(FRONTDESK_TEST_POSTGRES_URL) \
		FRONTDESK_REDIS_URL=$(FRONTDESK_TEST_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS); \
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
