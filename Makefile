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

# The real OpenID Connect provider the SSO tests sign in against (Node.js, npm registry).
OIDC_PROVIDER := tests/sso/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the OpenID Connect tests need Node.js (skipped here, a failure under CI=true)"; fi

test: install $(OIDC_PROVIDER)/node_modules/.installed
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
