# Two commands: `make run` (set up and serve the demo) and `make test`.
PY ?= /usr/bin/python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
SYSTEM_PACKAGES := python3-venv python3-dev libsqlite3-mod-spatialite libharfbuzz-subset0 \
	libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-only setup system-deps assets translations db demo bench clean

run: demo
	MFA_REQUIRED=0 $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest

setup: system-deps $(BIN)/.installed assets

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Browser libraries from npm, copied into our static folder (never served from a CDN).
LEAFLET_DIR := backoffice/portal/static/vendor/leaflet
assets: $(LEAFLET_DIR)/leaflet.js

$(LEAFLET_DIR)/leaflet.js: package.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	npm install --no-audit --no-fund --silent
	mkdir -p $(LEAFLET_DIR)
	cp -R node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images $(LEAFLET_DIR)/
	touch $@

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

db: setup
	$(BIN)/flask db upgrade

demo: db
	MFA_REQUIRED=0 $(BIN)/flask registry demo-data --if-empty

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/registry.db node_modules backoffice/portal/static/vendor
