# The README's two commands: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
HOST    ?= 127.0.0.1
PORT    ?= 5000

PYBABEL := $(VENV)/bin/pybabel
CATALOGUES := directory/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po))

.PHONY: run test install serve db seed bench chromium fonts optional-fonts clean translations translations-init

run: install instance/secret_key db seed optional-fonts serve   ## install, migrate, load demo data, serve on :5000

optional-fonts:                                  # PDF referral sheets; the rest works without
	@$(MAKE) -s fonts 2>/dev/null || echo "note: PDF referral sheets need Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core)"

test: install chromium fonts                      ## the whole suite (SQLite + PostgreSQL + browser)
	$(PY) -m pytest -q -n auto

install: $(VENV)/.installed static/vendor/.installed $(MO_FILES)

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

static/vendor/.installed: package.json package-lock.json scripts/vendor_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/vendor_assets.py
	touch $@

# Interface languages (see README, "Interface languages"): catalogues are compiled at install.
$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(PYBABEL) -q compile -d $(CATALOGUES) -l $*

translations: $(VENV)/.installed                 ## extract strings, update every catalogue, compile
	$(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project=Wegweiser --copyright-holder="Wegweiser contributors" -o $(CATALOGUES)/messages.pot .
	$(PYBABEL) -q update --ignore-obsolete --no-fuzzy-matching -i $(CATALOGUES)/messages.pot -d $(CATALOGUES)
	$(PYBABEL) compile --statistics -d $(CATALOGUES)

translations-init: $(VENV)/.installed            ## a new interface language: make translations-init LOCALE=xx
	$(PYBABEL) init -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) -l $(LOCALE)

instance/secret_key:
	mkdir -p instance
	$(PY) -c "import secrets; print(secrets.token_hex(32))" > $@

db: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) seed

serve:                                           # with REDIS_URL: an import worker alongside
	@if [ -n "$$REDIS_URL" ]; then trap 'kill 0' EXIT; $(FLASK) import-worker & fi; \
	$(FLASK) run --host $(HOST) --port $(PORT)

bench: install                                   ## search benchmark (see bench/README or the README)
	$(PY) bench/search_bench.py

chromium:                                        ## Debian's chromium for the browser tests
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

fonts:                                           ## DejaVu Sans for referral PDFs (Debian fonts-dejavu-core)
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null)

clean:
	rm -rf $(VENV) node_modules static/vendor instance/wegweiser.sqlite
