"""The llama.cpp that `make` builds runs on any x86-64 machine of ours, Intel or AMD: no -march=native."""

from __future__ import annotations

import platform

import pytest


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the portable baseline is x86-64's")
def test_llama_cpp_is_built_for_the_portable_baseline() -> None:
    import llama_cpp

    features = llama_cpp.llama_print_system_info().decode()
    assert "AVX2 = 1" in features, features
    assert "AVX512" not in features, f"built for this CPU (GGML_NATIVE=ON), not portable: {features}"
    assert "AMX" not in features, features
