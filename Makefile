# Quick start: `make run` serves the clinic on http://127.0.0.1:$${PORT:-8000}; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test test-fast test-postgres lint schema chromium bench clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The web server, a job worker and the outbox sweeper (deploy/supervisord.conf), in the foreground: a
# program that dies is restarted while the others go on, and one Ctrl-C stops all. SITE_URL keeps the
# links in e-mails on the web server's port.
# The staff login line names DATA_DIR when it is set: without it, createsuperuser would look for the database
# in ./var and fail there.
# DEMO=clinic makes the realistic demo clinic after the migrations (scheduling/demo_clinic.py); without it,
# the prototype's clinic.
# The demo clinic is in London: its clock is London's unless CLINIC_TIME_ZONE says otherwise.
ifeq ($(DEMO),clinic)
export CLINIC_TIME_ZONE ?= Europe/London
endif
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(if $(DEMO),$(PY) manage.py load_demo $(DEMO))
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Staff login: $(if $(DATA_DIR),DATA_DIR=$(DATA_DIR) )$(PY) manage.py createsuperuser, then sign in at http://127.0.0.1:$(PORT)/admin/"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}" \
		DATA_DIR="$${DATA_DIR:-$(CURDIR)/var}" $(VENV)/bin/supervisord --configuration deploy/supervisord.conf

# ruff, plus import-linter's contracts (.importlinter): the core app never imports the apps built on it,
# the slot arithmetic imports no Django, interfaces sit above the write path, the outbox imports no app,
# and the apps with an outbox (notifications, webhooks, waitlist) import one another never.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

schema: $(VENV)/.dev
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# The browser tests drive Debian's Chromium: installed with apt-get (as root or through sudo) when missing.
chromium:
	bin/ensure-chromium

# Every check: ruff and import-linter, the schema, then the whole suite (Chromium installed first if missing).
test: lint schema chromium
	$(VENV)/bin/pytest

# Everything but the tests that start real gunicorn servers or a browser, or run long state machines: the
# quick loop while working (no Chromium needed). `make test` runs them all.
test-fast: $(VENV)/.dev
	$(VENV)/bin/pytest -m "not live_server_process and not browser and not stateful"

# The same suite against PostgreSQL, browser tests included (`.ci/run` starts the server if it is down).
test-postgres: $(VENV)/.dev chromium
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/clinic} $(VENV)/bin/pytest

bench: $(VENV)/.dev
	$(PY) bench/run.py $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis .ruff_cache
