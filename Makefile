# Two commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs. torch is installed first from
# TORCH (a CPU build by default); override it for a GPU: make test TORCH="torch==2.13.0"
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test docs lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[tests,docs]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/lcgan demo --output lcgan-report

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2

docs: $(VENV)/.installed
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

lint: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: $(VENV)/.installed
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) lcgan-report .pytest_cache docs/_build docs/auto_examples docs/generated
