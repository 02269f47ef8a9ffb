# Two commands for a fresh machine: `make run` and `make test` (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-postgres bench fuzz translations chromium clean

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: $(BIN)/flask
	$(BIN)/pybabel -q compile --use-fuzzy -d pwa/translations

# Installs, migrates, loads the demo data, prints the demo accounts, serves on $(HOST):$(PORT).
run: translations
	$(BIN)/flask --app wsgi init-db
	$(BIN)/flask --app wsgi seed-demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in with an account above."
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Debian's Chromium drives the end-to-end tests; Playwright's own download does not work here.
# nginx runs pwa/deploy/nginx.conf in front of the app in tests/e2e/test_proxy.py.
chromium:
	@{ command -v chromium && { command -v nginx || test -x /usr/sbin/nginx; }; } >/dev/null || { \
	  echo "Installing Chromium and nginx from apt (needs root)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nginx; }

# Installs everything, then runs the whole suite (unit, functional, end-to-end) on SQLite.
# Set TEST_DATABASE_URL=postgresql://… to run the same suite against PostgreSQL.
test: translations chromium
	$(BIN)/pytest

# The generated tests, long and random (the suite runs them derandomized): prints Hypothesis's
# statistics and what schemathesis tried. FUZZ_EXAMPLES=5000 for longer.
fuzz: translations
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -s -p no:cacheprovider --hypothesis-show-statistics \
	  tests/functional/test_api_schema.py tests/functional/test_sync_property.py

bench: translations
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) .pytest_cache
