# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo

.PHONY: demo test install java lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# PySpark needs a Java runtime; tests run the revenue computations on a local Spark session.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Java not found: installing Debian's default-jre-headless for PySpark"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

demo: install
	$(BIN)/tenure demo --project $(DEMO)

test: install java
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/revenue.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache
