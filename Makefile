# Two commands: `make run` (set up and serve the demo) and `make test`; `make lint` checks the code.
PY ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
# PDF fonts: fonts-noto-core (Noto Sans for Latin and Vietnamese, Noto Sans Arabic, Noto Sans
# Hebrew; 12 MB download) and fonts-noto-cjk (Noto Sans CJK for Chinese, Japanese, Korean;
# 57 MB), with DejaVu as the last fallback. reports/render.py names them (FONT_FAMILIES).
# fonts-noto-color-emoji (10 MB): the emoji owners type ("porch 🚗"), found by fontconfig's
# fallback in PDFs and in the browser; never named in the stack, so it is not used for digits.
SYSTEM_PACKAGES := python3-venv python3-dev libsqlite3-mod-spatialite libharfbuzz-subset0 \
	libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
	fonts-noto-color-emoji chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint setup system-deps translations vendor db demo bench clean

# The web server, and beside it the worker that runs the scheduled jobs (stopped with it).
run: demo
	MFA_REQUIRED=0 $(BIN)/flask worker run & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	MFA_REQUIRED=0 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest

# ruff and mypy (configured in pyproject.toml) find bugs before users do: a name used before it
# is bound, a None used as a value, a call with the wrong arguments.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: system-deps $(BIN)/.installed node_modules/.installed

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Re-extract the portal's strings, merge them into the Spanish catalogue, compile it.
PORTAL_I18N := backoffice/portal/translations
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --omit-header \
		-o $(PORTAL_I18N)/messages.pot .
	$(BIN)/pybabel update -i $(PORTAL_I18N)/messages.pot -d $(PORTAL_I18N)
	$(BIN)/pybabel compile -d $(PORTAL_I18N)

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# Browser libraries from npm (package.json), copied into our own static folder; the copies are
# committed so that `make run` needs no npm, and refreshed here when package.json changes.
VENDOR := backoffice/static/vendor
vendor: node_modules/.installed
	mkdir -p $(VENDOR)/leaflet/images $(VENDOR)/leaflet.markercluster
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp node_modules/leaflet/dist/images/*.png $(VENDOR)/leaflet/images/
	cp node_modules/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
		node_modules/leaflet.markercluster/dist/MarkerCluster.css \
		node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/leaflet.markercluster/
	cp node_modules/leaflet.markercluster/MIT-LICENCE.txt $(VENDOR)/leaflet.markercluster/LICENSE
	mkdir -p $(VENDOR)/chartjs
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chartjs/chart.umd.min.js
	cp node_modules/chart.js/LICENSE.md $(VENDOR)/chartjs/LICENSE.md

# Test tools from npm (axe-core, playwright-core driving Debian's chromium). Without npm the
# browser tests are skipped; the app itself needs only the committed copies in $(VENDOR).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; } || true
	npm ci --no-audit --no-fund --silent && touch $@ || echo "npm install failed: browser tests will be skipped"

db: setup
	$(BIN)/flask db upgrade

# The demo county, then the shipped sample address points (re-importing changes nothing).
demo: db
	MFA_REQUIRED=0 $(BIN)/flask registry demo-data --if-empty
	MFA_REQUIRED=0 $(BIN)/flask registry import-addresses samples/addresses.csv

# Every benchmark, figures as ratios against baselines measured in the same run. The servers
# listen on BENCH_PORT, BENCH_PORT+1 and BENCH_PORT+2 (default: free ports).
BENCH_PORT ?=
bench: setup
	BENCH_PORT=$(BENCH_PORT) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/registry.db node_modules
