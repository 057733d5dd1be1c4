# Two commands do all set-up on a fresh machine with Python 3.11+: `make demo` and `make test`.
# Another interpreter: `make test PYTHON=python3.13 VENV=.venv-3.13` (what .ci/run does).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

$(BIN)/paperdigest: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

.PHONY: demo test lint typecheck
demo: $(BIN)/paperdigest
	$(BIN)/paperdigest demo

lint: $(BIN)/paperdigest
	$(BIN)/ruff check .

typecheck: $(BIN)/paperdigest
	$(BIN)/mypy

test: $(BIN)/paperdigest lint typecheck
	$(BIN)/pytest -q
