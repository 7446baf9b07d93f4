# Every target bootstraps what it needs into .venv from python3 and pip alone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml libs/*/pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test lint format bench record-cassettes clean

install: $(STAMP)

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-e libs/hostedllm -e libs/langchain-hostedllm -e libs/llama-index-llms-hostedllm --group dev
	rm -f $(VENV)/.installed-* && touch $(STAMP)

## The main job: list the catalog, then replay a documented streaming chat.
demo: $(STAMP)
	$(BIN)/hostedllm models
	$(BIN)/python cookbook/quickstart.py

## The whole test suite (offline: cassettes and loopback only).
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/core.py

## Re-record provider cassettes with a real key, e.g. `make record-cassettes PROVIDER=novita`.
## They go to tests/cassettes/recorded/, next to (never over) the documented ones.
record-cassettes: $(STAMP)
	HOSTEDLLM_CASSETTES=recorded $(BIN)/python -m pytest -q tests/core/wire tests/langchain/test_standard_integration.py \
		-k "$(PROVIDER)" \
		--record-mode=rewrite --force-enable-socket

clean:
	rm -rf $(VENV)
