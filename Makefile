# The two commands a fresh machine needs: `make demo` and `make test`.
# Each creates or reuses the virtual environment in .venv and installs the project into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CORE := $(VENV)/.installed-core
ALL := $(VENV)/.installed-all

.PHONY: demo test coq lint typecheck pytest proofs bench figures clean mutation

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# the demo needs only the runtime dependencies (sympy, numpy)
$(CORE): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $(CORE)

# the tests need everything: dev tools, matplotlib for figures, JAX/optax/scikit-learn for learning
$(ALL): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev,verify,figures,learn]'
	touch $(CORE) $(ALL)

demo: $(CORE)
	$(PY) -m cajal_ref.demo

lint: $(ALL)
	$(VENV)/bin/ruff check cajal_ref tests proofs benchmarks

typecheck: $(ALL)
	$(VENV)/bin/mypy --strict cajal_ref

# branch coverage of the compiler, the vector spaces and the checker, with a floor (issue 15);
# only these modules are measured, so the overhead stays small
COVERAGE := --cov=cajal_ref.compiler --cov=cajal_ref.spaces --cov=cajal_ref.checker \
  --cov-report=term-missing:skip-covered --cov-fail-under=95
pytest: $(ALL)
	$(VENV)/bin/pytest $(COVERAGE)

# the mechanized proof (proofs/coq/) needs coqc: installed here where we may (root with apt-get),
# otherwise the exact command is printed
coq:
	@command -v coqc >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Coq (apt-get install coq) for the mechanized proof"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq coq >/dev/null; \
	  else \
	    echo "coqc not found: the mechanized proof (proofs/coq/) needs Coq >= 8.16; on Debian/Ubuntu: sudo apt-get install -y coq"; exit 1; \
	  fi; }

proofs: $(ALL) coq
	$(PY) -m proofs

test: coq lint typecheck pytest proofs

bench: $(ALL)
	$(PY) -m benchmarks

# mutation testing with mutmut (docs/mutation.md): hours, so not part of `make test`;
# MUTANTS='cajal_ref.spaces.*' runs a subset, MUTATION_JOBS sets the parallel workers
MUTANTS ?=
MUTATION_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
mutation: $(ALL)
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS) $(MUTANTS)
	$(VENV)/bin/mutmut results --all true > mutants/results.txt
	$(PY) tests/mutation_score.py mutants/results.txt tests/mutation_equivalents.txt

figures: $(ALL)
	$(VENV)/bin/cajal figures --out paper_figures --results experiment_results

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
