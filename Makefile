# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8888
VOILA  ?=
EXTRAS ?= test,bench,datasets,dev,hub
PROXY  := $(VENV)/node/bin/configurable-http-proxy

.PHONY: demo test lint format bench venv clean browser hub

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Installs are stamped so that repeated runs are quick; pyproject changes reinstall.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install -e ".[$(EXTRAS)]"
	touch $@

venv: $(VENV)/.installed

# Debian's Chromium for the real-browser tests (never a Playwright browser download).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

# JupyterHub's proxy for tests/test_hub.py (jupyterhub itself is the `hub` extra), from
# npm into the venv; Debian's nodejs and npm first when there is no npm.
$(PROXY):
	@if ! command -v npm >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm; \
	fi
	npm install --global --prefix $(VENV)/node --no-audit --no-fund configurable-http-proxy@4

hub: venv $(PROXY)

lint: venv
	$(VENV)/bin/ruff check nnwidgets tests bench deploy
	$(VENV)/bin/ruff format --check nnwidgets tests bench deploy

format: venv
	$(VENV)/bin/ruff format nnwidgets tests bench deploy
	$(VENV)/bin/ruff check --fix nnwidgets tests bench deploy

test: venv browser hub lint
	mkdir -p test-results
	$(PY) -m pytest tests

demo: venv
	$(PY) -m nnwidgets demo --port $(PORT) $(if $(VOILA),--voila,)

# Side-by-side ratios (no timed assertions in tests): trainer vs PyTorch, dashboard
# overhead and refresh cost, latency in a real browser, the cost of play at a lesson pace
# (pace.py and weight_maps.py add their sections to RESULTS-browser.md, so they run after
# browser.py), and a class server's capacity.
bench: venv browser
	$(PY) bench/trainer.py --write bench/RESULTS.md
	$(PY) bench/dashboard.py --write bench/RESULTS-dashboard.md
	$(PY) bench/browser.py --write bench/RESULTS-browser.md
	$(PY) bench/pace.py --write bench/RESULTS-browser.md
	$(PY) bench/weight_maps.py --write bench/RESULTS-browser.md
	$(PY) bench/classroom.py --write bench/RESULTS-classroom.md

clean:
	rm -rf $(VENV) test-results .pytest_cache .ruff_cache
