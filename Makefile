# Two commands matter: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)

.PHONY: run test install setup lint format lock bench clean

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

install: $(INSTALLED)

# Idempotent: a second run changes nothing.
setup: install
	mkdir -p var/broker/queue var/broker/control var/media
	$(BIN)/python manage.py compile_translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed
	$(BIN)/python manage.py ensure_admin

# Web server, Celery worker and Celery beat in one process group: Ctrl-C stops all three.
run: export DEBUG ?= 1
run: setup
	@echo "Aktionskort kører på http://127.0.0.1:8000  (Ctrl-C stopper web, worker og beat)"
	$(BIN)/python -m config.devrun

test: install
	$(BIN)/python manage.py compile_translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Load test and budgets on PostgreSQL + Redis under gunicorn; writes bench/results.json.
bench: install
	$(BIN)/python -m bench.run

# Re-resolve dependencies (needs the network); commit requirements.lock afterwards.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var db.sqlite3
