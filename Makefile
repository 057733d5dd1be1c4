# Two commands do all set-up on a fresh machine with Python 3.11: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/paperdigest: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

.PHONY: demo test lint
demo: $(BIN)/paperdigest
	$(BIN)/paperdigest demo

lint: $(BIN)/paperdigest
	$(BIN)/ruff check .

test: $(BIN)/paperdigest lint
	$(BIN)/pytest -q
