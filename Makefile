# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEV := $(PY) -m safeguarding.devservices
# `make test` runs pytest in this many processes at once (pytest-xdist; 0: in this one).
TEST_PROCESSES ?= 2

.PHONY: run test bench bench-load screenshots lint format install assets clean

run: install assets
	$(DEV) run

test: install assets
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(DEV) exec -- $(PY) manage.py check --fail-level WARNING
	$(DEV) exec -- $(PY) manage.py makemigrations --check --dry-run
	$(DEV) exec -- $(PY) -m pytest -n $(TEST_PROCESSES) --dist load

# Builds the synthetic county and national databases if missing (minutes), then times the
# MASH pages on both (bench/README.md).
bench: install assets
	$(DEV) exec -- $(PY) bench/pages.py

# The production server (the Dockerfile's gunicorn) under a mixed load of signed-in people
# at 10, 30 and 60 users, on a scratch copy of the synthetic county (bench/README.md).
bench-load: install assets
	$(DEV) exec -- $(PY) bench/load.py

# Every demo person's pages at 320, 390 and 1280 px, in a database of its own, saved to
# test-artifacts/screenshots/ (scripts/README.md).
screenshots: install assets
	$(DEV) exec -- $(PY) scripts/screenshots.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

assets: node_modules/.installed static/build/app.css

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/build/app.css: node_modules/.installed static/src/app.scss
	npm run --silent build

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules static/build staticfiles
