# Two commands do everything on a fresh clone with Python 3.11+:
#   make demo   set up .venv, start the embedded stack, run the demo
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup up down clean bench chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/liveperks demo

# Headless Chromium + chromedriver (Debian packages) for the report's browser test; no-op when present.
chromium:
	bash scripts/ensure-chromium.sh

test: $(STAMP) chromium
	$(BIN)/python -m pytest

up: $(STAMP)
	$(BIN)/liveperks dev up

down: $(STAMP)
	$(BIN)/liveperks dev down

clean:
	-$(BIN)/liveperks dev down
	rm -rf $(VENV) .data
