# zoom-xblock: the two commands a newcomer needs are `make demo` and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_DIR := requirements/node
PYTEST := $(BIN)/python -m pytest
I18N_IGNORE := --ignore '.venv/*' --ignore 'tests/*' --ignore 'requirements/*' --ignore 'build/*' \
               --ignore 'zoom_xblock/sandbox/*' --ignore 'var/*' --ignore 'static/js/translations/*' \
               --ignore 'test-artifacts/*' --ignore 'dist/*'
# pytest exits 5 when a tier selects no test; that is not a failure of the tier.
RUN_TIER = set +e; $(2) $(PYTEST) $(1); rc=$$?; set -e; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc

.PHONY: help demo zoom_check zoom_sync zoom_sweep test test-default test-services test-contract test-packaging test-e2e bench \
        quality requirements upgrade system-deps node-deps browser-deps \
        extract_translations compile_translations clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'

system-deps: ## Debian packages: MariaDB client headers (mysqlclient), gettext, Chromium
	@missing=""; \
	for pkg in libmariadb-dev pkg-config gettext; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (apt-get)"; exit 1; fi; fi

browser-deps: ## Debian's Chromium for the browser tests
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation; \
	  else echo "Please install chromium (apt-get)"; exit 1; fi; fi

$(STAMP): requirements/test.txt requirements/quality.txt setup.py | system-deps
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip wheel
	$(BIN)/pip install -q --disable-pip-version-check -r requirements/test.txt -r requirements/quality.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

requirements: $(STAMP) ## create .venv and install everything the tests and the demo need

node-deps: ## Prism (Zoom's OpenAPI contract as a validating mock) and axe-core, from npm
	@test -d $(NODE_DIR)/node_modules/.bin || npm ci --prefix $(NODE_DIR) --no-audit --no-fund --silent

demo: requirements ## run the workbench, the plugin's URLs, Celery and the Zoom sandbox at http://127.0.0.1:8000
	$(BIN)/python -m tests.project.demo

# The operator's commands on the demo's database, cache and Zoom (while `make demo` runs);
# extra options in ARGS, e.g. make zoom_sync ARGS="--full".
zoom_check: requirements ## manage.py zoom_check in the demo's environment (ARGS="...")
	$(BIN)/python -m tests.project.demo manage zoom_check $(ARGS)

zoom_sync: requirements ## manage.py zoom_sync in the demo's environment (ARGS="--course KEY --full")
	$(BIN)/python -m tests.project.demo manage zoom_sync $(ARGS)

zoom_sweep: requirements ## manage.py zoom_sweep in the demo's environment (ARGS="--inline")
	$(BIN)/python -m tests.project.demo manage zoom_sweep $(ARGS)

test: requirements node-deps browser-deps ## the whole suite: default, services, contract, packaging and browser tiers
	$(MAKE) --no-print-directory test-default test-services test-contract test-packaging test-e2e

test-default: requirements ## quick tier: SQLite and eager Celery
	$(call RUN_TIER,tests -m "not services and not contract and not e2e and not packaging and not bench")

test-services: requirements ## MariaDB, Redis and a real Celery worker
	$(call RUN_TIER,tests -m services,ZOOM_XBLOCK_TEST_TIER=services)

test-contract: requirements node-deps ## every client operation through Prism on Zoom's spec
	$(call RUN_TIER,tests/contract -m contract -p no:django)

test-packaging: requirements ## build the wheel, install it into a fresh virtualenv, render the block
	$(call RUN_TIER,tests/distribution -m packaging -p no:django)

test-e2e: requirements node-deps browser-deps ## browser tests in Debian's Chromium
	$(call RUN_TIER,tests -m e2e)

bench: requirements ## benchmarks, printed as a table
	$(BIN)/python -m tests.bench

quality: requirements ## ruff, on the whole tree, with .ruff.toml (the only configuration)
	$(BIN)/ruff check

upgrade: ## re-pin requirements/*.txt from requirements/*.in
	$(BIN)/pip install -q pip-tools
	for f in base sandbox test quality dev; do \
	  $(BIN)/pip-compile -q --strip-extras --no-emit-index-url --upgrade -o requirements/$$f.txt requirements/$$f.in; done

# The plugin's catalog is its own (zoom_xblock/i18n.py): sources django.po/djangojs.po, written
# by makemessages; django.po compiles to text.mo, the domain the XBlock runtime's i18n service
# reads from a package's translations/ (xmodule/modulestore/django.py XBlockI18nService).
extract_translations: requirements ## update translations/*/LC_MESSAGES/*.po from the code
	ZOOM_XBLOCK_I18N_TOOLING=1 $(BIN)/python -m tests.manage makemessages -l es -l fr -d django $(I18N_IGNORE)
	ZOOM_XBLOCK_I18N_TOOLING=1 $(BIN)/python -m tests.manage makemessages -l es -l fr -d djangojs $(I18N_IGNORE)

compile_translations: requirements ## compile translations/*/LC_MESSAGES/{text,djangojs}.mo and static/js/translations/*.js
	for dir in translations/*/LC_MESSAGES; do \
	  msgfmt --check -o $$dir/text.mo $$dir/django.po && \
	  msgfmt --check -o $$dir/djangojs.mo $$dir/djangojs.po || exit 1; done
	$(BIN)/python -m tests.manage zoom_js_catalogs

clean: ## remove build products and local state
	rm -rf build dist *.egg-info var .pytest_cache
