"""The reasoning and vision recipes run offline with no key, from their replayed cassettes.

Each runs as a subprocess with provider keys removed; vcrpy serves every request from
``cookbook/cassettes/{reasoning,vision}.yaml`` and fails the run on any request that differs (the
thinking knob, the reasoning sent back in the agent's second request, the image bytes). The answers are
synthesized, so the assertions are on what the recipe shows of them: the reasoning apart from the answer,
standard blocks, a typed object, refusals before sending.
"""

from __future__ import annotations

import re

from .test_cookbook_basics import run_recipe, section


def test_reasoning() -> None:
    out = run_recipe("reasoning.py").stdout
    assert "REPLAYED from cassettes/reasoning.yaml" in out
    on = section(out, "1. thinking=True on deepseek/deepseek-v3.1, streamed:", "2. thinking=False")
    assert re.search(r"^   \[reasoning\] Let the ball cost x\..+\n   \[answer\]    The ball costs 0\.05", on, re.M), on
    off = section(out, "2. thinking=False, per call:", "3. ")
    assert "reasoning: (none)" in off
    assert "content blocks ['reasoning', 'text']" in out
    assert re.search(r"reasoning tokens: \d+", out)
    agent = section(out, "4. An agent on moonshotai/kimi-k2-thinking", "5. LlamaIndex")
    assert "model calls days_between({'start': '2026-11-28', 'end': '2027-01-06'})" in agent
    assert "days_between -> 39" in agent
    assert agent.count("[reasoning] ") == 2
    assert "[answer]    There are 39 days" in agent
    assert "5. LlamaIndex: ThinkingBlock 'Let the ball cost x." in out


def test_vision() -> None:
    out = run_recipe("vision.py").stdout
    assert "REPLAYED from cassettes/vision.yaml" in out
    assert re.search(r"1\. .* describes data/receipt\.png:\n   A printed receipt", out), out
    structured = section(out, "2. with_structured_output(Receipt):", "3. ")
    assert "CAFE LUMIERE, 2026-11-28: 3 items, 12.30 EUR" in structured
    assert len(re.findall(r"^   - \d x .+: \d+\.\d\d$", structured, re.M)) == 3
    assert "3. LlamaIndex ImageBlock: A printed receipt" in out
    refused = section(out, "4. Refused before sending:")
    assert "meta-llama/llama-3.3-70b-instruct on novita does not support images" in refused
    assert "declare 'image/jpeg' (LangChain: mime_type; LlamaIndex: image_mimetype)" in refused
