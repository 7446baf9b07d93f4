"""The thinking switch: ``thinking=True/False`` sends each model's own knob, refused where none is known.

Framework-free; the adapters' fields are tested in tests/parity/test_thinking_adapters.py.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any, ClassVar

import pytest

from hostedllm import ChatClient
from hostedllm.catalog import default_catalog
from hostedllm.errors import (
    RequestValidationError,
    ThinkingBudgetWarning,
    ThinkingWarning,
    UnsupportedCapabilityError,
)
from hostedllm.request import build_request, max_tokens_limit
from hostedllm.testing import FakeProvider
from hostedllm.testing.fake import chunk, sse
from hostedllm.thinking import output_budget, sending_back, switch_for, switches
from hostedllm.thinking import raw_data as thinking_data

HI = [{"role": "user", "content": "Hi"}]
CALL = {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": "{}"}}


def body(key: str, thinking: bool | None, messages: list[dict[str, Any]] = HI, **params: Any) -> dict[str, Any]:
    return build_request(default_catalog().get(key), messages, params=params, thinking=thinking)


class TestTheData:
    def test_every_listed_model_is_a_catalog_chat_model_that_reasons_or_may(self) -> None:
        catalog = default_catalog()
        for (provider, model), switch in switches().items():
            entry = catalog.find(model, provider=provider)
            assert entry is not None, f"{provider}:{model} ({switch.name}) is not in the catalog"
            assert entry.kind == "chat"
            assert entry.capabilities.reasoning is not False, f"{entry.key} is known not to reason"

    def test_every_model_that_gets_its_reasoning_back_is_in_the_catalog(self) -> None:
        catalog = default_catalog()
        for provider, model in sending_back():
            entry = catalog.find(model, provider=provider)
            assert entry is not None, f"{provider}:{model} (send_back) is not in the catalog"
            assert entry.kind == "chat"

    def test_every_switch_says_what_to_send_and_where_that_is_documented(self) -> None:
        for switch in {s.name: s for s in switches().values()}.values():
            assert switch.sources, switch.name
            if switch.kind == "system_prompt":
                assert switch.on, switch.name
                assert switch.off, switch.name
            if switch.kind in ("chat_template_kwargs", "parameter"):
                assert switch.key, switch.name

    def test_a_model_in_two_switches_is_a_mistake_the_loader_would_hide(self) -> None:
        # Read the file itself: the loader's index keeps only the last switch listing a model.
        listed = [(table["provider"], model) for table in thinking_data()["switch"] for model in table["models"]]
        assert len(listed) == len(set(listed))
        assert len(switches()) == len(listed)


class TestNVIDIA:
    def test_nemotron_v1_adds_the_system_line(self) -> None:
        sent = body("nim:nvidia/llama-3.3-nemotron-super-49b-v1", True)
        assert sent["messages"] == [{"role": "system", "content": "detailed thinking on"}, *HI]
        system = [{"role": "system", "content": "Be brief."}, *HI]
        sent = body("nim:nvidia/llama-3.3-nemotron-super-49b-v1", False, system)
        assert sent["messages"][0] == {"role": "system", "content": "Be brief.\ndetailed thinking off"}
        assert "chat_template_kwargs" not in sent

    def test_nemotron_v1_5_and_nano_v2_use_think_and_no_think(self) -> None:
        assert body("nim:nvidia/nvidia-nemotron-nano-9b-v2", False)["messages"][0]["content"] == "/no_think"
        assert body("nim:nvidia/llama-3.3-nemotron-super-49b-v1.5", True)["messages"][0]["content"] == "/think"

    @pytest.mark.parametrize(
        ("key", "expected"),
        [
            ("nim:qwen/qwen3.5-397b-a17b", {"enable_thinking": False}),
            ("nim:nvidia/nemotron-3-super-120b-a12b", {"enable_thinking": False}),
            ("nim:z-ai/glm-5.1", {"clear_thinking": False, "enable_thinking": False}),
            ("nim:moonshotai/kimi-k2.6", {"thinking": False}),
        ],
    )
    def test_chat_template_kwargs(self, key: str, expected: dict[str, Any]) -> None:
        sent = body(key, False)
        assert sent["chat_template_kwargs"] == expected
        assert sent["messages"] == HI, "no system line for a template switch"

    def test_the_users_chat_template_kwargs_are_kept_and_a_contradiction_refused(self) -> None:
        sent = body("nim:qwen/qwen3.5-397b-a17b", True, chat_template_kwargs={"enable_thinking": True, "x": 1})
        assert sent["chat_template_kwargs"] == {"enable_thinking": True, "x": 1}
        with pytest.raises(RequestValidationError, match=r"chat_template_kwargs\['enable_thinking'\]=True and "):
            body("nim:qwen/qwen3.5-397b-a17b", False, chat_template_kwargs={"enable_thinking": True})


class TestNovita:
    def test_enable_thinking_is_a_top_level_parameter(self) -> None:
        sent = body("novita:zai-org/glm-4.5", False)
        assert sent["enable_thinking"] is False
        assert "chat_template_kwargs" not in sent
        with pytest.raises(RequestValidationError, match="enable_thinking=True and thinking=False disagree"):
            body("novita:zai-org/glm-4.5", False, enable_thinking=True)

    def test_a_model_that_always_thinks_warns_on_false_and_sends_nothing(self) -> None:
        with pytest.warns(ThinkingWarning, match=r"deepseek-r1-0528 on novita always thinks"):
            sent = body("novita:deepseek/deepseek-r1-0528", False)
        assert sent == body("novita:deepseek/deepseek-r1-0528", None)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert body("novita:deepseek/deepseek-r1-0528", True) == sent


class TestRefused:
    def test_a_model_known_not_to_reason(self) -> None:
        with pytest.raises(UnsupportedCapabilityError, match="smollm2-135m-instruct on local does not reason"):
            body("local:smollm2-135m-instruct", True)

    def test_a_reasoning_model_whose_switch_is_unknown_names_the_way_to_pass_one(self) -> None:
        # NVIDIA's DeepSeek V3.2: the sources disagree (thinking vs enable_thinking), so no switch is listed.
        assert switch_for(default_catalog().get("nim:deepseek-ai/deepseek-v3.2")) is None
        with pytest.raises(RequestValidationError, match=r"does not know how .* extra_body=.*chat_template_kwargs"):
            body("nim:deepseek-ai/deepseek-v3.2", False)

    def test_unset_sends_nothing(self) -> None:
        assert body("nim:z-ai/glm-5.1", None) == build_request(default_catalog().get("nim:z-ai/glm-5.1"), HI)


def test_the_chat_client_takes_it() -> None:
    chat = ChatClient("nim", "moonshotai/kimi-k2.6", api_key="k")
    assert chat.build_request(HI, thinking=True)["chat_template_kwargs"] == {"thinking": True}


class TestOutOfBudget:
    """An answer that stopped at max_tokens while still thinking is reported, never an empty success."""

    def client(self, fake: FakeProvider) -> ChatClient:
        return ChatClient("novita", "deepseek/deepseek-r1-0528", api_key="k", **fake.client_transports)

    @pytest.mark.parametrize(
        "message",
        [
            {"role": "assistant", "content": "", "reasoning_content": "First, consider"},
            {"role": "assistant", "content": None, "reasoning": "First, consider"},
            {"role": "assistant", "content": "<think>First, consider the"},
        ],
    )
    def test_a_whole_answer(self, message: dict[str, Any]) -> None:
        fake = FakeProvider().json({"choices": [{"index": 0, "message": message, "finish_reason": "length"}]})
        chat = self.client(fake)
        with pytest.warns(
            ThinkingBudgetWarning, match=r"whole output budget thinking .* raise max_tokens \(it was 64\)"
        ):
            chat.create(chat.build_request(HI, params={"max_tokens": 64}))

    @pytest.mark.parametrize(
        ("message", "finish"),
        [
            ({"role": "assistant", "content": "The answer", "reasoning_content": "hmm"}, "length"),  # cut, but answered
            ({"role": "assistant", "content": "", "reasoning_content": "hmm"}, "stop"),
            ({"role": "assistant", "content": "", "tool_calls": [CALL], "reasoning_content": "hmm"}, "length"),
            ({"role": "assistant", "content": "cut sho"}, "length"),  # no reasoning: an ordinary cut answer
        ],
    )
    def test_no_warning_otherwise(self, message: dict[str, Any], finish: str) -> None:
        fake = FakeProvider().json({"choices": [{"index": 0, "message": message, "finish_reason": finish}]})
        chat = self.client(fake)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            chat.create(chat.build_request(HI))

    @pytest.mark.parametrize(
        ("deltas", "warned"),
        [
            ([{"reasoning_content": "First"}, {"reasoning_content": ", consider"}], True),
            ([{"content": "<think>First"}, {"content": ", consider"}], True),
            ([{"content": "<think>First</think>"}, {"content": "  "}], True),
            ([{"content": "<think>First</think>The"}], False),
            ([{"reasoning_content": "First"}, {"content": "The answer"}], False),
            ([{"content": "cut sho"}], False),
            ([{"content": "<thi"}, {"content": "nk>hm</th"}, {"content": "ink>The"}], False),  # tags split
            ([{"content": "<think>hm</th"}, {"content": "ink>"}], True),
        ],
    )
    @pytest.mark.parametrize("mode", ["sync", "async"])
    def test_a_stream(self, deltas: list[dict[str, Any]], warned: bool, mode: str) -> None:
        events = [chunk(delta) for delta in deltas] + [chunk({}, "length")]
        fake = FakeProvider().stream(sse(events))
        chat = self.client(fake)
        request = chat.build_request(HI, stream=True)

        def drain() -> None:
            if mode == "sync":
                list(chat.stream(request))
            else:

                async def run() -> None:
                    async for _ in chat.astream(request):
                        pass

                asyncio.run(run())

        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            drain()
        budget = [w for w in seen if issubclass(w.category, ThinkingBudgetWarning)]
        assert bool(budget) is warned, [str(w.message) for w in seen]
        if warned:
            assert "set max_tokens (the provider's default cut it)" in str(budget[0].message)


class TestReasoningSentBack:
    """Earlier turns' reasoning goes back only to the models that need it (the catalog's send_back)."""

    HISTORY: ClassVar[list[dict[str, Any]]] = [
        {"role": "user", "content": "Add 2 and 3."},
        {"role": "assistant", "content": "", "reasoning_content": "I should call add.", "tool_calls": [CALL]},
        {"role": "tool", "content": "5", "tool_call_id": "call_1"},
        {"role": "assistant", "content": "5."},
        {"role": "user", "content": "And 4?"},
    ]

    def test_kept_for_a_model_that_needs_it_and_empty_where_missing(self) -> None:
        sent = body("nim:moonshotai/kimi-k2.6", None, self.HISTORY)["messages"]
        assert sent[1]["reasoning_content"] == "I should call add."
        assert sent[3]["reasoning_content"] == "", "an assistant turn without reasoning gets an empty one"
        assert "reasoning_content" not in sent[0]

    @pytest.mark.parametrize("key", ["nim:qwen/qwen3.5-397b-a17b", "novita:deepseek/deepseek-r1-0528"])
    def test_stripped_for_every_other_model(self, key: str) -> None:
        sent = body(key, None, self.HISTORY)["messages"]
        assert all("reasoning_content" not in message for message in sent)
        assert self.HISTORY[1]["reasoning_content"] == "I should call add.", "the caller's messages are not changed"


def _every_switched_model() -> list[tuple[str, str]]:
    return sorted(switches())


class TestOnTheWire:
    """Every model of every switch in catalog/thinking.toml, on and off, through the client to the transport:
    the knob its family documents is in the body that leaves (no model's parameter rules refuse it)."""

    @pytest.mark.parametrize(("provider", "model"), _every_switched_model())
    @pytest.mark.parametrize("on", [True, False])
    def test_the_knob_is_sent(self, provider: str, model: str, on: bool) -> None:
        switch = switches()[(provider, model)]
        fake = FakeProvider().reply("Hi.", stream=False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # some listed models are deprecated: ModelStatusWarning
            chat = ChatClient(provider, model, api_key="k", **fake.client_transports)
            chat.create(chat.build_request(HI, thinking=on))
        caught = [w for w in caught if issubclass(w.category, (ThinkingWarning, ThinkingBudgetWarning))]
        sent = fake.last
        assert sent["model"] == model
        assert sent.get("max_tokens") == (
            min(16384, max_tokens_limit(chat.model) or 16384) if provider == "nim" else None
        )
        others = {k: v for k, v in sent.items() if k not in ("model", "messages", "stream", "max_tokens")}
        if switch.kind == "system_prompt":
            assert sent["messages"] == [{"role": "system", "content": switch.on if on else switch.off}, *HI]
            assert others == {}
        elif switch.kind == "chat_template_kwargs":
            assert sent["chat_template_kwargs"] == {**switch.also, switch.key: on}
            assert sent["messages"] == HI
        elif switch.kind == "parameter":
            assert sent[switch.key] is on
            assert sent["messages"] == HI
        else:  # always thinks: nothing to send; False is a warning, True is silent
            assert sent["messages"] == HI
            assert others == {}
            assert [w.category for w in caught] == ([] if on else [ThinkingWarning])
        if switch.kind != "always":
            assert not caught


class TestOutputBudget:
    """NVIDIA's hosted default cuts a reasoning model's answer short: a request without max_tokens gets the
    catalog's budget, lowered to the model's limit; the user's own value always wins."""

    def test_a_reasoning_model_on_nvidia_gets_the_budget(self) -> None:
        assert body("nim:z-ai/glm4.7", None)["max_tokens"] == 16384
        assert body("nim:qwen/qwen3.5-397b-a17b", None)["max_tokens"] == 8192, "the model's own limit is lower"

    def test_the_users_value_wins_under_any_spelling(self) -> None:
        assert body("nim:z-ai/glm4.7", None, max_tokens=64)["max_tokens"] == 64
        assert body("nim:z-ai/glm4.7", None, max_completion_tokens=64)["max_tokens"] == 64

    @pytest.mark.parametrize(
        "key", ["nim:meta/llama-3.3-70b-instruct", "novita:deepseek/deepseek-r1-0528", "local:smollm2-135m-instruct"]
    )
    def test_nothing_is_added_where_no_default_is_known_to_cut(self, key: str) -> None:
        assert "max_tokens" not in body(key, None)
        assert output_budget(default_catalog().get(key)) is None

    def test_every_budget_names_its_sources(self) -> None:
        for table in thinking_data()["output_budget"]:
            assert table["sources"]
            assert table["max_tokens"] > 0


class TestEffortAndBudget:
    """``thinking="high"`` / ``thinking=4096``: the model's own effort or budget field, where a source documents one."""

    def test_an_effort_goes_in_the_models_field(self) -> None:
        sent = body("novita:openai/gpt-oss-120b", "low")
        assert sent["reasoning_effort"] == "low"
        assert sent["messages"] == HI
        assert body("nim:mistralai/mistral-small-4-119b-2603", "high")["reasoning_effort"] == "high"

    def test_an_effort_the_model_does_not_take_names_those_it_does(self) -> None:
        with pytest.raises(RequestValidationError, match=r"thinking='max' is not an effort .* low, medium, high"):
            body("novita:openai/gpt-oss-20b", "max")

    def test_a_budget_goes_in_the_models_field_within_its_range(self) -> None:
        sent = body("nim:nvidia/nemotron-3-super-120b-a12b", 4096)
        assert sent["reasoning_budget"] == 4096
        assert "chat_template_kwargs" not in sent, "a budget is not the on/off switch"
        outside = r"thinking=40000 is outside the token budget .*\(-1 to 32768\)"
        with pytest.raises(RequestValidationError, match=outside):
            body("nim:nvidia/nemotron-3-super-120b-a12b", 40_000)

    @pytest.mark.parametrize(
        ("key", "level", "fix"),
        [
            ("nim:qwen/qwen3.5-397b-a17b", "high", "Use thinking=True/False"),
            ("novita:deepseek/deepseek-r1-0528", 2048, "Use thinking=True/False"),
            ("nim:deepseek-ai/deepseek-v3.2", "high", "Use the provider's own field in extra_body"),
        ],
    )
    def test_a_model_with_no_known_level_refuses_it_before_sending(self, key: str, level: Any, fix: str) -> None:
        fake = FakeProvider().reply("no")
        provider, model = key.split(":", 1)
        chat = ChatClient(provider, model, api_key="k", **fake.client_transports)
        with pytest.raises(RequestValidationError, match=rf"knows no thinking (effort|budget) for .*{fix}"):
            chat.create(chat.build_request(HI, thinking=level))
        assert fake.requests == []

    def test_not_a_level_at_all(self) -> None:
        with pytest.raises(RequestValidationError, match=r"thinking=0.5 is not a switch: pass True/False, an effort"):
            body("nim:nvidia/nemotron-3-super-120b-a12b", 0.5)  # type: ignore[arg-type]

    def test_extra_body_cannot_set_it_twice(self) -> None:
        model = default_catalog().get("novita:openai/gpt-oss-120b")
        with pytest.raises(RequestValidationError, match="extra_body sets 'reasoning_effort'"):
            build_request(model, HI, thinking="low", extra_body={"reasoning_effort": "high"})

    def test_every_level_table_lists_catalog_models_and_sources(self) -> None:
        catalog = default_catalog()
        for kind in ("effort", "budget"):
            for table in thinking_data()[kind]:
                assert table["sources"], table["name"]
                for model in table["models"]:
                    assert catalog.find(model, provider=table["provider"]) is not None, (kind, model)
