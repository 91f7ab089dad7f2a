# Two commands on a fresh Debian machine: `make run` and `make test` (see README).
SHELL := /bin/bash
# The operating system's interpreter (Debian's python3, patched by apt, built with PGO/LTO) when it
# is recent enough; otherwise whatever python3 is first on PATH.
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null \
	&& echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV := DJANGO_DEBUG=true
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=
BROWSER_TOOLS := tools/browser/node_modules/.installed

.PHONY: run serve load test screenshots lint install os-deps os-deps-test lock fixtures demo-passwords clean bench

# Reinstall only when the declared dependencies change: a second run is fast.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: os-deps $(STAMP)

os-deps:
	@scripts/install-os-deps.sh

os-deps-test:
	@scripts/install-os-deps.sh --test

run: install
	$(DEV) $(MANAGE) migrate --noinput
	$(DEV) $(MANAGE) load_seed
	$(DEV) $(MANAGE) seed_demo
	@echo "http://127.0.0.1:8000/ で起動します（停止は Ctrl+C）。"
	$(DEV) $(MANAGE) runserver 127.0.0.1:8000

# Production: gunicorn + WhiteNoise, DEBUG off. Needs DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS
# (settings refuse to start without them); see README "Deployment".
serve: install
	$(MANAGE) check --deploy
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn --config gunicorn.conf.py kojo_shishin.wsgi

# Load test (Locust) against gunicorn on 127.0.0.1: SQLite, then PostgreSQL. About 3 minutes.
load: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[load]'
	scripts/load/run.sh sqlite postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV) $(MANAGE) makemigrations --check --dry-run

# axe-core and the Nu HTML checker, pinned in tools/browser/package-lock.json.
$(BROWSER_TOOLS): tools/browser/package-lock.json
	cd tools/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

test: install os-deps-test $(BROWSER_TOOLS) lint
	$(DEV) $(BIN)/pytest $(PYTEST_ARGS)

# Refresh docs/screenshots/*.png: the browser tests, writing their screenshots there.
screenshots: install os-deps-test $(BROWSER_TOOLS)
	KOJO_SCREENSHOTS=1 $(DEV) $(BIN)/pytest tests/browser $(PYTEST_ARGS)

# New passwords for the demo accounts (development databases only).
demo-passwords: install
	$(DEV) $(MANAGE) seed_demo --reset-passwords

# Regenerate fixtures/*.json from seed/*.txt (the official record).
fixtures: install
	$(DEV) $(MANAGE) build_seed_fixture

# Timings of the sheet's layout, PDF and Excel (seed and 10x), and export_sheet against
# LibreOffice where soffice is installed; the city pages; search and trends at 1x/10x/30x
# (also on PostgreSQL when DATABASE_URL names one); the workbook, board and sheet page at
# 1x/10x/30x with their targets (docs/benchmarks.md).
bench: install bench-import bench-roster bench-access-log bench-documents bench-typst
	$(BIN)/python scripts/bench_sheet.py
	$(BIN)/python scripts/bench_city.py
	$(BIN)/python scripts/bench_search.py
	$(BIN)/python scripts/bench_pages.py

# Pin every installed package (direct and transitive, with the dev and load extras installed)
# after changing pyproject.toml.
lock:
	$(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check > constraints.txt

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Import timings: the seed workbook and a 10x one, on a throwaway SQLite database.
.PHONY: bench-import
bench-import: install
	$(BIN)/python scripts/bench_import.py

# A 1,000-person staff roster: read, preview and commit (an April: 200 moves, 50 leavers, 50 new).
.PHONY: bench-roster
bench-roster: install
	$(BIN)/python scripts/bench_roster.py

# Save latency with and without the access log, and a logged download (ratios in one run).
.PHONY: bench-access-log
bench-access-log: install
	$(BIN)/python scripts/bench_access_log.py

# Kept sheet documents: a repeated download and a 304 at 1x, 10x and 30x against the 50 ms target.
.PHONY: bench-documents
bench-documents: install
	$(BIN)/python scripts/bench_documents.py

# Typst drawing the same sheet as export_sheet, as whole processes: the engine comparison (docs/benchmarks.md).
.PHONY: bench-typst
bench-typst: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[engines]'
	$(BIN)/python scripts/bench_typst.py
