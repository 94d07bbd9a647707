# Quick start:  make run       (set up what running needs, then run the default scenario)
#               make test      (add the test tools, then lint, check the layers and run the tests)
#               make docs      (add the docs tools, build the API reference into site/)
#               make notebook  (add JupyterLab, open notebooks/)
# PYTHON must be 3.12 or newer; with pyenv, .python-version selects 3.12.1 here.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test docs notebook bench clean

setup: $(STAMP)

# what running needs; each extra adds its own tools on top (one stamp per extra)
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "channelsim needs Python 3.12 or newer; found " + sys.version.split()[0] + " (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

$(STAMP)-%: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[$*]'
	@touch $@

run: $(STAMP)
	$(BIN)/channelsim run --out results/default

docs: $(STAMP)-docs
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict

notebook: $(STAMP)-notebook
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) results site .pytest_cache .hypothesis tests/artifacts
