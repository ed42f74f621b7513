# The two commands a fresh machine needs (see README): `make demo` and `make test`.
# Each one creates .venv when missing, installs the project into it, and installs
# Debian's graphviz (for the `dot` binary) when `dot` is missing and apt is available.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck setup system-deps bench clean

demo: setup
	$(BIN)/python -m nn

test: setup
	$(BIN)/ruff check autograd nn tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest tests --nbmake notebooks

setup: system-deps $(STAMP)

# Reinstall only when the project's metadata changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "warning: graphviz's 'dot' is missing; install it (brew/conda install graphviz)"; \
	  fi; \
	fi

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/compiled.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/scale.py --epoch --memory

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
