# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest proofs bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m cajal_ref.demo

lint: $(STAMP)
	$(VENV)/bin/ruff check cajal_ref tests proofs benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict cajal_ref

pytest: $(STAMP)
	$(VENV)/bin/pytest

proofs: $(STAMP)
	$(PY) -m proofs

test: lint typecheck pytest proofs

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
