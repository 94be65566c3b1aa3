# pbudget — `make run` starts everything, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: PostgreSQL, Redis, a Celery worker and the web server on http://127.0.0.1:8000
run: $(STAMP)
	@$(BIN)/python -m pbudget.stack run

## test: the whole test suite (browser tests included when Chromium is installed)
test: $(STAMP)
	@$(BIN)/python -m pbudget.stack test $(PYTEST_ARGS)

## lint: ruff check, ruff format --check, and no missing migrations
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh the translation catalogues (needs GNU gettext's xgettext)
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l es --no-obsolete -i '.venv/*' -i 'var/*' -i 'tests/*' -i 'bench/*'

clean:
	rm -rf $(VENV) var/test-media
